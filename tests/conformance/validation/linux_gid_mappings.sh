#!/usr/bin/env bash
# linux_gid_mappings (config-linux.md "User namespace mappings"): the
# container's user namespace has the configured gid map; container root's
# group is the mapped host gid.
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
cfg "$b" 'c["linux"]["namespaces"].append({"type": "user"}); c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]; c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
if inside "container with a user namespace runs" "$b" gm1 'echo gidmap=$(cat /proc/self/gid_map | xargs); echo gid=$(id -g); touch /tmp/owned'; then
  expect "gid_map" "$(val "$b" gidmap)" "0 200000 65536"
  expect "container gid" "$(val "$b" gid)" 0
  expect "a file created by container root has the mapped host gid" "$(stat -c %g "$b/rootfs/tmp/owned" 2>&1)" 200000
fi
done_testing
