#!/usr/bin/env bash
# OCI hooks (runtime-spec lifecycle): the six kinds fire in order with the
# right state, each in the right namespaces; args, env and timeouts; a
# failing create-time hook leaves nothing behind; poststart/poststop
# failures only warn; a failing startContainer hook fails start; a
# Docker-style prestart hook configures the container's network namespace.
. "$(dirname "$0")/lib.sh"

# The container's user namespace maps root to an unprivileged host uid:
# hooks run in it (createContainer) must be able to reach our files.
chmod 755 "$BW_TMP"
LOGDIR="$BW_TMP/hooklog"
mkdir -p "$LOGDIR" && chmod 777 "$LOGDIR"
LOG="$LOGDIR/events.log"

# The shipped hook: $HOOK_BIN (tests/check sets it), else built here.
if [ -z "${HOOK_BIN:-}" ]; then
  HOOK_BIN="$BW_TMP/bulwark-hook-log"
  gcc -std=gnu11 -O2 -iquote "$TESTS_DIR/../include" "$TESTS_DIR/../hooks/bulwark-hook-log.c" \
      $(pkg-config --cflags --libs yajl) -o "$HOOK_BIN" ||
    { fail "build bulwark-hook-log" "gcc failed"; finish; exit 1; }
fi
[ -x "$HOOK_BIN" ] || { fail "bulwark-hook-log" "$HOOK_BIN is not executable"; finish; exit 1; }
# Where the container's root (an unprivileged host uid) can run it too.
cp "$HOOK_BIN" "$BW_TMP/hook-log" && HOOK_BIN="$BW_TMP/hook-log"

B="$BW_TMP/bundle"
make_bundle "$B" sh -c 'sleep 30' || { fail "make bundle" "bulwark spec failed"; finish; exit 1; }
# Mount points must exist: the root is read-only.
mkdir -p "$B/rootfs/hooklog" "$B/rootfs/hooks"

# An executable script at PATH with the body on stdin.
script () { { echo '#!/bin/sh'; cat; } > "$1" && chmod 755 "$1"; }

# Only inside the container (the path must resolve in its root): logs the
# state it got and what / holds, as one JSON line.
script "$B/rootfs/hooks/start.sh" <<'EOF'
state=$(cat | tr -d '\n')
echo "{\"kind\":\"startContainer\",\"state\":$state,\"sees\":\"$(ls /hooks | tr '\n' ' ')\"}" >> /hooklog/events.log
EOF
[ ! -e /hooks/start.sh ] || { fail "setup" "/hooks/start.sh exists on the host"; finish; exit 1; }

# Host-side: the namespaces the hook runs in, and for poststart what the
# init runs by then (the workload, not the runtime).
script "$BW_TMP/ns.sh" <<'EOF'
state=$(cat)
pid=$(echo "$state" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' | head -1)
{ echo "mnt $(readlink /proc/self/ns/mnt)"; echo "pidns $(readlink /proc/self/ns/pid)"
  echo "initmnt $(readlink /proc/$pid/ns/mnt)"; echo "comm $(cat /proc/$pid/comm)"; } > "$1"
EOF

# A hook may ask the runtime about the container: no lock is held then.
script "$BW_TMP/askstate.sh" <<'EOF'
"$1" --root "$2" state "$3" > "$4"
EOF

# bw_ok NAME ARGS...: bulwark succeeds (its output shown on failure). Into
# a file: a created container keeps its stdio open.
bw_ok () {
  local name=$1; shift
  if bw "$@" >"$BW_TMP/bw.out" 2>&1; then ok "$name"; else fail "$name" "$(cat "$BW_TMP/bw.out")"; fi
}

# kinds: the hook kinds logged in $LOG, in order.
kinds () { python3 -c '
import json, sys
for line in open(sys.argv[1]):
    print(json.loads(line)["kind"], end=" ")' "$LOG"; }

mounts_of () { grep -c "$B" /proc/self/mountinfo || true; }

# ---------------------------------------------------------------- all six
: > "$LOG" && chmod 666 "$LOG"
edit_config "$B/config.json" "
kinds = ['prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop']
c['hooks'] = {k: [{'path': '$HOOK_BIN', 'args': ['bulwark-hook-log', '$LOG', k]}] for k in kinds}
c['hooks']['startContainer'] = [{'path': '/hooks/start.sh'}]
c['hooks']['createRuntime'].append({'path': '$BW_TMP/ns.sh', 'args': ['ns.sh', '$LOGDIR/runtime.ns']})
c['hooks']['createContainer'].append({'path': '$BW_TMP/ns.sh', 'args': ['ns.sh', '$LOGDIR/container.ns']})
c['hooks']['poststart'].append({'path': '$BW_TMP/ns.sh', 'args': ['ns.sh', '$LOGDIR/poststart.ns']})
c['hooks']['poststart'].append({'path': '$BW_TMP/askstate.sh', 'timeout': 10,
                                'args': ['askstate.sh', '$BULWARK', '$ROOT', 'h1', '$LOGDIR/poststart.state']})
c['mounts'].append({'destination': '/hooklog', 'type': 'bind', 'source': '$LOGDIR', 'options': ['rbind']})
"
bw_ok "create with all six hook kinds" create --bundle "$B" h1
pid=$(pid_of h1)
init_mnt=$(readlink "/proc/$pid/ns/mnt")
init_pidns=$(readlink "/proc/$pid/ns/pid")
[ "$(kinds)" = "prestart createRuntime createContainer " ] && ok "create runs prestart, createRuntime, createContainer in order" \
  || fail "create runs prestart, createRuntime, createContainer in order" "got: $(kinds)"
bw_ok "start" start h1
[ "$(kinds)" = "prestart createRuntime createContainer startContainer poststart " ] \
  && ok "start runs startContainer then poststart" || fail "start runs startContainer then poststart" "got: $(kinds)"
bw kill h1 KILL >/dev/null 2>&1
for i in $(seq 50); do gone "$pid" && break; sleep 0.1; done
bw_ok "delete" delete h1
[ "$(kinds)" = "prestart createRuntime createContainer startContainer poststart poststop " ] \
  && ok "delete runs poststop last" || fail "delete runs poststop last" "got: $(kinds)"
check "state passed to each hook: id, bundle, pid, status" python3 - "$LOG" "$B" "$pid" <<'EOF'
import json, sys
log, bundle, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
want = {"prestart": "creating", "createRuntime": "creating", "createContainer": "creating",
        "startContainer": "created", "poststart": "running", "poststop": "stopped"}
for line in open(log):
    e = json.loads(line)
    s = e.get("state", e)
    assert s["id"] == "h1" and s["bundle"] == bundle, e
    assert s["status"] == want[e["kind"]], e
    assert s["pid"] == (0 if e["kind"] == "poststop" else pid), e
EOF
check "startContainer resolves its path in the container's root" grep -q '"sees":"start.sh ' "$LOG"
host_mnt=$(readlink /proc/self/ns/mnt)
check "createRuntime runs in the runtime's mount namespace" grep -Fqx "mnt $host_mnt" "$LOGDIR/runtime.ns"
check "createRuntime gets the init's host pid" grep -Fqx "initmnt $init_mnt" "$LOGDIR/runtime.ns"
check "createContainer runs in the container's mount namespace" \
  bash -c "[ '$init_mnt' != '$host_mnt' ] && grep -Fqx 'mnt $init_mnt' '$LOGDIR/container.ns'"
check "createContainer runs in the container's pid namespace" grep -Fqx "pidns $init_pidns" "$LOGDIR/container.ns"
check "poststart runs after the workload started" grep -qx "comm sleep" "$LOGDIR/poststart.ns"
check "a poststart hook can run 'bulwark state'" grep -q '"status": "running"' "$LOGDIR/poststart.state"

# ---------------------------------------------------------------- args and env
# busybox runs the applet its argv[0] names: "sh" works only if args[0]
# reaches the hook as given. /proc/$$/environ is the env execve passed.
script "$BW_TMP/argenv.sh" <<'EOF'
{ echo "$1|$2"; /bin/busybox tr '\0' '\n' < /proc/$$/environ; } > "$ARGENV_OUT"
EOF
edit_config "$B/config.json" "
c['hooks'] = {'createRuntime': [{'path': '/bin/busybox', 'args': ['sh', '$BW_TMP/argenv.sh', 'one', 'two words'],
                                 'env': ['ARGENV_OUT=$LOGDIR/argenv', 'FOO=bar baz']}]}
c['process']['args'] = ['true']
"
bw_ok "run with args and env for a hook" run --bundle "$B" h2
printf 'one|two words\nARGENV_OUT=%s\nFOO=bar baz\n' "$LOGDIR/argenv" > "$BW_TMP/argenv.want"
check "hook gets its args (args[0] as given) and exactly its env" cmp "$BW_TMP/argenv.want" "$LOGDIR/argenv"

# ---------------------------------------------------------------- timeout
script "$BW_TMP/sleeper.sh" <<'EOF'
echo $$ > "$1"
exec sleep 60
EOF
: > "$LOG"
edit_config "$B/config.json" "
c['hooks'] = {'prestart': [{'path': '$HOOK_BIN', 'args': ['bulwark-hook-log', '$LOG', 'prestart']}],
              'createRuntime': [{'path': '$BW_TMP/sleeper.sh', 'args': ['sleeper', '$LOGDIR/sleeper.pid'], 'timeout': 1}]}
c['process']['args'] = ['sleep', '30']
"
start_s=$(date +%s)
expect_fail "a hook outliving its timeout fails create" \
  "^bulwark: hooks\.createRuntime\[0\]: $BW_TMP/sleeper\.sh timed out after 1s$" create --bundle "$B" h3
elapsed=$(( $(date +%s) - start_s ))
[ $elapsed -lt 10 ] && ok "timeout: create fails promptly" || fail "timeout: create fails promptly" "${elapsed}s"
check "timeout: the hook was killed" gone "$(cat "$LOGDIR/sleeper.pid" 2>/dev/null || echo 1)"
initpid=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["pid"])' "$LOG" 2>/dev/null)
check "timeout: no init process left" bash -c "[ -n '$initpid' ] && for i in \$(seq 50); do [ ! -e /proc/$initpid/stat ] || [ \"\$(sed 's/.*) //' /proc/$initpid/stat | cut -d' ' -f1)\" = Z ] && exit 0; sleep 0.1; done; exit 1"
check "timeout: no state dir left" root_is_empty
[ "$(mounts_of)" = 0 ] && ok "timeout: no mount left" || fail "timeout: no mount left" "$(grep "$B" /proc/self/mountinfo)"

# ---------------------------------------------------------------- failing prestart
script "$BW_TMP/fail3.sh" <<'EOF'
exit 3
EOF
: > "$LOG"
edit_config "$B/config.json" "
c['hooks'] = {'prestart': [{'path': '$HOOK_BIN', 'args': ['bulwark-hook-log', '$LOG', 'prestart']},
                           {'path': '$BW_TMP/fail3.sh'}],
              'createRuntime': [{'path': '$HOOK_BIN', 'args': ['bulwark-hook-log', '$LOG', 'createRuntime']}],
              'poststop': [{'path': '$HOOK_BIN', 'args': ['bulwark-hook-log', '$LOG', 'poststop']}]}
"
expect_fail "a failing prestart hook fails create" \
  "^bulwark: hooks\.prestart\[1\]: $BW_TMP/fail3\.sh exited with status 3$" create --bundle "$B" h4
initpid=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["pid"])' "$LOG" 2>/dev/null)
check "failing prestart: its init is gone" bash -c "[ -n '$initpid' ] && for i in \$(seq 50); do [ ! -e /proc/$initpid/stat ] || [ \"\$(sed 's/.*) //' /proc/$initpid/stat | cut -d' ' -f1)\" = Z ] && exit 0; sleep 0.1; done; exit 1"
check "failing prestart: no state dir left" root_is_empty
[ "$(mounts_of)" = 0 ] && ok "failing prestart: no mount left" || fail "failing prestart: no mount left" "$(grep "$B" /proc/self/mountinfo)"
[ "$(kinds)" = "prestart poststop " ] && ok "failing prestart: later hooks skipped, poststop runs" \
  || fail "failing prestart: later hooks skipped, poststop runs" "got: $(kinds)"

edit_config "$B/config.json" "c['hooks'] = {'createContainer': [{'path': '/nonexistent/hook'}]}"
expect_fail "a missing createContainer hook fails create" \
  "^bulwark: hooks\.createContainer\[0\]: exec /nonexistent/hook: No such file or directory$" create --bundle "$B" h5
check "missing hook: no state dir left" root_is_empty

# ---------------------------------------------------------------- warnings only
: > "$LOG"
edit_config "$B/config.json" "
c['hooks'] = {'poststart': [{'path': '$BW_TMP/fail3.sh'}],
              'poststop': [{'path': '$BW_TMP/fail3.sh'},
                           {'path': '$HOOK_BIN', 'args': ['bulwark-hook-log', '$LOG', 'poststop']}]}
c['process']['args'] = ['sh', '-c', 'echo workload-ran']
"
out=$(bw run --bundle "$B" h6 2>"$BW_TMP/h6.err"); rc=$?
[ $rc -eq 0 ] && [ "$out" = workload-ran ] && ok "failing poststart/poststop: run still succeeds" \
  || fail "failing poststart/poststop: run still succeeds" "rc=$rc out=$out err=$(cat "$BW_TMP/h6.err")"
check "failing poststart is a warning" grep -q "hooks\.poststart\[0\]: $BW_TMP/fail3\.sh exited with status 3" "$BW_TMP/h6.err"
check "failing poststop is a warning" grep -q "hooks\.poststop\[0\]: $BW_TMP/fail3\.sh exited with status 3" "$BW_TMP/h6.err"
[ "$(kinds)" = "poststop " ] && ok "the poststop hooks after a failing one still run" \
  || fail "the poststop hooks after a failing one still run" "got: $(kinds)"
check "failing poststop: container deleted" root_is_empty

# ---------------------------------------------------------------- failing startContainer
script "$B/rootfs/hooks/fail4.sh" <<'EOF'
exit 4
EOF
edit_config "$B/config.json" "
c['hooks'] = {'startContainer': [{'path': '/hooks/fail4.sh'}]}
c['process']['args'] = ['sh', '-c', 'echo ran > /hooklog/workload-ran']
"
rm -f "$LOGDIR/workload-ran"
bw_ok "create with a failing startContainer hook" create --bundle "$B" h7
pid=$(pid_of h7)
expect_fail "a failing startContainer hook fails start" \
  '^bulwark: hooks\.startContainer\[0\]: /hooks/fail4\.sh exited with status 4$' start h7
for i in $(seq 50); do gone "$pid" && break; sleep 0.1; done
check "failing startContainer: the container stopped" gone "$pid"
check "failing startContainer: the workload never ran" test ! -e "$LOGDIR/workload-ran"
bw_ok "failing startContainer: delete" delete h7
check "failing startContainer: nothing left" root_is_empty

# ---------------------------------------------------------------- Docker-style
# Docker's `--network none`: a network namespace of the container's own,
# whose loopback a prestart hook brings up from the host, entering it
# through the pid it reads from the state on stdin.
if command -v nsenter >/dev/null && command -v ip >/dev/null; then
  script "$BW_TMP/netns.sh" <<'EOF'
pid=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' | head -1)
[ -n "$pid" ] && [ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)" ] || exit 2
exec nsenter --net=/proc/$pid/ns/net ip link set lo up
EOF
  edit_config "$B/config.json" "
c['hooks'] = {'prestart': [{'path': '$BW_TMP/netns.sh', 'args': ['libnetwork-setkey', 'h8'], 'env': ['PATH=/usr/sbin:/usr/bin:/sbin:/bin']}]}
assert any(n['type'] == 'network' and 'path' not in n for n in c['linux']['namespaces'])
c['process']['args'] = ['cat', '/sys/class/net/lo/flags']
"
  out=$(bw run --bundle "$B" h8 2>&1); rc=$?
  # IFF_UP (0x1) | IFF_LOOPBACK (0x8)
  [ $rc -eq 0 ] && [ "$out" = 0x9 ] && ok "Docker-style prestart hook sets up the container's network namespace" \
    || fail "Docker-style prestart hook sets up the container's network namespace" "rc=$rc out=$out"
else
  ok "Docker-style prestart hook # SKIP nsenter or ip missing"
fi

# ---------------------------------------------------------------- state from a hook
# A createRuntime hook may ask the runtime for the state while create still
# holds the container's lock (runc allows it; tools rely on it).
cat >"$BW_TMP/ask-state.sh" <<EOF
#!/bin/sh
exec "$BULWARK" --root "$ROOT" state h9 >"$BW_TMP/h9.state"
EOF
chmod 755 "$BW_TMP/ask-state.sh"
edit_config "$B/config.json" "
c['hooks'] = {'createRuntime': [{'path': '$BW_TMP/ask-state.sh', 'timeout': 10}]}
c['process']['args'] = ['true']
"
if bw create --bundle "$B" h9 >/dev/null 2>&1 && python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["id"] == "h9" and s["status"] == "creating", s' "$BW_TMP/h9.state"; then
  ok "a createRuntime hook can run bulwark state during create"
else
  fail "a createRuntime hook can run bulwark state during create" "$(cat "$BW_TMP/h9.state" 2>&1)"
fi
bw delete -f h9 >/dev/null 2>&1

check "nothing left under the state root" root_is_empty
finish
