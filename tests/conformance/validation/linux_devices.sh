#!/usr/bin/env bash
# linux_devices (config-linux.md "Devices"): each device is created with
# its type, numbers, mode and owner.
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
cfg "$b" 'c["linux"]["devices"] = [{"path": "/dev/conf-null", "type": "c", "major": 1, "minor": 3, "fileMode": 432, "uid": 1000, "gid": 1001}, {"path": "/dev/sub/conf-loop", "type": "b", "major": 7, "minor": 200, "fileMode": 384}, {"path": "/dev/conf-fifo", "type": "p"}]'
if inside "container runs" "$b" dv1 'echo null=$(stat -c "%F %t:%T %a %u:%g" /dev/conf-null); echo loop=$(stat -c "%F %t:%T %a" /dev/sub/conf-loop); echo fifo=$(stat -c "%F" /dev/conf-fifo); echo write=$(echo x >/dev/conf-null && echo yes)'; then
  expect "char device" "$(val "$b" null)" "character special file 1:3 660 1000:1001"
  expect "block device in a new directory" "$(val "$b" loop)" "block special file 7:c8 600"
  expect "fifo" "$(val "$b" fifo)" "fifo"
  expect "char device usable" "$(val "$b" write)" yes
fi
done_testing
