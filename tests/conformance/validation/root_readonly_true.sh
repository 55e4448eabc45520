#!/usr/bin/env bash
# root_readonly_true (config.md "root.readonly"): the root filesystem is
# read-only inside the container; mounts over it stay writable.
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
cfg "$b" 'c["root"]["readonly"] = True'
if inside "container runs" "$b" ro1 'touch /probe 2>/dev/null && echo root=rw || echo root=ro; touch /dev/shm/probe && echo shm=rw'; then
  expect "writing to / fails" "$(val "$b" root)" ro
  expect "/dev/shm still writable" "$(val "$b" shm)" rw
fi
[ -e "$b/rootfs/probe" ] && not_ok "nothing written to the rootfs" || ok "nothing written to the rootfs"
done_testing
