#!/usr/bin/env bash
# start (runtime.md "Start"): runs the user program of a created
# container; an unknown ID or a container that is not created is an error.
. "$(dirname "$0")/../lib.sh"

refuse "start of an unknown ID fails" rt start no-such-container
b=$(new_bundle b)
set_script "$b" 'echo ran >/ran-marker; echo out-line'
create "$b" s1 || not_ok "create" "$(cat "$b/err")"
check "start succeeds" rt start s1
check "container reaches stopped after its program exits" wait_status s1 stopped
if [ -e "$b/rootfs/ran-marker" ]; then ok "user program ran"; else not_ok "user program ran"; fi
expect "program's stdout is the one create was given" "$(cat "$b/out")" out-line
refuse "start of a stopped container fails" rt start s1
done_testing
