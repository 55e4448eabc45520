#!/usr/bin/env bash
# linux_readonly_paths (config-linux.md "Readonly Paths"): writes under a
# readonly path fail, a missing path is ignored, siblings stay writable.
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
mkdir -p "$b/rootfs/ro-dir" "$b/rootfs/rw-dir"; echo old >"$b/rootfs/ro-file"
cfg "$b" 'c["linux"]["readonlyPaths"] = ["/ro-dir", "/ro-file", "/does/not/exist"]'
if inside "container runs with a missing readonly path" "$b" rp1 'touch /ro-dir/x 2>/dev/null && echo dir=rw || echo dir=ro; (echo new >/ro-file) 2>/dev/null && echo file=rw || echo file=ro; touch /rw-dir/x && echo sibling=rw'; then
  expect "readonly directory" "$(val "$b" dir)" ro
  expect "readonly file" "$(val "$b" file)" ro
  expect "sibling directory writable" "$(val "$b" sibling)" rw
fi
expect "file content unchanged" "$(cat "$b/rootfs/ro-file")" old
done_testing
