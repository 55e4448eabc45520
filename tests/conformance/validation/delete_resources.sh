#!/usr/bin/env bash
# delete_resources (runtime.md "Delete": resources created by create are
# removed): after kill + delete no process of the container is left and its
# network namespace is gone.
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
set_script "$b" 'sleep 30 & sleep 30'
create "$b" dr1 || not_ok "create" "$(cat "$b/err")"
rt start dr1 >/dev/null 2>&1
pid=$(state_field dr1 pid)
ns=$(readlink "/proc/$pid/ns/net" 2>/dev/null)
if [ -n "$ns" ] && [ "$ns" != "$(readlink /proc/self/ns/net)" ]; then ok "container has its own network namespace"; else not_ok "container has its own network namespace" "ns='$ns'"; fi
rt kill dr1 KILL >/dev/null 2>&1
wait_status dr1 stopped
check "delete succeeds" rt delete dr1
left=""
for _ in $(seq 30); do
  left=$(for p in /proc/[0-9]*; do [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$ns" ] && echo "${p#/proc/}"; done)
  [ -z "$left" ] && break
  sleep 0.1
done
expect "no process left in the container's network namespace" "$left" ""
done_testing
