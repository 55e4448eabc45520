#!/usr/bin/env bash
# state (runtime.md "State", "Query State"): the fields and the status of a
# container as it goes created -> running -> stopped; unknown ID is an error.
. "$(dirname "$0")/../lib.sh"

refuse "state of an unknown ID fails" rt state no-such-container
b=$(new_bundle b)
cfg "$b" 'c["annotations"] = {"conformance-key": "value-1"}'
set_script "$b" 'sleep 30'
create "$b" st1 || not_ok "create" "$(cat "$b/err")"
expect "id" "$(state_field st1 id)" st1
expect "status created" "$(state_field st1 status)" created
v=$(state_field st1 ociVersion)
if [ -n "$v" ]; then ok "ociVersion present"; else not_ok "ociVersion present"; fi
expect "bundle is the absolute bundle path" "$(state_field st1 bundle)" "$b"
expect "annotations copied from config" "$(state_field st1 annotations.conformance-key)" value-1
pid=$(state_field st1 pid)
if [ -n "$pid" ] && [ "$pid" -gt 0 ] 2>/dev/null && [ -d "/proc/$pid" ]; then ok "pid of a created container is a live process"; else not_ok "pid of a created container is a live process" "pid='$pid'"; fi
rt start st1 >/dev/null 2>&1
expect "status running" "$(state_field st1 status)" running
expect "pid unchanged by start" "$(state_field st1 pid)" "$pid"
rt kill st1 KILL >/dev/null 2>&1
check "status stopped after the process dies" wait_status st1 stopped
done_testing
