#!/usr/bin/env bash
# linux_ns_nopath (config-linux.md "Namespaces": without a path, a new
# namespace is created).
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
cfg "$b" 'c["linux"]["namespaces"].append({"type": "cgroup"})'
if inside "container runs" "$b" nn1 'for n in pid net ipc uts mnt cgroup; do echo $n=$(readlink /proc/self/ns/$n); done'; then
  for n in pid net ipc uts mnt cgroup; do
    v=$(val "$b" $n)
    if [ -n "$v" ] && [ "$v" != "$(readlink /proc/self/ns/$n)" ]; then ok "new $n namespace"; else not_ok "new $n namespace" "inside '$v', host $(readlink /proc/self/ns/$n)"; fi
  done
fi
done_testing
