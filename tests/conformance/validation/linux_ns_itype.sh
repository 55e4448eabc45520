#!/usr/bin/env bash
# linux_ns_itype (config-linux.md "Namespaces": a type that is not listed
# is inherited from the runtime's namespaces).
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
cfg "$b" 'c["linux"]["namespaces"] = [{"type": "mount"}, {"type": "pid"}]; c.pop("hostname")'
if inside "container with only mount and pid namespaces runs" "$b" ni1 'for n in net ipc uts; do echo $n=$(readlink /proc/self/ns/$n); done'; then
  for n in net ipc uts; do
    expect "$n namespace inherited" "$(val "$b" $n)" "$(readlink /proc/self/ns/$n)"
  done
fi
done_testing
