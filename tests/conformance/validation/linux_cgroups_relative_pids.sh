#!/usr/bin/env bash
# linux_cgroups_relative_pids (config-linux.md "cgroupsPath": a relative
# path is relative to the runtime's cgroup hierarchy; the spec leaves the
# base to the runtime, so only the path's tail is checked).
. "$(dirname "$0")/../lib.sh"; . "$(dirname "$0")/../cgroups.sh"

b=$(new_bundle b)
set_script "$b" 'sleep 30'
cg=bulwark-conformance-rel-$$
cfg "$b" "c['linux']['cgroupsPath'] = '$cg'; c['linux']['resources'] = {'pids': {'limit': 78}}"
create "$b" cgr1 || not_ok "create" "$(cat "$b/err")"
pid=$(state_field cgr1 pid)
path=$(cgroup_of "$pid" pids)
case "$path" in */"$cg") ok "process in the relative cgroupsPath" ;; *) not_ok "process in the relative cgroupsPath" "cgroup '$path'" ;; esac
expect "pids.max" "$(cgroup_read pids "$path" pids.max pids.max)" 78
rt delete -f cgr1 >/dev/null 2>&1
[ -n "$path" ] && [ "$path" != / ] && cgroup_cleanup "$path"
done_testing
