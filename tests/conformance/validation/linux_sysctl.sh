#!/usr/bin/env bash
# linux_sysctl (config-linux.md "Sysctl"): namespaced sysctls are set in the
# container's namespaces and not on the host.
. "$(dirname "$0")/../lib.sh"

host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
want_fwd=$((1 - host_fwd))
b=$(new_bundle b)
cfg "$b" "c['linux']['sysctl'] = {'net.ipv4.ip_forward': '$want_fwd', 'kernel.shmmni': '1234'}"
if inside "container runs" "$b" sy1 'echo fwd=$(cat /proc/sys/net/ipv4/ip_forward); echo shmmni=$(cat /proc/sys/kernel/shmmni)'; then
  expect "net.ipv4.ip_forward" "$(val "$b" fwd)" "$want_fwd"
  expect "kernel.shmmni" "$(val "$b" shmmni)" 1234
fi
expect "host's net.ipv4.ip_forward unchanged" "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd"
done_testing
