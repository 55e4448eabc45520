#!/usr/bin/env bash
# kill (runtime.md "Kill"): sends the signal to a created or running
# container's process; unknown ID is an error.
. "$(dirname "$0")/../lib.sh"

refuse "kill of an unknown ID fails" rt kill no-such-container KILL
b=$(new_bundle b)
set_script "$b" 'sleep 30'
create "$b" k1 || not_ok "create" "$(cat "$b/err")"
check "kill KILL of a created container succeeds" rt kill k1 KILL
check "killed created container is stopped" wait_status k1 stopped

b2=$(new_bundle b2)
set_script "$b2" 'trap "echo got-term >/term-marker; exit 0" TERM; echo ready >/ready; while :; do sleep 0.1; done'
create "$b2" k2 || not_ok "create" "$(cat "$b2/err")"
rt start k2 >/dev/null 2>&1
for _ in $(seq 50); do [ -e "$b2/rootfs/ready" ] && break; sleep 0.1; done
check "kill TERM of a running container succeeds" rt kill k2 TERM
check "running container stops on TERM" wait_status k2 stopped
if [ -e "$b2/rootfs/term-marker" ]; then ok "the process received SIGTERM"; else not_ok "the process received SIGTERM"; fi
done_testing
