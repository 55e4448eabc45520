#!/usr/bin/env bash
# prestart_fail (runtime.md "Lifecycle": a failing prestart hook makes
# create fail; the program never runs and no container is left).
. "$(dirname "$0")/../lib.sh"; . "$(dirname "$0")/../hooks.sh"

b=$(new_bundle b)
set_script "$b" 'echo ran >/ran-marker'
hook_cfg "$b" prestart "echo prestart-1 >>$WORK/hooks.log; exit 1" "echo prestart-2 >>$WORK/hooks.log"
if create "$b" pf1 && rt start pf1 >/dev/null 2>&1; then not_ok "a failing prestart hook is an error"; else ok "a failing prestart hook is an error"; fi
sleep 0.3
expect "later hooks did not run" "$(logged)" "prestart-1"
[ -e "$b/rootfs/ran-marker" ] && not_ok "program did not run" || ok "program did not run"
v=$(state_field pf1 status)
if [ -z "$v" ] || [ "$v" = stopped ]; then ok "container not left created"; else not_ok "container not left created" "status $v"; fi
done_testing
