#!/usr/bin/env bash
# Hostile bundles and the CVE classes of container breakouts.
# 1. Symlinks in the rootfs (and "..", and sysctl keys) must not take any
#    runtime write or mount out of the rootfs: for each bundle, sentinel
#    files on the host stay untouched, no mount appears on the host, and a
#    failure is one line naming the field.
# 2. fd hygiene (CVE-2024-21626): the workload sees fds 0-2 plus
#    --preserve-fds, and its cwd is inside the container.
# 3. The runtime binary (CVE-2019-5736): the workload cannot exec it
#    (/proc/self/exe, a #! script naming it), and a process in the
#    container's pid namespace cannot open the waiting init's
#    /proc/1/exe. Limits: `exec` into a running container is tested by the
#    exec tests; the ELF PT_INTERP route is covered by the code, not here.
# 4. What a path turns out to be: under the shipped policy (enforce) a
#    bind source that resolves to a denied path (a bundle symlink to /etc)
#    and a namespace path that is the host's (/proc/$$/ns/ipc: the test
#    shell's) are refused, leaving nothing; under audit they run.
. "$(dirname "$0")/lib.sh"

B="$BW_TMP/bundle"
make_bundle "$B" || { fail "make bundle" "bulwark spec failed"; finish; exit 1; }
if [ ! -x "${PROBE_DIR:-}/probe" ]; then fail "probe" "\$PROBE_DIR/probe missing (build tests/probe/probe.c)"; finish; exit 1; fi
cp "$PROBE_DIR/probe" "$B/rootfs/bin/probe"
cp "$B/config.json" "$BW_TMP/config.base.json"
cp -a "$B/rootfs" "$BW_TMP/rootfs.base"

# The host side the bundles aim at.
HOST="$BW_TMP/host"
mkdir -p "$HOST/dir"
echo "host secret" > "$HOST/passwd"
echo "sentinel" > "$HOST/dir/sentinel"
snapshot () { (cd "$HOST" && find . -printf '%p %y %s %m %U %G %T@\n' | sort; cat passwd dir/sentinel) | md5sum; }
HOST_SUM=$(snapshot)

N=0
# try NAME EDIT SETUP ARGS...: a fresh rootfs and config; SETUP (shell, run
# in the rootfs directory) plants the symlinks, EDIT (python) changes the
# config. Then the container runs; $OUT and $RC tell how it went.
try () {
  local edit=$1 setup=$2; shift 2
  rm -rf "$B/rootfs" && cp -a "$BW_TMP/rootfs.base" "$B/rootfs"
  (cd "$B/rootfs" && eval "$setup")
  cp "$BW_TMP/config.base.json" "$B/config.json"
  [ -n "$edit" ] && edit_config "$B/config.json" "$edit"
  set_args "$B/config.json" "$@"
  N=$((N + 1))
  OUT=$(bw run --bundle "$B" "e$N" 2>&1); RC=$?
}
# contained NAME [ERROR-REGEX]: the host is untouched; with a regex the run
# must have failed with exactly that one line, else either outcome is fine
# as long as a failure is one line.
contained () {
  local name=$1 pattern=${2:-} lines
  lines=$(printf '%s' "$OUT" | grep -c '')
  if [ "$(snapshot)" != "$HOST_SUM" ]; then fail "$name" "a host file changed: $(cd "$HOST" && find . | tr '\n' ' ')"; return; fi
  if grep -q "$HOST" /proc/self/mountinfo; then fail "$name" "a mount appeared on the host: $(grep "$HOST" /proc/self/mountinfo)"; return; fi
  if ! root_is_empty; then fail "$name" "state left: $(ls -A "$ROOT")"; return; fi
  if [ -n "$pattern" ]; then
    if [ "$RC" -eq 0 ] || [ "$lines" -ne 1 ] || ! printf '%s' "$OUT" | grep -Eq -- "$pattern"; then fail "$name" "wanted one line matching '$pattern', rc=$RC out=$OUT"; return; fi
  elif [ "$RC" -ne 0 ] && { [ "$lines" -ne 1 ] || ! printf '%s' "$OUT" | grep -q '^bulwark: '; }; then
    fail "$name" "failure is not one bulwark line: $OUT"; return
  fi
  ok "$name"
}

# --- 1. symlink escapes
# (Where a check looks inside the rootfs: no user namespace, whose root
# could not write the host-owned rootfs, and no tmpfs on /tmp, which would
# hold what lands below the host path's /tmp prefix.)
INSIDE="$NO_USERNS"'; c["root"]["readonly"] = False; c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/tmp"]'
try "$INSIDE" "rm -rf proc && ln -s '$HOST/dir' proc" sh -c 'ls /proc/self/status'
contained "rootfs/proc -> host directory: proc stays inside"
[ "$RC" -eq 0 ] && [ -d "$B/rootfs$HOST/dir" ] && ok "rootfs/proc -> host directory: resolved inside the rootfs" || fail "rootfs/proc -> host directory: resolved inside the rootfs" "rc=$RC out=$OUT"

try "$INSIDE" "rm -rf proc && ln -s /no/such/host/dir proc" true
contained "rootfs/proc -> missing host path: nothing created on the host"
check "rootfs/proc -> missing host path: not created on the host" test ! -e /no/such/host/dir
check "rootfs/proc -> missing host path: its target made inside the rootfs" test -d "$B/rootfs/no/such/host/dir"

try "" "rm -rf dev && ln -s '$HOST/dir' dev" sh -c 'echo x > /dev/null && ls /dev/null'
contained "rootfs/dev -> host directory: /dev tmpfs and nodes stay inside"

try 'c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/dev"]' "rm -rf dev && mkdir dev && ln -s '$HOST/passwd' dev/null && ln -s '$HOST/dir' dev/pts" sh -c 'echo overwritten > /dev/null; ls -l /dev/null'
contained "rootfs/dev/null -> host file, dev/pts -> host directory (no /dev mount in the config)"

try 'c["mounts"].append({"destination": "/mnt/root", "type": "tmpfs", "source": "tmpfs"})' "mkdir -p mnt && ln -s / mnt/root" true
contained "mount destination that is a symlink to /"

try 'c["mounts"].append({"destination": "/mnt/up", "type": "tmpfs", "source": "tmpfs"})' "mkdir -p mnt && ln -s ../../../../../../../../.. mnt/up" true
contained "mount destination that is a symlink to ../../.."

try 'c["mounts"].append({"destination": "/../../../../../../'"${HOST#/}"'/dir", "type": "tmpfs", "source": "tmpfs"})' "" true
contained "mount destination with .. up to a host path"

try "$INSIDE"'; c["mounts"].append({"destination": "/mnt/sub/inner", "type": "tmpfs", "source": "tmpfs"})' "ln -s '$HOST/dir' mnt" true
contained "mount destination through a symlinked parent directory"
check "symlinked parent: the directory was made inside the rootfs" test -d "$B/rootfs$HOST/dir/sub/inner"

try "$NO_USERNS"'; c["mounts"].append({"destination": "/mnt/bind", "type": "bind", "source": "'"$BW_TMP"'/bindsrc", "options": ["rbind", "rw"]})' "mkdir -p '$BW_TMP/bindsrc' && mkdir -p mnt && ln -s '$HOST/dir/sentinel' mnt/bind" true
contained "bind destination that is a symlink to a host file"

try 'c["linux"]["maskedPaths"] = ["/etc/secret", "/etc/secretdir"]' "ln -s '$HOST/passwd' etc/secret && ln -s '$HOST/dir' etc/secretdir" sh -c 'cat /etc/secret 2>/dev/null; true'
contained "maskedPaths entries that are symlinks to host paths"

try 'c["linux"]["readonlyPaths"] = ["/ro", "/rofile"]' "ln -s '$HOST/dir' ro && ln -s '$HOST/passwd' rofile" true
contained "readonlyPaths entries that are symlinks to host paths"
check "readonlyPaths symlink: the host directory is still writable" bash -c "touch '$HOST/dir/.w' && rm '$HOST/dir/.w'"
HOST_SUM=$(snapshot)

try "$INSIDE"'; c["process"]["cwd"] = "/work"' "ln -s '$HOST/dir' work" sh -c 'pwd -P; echo x > escaped'
contained "cwd symlink to a host directory (absolute)"
check "cwd symlink: the workload's file landed inside the rootfs" test -f "$B/rootfs$HOST/dir/escaped"
try "$NO_USERNS"'; c["process"]["cwd"] = "/work"' "ln -s ../../../../../../../../..'$HOST/dir' work" sh -c 'echo x > escaped2'
contained "cwd symlink to a host directory (relative, ../..)"

for key in 'kernel/../../../etc/x' 'net.ipv4/../../../x' '../../sys/kernel/x' 'kernel..hostname' '/proc/sys/kernel/hostname'; do
  try 'c["linux"]["sysctl"] = {"'"$key"'": "1"}' "" true
  contained "sysctl key with path traversal: $key" '^bulwark: linux\.sysctl: invalid key '
done

try 'c["linux"]["devices"] = [{"path": "/dev/../../../../'"${HOST#/}"'/dir/evilnode", "type": "c", "major": 1, "minor": 3}]' "" true
contained "linux.devices path with .. stays inside"

# --- 2. fd hygiene
try "" "" probe fds
if [ "$RC" -eq 0 ] && [ "$(printf '%s\n' "$OUT" | cut -d' ' -f1 | tr '\n' ' ')" = "0 1 2 " ]; then ok "fds: the workload sees only 0, 1, 2"; else fail "fds: the workload sees only 0, 1, 2" "$OUT"; fi
cp "$BW_TMP/config.base.json" "$B/config.json"; set_args "$B/config.json" probe fds
OUT=$(bw run --preserve-fds 2 --bundle "$B" efd 3</dev/null 4>"$BW_TMP/fd4" 5</dev/null 2>&1); RC=$?
if [ "$RC" -eq 0 ] && [ "$(printf '%s\n' "$OUT" | cut -d' ' -f1 | tr '\n' ' ')" = "0 1 2 3 4 " ]; then ok "fds: --preserve-fds 2 passes 3 and 4, not 5"; else fail "fds: --preserve-fds 2 passes 3 and 4, not 5" "$OUT"; fi
for cfg in "" "$NO_USERNS"; do
  what=$([ -z "$cfg" ] && echo "user namespace" || echo "no user namespace")
  try "$cfg" "" sh -c 'probe cwd; probe fds; ls -l /proc/self/fd/ | grep -v -e "-> /dev/null" -e "-> pipe:" -e "-> /proc/.*/fd" -e "^total" || true'
  if [ "$RC" -eq 0 ] && [ "$(printf '%s\n' "$OUT" | head -1)" = / ] && ! printf '%s\n' "$OUT" | grep -q "$BW_TMP"; then ok "cwd is / inside the container, no fd names a host path ($what)"; else fail "cwd is / inside the container, no fd names a host path ($what)" "$OUT"; fi
done

# --- 3. the runtime binary
for cfg in "" "$NO_USERNS"; do
  what=$([ -z "$cfg" ] && echo "user namespace" || echo "no user namespace")
  try "$cfg" "" probe exe-write self
  [ "$RC" -eq 0 ] && ok "the workload's /proc/self/exe is not writable ($what)" || fail "the workload's /proc/self/exe is not writable ($what)" "$OUT"
  try "$cfg" "" /proc/self/exe --version
  contained "args[0] = /proc/self/exe is refused ($what)" '^bulwark: exec "/proc/self/exe": refusing to execute the runtime binary'
  try "$cfg" "printf '#!/proc/self/exe\n' > bin/evil && chmod 755 bin/evil" evil --version
  contained "a #!/proc/self/exe script is refused ($what)" '^bulwark: exec "/bin/evil": refusing to execute the runtime binary \(via interpreter /proc/self/exe\)'
  try "$cfg" "printf '#!/bin/evil2\n' > bin/evil && printf '#!/proc/self/exe\n' > bin/evil2 && chmod 755 bin/evil bin/evil2" /bin/evil
  contained "a chain of #! scripts ending at /proc/self/exe is refused ($what)" 'refusing to execute the runtime binary'
done
check "the runtime binary on the host is unchanged and not ETXTBSY-held" test -x "$BULWARK"

# A created container's init waits in the container, still the runtime's
# clone: a second container in its pid namespace must not reach its exe.
cp "$BW_TMP/config.base.json" "$B/config.json"
edit_config "$B/config.json" "$NO_USERNS"
set_args "$B/config.json" sleep 30
if bw create --bundle "$B" waiting; then
  ipid=$(bw state waiting | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  [ "$(awk '{print $1}' /proc/$ipid/stat 2>/dev/null)" = "$ipid" ] || true
  B2="$BW_TMP/bundle2"
  make_bundle "$B2" >/dev/null
  cp "$PROBE_DIR/probe" "$B2/rootfs/bin/probe"
  # (Only without a user namespace: one that does not own the pid
  # namespace may not mount its procfs.)
  for cfg in "$NO_USERNS"; do
    what="no user namespace"
    edit_config "$B2/config.json" "$cfg"'
for n in c["linux"]["namespaces"]:
    if n["type"] == "pid": n["path"] = "/proc/'"$ipid"'/ns/pid"'
    set_args "$B2/config.json" probe exe-write 1
    OUT=$(bw run --bundle "$B2" peer 2>&1); RC=$?
    if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q '^direct: ' && ! printf '%s\n' "$OUT" | grep -q writable; then ok "a peer in the pid namespace cannot open the waiting init's /proc/1/exe for writing ($what)"; else fail "a peer in the pid namespace cannot open the waiting init's /proc/1/exe for writing ($what)" "rc=$RC $OUT"; fi
    set_args "$B2/config.json" sh -c 'readlink /proc/1/exe || echo unreadable'
    OUT=$(bw run --bundle "$B2" peer 2>&1)
    printf '%s\n' "$OUT" | grep -q '^unreadable$' && ok "a peer cannot even resolve the waiting init's /proc/1/exe ($what)" || fail "a peer cannot even resolve the waiting init's /proc/1/exe ($what)" "$OUT"
    cp "$BW_TMP/config.base.json" "$B2/config.json"
  done
  bw delete -f waiting >/dev/null 2>&1
else
  fail "create a waiting container" "create failed"
fi

# --- 4. what a path turns out to be
# The shipped policy, its audit log and ID-range pool moved into the
# test's directory (as test_policy.sh does).
SRC=$(cd "$TESTS_DIR/.." && pwd)
POOL=$BW_TMP/run/bulwark/idpool
ENFORCE=$BW_TMP/policy.json
sed -e "s|\"auditLog\": \"[^\"]*\"|\"auditLog\": \"$BW_TMP/audit.log\"|" \
  -e "s|\"pool\": \"[^\"]*\"|\"pool\": \"$POOL\"|" "$SRC/profiles/policy.json" > "$ENFORCE"
export BULWARK_SECCOMP_PROFILE_DIR=$SRC/profiles/seccomp
AUDIT=$POLICY
# No user namespace of its own: the policy adds one, taking a range.
BIND_ETC="$NO_USERNS"'; c["mounts"].append({"destination": "/mnt/data", "type": "bind", "source": "data", "options": ["rbind", "ro"]})'
host_ns () { printf '%s; c.pop("hostname", None)\nfor n in c["linux"]["namespaces"]:\n    if n["type"] == "%s": n["path"] = "/proc/%s/ns/%s"' "$NO_USERNS" "$1" "$$" "$1"; }
resolved () {  # NAME PATTERN EDIT [enforce-only]
  POLICY=$ENFORCE
  try "$3" "ln -sfn /etc ../data" true
  contained "enforce: $1" "$2"
  [ -z "$(ls "$POOL" 2>/dev/null | grep -v '^\.')" ] && ok "enforce: $1: no ID range held" \
    || fail "enforce: $1: no ID range held" "$(ls -A "$POOL")"
  if [ -n "${4:-}" ]; then POLICY=$AUDIT; rm -f "$B/data"; return; fi
  POLICY=$AUDIT
  try "$3" "ln -sfn /etc ../data" sh -c 'test -r /mnt/data/passwd || test ! -e /mnt/data; echo ran'
  contained "audit: $1 runs"
  [ "$RC" -eq 0 ] && [ "$OUT" = ran ] && ok "audit: $1: the container ran" || fail "audit: $1: the container ran" "rc=$RC out=$OUT"
  rm -f "$B/data"
}
resolved "bind source symlinked to /etc" \
  '^bulwark: mounts\[[0-9]+\]: mount data to /mnt/data: data resolves to /etc, which the policy denies \(mounts\.deny\)$' "$BIND_ETC"
resolved "the host's ipc namespace by path" \
  "^bulwark: linux\\.namespaces\\[[0-9]+\\]\\.path: /proc/$$/ns/ipc is the host's ipc namespace: refused by the policy \\(namespaces\\.allowHost\\)\$" "$(host_ns ipc)"
# (No audit half: the kernel refuses setns into one's own user namespace.)
host_userns () { printf '%s\nc["linux"]["namespaces"].append({"type": "user", "path": "/proc/%s/ns/user"})' "$NO_USERNS" "$$"; }
resolved "the host's user namespace by path" \
  "^bulwark: linux\\.namespaces\\[[0-9]+\\]\\.path: /proc/$$/ns/user is the host's user namespace: refused by the policy \\(userNamespace\\)\$" "$(host_userns)" enforce-only
resolved "the host's uts namespace by path" \
  "^bulwark: linux\\.namespaces\\[[0-9]+\\]\\.path: /proc/$$/ns/uts is the host's uts namespace: refused by the policy \\(namespaces\\.allowHost\\)\$" "$(host_ns uts)"

finish
