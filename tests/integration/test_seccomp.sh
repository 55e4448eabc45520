#!/bin/bash
# linux.seccomp: actions, errnoRet, args with every operator, architectures,
# flags, SCMP_ACT_NOTIFY with a seccomp agent, and configs that must fail
# create. The workload is tests/probe/seccomp_probe (one syscall, prints
# "ok RET" / "err ERRNO" / "sigsys NR").
. "$(dirname "$0")/lib.sh"

PROBE=${PROBE_DIR:-}/seccomp_probe
if [ ! -x "$PROBE" ]; then
  fail "seccomp probe" "$PROBE not built (set PROBE_DIR)"
  finish; exit 1
fi
AGENT="$(dirname "$0")/seccomp_agent.py"
B="$BW_TMP/bundle"
make_bundle "$B" /bin/seccomp_probe getpid || { fail "make bundle" "bulwark spec failed"; finish; exit 1; }
cp "$PROBE" "$B/rootfs/bin/seccomp_probe"
cp "$B/config.json" "$BW_TMP/config.base"

N=0
# with_seccomp PYTHON-DICT [PYTHON-EXTRA]: fresh config with linux.seccomp set.
with_seccomp () {
  cp "$BW_TMP/config.base" "$B/config.json"
  edit_config "$B/config.json" "c['linux']['seccomp'] = $1
$2"
}
# probe ARGS...: run the workload, OUT = its stdout (one line per probe), RC.
probe () {
  set_args "$B/config.json" "$@"
  N=$((N + 1))
  OUT=$(bw run --bundle "$B" "sc$N" 2>"$BW_TMP/stderr"); RC=$?
  bw delete -f "sc$N" >/dev/null 2>&1
}
# expect NAME WANT: OUT must be WANT (and the run exit 0).
expect () {
  if [ "$RC" -eq 0 ] && [ "$OUT" = "$2" ]; then ok "$1"
  else fail "$1" "rc $RC, output '$(echo $OUT)', want '$(echo $2)'; stderr: $(head -c 300 "$BW_TMP/stderr")"; fi
}
# rule NAMES ACTION [EXTRA]: a one-rule profile over default ALLOW.
rule () { echo "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': $1, 'action': '$2'$3}]}"; }

# Syscall numbers as the agent and the SIGSYS handler see them (x86_64).
NR_MKDIR=83
NR_PERSONALITY=135

# ---- actions --------------------------------------------------------------
with_seccomp "$(rule "['mkdir', 'mkdirat']" SCMP_ACT_ERRNO ", 'errnoRet': 42")"
probe seccomp_probe mkdir /tmp/x 0755
expect "ERRNO with errnoRet returns that errno" "err 42"

with_seccomp "$(rule "['mkdir']" SCMP_ACT_ERRNO)"
probe seccomp_probe mkdir /tmp/x 0755
expect "ERRNO without errnoRet returns EPERM" "err 1"

with_seccomp "$(rule "['no_such_syscall_anywhere', 'mkdir']" SCMP_ACT_ERRNO ", 'errnoRet': 40")"
probe seccomp_probe mkdir /tmp/x 0755
expect "unknown syscall names are skipped" "err 40"

with_seccomp "$(rule "['mkdir']" SCMP_ACT_KILL_PROCESS)"
probe seccomp_probe mkdir /tmp/x 0755
[ "$RC" -eq 159 ] && [ -z "$OUT" ] && ok "KILL_PROCESS kills with SIGSYS (159)" \
  || fail "KILL_PROCESS kills with SIGSYS (159)" "rc $RC, output '$OUT'"

with_seccomp "$(rule "['mkdir']" SCMP_ACT_KILL)"
probe seccomp_probe mkdir /tmp/x 0755
[ "$RC" -eq 159 ] && ok "KILL kills the (single) thread" || fail "KILL kills the (single) thread" "rc $RC"

with_seccomp "$(rule "['personality']" SCMP_ACT_TRAP)"
probe seccomp_probe --catch-sigsys personality 0xffffffff
expect "TRAP raises SIGSYS" "sigsys $NR_PERSONALITY"

with_seccomp "$(rule "['mkdir']" SCMP_ACT_LOG)"
probe seccomp_probe mkdir /tmp/x 0755
expect "LOG lets the call through" "ok 0"

with_seccomp "$(rule "['mkdir']" SCMP_ACT_TRACE ", 'errnoRet': 7")"
probe seccomp_probe mkdir /tmp/x 0755
expect "TRACE without a tracer fails with ENOSYS" "err 38"

with_seccomp "{'defaultAction': 'SCMP_ACT_LOG'}"
probe seccomp_probe getppid
expect "defaultAction LOG runs the workload" "ok 0"

with_seccomp "$(rule "['mkdir']" SCMP_ACT_ERRNO ", 'errnoRet': 43")" \
  "c['process']['noNewPrivileges'] = False; c['process']['user'] = {'uid': 1000, 'gid': 1000}"
probe seccomp_probe mkdir /tmp/x 0755
expect "without noNewPrivileges, as a non-root user" "err 43"

# ---- args and operators (getpriority's first argument) --------------------
# op_case OP VALUE [VALUE_TWO] MATCHING NOT-MATCHING
op_case () {
  local op=$1 value=$2 two="" hit miss
  if [ "$op" = SCMP_CMP_MASKED_EQ ]; then two=", 'valueTwo': $3"; shift; fi
  hit=$3 miss=$4
  with_seccomp "$(rule "['getpriority']" SCMP_ACT_ERRNO ", 'errnoRet': 42, 'args': [{'index': 0, 'value': $value$two, 'op': '$op'}]")"
  probe sh -c "seccomp_probe getpriority $hit 0; seccomp_probe getpriority $miss 0"
  local first=${OUT%%$'\n'*} second=${OUT#*$'\n'}
  if [ "$RC" -eq 0 ] && [ "$first" = "err 42" ] && [ -n "$second" ] && [ "$second" != "err 42" ]; then
    ok "$op: $hit matches, $miss does not"
  else
    fail "$op: $hit matches, $miss does not" "rc $RC, output '$(echo $OUT)'"
  fi
}
op_case SCMP_CMP_NE 5 0 5
op_case SCMP_CMP_LT 5 3 5
op_case SCMP_CMP_LE 5 5 6
op_case SCMP_CMP_EQ 5 5 4
op_case SCMP_CMP_GE 5 5 4
op_case SCMP_CMP_GT 5 6 5
op_case SCMP_CMP_MASKED_EQ 0xf0 0x30 0x3a 0x4a
op_case SCMP_CMP_EQ 0x100000001 0x100000001 1

with_seccomp "$(rule "['getpriority']" SCMP_ACT_ERRNO ", 'errnoRet': 42, 'args': [{'index': 0, 'value': 1, 'op': 'SCMP_CMP_EQ'}, {'index': 1, 'value': 2, 'op': 'SCMP_CMP_EQ'}]")"
probe sh -c 'seccomp_probe getpriority 1 2; seccomp_probe getpriority 1 3'
expect "args on different indexes must all match" "err 42
err 3"

with_seccomp "$(rule "['getpriority']" SCMP_ACT_ERRNO ", 'errnoRet': 42, 'args': [{'index': 0, 'value': 1, 'op': 'SCMP_CMP_EQ'}, {'index': 0, 'value': 2, 'op': 'SCMP_CMP_EQ'}]")"
probe sh -c 'seccomp_probe getpriority 1 0; seccomp_probe getpriority 2 0; seccomp_probe getpriority 3 0'
expect "args on one index act one by one (as runc)" "err 42
err 42
err 22"

# ---- architectures ----------------------------------------------------------
if [ "$(uname -m)" = x86_64 ] && [ "$("$PROBE" --int80 20 2>/dev/null | cut -d' ' -f1)" = ok ]; then
  with_seccomp "{'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], 'syscalls': [{'names': ['getpid'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 42}]}"
  probe sh -c 'seccomp_probe getpid; seccomp_probe --int80 20'
  expect "architectures: the rule covers the x86 (int 0x80) getpid too" "err 42
err 42"
  with_seccomp "$(rule "['getpid']" SCMP_ACT_ERRNO ", 'errnoRet': 42")"
  probe seccomp_probe --int80 20
  [ "$RC" -eq 159 ] && ok "an arch left out of the filter is killed" \
    || fail "an arch left out of the filter is killed" "rc $RC, output '$OUT'"
else
  ok "architectures: skipped, no 32-bit x86 syscalls here"
fi

# ---- flags ------------------------------------------------------------------
supported=$("$BULWARK" features | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["linux"]["seccomp"].get("supportedFlags") or []))')
for flag in SECCOMP_FILTER_FLAG_TSYNC SECCOMP_FILTER_FLAG_LOG SECCOMP_FILTER_FLAG_SPEC_ALLOW SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV; do
  with_seccomp "{'defaultAction': 'SCMP_ACT_ALLOW', 'flags': ['$flag'], 'syscalls': [{'names': ['mkdir'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 44}]}"
  case " $supported " in
    *" $flag "*)
      probe seccomp_probe mkdir /tmp/x 0755
      expect "flag $flag" "err 44" ;;
    *)
      expect_fail "flag $flag: unsupported here, refused" "^bulwark: .*linux\.seccomp\.flags\[0\]: $flag" \
        create --bundle "$B" flagbad
      root_is_empty && ok "flag $flag: nothing left" || fail "flag $flag: nothing left" "$(ls "$ROOT")" ;;
  esac
done

# ---- SCMP_ACT_NOTIFY --------------------------------------------------------
# agent_case NAME REPLY NNP WANT: mkdir is sent to the agent, which answers.
agent_case () {
  local name=$1 reply=$2 nnp=$3 want=$4 sock="$BW_TMP/agent.sock" log="$BW_TMP/agent.log"
  rm -f "$sock" "$log"
  N=$((N + 1))
  timeout 30 python3 "$AGENT" "$sock" "$log" --reply "$reply" --id "sc$N" --metadata "m=1" \
    --bundle "$B" --timeout 20 &
  local agent=$!
  for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
  with_seccomp "{'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': '$sock', 'listenerMetadata': 'm=1', 'syscalls': [{'names': ['mkdir'], 'action': 'SCMP_ACT_NOTIFY'}]}" \
    "c['process']['noNewPrivileges'] = $nnp"
  set_args "$B/config.json" seccomp_probe mkdir /tmp/x 0755
  OUT=$(bw run --bundle "$B" "sc$N" 2>"$BW_TMP/stderr"); RC=$?
  bw delete -f "sc$N" >/dev/null 2>&1
  wait "$agent"
  expect "notify ($name): the agent answers the call" "$want"
  if grep -qx "state ok" "$log" 2>/dev/null; then ok "notify ($name): fd and state delivered"
  else fail "notify ($name): fd and state delivered" "$(tr '\n' '|' < "$log" 2>/dev/null)"; fi
  grep -qx "notif $NR_MKDIR" "$log" && ok "notify ($name): agent saw mkdir" \
    || fail "notify ($name): agent saw mkdir" "$(tr '\n' '|' < "$log" 2>/dev/null)"
}
agent_case "errno, noNewPrivileges" errno:55 True "err 55"
agent_case "continue, noNewPrivileges" continue True "ok 0"
agent_case "errno, without noNewPrivileges" errno:56 False "err 56"

# ---- bad configs: create fails with one line, nothing left ------------------
with_seccomp "$(rule "['mkdir']" SCMP_ACT_NOTIFY)"
expect_fail "NOTIFY without listenerPath" '^bulwark: .*linux\.seccomp\.listenerPath: required' \
  create --bundle "$B" bad1
root_is_empty && ok "NOTIFY without listenerPath: nothing left" \
  || fail "NOTIFY without listenerPath: nothing left" "$(ls "$ROOT")"

with_seccomp "{'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': '$BW_TMP/nobody-listens.sock', 'syscalls': [{'names': ['mkdir'], 'action': 'SCMP_ACT_NOTIFY'}]}"
expect_fail "unreachable listenerPath" '^bulwark: .*linux\.seccomp\.listenerPath: connect to .*nobody-listens\.sock' \
  create --bundle "$B" bad2
root_is_empty && ok "unreachable listenerPath: nothing left" \
  || fail "unreachable listenerPath: nothing left" "$(ls "$ROOT")"

with_seccomp "{'defaultAction': 'SCMP_ACT_NOTIFY', 'listenerPath': '/x'}"
expect_fail "NOTIFY as defaultAction" '^bulwark: .*linux\.seccomp\.defaultAction: SCMP_ACT_NOTIFY' \
  create --bundle "$B" bad3
root_is_empty && ok "NOTIFY as defaultAction: nothing left" || fail "NOTIFY as defaultAction: nothing left" "$(ls "$ROOT")"

with_seccomp "$(rule "['mkdir']" SCMP_ACT_ALLOW ", 'errnoRet': 3")"
expect_fail "errnoRet with ALLOW" '^bulwark: .*linux\.seccomp\.syscalls\[0\]\.errnoRet: ' \
  create --bundle "$B" bad4
root_is_empty && ok "errnoRet with ALLOW: nothing left" || fail "errnoRet with ALLOW: nothing left" "$(ls "$ROOT")"

with_seccomp "{'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_VAX']}"
expect_fail "unknown architecture" '^bulwark: .*linux\.seccomp\.architectures\[1\]' create --bundle "$B" bad5

with_seccomp "{'defaultAction': 'SCMP_ACT_NOPE'}"
expect_fail "unknown action" '^bulwark: .*linux\.seccomp\.defaultAction: unknown seccomp action' \
  create --bundle "$B" bad6
root_is_empty && ok "bad configs leave nothing behind" || fail "bad configs leave nothing behind" "$(ls "$ROOT")"

# ---- the policy's floor with an allowlist that has no seccomp ---------------
# The floor goes in before the config's filter (loaded after it, its own
# seccomp(2) call would be denied); the kernel applies the strictest answer
# either way, so it still holds. Under the shipped policy (floor on), its
# pool and audit log moved into the test's directory. The allowlist is the
# shipped default profile's, without seccomp, with io_uring_setup allowed
# (so that only the floor denies it).
SRC=$(cd "$TESTS_DIR/.." && pwd)
ENFORCE=$BW_TMP/policy.json
sed -e "s|\"auditLog\": \"[^\"]*\"|\"auditLog\": \"$BW_TMP/audit.log\"|" \
  -e "s|\"pool\": \"[^\"]*\"|\"pool\": \"$BW_TMP/idpool\"|" "$SRC/profiles/policy.json" > "$ENFORCE"
export BULWARK_SECCOMP_PROFILE_DIR=$SRC/profiles/seccomp
ALLOW=$(python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
names = [n for s in p["syscalls"] if s["action"] == "SCMP_ACT_ALLOW" and not s.get("args")
         for n in s["names"] if n != "seccomp"]
print(json.dumps(names + ["io_uring_setup"]))' "$SRC/profiles/seccomp/default.json")
with_seccomp "{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': $ALLOW, 'action': 'SCMP_ACT_ALLOW'}]}"
POLICY=$ENFORCE probe seccomp_probe 425 1 buf
[ "$RC" -eq 0 ] && ok "floor: an allowlist without seccomp runs under the shipped policy" \
  || fail "floor: an allowlist without seccomp runs under the shipped policy" "rc $RC; stderr: $(head -c 300 "$BW_TMP/stderr")"
expect "floor: io_uring_setup still fails with EPERM under that allowlist" "err 1"
set_args "$B/config.json" sleep 60
if POLICY=$ENFORCE bw run -d --bundle "$B" floor-exec >/dev/null 2>"$BW_TMP/stderr"; then
  OUT=$(POLICY=$ENFORCE bw exec floor-exec seccomp_probe 425 1 buf 2>"$BW_TMP/stderr"); RC=$?
  expect "floor: exec under that allowlist runs, io_uring_setup EPERM" "err 1"
  POLICY=$ENFORCE bw delete -f floor-exec >/dev/null 2>&1
else
  fail "floor: exec under that allowlist runs, io_uring_setup EPERM" "run -d: $(head -c 300 "$BW_TMP/stderr")"
fi
root_is_empty && [ -z "$(ls "$BW_TMP/idpool" 2>/dev/null | grep -v '^\.')" ] \
  && ok "floor: nothing left behind" || fail "floor: nothing left behind" "$(ls -A "$ROOT" "$BW_TMP/idpool" 2>&1)"

"$BULWARK" features | python3 -c '
import json, sys
s = json.load(sys.stdin)["linux"]["seccomp"]
assert s["enabled"] and "SCMP_ACT_NOTIFY" in s["actions"] and "SCMP_CMP_MASKED_EQ" in s["operators"]
assert "SCMP_ARCH_X86_64" in s["archs"] or "SCMP_ARCH_AARCH64" in s["archs"]' \
  && ok "features: seccomp enabled with its lists" || fail "features: seccomp enabled with its lists" "$("$BULWARK" features)"

finish
