#!/usr/bin/env bash
# linux_masked_paths (config-linux.md "Masked Paths"): a masked file reads
# as empty, a masked directory is empty, a missing path is ignored.
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
mkdir -p "$b/rootfs/masked-dir/sub"; echo secret >"$b/rootfs/masked-dir/file"
echo secret >"$b/rootfs/masked-file"
cfg "$b" 'c["linux"]["maskedPaths"] = ["/masked-dir", "/masked-file", "/does/not/exist", "/proc/keys"]'
if inside "container runs with a missing masked path" "$b" mp1 'echo dir=$(ls -A /masked-dir | wc -l); echo file=$(cat /masked-file | wc -c); echo keys=$(cat /proc/keys | wc -c)'; then
  expect "masked directory is empty" "$(val "$b" dir)" 0
  expect "masked file reads empty" "$(val "$b" file)" 0
  expect "masked /proc/keys reads empty" "$(val "$b" keys)" 0
fi
expect "rootfs content untouched" "$(cat "$b/rootfs/masked-file")" secret
done_testing
