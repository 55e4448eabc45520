#!/usr/bin/env bash
# poststart_fail (runtime.md "Lifecycle", runtime-spec 1.0: a failing
# poststart hook is logged as a warning; the remaining hooks and the
# lifecycle go on).
. "$(dirname "$0")/../lib.sh"; . "$(dirname "$0")/../hooks.sh"

b=$(new_bundle b)
set_script "$b" 'sleep 30'
hook_cfg "$b" poststart "echo poststart-1 >>$WORK/hooks.log; exit 1" "echo poststart-2 >>$WORK/hooks.log"
create "$b" psf1 || not_ok "create" "$(cat "$b/err")"
rt start psf1 >/dev/null 2>&1
expect "the remaining poststart hooks ran" "$(logged)" "poststart-1 poststart-2"
expect "the container is running" "$(state_field psf1 status)" running
rt delete -f psf1 >/dev/null 2>&1
done_testing
