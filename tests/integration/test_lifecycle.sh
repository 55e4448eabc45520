#!/usr/bin/env bash
# Lifecycle through the CLI on a busybox-static bundle: create, start,
# state, kill, delete, run (foreground and detached), exit codes, pid file,
# concurrent creates of one id, and nothing left behind.
. "$(dirname "$0")/lib.sh"

B="$BW_TMP/bundle"
make_bundle "$B" sh -c 'echo hello; exit 0' || { fail "make bundle" "bulwark spec failed"; finish; exit 1; }

status_of () { bw state "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null; }

# wait_status ID STATUS: up to 5 s.
wait_status () {
  local i
  for i in $(seq 50); do [ "$(status_of "$1")" = "$2" ] && return 0; sleep 0.1; done
  return 1
}

mounts_under () { grep -c "$1" /proc/self/mountinfo || true; }

# run: output and exit codes.
out=$(bw run --bundle "$B" r1 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = hello ]; then ok "run: output and exit 0"; else fail "run: output and exit 0" "rc=$rc out=$out"; fi
check "run: container deleted after foreground run" bash -c "! '$BULWARK' --root '$ROOT' state r1"

set_args "$B/config.json" sh -c 'exit 42'
bw run --bundle "$B" r2 >/dev/null 2>&1; rc=$?
[ $rc -eq 42 ] && ok "run: exit code 42 propagates" || fail "run: exit code 42 propagates" "rc=$rc"

# A workload killed by SIGKILL: run exits 137.
set_args "$B/config.json" sh -c 'echo ready; while :; do sleep 0.1; done'
"$BULWARK" --root "$ROOT" run --bundle "$B" r3 >"$BW_TMP/r3.out" 2>&1 &
runpid=$!
for i in $(seq 50); do grep -q ready "$BW_TMP/r3.out" 2>/dev/null && break; sleep 0.1; done
bw kill r3 KILL
wait $runpid; rc=$?
[ $rc -eq 137 ] && ok "run: killed by SIGKILL gives 137" || fail "run: killed by SIGKILL gives 137" "rc=$rc"

# run forwards signals: TERM to the runtime reaches the workload (pid 1 of
# its namespace, so only a signal it handles).
set_args "$B/config.json" sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done'
"$BULWARK" --root "$ROOT" run --bundle "$B" r4 >"$BW_TMP/r4.out" 2>&1 &
runpid=$!
for i in $(seq 50); do grep -q ready "$BW_TMP/r4.out" 2>/dev/null && break; sleep 0.1; done
kill -TERM $runpid
wait $runpid; rc=$?
if [ $rc -eq 7 ] && grep -q got-term "$BW_TMP/r4.out"; then ok "run: forwards SIGTERM"; else fail "run: forwards SIGTERM" "rc=$rc out=$(cat "$BW_TMP/r4.out")"; fi

# create / start / state / kill / delete.
set_args "$B/config.json" sh -c 'sleep 30'
check "create" bw create --bundle "$B" --pid-file "$BW_TMP/c1.pid" c1
check "pid file holds the init pid" bash -c "[ \"\$(cat '$BW_TMP/c1.pid')\" = \"\$('$BULWARK' --root '$ROOT' state c1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"pid\"])')\" ]"
[ "$(status_of c1)" = created ] && ok "state: created" || fail "state: created" "$(status_of c1)"
check "state JSON has runc's keys" bash -c "'$BULWARK' --root '$ROOT' state c1 | python3 -c '
import json,sys
s = json.load(sys.stdin)
for k in (\"ociVersion\", \"id\", \"pid\", \"status\", \"bundle\", \"rootfs\", \"created\", \"owner\"):
    assert k in s, k
assert s[\"id\"] == \"c1\" and s[\"bundle\"] == \"$B\"'"
expect_fail "duplicate id" "^bulwark: container with id exists: c1$" create --bundle "$B" c1
expect_fail "delete of a created container needs --force" 'cannot delete container "c1" that is not stopped: created' delete c1
check "start" bw start c1
[ "$(status_of c1)" = running ] && ok "state: running" || fail "state: running" "$(status_of c1)"
expect_fail "start twice" "cannot start an already running container" start c1
check "list shows c1 running" bash -c "'$BULWARK' --root '$ROOT' list | grep -E '^c1 +[0-9]+ +running'"
check "list --format json" bash -c "'$BULWARK' --root '$ROOT' list --format json | python3 -c 'import json,sys; l = json.load(sys.stdin); assert l[0][\"id\"] == \"c1\" and l[0][\"status\"] == \"running\"'"
check "kill KILL" bw kill c1 KILL
wait_status c1 stopped && ok "state: stopped after kill" || fail "state: stopped after kill" "$(status_of c1)"
expect_fail "kill a stopped container" 'container "c1" is not running: no such process' kill c1
check "delete stopped" bw delete c1
expect_fail "deleted container is gone" 'container "c1" does not exist' state c1

# Status survives the runtime that created it; delete --force of a running one.
check "create c2" bw create --bundle "$B" c2
check "start c2" bw start c2
pid=$(pid_of c2)
check "delete --force a running container" bw delete --force c2
check "its init is gone" gone "$pid"

# run -d detaches.
check "run -d" bw run -d --bundle "$B" c3
[ "$(status_of c3)" = running ] && ok "run -d: running" || fail "run -d: running" "$(status_of c3)"
check "kill --all" bw kill --all c3 KILL
wait_status c3 stopped && ok "kill --all: stopped" || fail "kill --all: stopped" "$(status_of c3)"
check "delete c3" bw delete c3

# A signal name in every form.
set_args "$B/config.json" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
for sig in TERM SIGTERM 15; do
  bw create --bundle "$B" s1 >/dev/null 2>&1 && bw start s1 >/dev/null 2>&1
  check "kill with signal '$sig'" bw kill s1 "$sig"
  wait_status s1 stopped && ok "signal '$sig' stops it" || fail "signal '$sig' stops it" "$(status_of s1)"
  bw delete -f s1 >/dev/null 2>&1
done

# Two concurrent creates of one id: exactly one wins.
for round in 1 2 3 4 5; do
  bw create --bundle "$B" race >"$BW_TMP/a.out" 2>&1 & a=$!
  bw create --bundle "$B" race >"$BW_TMP/b.out" 2>&1 & b=$!
  wait $a; ra=$?; wait $b; rb=$?
  wins=$(( (ra == 0) + (rb == 0) ))
  if [ $wins -eq 1 ] && grep -q "container with id exists: race" "$BW_TMP/a.out" "$BW_TMP/b.out"; then
    ok "concurrent create round $round: exactly one wins"
  else
    fail "concurrent create round $round: exactly one wins" "rc $ra/$rb: $(cat "$BW_TMP/a.out" "$BW_TMP/b.out")"
  fi
  bw delete -f race >/dev/null 2>&1
done

# A failing create leaves nothing behind.
set_args "$B/config.json" sh -c 'true'
edit_config "$B/config.json" 'c["mounts"].append({"destination": "/mnt", "type": "nosuchfs", "source": "x"})'
before=$(mounts_under "$B")
expect_fail "create with a bad mount fails" "^bulwark: mounts\[[0-9]+\]: mount x to /mnt: unknown filesystem type nosuchfs$" create --bundle "$B" bad1
check "failed create: no state dir" root_is_empty
[ "$(mounts_under "$B")" = "$before" ] && ok "failed create: no mount left" || fail "failed create: no mount left" "mounts of $B remain"
check "failed create: no process left" bash -c "! pgrep -f '[b]ad1' >/dev/null"

# 50 create+start+delete cycles leave nothing behind.
edit_config "$B/config.json" 'c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/mnt"]'
set_args "$B/config.json" sh -c 'exit 0'
leaks=0
for i in $(seq 50); do
  bw create --bundle "$B" "cycle$i" >/dev/null 2>&1 || leaks=$((leaks + 1))
  bw start "cycle$i" >/dev/null 2>&1 || leaks=$((leaks + 1))
  bw delete -f "cycle$i" >/dev/null 2>&1 || leaks=$((leaks + 1))
done
[ $leaks -eq 0 ] && ok "50 cycles: every command succeeded" || fail "50 cycles: every command succeeded" "$leaks failures"
check "50 cycles: no state dir left" root_is_empty
[ "$(mounts_under "$B")" = 0 ] && ok "50 cycles: no mount left" || fail "50 cycles: no mount left" "$(mounts_under "$B") mounts"
# Every runtime and container init of this test carries its --root on its
# command line (inits are clones of the runtime), so other tests' processes
# running at the same time are not counted.
left=$(pgrep -f -- "--root $ROOT " | tr '\n' ' ')
[ -z "$left" ] && ok "50 cycles: no bulwark process left" || fail "50 cycles: no bulwark process left" "pids $left"

finish
