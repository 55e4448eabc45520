#!/usr/bin/env bash
# config_updates_without_affect (runtime.md "Create": updates to
# config.json after create MUST NOT affect the container).
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
set_script "$b" 'echo args=first; echo hostname=$(hostname)'
create "$b" cu1 || not_ok "create" "$(cat "$b/err")"
set_script "$b" 'echo args=second; echo hostname=$(hostname)'
cfg "$b" 'c["hostname"] = "changed"'
rt start cu1 >/dev/null 2>&1
wait_status cu1 stopped
expect "process.args as at create" "$(val "$b" args)" first
expect "hostname as at create" "$(val "$b" hostname)" conformance
done_testing
