#!/usr/bin/env bash
# pidfile: create --pid-file writes the container process's pid, the one
# state reports.
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
set_script "$b" 'sleep 30'
create "$b" p1 --pid-file "$WORK/p1.pid" || not_ok "create" "$(cat "$b/err")"
expect "pid file holds state's pid" "$(cat "$WORK/p1.pid" 2>/dev/null)" "$(state_field p1 pid)"
rt delete -f p1 >/dev/null 2>&1
done_testing
