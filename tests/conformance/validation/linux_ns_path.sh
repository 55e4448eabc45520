#!/usr/bin/env bash
# linux_ns_path (config-linux.md "Namespaces": with a path, the container
# joins that namespace).
. "$(dirname "$0")/../lib.sh"

unshare --net --uts --ipc sleep 60 &
holder=$!
sleep 0.3
b=$(new_bundle b)
cfg "$b" "
for n in c['linux']['namespaces']:
    if n['type'] in ('network', 'uts', 'ipc'):
        n['path'] = '/proc/$holder/ns/' + {'network': 'net', 'uts': 'uts', 'ipc': 'ipc'}[n['type']]
"
if inside "container joining namespaces by path runs" "$b" np1 'for n in net uts ipc; do echo $n=$(readlink /proc/self/ns/$n); done'; then
  for n in net uts ipc; do
    expect "joined the $n namespace" "$(val "$b" $n)" "$(readlink /proc/$holder/ns/$n)"
  done
fi
kill $holder; wait $holder 2>/dev/null
done_testing
