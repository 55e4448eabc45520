# lib.sh: shared helpers of the client suites (podman, containerd, docker).
# Source it. Each suite drives a real client, with its own daemon and
# private directories, against the installed runtime, and prints
# "ok - NAME" / "not ok - NAME: why" lines that tests/check counts.
#
# RUNTIME selects the OCI runtime under test (default: the installed
# bulwark). With RUNTIME=/usr/bin/crun the same checks run, except the
# hardening ones, which are reported as skips: crun does not enforce them.
# That the suites pass with crun shows they test the clients, not bulwark.

# A terminal inherited on stdin changes what clients do (ctr run -d fails
# on one): every check gets its stdin explicitly, /dev/null by default.
exec </dev/null

RUNTIME=${RUNTIME:-/usr/local/bin/bulwark}
RUNTIME_NAME=$(basename "$RUNTIME")
CLIENTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROBE_DIR=${PROBE_DIR:-$CLIENTS_DIR/../../build/tests/probe}
FAILED=0
PASSED=0
CLIENT_PIDS=()

# crun 1.8.1 refuses this host's hybrid cgroup layout (cgroup2 mounted at
# /sys/fs/cgroup/unified beside the v1 controllers) unless it runs in a
# private mount namespace with an empty tmpfs there: re-run the suite so.
# crun still writes a cgroup.procs file per container into that tmpfs (one
# page each, never removed), so it needs room for a few hundred containers.
if [ "$RUNTIME_NAME" = crun ] && [ -z "${CLIENT_PRIVATE_NS:-}" ] \
   && grep -q ' /sys/fs/cgroup/unified cgroup2 ' /proc/self/mounts; then
  export CLIENT_PRIVATE_NS=1
  exec unshare -m --propagation private bash -c \
    'mount -t tmpfs -o size=4m none /sys/fs/cgroup/unified && exec bash "$0" "$@"' "$0" "$@"
fi

# The suite's private directories: on disk (overlayfs needs a real upper
# filesystem, not the tmpfs /tmp may be elsewhere).
: "${CL_TMP:=$(mktemp -d /var/tmp/bulwark-client.XXXXXX)}"

ok () { echo "ok - $1"; PASSED=$((PASSED + 1)); }
fail () { echo "not ok - $1: $2"; FAILED=$((FAILED + 1)); }
skip () { echo "ok - $1 # SKIP $2"; }

# hardened: true when the runtime under test is meant to enforce hardening.
hardened () { [ "$RUNTIME_NAME" = bulwark ]; }

# hcheck NAME COND...: a hardening check; skipped with another runtime.
hcheck () {
  local name=$1; shift
  if ! hardened; then skip "$name" "$RUNTIME_NAME does not enforce hardening"; return; fi
  if "$@" >/dev/null 2>&1; then ok "$name"; else fail "$name" "command failed: $*"; fi
}

# check NAME COND...: ok when the command succeeds.
check () {
  local name=$1; shift
  if "$@" >/dev/null 2>&1; then ok "$name"; else fail "$name" "command failed: $*"; fi
}

# run_out CMD...: run CMD bounded in time; stdout+stderr in OUT (carriage
# returns of a tty dropped), exit status in RC.
run_out () {
  OUT=$(timeout 120 "$@" 2>&1 </dev/null | tr -d '\r'; exit "${PIPESTATUS[0]}")
  RC=$?
}

# expect_out NAME WANT CMD...: CMD succeeds and prints exactly WANT.
expect_out () {
  local name=$1 want=$2; shift 2
  run_out "$@"
  if [ "$RC" -eq 0 ] && [ "$OUT" = "$want" ]; then ok "$name"
  else fail "$name" "rc=$RC, wanted '$want', got '$OUT'"; fi
}

# expect_rc NAME RC CMD...: CMD exits with status RC.
expect_rc () {
  local name=$1 want=$2; shift 2
  run_out "$@"
  if [ "$RC" -eq "$want" ]; then ok "$name"; else fail "$name" "exit $RC, wanted $want: $OUT"; fi
}

# expect_refused NAME PATTERN CMD...: CMD fails and what the client shows
# the user holds bulwark's one-line error matching PATTERN (with another
# runtime: the command must merely succeed or fail, nothing is asserted).
expect_refused () {
  local name=$1 pattern=$2; shift 2
  run_out "$@"
  if ! hardened; then skip "$name" "$RUNTIME_NAME does not enforce hardening"; return; fi
  if [ "$RC" -ne 0 ] && printf '%s' "$OUT" | grep -Eq -- "bulwark: .*$pattern"; then ok "$name"
  else fail "$name" "exit $RC, wanted bulwark's error matching '$pattern', got: $OUT"; fi
}

# build_image OUT.tar REF: an image made here from busybox-static and the
# test probes (never pulled). /etc/passwd has root and user 1000.
build_image () {
  local out=$1 ref=$2 dir=$CL_TMP/image-rootfs
  rm -rf "$dir"
  mkdir -p "$dir/bin" "$dir/etc" "$dir/tmp" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/run" \
           "$dir/var/tmp" "$dir/root" "$dir/home/user" "$dir/work"
  cp /bin/busybox "$dir/bin/busybox"
  local a
  for a in $(/bin/busybox --list); do
    [ "$a" = busybox ] || ln -sf busybox "$dir/bin/$a"
  done
  local p
  for p in probe landlock_probe seccomp_probe; do
    [ -x "$PROBE_DIR/$p" ] && cp "$PROBE_DIR/$p" "$dir/bin/$p"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nuser:x:1000:\n' >"$dir/etc/group"
  chown 1000:1000 "$dir/home/user"
  chmod 1777 "$dir/tmp" "$dir/var/tmp"
  python3 "$CLIENTS_DIR/make-image.py" "$dir" "$out" "$ref"
}

# The hardening facts, printed from inside a container by busybox sh.
HARDENING_FACTS='cat /proc/self/uid_map
grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status
if touch /.rootfs-write 2>/dev/null; then echo rootfs=rw; else echo rootfs=ro; fi
if touch /tmp/.tmp-write 2>/dev/null; then echo tmp=rw; else echo tmp=ro; fi
for f in /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max; do
  [ -r $f ] && echo memory=$(cat $f); done
for f in /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max; do
  [ -r $f ] && echo pids=$(cat $f); done'

# check_hardening LABEL FACTS: the facts printed by HARDENING_FACTS show the
# default policy (profiles/policy.json) in force: an unprivileged, non-
# identity user namespace; capabilities clamped to the allowed set (CHOWN,
# DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP,
# NET_BIND_SERVICE = 0x5fb); no_new_privs; a seccomp filter; a read-only
# root with a writable /tmp; memory and pids limits.
check_hardening () {
  local label=$1 facts=$2 line host cap
  line=$(printf '%s\n' "$facts" | awk 'NR==1')
  host=$(printf '%s' "$line" | awk '{print $2}')
  hcheck "$label: user namespace maps root to an unprivileged host ID" \
    test -n "$host" -a "${host:-0}" -ge 65536
  cap=$(printf '%s\n' "$facts" | awk '/^CapEff:/ {print $2}')
  # Every client's default set holds the nine: exactly those remain.
  hcheck "$label: capabilities clamped to the policy's set ($cap)" test "$cap" = 00000000000005fb
  hcheck "$label: no_new_privs" grep -qx 'NoNewPrivs:[[:space:]]*1' <<<"$facts"
  hcheck "$label: seccomp filter" grep -qx 'Seccomp:[[:space:]]*2' <<<"$facts"
  hcheck "$label: read-only rootfs" grep -qx 'rootfs=ro' <<<"$facts"
  hcheck "$label: writable /tmp" grep -qx 'tmp=rw' <<<"$facts"
  local mem pids
  mem=$(printf '%s\n' "$facts" | sed -n 's/^memory=//p' | head -1)
  pids=$(printf '%s\n' "$facts" | sed -n 's/^pids=//p' | head -1)
  hcheck "$label: memory limit ($mem)" test -n "$mem" -a "$mem" != max -a "${#mem}" -lt 19
  hcheck "$label: pids limit ($pids)" test -n "$pids" -a "$pids" != max
}

# Landlock, seen from inside: the workload (confined) may not signal a
# process that entered the container later through exec (not in its
# domain). The container runs LANDLOCK_WATCH; the test execs
# LANDLOCK_TARGET, then reads /tmp/landlock with another exec.
LANDLOCK_WATCH='while [ ! -s /tmp/target ]; do sleep 0.1; done
if kill -0 "$(cat /tmp/target)" 2>/dev/null; then echo signal-allowed >/tmp/landlock
else echo signal-denied >/tmp/landlock; fi
sleep 300'
LANDLOCK_TARGET='sleep 300 >/dev/null 2>&1 & echo $! >/tmp/target.new; mv /tmp/target.new /tmp/target'

# start_daemon NAME LOG CMD...: start a daemon in the background, remember
# its pid for stop_daemons.
start_daemon () {
  local name=$1 log=$2; shift 2
  "$@" >"$log" 2>&1 &
  CLIENT_PIDS+=("$!")
  echo "# started $name (pid $!)"
}

# wait_for SECONDS CMD...: poll until CMD succeeds.
wait_for () {
  local n=$(( $1 * 10 )); shift
  while [ "$n" -gt 0 ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1; n=$((n - 1))
  done
  return 1
}

# stop_daemons: SIGTERM every daemon started here, SIGKILL after 20 s.
stop_daemons () {
  local pid
  for pid in "${CLIENT_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${CLIENT_PIDS[@]}"; do
    wait_for 20 sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  CLIENT_PIDS=()
}

# mounts_under DIR: mount points at or below DIR (deepest first).
mounts_under () {
  awk -v d="$1" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort -r
}

# cleanup_tmp: unmount whatever the daemons left below CL_TMP, remove it.
cleanup_tmp () {
  local m
  for m in $(mounts_under "$CL_TMP"); do umount -l "$m" 2>/dev/null; done
  rm -rf "$CL_TMP"
}

# state_left ROOT: the container state dirs left in a runtime root (the
# runtime's shared files do not count); empty output means none.
state_left () {
  ls -A "$1" 2>/dev/null | grep -v -e '^\.lock$' -e '^\.seccomp-cache$' -e '^\.idpool$'
}

# idranges_left: ID ranges still allocated in bulwark's machine-wide pool
# (userNamespace.pool of the installed policy, shared by every --root).
IDPOOL_DIR=${IDPOOL_DIR:-/run/bulwark/.idpool.d}
idranges_left () {
  ls -A "$IDPOOL_DIR" 2>/dev/null | grep -v '^\.'
}

# ranges_naming GREP-ARGS...: the ranges of the pool whose record (it names
# its owner's state dir, <root>/<id>) matches `grep GREP-ARGS`.
ranges_naming () {
  local r
  for r in $(idranges_left); do
    grep -q "$@" "$IDPOOL_DIR/$r" 2>/dev/null && echo "$r"
  done
}

# procs_naming GREP-ARGS...: processes (but this shell) whose command line
# or cgroup matches `grep GREP-ARGS`.
procs_naming () {
  local p
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = $$ ] && continue
    { tr '\0' ' ' <"$p/cmdline"; echo; cat "$p/cgroup"; } 2>/dev/null | grep -q "$@" && echo "${p#/proc/}"
  done
}

# pids_of_suite CGROUP: processes this suite left: those whose command
# line names $CL_TMP (daemons, shims, monitors) and those still in the
# containers' cgroups below the pids controller's CGROUP.
pids_of_suite () {
  local p
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = $$ ] && continue
    tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF -- "$CL_TMP" && echo "${p#/proc/}"
  done
  cat /sys/fs/cgroup/pids/"$1"/*/cgroup.procs 2>/dev/null
}

# finish: the suite's counts, its exit status.
finish () {
  echo "# $PASSED passed, $FAILED failed ($RUNTIME_NAME)"
  [ "$FAILED" -eq 0 ]
}
