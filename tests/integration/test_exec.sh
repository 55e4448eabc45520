#!/usr/bin/env bash
# exec through the CLI: the process joins the init's namespaces, exit codes,
# --env/--cwd/--user/--additional-gids/--cap, --process files, --detach with
# --pid-file, -t with a console socket, refusals (stopped container, bad
# process file, --cgroup), and no process left behind.
. "$(dirname "$0")/lib.sh"

B="$BW_TMP/bundle"
RECEIVER="$(dirname "$0")/console_receiver.py"
# The init has no children of its own: any other process in its pid
# namespace was left by an exec.
make_bundle "$B" sh -c 'echo ready > /tmp/ready; exec sleep 600' \
  || { fail "make bundle" "bulwark spec failed"; finish; exit 1; }



bw create --bundle "$B" e1 >/dev/null 2>&1 && bw start e1 >/dev/null 2>&1 \
  || { fail "create and start e1" "failed"; finish; exit 1; }
for i in $(seq 50); do [ -e "$B/rootfs/tmp/ready" ] && break; sleep 0.1; done
INIT=$(pid_of e1)

# Same namespaces as the init.
same=1
for ns in pid mnt net ipc uts user cgroup time; do
  inner=$(bw exec e1 readlink "/proc/self/ns/$ns" 2>&1)
  outer=$(readlink "/proc/$INIT/ns/$ns")
  if [ "$inner" != "$outer" ]; then same=0; fail "exec: $ns namespace is the init's" "exec sees '$inner', init has '$outer'"; fi
done
[ $same -eq 1 ] && ok "exec: every namespace is the init's"
out=$(bw exec e1 cat /tmp/ready 2>&1)
[ "$out" = ready ] && ok "exec: sees the container's root" || fail "exec: sees the container's root" "$out"

# Exit codes.
bw exec e1 true >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && ok "exec: exit 0" || fail "exec: exit 0" "rc=$rc"
bw exec e1 sh -c 'exit 42' >/dev/null 2>&1; rc=$?
[ $rc -eq 42 ] && ok "exec: exit code 42 propagates" || fail "exec: exit code 42 propagates" "rc=$rc"
bw exec e1 sh -c 'kill -KILL $$' >/dev/null 2>&1; rc=$?
[ $rc -eq 137 ] && ok "exec: killed by SIGKILL gives 137" || fail "exec: killed by SIGKILL gives 137" "rc=$rc"
out=$(bw exec e1 no-such-binary 2>&1); rc=$?
if [ $rc -ne 0 ] && [ "$(printf '%s\n' "$out" | grep -c '')" -eq 1 ] && printf '%s' "$out" | grep -q 'executable file not found'; then
  ok "exec: missing binary fails with one line"
else fail "exec: missing binary fails with one line" "rc=$rc out=$out"; fi

# Signals reach the exec'd process (forwarded by the foreground runtime).
"$BULWARK" --root "$ROOT" exec e1 sh -c 'trap "echo got-term; exit 7" TERM; echo started; while :; do sleep 0.1; done' >"$BW_TMP/sig.out" 2>&1 &
epid=$!
for i in $(seq 50); do grep -q started "$BW_TMP/sig.out" 2>/dev/null && break; sleep 0.1; done
kill -TERM $epid
wait $epid; rc=$?
if [ $rc -eq 7 ] && grep -q got-term "$BW_TMP/sig.out"; then ok "exec: forwards SIGTERM"; else fail "exec: forwards SIGTERM" "rc=$rc out=$(cat "$BW_TMP/sig.out")"; fi

# Flags.
out=$(bw exec --env FOO=bar --env PATH=/bin:/usr/bin e1 sh -c 'echo "$FOO $PATH"' 2>&1)
[ "$out" = "bar /bin:/usr/bin" ] && ok "exec: --env adds and overrides" || fail "exec: --env adds and overrides" "$out"
out=$(bw exec --cwd /tmp e1 pwd 2>&1)
[ "$out" = /tmp ] && ok "exec: --cwd" || fail "exec: --cwd" "$out"
out=$(bw exec --user 1000:1001 --additional-gids 5 --additional-gids 7 e1 id 2>&1)
[ "$out" = "uid=1000 gid=1001 groups=5,7" ] && ok "exec: --user and --additional-gids" || fail "exec: --user and --additional-gids" "$out"
out=$(bw exec --no-new-privs e1 grep NoNewPrivs /proc/self/status 2>&1)
printf '%s' "$out" | grep -q '1$' && ok "exec: --no-new-privs" || fail "exec: --no-new-privs" "$out"

# Capabilities: as the init's (the config's), and --cap adds to bounding,
# effective and permitted.
caps_of () { grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' "$1"; }
bw exec e1 cat /proc/self/status >"$BW_TMP/exec.status" 2>&1
if [ "$(caps_of "$BW_TMP/exec.status")" = "$(caps_of /proc/$INIT/status)" ]; then ok "exec: capabilities are the config's"
else fail "exec: capabilities are the config's" "exec: $(caps_of "$BW_TMP/exec.status" | tr '\n' ' ') init: $(caps_of /proc/$INIT/status | tr '\n' ' ')"; fi
# The mask the config's effective set names (numbers from the kernel header).
want=$(python3 - "$B/config.json" <<'PY'
import json, re, sys
nums = dict(re.findall(r"#define\s+(CAP_[A-Z_]+)\s+(\d+)\s*$", open("/usr/include/linux/capability.h").read(), re.M))
caps = json.load(open(sys.argv[1]))["process"]["capabilities"]["effective"]
print("%016x" % sum(1 << int(nums[c]) for c in caps))
PY
)
got=$(awk '/^CapEff/ {print $2}' "$BW_TMP/exec.status")
[ -n "$want" ] && [ "$got" = "$want" ] && ok "exec: CapEff is the config's effective set" || fail "exec: CapEff is the config's effective set" "want $want got $got"
eff=$(bw exec --cap CAP_SYS_ADMIN e1 grep CapEff /proc/self/status 2>&1 | awk '{print $2}')
bnd=$(bw exec --cap CAP_SYS_ADMIN e1 grep CapBnd /proc/self/status 2>&1 | awk '{print $2}')
if [ -n "$eff" ] && [ $(( (0x$eff >> 21) & 1 )) -eq 1 ] && [ $(( (0x$bnd >> 21) & 1 )) -eq 1 ]; then ok "exec: --cap CAP_SYS_ADMIN is effective and bounding"
else fail "exec: --cap CAP_SYS_ADMIN is effective and bounding" "CapEff=$eff CapBnd=$bnd"; fi

# --process file (flags that build a process are not applied to it, as runc).
cat >"$BW_TMP/proc.json" <<'JSON'
{ "args": ["sh", "-c", "echo $GREETING; id -u; pwd"], "env": ["PATH=/bin", "GREETING=hi"],
  "cwd": "/etc", "user": { "uid": 7, "gid": 8 } }
JSON
out=$(bw exec --process "$BW_TMP/proc.json" e1 2>&1 | tr '\n' ' ')
[ "$out" = "hi 7 /etc " ] && ok "exec: --process file" || fail "exec: --process file" "$out"
# oomScoreAdj of the process file (the runtime's own value would be
# inherited otherwise).
echo '{ "args": ["cat", "/proc/self/oom_score_adj"], "cwd": "/", "oomScoreAdj": 321 }' >"$BW_TMP/oom.json"
out=$(bw exec --process "$BW_TMP/oom.json" e1 2>&1)
[ "$out" = 321 ] && ok "exec: --process oomScoreAdj" || fail "exec: --process oomScoreAdj" "$out"
echo '{ "args": "sh", "cwd": "/" }' >"$BW_TMP/bad.json"
expect_fail "exec: bad --process names the JSON path" 'bad\.json: .*args' exec --process "$BW_TMP/bad.json" e1
echo '{ "args": ["true"], "cwd": "/", "capabilities": { "bounding": ["CAP_NOPE"] } }' >"$BW_TMP/badcap.json"
expect_fail "exec: unknown capability in --process" 'capabilities\.bounding\[0\].*CAP_NOPE' exec --process "$BW_TMP/badcap.json" e1

# --detach and --pid-file.
bw exec --detach --pid-file "$BW_TMP/d.pid" e1 sh -c 'echo $$ > /tmp/detached; sleep 30' >/dev/null 2>&1; rc=$?
dpid=$(cat "$BW_TMP/d.pid" 2>/dev/null)
if [ $rc -eq 0 ] && [ -n "$dpid" ] && [ -d "/proc/$dpid" ] && [ "$(readlink /proc/$dpid/ns/pid)" = "$(readlink /proc/$INIT/ns/pid)" ]; then
  ok "exec --detach: returns, pid file names the running process"
else fail "exec --detach: returns, pid file names the running process" "rc=$rc pid=$dpid"; fi
[ -n "$dpid" ] && kill -KILL "$dpid" 2>/dev/null
for i in $(seq 50); do [ -n "$dpid" ] && gone "$dpid" && break; sleep 0.1; done

# -t with a console socket: the process sees a tty, output comes over the master.
rm -f "$BW_TMP/cs.sock" "$BW_TMP/cs.ready"
python3 "$RECEIVER" "$BW_TMP/cs.sock" "$BW_TMP/tty.out" --ready "$BW_TMP/cs.ready" --timeout 15 &
rpid=$!
for i in $(seq 50); do [ -e "$BW_TMP/cs.ready" ] && break; sleep 0.1; done
bw exec -t --console-socket "$BW_TMP/cs.sock" e1 sh -c 'tty; test -t 0 && echo is-a-tty' >/dev/null 2>&1; rc=$?
wait $rpid; rrc=$?
out=$(tr -d '\r' <"$BW_TMP/tty.out" 2>/dev/null | tr '\n' ' ')
if [ $rc -eq 0 ] && [ $rrc -eq 0 ] && printf '%s' "$out" | grep -Eq '^/dev/pts/[0-9]+ is-a-tty $'; then ok "exec -t: tty over the console socket"
else fail "exec -t: tty over the console socket" "rc=$rc receiver=$rrc out=$out"; fi
# In the foreground exec -t relays the terminal itself (test_tty_relay.sh);
# detached, nobody would: refused as runc does.
expect_fail "exec -d -t without --console-socket fails" 'console-socket.*detached' exec -d -t e1 true
expect_fail "exec --console-socket without -t fails" 'console-socket' exec --console-socket "$BW_TMP/none.sock" e1 true

# --preserve-fds: fd 3 of the runtime reaches the process.
echo passed-fd >"$BW_TMP/fd3"
out=$(bw exec --preserve-fds 1 e1 sh -c 'cat <&3' 3<"$BW_TMP/fd3" 2>&1)
[ "$out" = passed-fd ] && ok "exec: --preserve-fds" || fail "exec: --preserve-fds" "$out"
out=$(bw exec e1 sh -c 'ls /proc/self/fd | wc -l' 3<"$BW_TMP/fd3" 2>&1)
[ "$out" = 4 ] && ok "exec: no other fd leaks into the process" || fail "exec: no other fd leaks into the process" "$out fds (want 0 1 2 and ls's own)"

# Refusals.
expect_fail "exec --cgroup: clear refusal" '^bulwark: --cgroup: not supported' exec --cgroup foo e1 true
expect_fail "exec into a missing container" 'container "nope" does not exist' exec nope true

# Nothing left behind: only the init remains in the container.
n=$(procs_in_container "$INIT")
[ "$n" -eq 1 ] && ok "exec: no process left in the container" || fail "exec: no process left in the container" "$n processes"
bw kill e1 KILL >/dev/null 2>&1
for i in $(seq 50); do gone "$INIT" && break; sleep 0.1; done

# A stopped container.
expect_fail "exec into a stopped container" 'container "e1" is not running' exec e1 true
bw delete e1 >/dev/null 2>&1
root_is_empty && ok "exec: nothing left under the state root" || fail "exec: nothing left under the state root" "$(ls -A "$ROOT")"

# The container's linux.seccomp applies to exec'd processes.
S="$BW_TMP/seccomp"
make_bundle "$S" sleep 600 >/dev/null
edit_config "$S/config.json" 'c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
if bw run -d --bundle "$S" s1 >/dev/null 2>"$BW_TMP/s1.err"; then
  out=$(bw exec s1 mkdir /tmp/denied 2>&1); rc=$?
  if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q 'Operation not permitted'; then ok "exec: the container's seccomp filter applies"
  else fail "exec: the container's seccomp filter applies" "rc=$rc out=$out"; fi
  bw delete -f s1 >/dev/null 2>&1
else
  fail "exec: the container's seccomp filter applies" "run failed: $(cat "$BW_TMP/s1.err")"
fi


# ---- exec is held to the policy, as the container's process at create -------
# The shipped policy, its audit log and ID-range pool moved into the test's
# directory; the shipped default seccomp profile from the source tree.
SRC=$(cd "$TESTS_DIR/.." && pwd)
ENFORCE=$BW_TMP/policy.json
sed -e "s|\"auditLog\": \"[^\"]*\"|\"auditLog\": \"$BW_TMP/audit.log\"|" \
  -e "s|\"pool\": \"[^\"]*\"|\"pool\": \"$BW_TMP/idpool\"|" "$SRC/profiles/policy.json" > "$ENFORCE"
export BULWARK_SECCOMP_PROFILE_DIR=$SRC/profiles/seccomp
CAP_SYS_ADMIN_BIT=$((1 << 21))
# capeff OUTPUT: the CapEff mask of a `grep CapEff /proc/self/status`.
capeff () { printf '%d' "0x$(sed -n 's/^CapEff:[[:space:]]*//p' <<<"$1")" 2>/dev/null; }
# A process file asking for CAP_SYS_ADMIN and no no_new_privs.
cat > "$BW_TMP/priv.json" <<'JSON'
{"cwd": "/", "args": ["grep", "-E", "^(CapEff|NoNewPrivs):", "/proc/self/status"],
 "noNewPrivileges": false,
 "capabilities": {"bounding": ["CAP_KILL", "CAP_SYS_ADMIN"], "effective": ["CAP_KILL", "CAP_SYS_ADMIN"],
                  "permitted": ["CAP_KILL", "CAP_SYS_ADMIN"]}}
JSON
P="$BW_TMP/policy-bundle"
make_bundle "$P" sleep 600 >/dev/null
for mode in enforce audit; do
  pol=$ENFORCE; [ $mode = audit ] && pol=$POLICY
  if ! POLICY=$pol bw run -d --bundle "$P" "pol-$mode" >/dev/null 2>"$BW_TMP/pol.err"; then
    fail "exec under $mode: run -d" "$(cat "$BW_TMP/pol.err")"; continue
  fi
  : >"$BW_TMP/pol.log"
  out=$(POLICY=$pol bw --log "$BW_TMP/pol.log" exec --cap CAP_SYS_ADMIN "pol-$mode" grep CapEff /proc/self/status 2>"$BW_TMP/pol.err")
  eff=$(capeff "$out")
  if [ $mode = enforce ]; then
    # The clamp is logged (--log), not printed: clients mix the runtime's
    # stderr into the process's output.
    [ -n "$eff" ] && [ $((eff & CAP_SYS_ADMIN_BIT)) -eq 0 ] && [ ! -s "$BW_TMP/pol.err" ] \
      && grep -q 'process.capabilities.effective: .*(capabilities.allowed)' "$BW_TMP/pol.log" \
      && ok "exec --cap CAP_SYS_ADMIN under enforce: dropped, logged naming the policy key, stderr clean" \
      || fail "exec --cap CAP_SYS_ADMIN under enforce: dropped, logged naming the policy key, stderr clean" \
              "out '$out', stderr '$(cat "$BW_TMP/pol.err")', log '$(cat "$BW_TMP/pol.log")'"
    out=$(POLICY=$pol bw exec --process "$BW_TMP/priv.json" "pol-$mode" 2>&1)
    grep -qE '^NoNewPrivs:[[:space:]]*1' <<<"$out" && [ $(($(capeff "$out") & CAP_SYS_ADMIN_BIT)) -eq 0 ] \
      && ok "exec --process with noNewPrivileges false under enforce: NoNewPrivs 1, no CAP_SYS_ADMIN" \
      || fail "exec --process with noNewPrivileges false under enforce: NoNewPrivs 1, no CAP_SYS_ADMIN" "$out"
  else
    [ -n "$eff" ] && [ $((eff & CAP_SYS_ADMIN_BIT)) -ne 0 ] && [ ! -s "$BW_TMP/pol.err" ] \
      && ok "exec --cap CAP_SYS_ADMIN under audit: unchanged, nothing on stderr" \
      || fail "exec --cap CAP_SYS_ADMIN under audit: unchanged, nothing on stderr" \
              "out '$out', stderr '$(cat "$BW_TMP/pol.err")'"
    out=$(POLICY=$pol bw exec --process "$BW_TMP/priv.json" "pol-$mode" 2>&1)
    grep -qE '^NoNewPrivs:[[:space:]]*0' <<<"$out" \
      && ok "exec --process with noNewPrivileges false under audit: NoNewPrivs 0" \
      || fail "exec --process with noNewPrivileges false under audit: NoNewPrivs 0" "$out"
  fi
  POLICY=$pol bw delete -f "pol-$mode" >/dev/null 2>&1
done
root_is_empty && [ -z "$(ls "$BW_TMP/idpool" 2>/dev/null | grep -v '^\.')" ] \
  && ok "exec under the policy: nothing left behind" \
  || fail "exec under the policy: nothing left behind" "$(ls -A "$ROOT" "$BW_TMP/idpool" 2>&1)"

finish
