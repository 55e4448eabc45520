#!/usr/bin/env bash
# poststop (config.md "Poststop"): run after the container is deleted,
# before delete returns.
. "$(dirname "$0")/../lib.sh"; . "$(dirname "$0")/../hooks.sh"

b=$(new_bundle b)
set_script "$b" 'true'
hook_cfg "$b" poststop "echo poststop-1 >>$WORK/hooks.log" "echo poststop-2 >>$WORK/hooks.log"
create "$b" ps1 || not_ok "create" "$(cat "$b/err")"
rt start ps1 >/dev/null 2>&1; wait_status ps1 stopped
expect "no poststop hook before delete" "$(logged)" ""
check "delete succeeds" rt delete ps1
expect "poststop hooks ran in order when delete returned" "$(logged)" "poststop-1 poststop-2"
done_testing
