#!/usr/bin/env bash
# linux_cgroups_pids (config-linux.md "pids"), with an absolute cgroupsPath.
. "$(dirname "$0")/../lib.sh"; . "$(dirname "$0")/../cgroups.sh"

b=$(new_bundle b)
set_script "$b" 'sleep 30'
cg=/bulwark-conformance-$$/pids
cfg "$b" "c['linux']['cgroupsPath'] = '$cg'; c['linux']['resources'] = {'pids': {'limit': 77}}"
create "$b" cgp1 || not_ok "create" "$(cat "$b/err")"
pid=$(state_field cgp1 pid)
expect "process in cgroupsPath" "$(cgroup_of "$pid" pids)" "$cg"
expect "pids.max" "$(cgroup_read pids "$cg" pids.max pids.max)" 77
rt delete -f cgp1 >/dev/null 2>&1
cgroup_cleanup "/bulwark-conformance-$$"
done_testing
