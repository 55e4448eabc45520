#!/usr/bin/env bash
# linux_uid_mappings (config-linux.md "User namespace mappings"): the
# container's user namespace has the configured uid map; container root is
# the mapped host uid.
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
cfg "$b" 'c["linux"]["namespaces"].append({"type": "user"}); c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]; c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
if inside "container with a user namespace runs" "$b" um1 'echo uidmap=$(cat /proc/self/uid_map | xargs); echo uid=$(id -u); touch /tmp/owned'; then
  expect "uid_map" "$(val "$b" uidmap)" "0 100000 65536"
  expect "container uid" "$(val "$b" uid)" 0
  expect "a file created by container root is owned by the mapped host uid" "$(stat -c %u "$b/rootfs/tmp/owned" 2>&1)" 100000
fi
done_testing
