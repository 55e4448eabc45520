#!/usr/bin/env bash
# poststop_fail (runtime.md "Lifecycle": a failing poststop hook is logged
# as a warning; the remaining hooks run and the container is deleted).
. "$(dirname "$0")/../lib.sh"; . "$(dirname "$0")/../hooks.sh"

b=$(new_bundle b)
set_script "$b" 'true'
hook_cfg "$b" poststop "echo poststop-1 >>$WORK/hooks.log; exit 1" "echo poststop-2 >>$WORK/hooks.log"
create "$b" psf2 || not_ok "create" "$(cat "$b/err")"
rt start psf2 >/dev/null 2>&1; wait_status psf2 stopped
rt delete psf2 >/dev/null 2>&1
expect "the remaining poststop hooks ran" "$(logged)" "poststop-1 poststop-2"
refuse "the container is deleted" rt state psf2
done_testing
