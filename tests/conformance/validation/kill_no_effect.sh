#!/usr/bin/env bash
# kill_no_effect (runtime.md "Kill": MUST error if the container is neither
# created nor running): kill of a stopped container fails and changes
# nothing.
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
set_script "$b" 'true'
create "$b" kn1 || not_ok "create" "$(cat "$b/err")"
rt start kn1 >/dev/null 2>&1
check "container stops" wait_status kn1 stopped
refuse "kill of a stopped container fails" rt kill kn1 KILL
expect "state still stopped" "$(state_field kn1 status)" stopped
done_testing
