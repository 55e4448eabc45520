#!/usr/bin/env bash
# Landlock, opted into with the annotation run.bulwark.landlock=enforce:
# writes only beneath writable mounts (and the rootfs when root.readonly is
# false), nothing outside the rootfs even through a leaked fd, no signals
# to and no abstract-socket connections with processes outside the
# container's Landlock domain; bad values refused; without the annotation
# nothing changes.
. "$(dirname "$0")/lib.sh"

B="$BW_TMP/bundle"
make_bundle "$B" || { fail "make bundle" "bulwark spec failed"; finish; exit 1; }
if [ ! -x "${PROBE_DIR:-}/landlock_probe" ]; then
  fail "landlock probe" "\$PROBE_DIR/landlock_probe missing (build tests/probe/landlock_probe.c)"; finish; exit 1
fi
cp "$PROBE_DIR/landlock_probe" "$B/rootfs/bin/landlock_probe"

# A host dir bound rw and ro, and one outside the container only reachable
# through an fd passed with --preserve-fds (writable by everyone, so that
# only Landlock can refuse the container's mapped root).
HOSTDIR="$BW_TMP/hostdir"; OUTSIDE="$BW_TMP/outside"
mkdir -p "$HOSTDIR" "$OUTSIDE" "$B/rootfs/data" "$B/rootfs/rodata" "$B/rootfs/srv"
chmod 777 "$HOSTDIR" "$OUTSIDE" "$B/rootfs/srv"
echo secret > "$OUTSIDE/secret"; chmod 644 "$OUTSIDE/secret"
edit_config "$B/config.json" "c['mounts'] += [
  {'destination': '/data', 'type': 'bind', 'source': '$HOSTDIR', 'options': ['rbind', 'rw']},
  {'destination': '/rodata', 'type': 'bind', 'source': '$HOSTDIR', 'options': ['rbind', 'ro']}]"
cp "$B/config.json" "$BW_TMP/config.base.json"

LL='c.setdefault("annotations", {})["run.bulwark.landlock"] = "enforce"'
NO_NETNS='c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]'
N=0
# inrun EDIT ARGS...: a fresh config, EDIT applied, the probe run in the
# foreground with $OUTSIDE open as fd 3; $OUT (stdout+stderr) and $RC.
inrun () {
  local edit=$1; shift
  cp "$BW_TMP/config.base.json" "$B/config.json"
  [ -n "$edit" ] && edit_config "$B/config.json" "$edit"
  set_args "$B/config.json" "$@"
  N=$((N + 1))
  OUT=$(bw run --preserve-fds 1 --bundle "$B" "l$N" 2>&1 3<"$OUTSIDE"); RC=$?
}
# expect NAME LINE...: the last inrun succeeded and printed each line.
expect () {
  local name=$1 line; shift
  if [ "$RC" -ne 0 ]; then fail "$name" "rc=$RC out=$OUT"; return; fi
  for line in "$@"; do
    if ! printf '%s\n' "$OUT" | grep -qxF -- "$line"; then fail "$name" "no '$line' in: $OUT"; return; fi
  done
  ok "$name"
}
expect_error () {
  local lines; lines=$(printf '%s' "$OUT" | grep -c '')
  if [ "$RC" -ne 0 ] && [ "$lines" -eq 1 ] && printf '%s' "$OUT" | grep -Eq -- "$2"; then ok "$1"; else fail "$1" "rc=$RC out=$OUT"; fi
}

# --- files
inrun "$LL" landlock_probe write /tmp/f write /data/f write /dev/null write /dev/shm/f \
  read /etc/passwd read /proc/self/status write /rodata/g \
  write /proc/self/fd/3/leak read /proc/self/fd/3/secret
expect "landlock: writable mounts stay writable" "write /tmp/f: ok" "write /data/f: ok" \
  "write /dev/null: ok" "write /dev/shm/f: ok"
expect "landlock: the container's files stay readable" "read /etc/passwd: ok" "read /proc/self/status: ok"
expect "landlock: a read-only bind stays read-only" "write /rodata/g: EROFS"
expect "landlock: no write outside the rootfs through a leaked fd" "write /proc/self/fd/3/leak: EACCES"
expect "landlock: no read outside the rootfs through a leaked fd" "read /proc/self/fd/3/secret: EACCES"
[ -e "$OUTSIDE/leak" ] && fail "landlock: nothing written outside" "$OUTSIDE/leak exists" \
  || ok "landlock: nothing written outside"

inrun "" landlock_probe write /proc/self/fd/3/leak read /proc/self/fd/3/secret
expect "without the annotation the leaked fd is usable (nothing changes)" \
  "write /proc/self/fd/3/leak: ok" "read /proc/self/fd/3/secret: ok"
rm -f "$OUTSIDE/leak"

# root.readonly false: the rootfs is one of the writable places.
# (/srv is writable by the container's mapped root.)
inrun "$LL; c['root']['readonly'] = False" landlock_probe write /srv/f write /tmp/f \
  write /proc/self/fd/3/leak
expect "landlock: a writable rootfs stays writable" "write /srv/f: ok" "write /tmp/f: ok" \
  "write /proc/self/fd/3/leak: EACCES"
rm -f "$B/rootfs/srv/f"

# Even with CAP_SYS_ADMIN the container may not change its mounts (Landlock
# refuses mount operations), so a read-only bind cannot be made writable.
SYSADMIN='[c["process"]["capabilities"][k].append("CAP_SYS_ADMIN") for k in ("bounding", "effective", "permitted")]'
inrun "$LL; $SYSADMIN" sh -c 'mount -o remount,bind,rw /rodata 2>/dev/null && echo remounted; landlock_probe write /rodata/g'
if [ "$RC" -eq 0 ] && ! printf '%s\n' "$OUT" | grep -q remounted && printf '%s\n' "$OUT" | grep -qxF "write /rodata/g: EROFS"; then
  ok "landlock: no remount of a read-only bind, even with CAP_SYS_ADMIN"
else fail "landlock: no remount of a read-only bind, even with CAP_SYS_ADMIN" "rc=$RC out=$OUT"; fi
inrun "$SYSADMIN" sh -c 'mount -o remount,bind,rw /rodata 2>/dev/null && echo remounted; landlock_probe write /rodata/g'
expect "without the annotation CAP_SYS_ADMIN can remount (nothing changes)" "remounted" "write /rodata/g: ok"
rm -f "$HOSTDIR/g"

# --- refusals: one line naming the annotation or the field
inrun 'c.setdefault("annotations", {})["run.bulwark.landlock"] = "bogus"' true
expect_error "landlock: unknown annotation value refused" '^bulwark: .*annotations\.run\.bulwark\.landlock: unknown value "bogus"'
inrun "$LL; c['process']['noNewPrivileges'] = False" true
expect_error "landlock: enforce without noNewPrivileges refused" 'annotations\.run\.bulwark\.landlock: enforce needs process\.noNewPrivileges'
# A rule's path is resolved in the root with no magic links: here a later
# bind covers a writable mount's parent with a link through /proc.
LINKDIR="$BW_TMP/linkdir"; mkdir -p "$LINKDIR" "$B/rootfs/w/data"; ln -s /proc/self/root/tmp "$LINKDIR/data"
inrun "$LL; c['mounts'] += [
  {'destination': '/w/data', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['rw']},
  {'destination': '/w', 'type': 'bind', 'source': '$LINKDIR', 'options': ['rbind', 'ro']}]" true
expect_error "landlock: a rule path through a magic link refused" \
  '^bulwark: .*annotations\.run\.bulwark\.landlock: rule for /w/data: open /w/data: '
rm -rf "$B/rootfs/w"
if root_is_empty; then ok "landlock: refusals leave nothing"; else fail "landlock: refusals leave nothing" "$(ls -A "$ROOT")"; fi

# --- abstract unix sockets: a container sharing the host's network
# namespace may not connect to a host listener (outside its domain), but
# may use its own.
SOCK="bulwark-ll-$$"
"$PROBE_DIR/landlock_probe" listen "$SOCK" > "$BW_TMP/listen.out" 2>&1 &
LISTENER=$!
for _ in $(seq 50); do grep -q ok "$BW_TMP/listen.out" && break; sleep 0.1; done
inrun "$LL; $NO_NETNS" landlock_probe connect "$SOCK" selfsock "$SOCK-own"
expect "landlock: no connect to an abstract socket outside the domain" "connect $SOCK: EPERM"
expect "landlock: abstract sockets inside the domain work" "selfsock $SOCK-own: ok"
inrun "$NO_NETNS" landlock_probe connect "$SOCK"
expect "without the annotation the host's abstract socket is reachable" "connect $SOCK: ok"
kill "$LISTENER" 2>/dev/null; wait "$LISTENER" 2>/dev/null

# --- signals. `bulwark exec` processes are not in the init's Landlock
# domain (see linux_landlock.h): the workload may not signal them; they
# may signal the workload.
signal_case () {
  local name=$1 edit=$2 want=$3 id="sig$N"
  N=$((N + 1))
  cp "$BW_TMP/config.base.json" "$B/config.json"
  [ -n "$edit" ] && edit_config "$B/config.json" "$edit"
  set_args "$B/config.json" sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; landlock_probe kill 4242'
  if ! bw create --bundle "$B" "$id" > "$BW_TMP/$id.out" 2>&1 || ! bw start "$id" >/dev/null 2>&1; then
    fail "$name" "create/start: $(cat "$BW_TMP/$id.out")"; return
  fi
  bw exec -d "$id" sleep 4242 >/dev/null 2>&1
  if bw exec "$id" kill -0 1 >/dev/null 2>&1; then ok "$name: an exec'd process may signal the workload"
  else fail "$name: an exec'd process may signal the workload" "kill -0 1 failed"; fi
  bw exec "$id" touch /tmp/go >/dev/null 2>&1
  for _ in $(seq 100); do
    [ "$(bw state "$id" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null)" = stopped ] && break
    sleep 0.1
  done
  if grep -qxF "kill 4242: $want" "$BW_TMP/$id.out"; then ok "$name"; else fail "$name" "wanted 'kill 4242: $want', got: $(cat "$BW_TMP/$id.out")"; fi
  bw delete -f "$id" >/dev/null 2>&1
}
signal_case "landlock: the workload may not signal a process outside its domain" "$LL" EPERM
signal_case "without the annotation the workload may signal an exec'd process" "" ok

if root_is_empty; then ok "landlock: nothing left"; else fail "landlock: nothing left" "$(ls -A "$ROOT")"; fi
finish
