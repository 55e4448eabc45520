#!/usr/bin/env bash
# poststart (config.md "Poststart"): run after the user program starts,
# before start returns.
. "$(dirname "$0")/../lib.sh"; . "$(dirname "$0")/../hooks.sh"

b=$(new_bundle b)
set_script "$b" 'sleep 30'
hook_cfg "$b" poststart "echo poststart-1 >>$WORK/hooks.log" "echo poststart-2 >>$WORK/hooks.log"
create "$b" post1 || not_ok "create" "$(cat "$b/err")"
expect "no poststart hook at create" "$(logged)" ""
check "start succeeds" rt start post1
expect "poststart hooks ran in order when start returned" "$(logged)" "poststart-1 poststart-2"
rt delete -f post1 >/dev/null 2>&1
done_testing
