#!/usr/bin/env bash
# prestart (config.md "Prestart"; createRuntime): run during create, in
# order, before the user program.
. "$(dirname "$0")/../lib.sh"; . "$(dirname "$0")/../hooks.sh"

b=$(new_bundle b)
set_script "$b" 'echo ran >/ran-marker'
hook_cfg "$b" prestart "echo prestart-1 >>$WORK/hooks.log" "echo prestart-2 >>$WORK/hooks.log"
hook_cfg "$b" createRuntime "echo createRuntime >>$WORK/hooks.log"
if create "$b" pre1; then ok "create with prestart hooks succeeds"; else not_ok "create with prestart hooks succeeds" "$(cat "$b/err")"; fi
expect "prestart and createRuntime hooks ran in order during create" "$(logged)" "prestart-1 prestart-2 createRuntime"
rt start pre1 >/dev/null 2>&1; wait_status pre1 stopped
if [ -e "$b/rootfs/ran-marker" ]; then ok "program ran after the hooks"; else not_ok "program ran after the hooks"; fi
done_testing
