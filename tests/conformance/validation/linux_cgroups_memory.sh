#!/usr/bin/env bash
# linux_cgroups_memory (config-linux.md "Control groups", "Memory"): the
# container's process is in linux.cgroupsPath and the limits are set.
. "$(dirname "$0")/../lib.sh"; . "$(dirname "$0")/../cgroups.sh"

b=$(new_bundle b)
set_script "$b" 'sleep 30'
cg=/bulwark-conformance-$$/mem
cfg "$b" "c['linux']['cgroupsPath'] = '$cg'; c['linux']['resources'] = {'memory': {'limit': 67108864, 'reservation': 33554432}}"
create "$b" cgm1 || not_ok "create" "$(cat "$b/err")"
pid=$(state_field cgm1 pid)
expect "process in cgroupsPath" "$(cgroup_of "$pid" memory)" "$cg"
expect "memory.limit" "$(cgroup_read memory "$cg" memory.limit_in_bytes memory.max)" 67108864
expect "memory.reservation" "$(cgroup_read memory "$cg" memory.soft_limit_in_bytes memory.low)" 33554432
rt delete -f cgm1 >/dev/null 2>&1
cgroup_cleanup "/bulwark-conformance-$$"
done_testing
