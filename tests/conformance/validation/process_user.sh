#!/usr/bin/env bash
# process_user (config.md "User"): uid, gid, additionalGids and umask.
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
cfg "$b" 'c["process"]["user"] = {"uid": 1000, "gid": 1001, "additionalGids": [5, 1002], "umask": 63}'
if inside "container runs" "$b" pu1 'echo uid=$(id -u); echo gid=$(id -g); echo groups=$(sed -n "s/^Groups:[[:space:]]*//p" /proc/self/status); echo umask=$(umask)'; then
  expect "user.uid" "$(val "$b" uid)" 1000
  expect "user.gid" "$(val "$b" gid)" 1001
  expect "user.additionalGids" "$(val "$b" groups | xargs -n1 | sort -n | xargs)" "5 1002"
  expect "user.umask" "$(val "$b" umask)" 0077
fi
done_testing
