#!/usr/bin/env bash
# delete (runtime.md "Delete": MUST error if the container is not stopped;
# deleting a stopped container removes it).
. "$(dirname "$0")/../lib.sh"

refuse "delete of an unknown ID fails" rt delete no-such-container
b=$(new_bundle b)
set_script "$b" 'sleep 30'
create "$b" d1 || not_ok "create" "$(cat "$b/err")"
refuse "delete of a created container fails" rt delete d1
expect "created container still there" "$(state_field d1 status)" created
rt start d1 >/dev/null 2>&1
refuse "delete of a running container fails" rt delete d1
expect "running container still running" "$(state_field d1 status)" running
rt kill d1 KILL >/dev/null 2>&1
wait_status d1 stopped
check "delete of a stopped container succeeds" rt delete d1
refuse "state fails after delete" rt state d1
check "the ID can be used again" create "$b" d1
rt delete -f d1 >/dev/null 2>&1
done_testing
