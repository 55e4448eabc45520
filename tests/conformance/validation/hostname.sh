#!/usr/bin/env bash
# hostname (config.md "Hostname"): set in the container's UTS namespace,
# the host's is untouched.
. "$(dirname "$0")/../lib.sh"

host_before=$(hostname)
b=$(new_bundle b)
cfg "$b" 'c["hostname"] = "hostname-test-1"'
if inside "container runs" "$b" h1 'echo hostname=$(hostname)'; then
  expect "hostname inside" "$(val "$b" hostname)" hostname-test-1
fi
expect "host's hostname unchanged" "$(hostname)" "$host_before"
done_testing
