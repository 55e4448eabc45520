#!/usr/bin/env bash
# process_capabilities (config.md "capabilities"): each set holds exactly
# the configured capabilities, also for a non-root user.
. "$(dirname "$0")/../lib.sh"

caps='echo eff=$(sed -n "s/^CapEff:[[:space:]]*//p" /proc/self/status); echo prm=$(sed -n "s/^CapPrm:[[:space:]]*//p" /proc/self/status); echo bnd=$(sed -n "s/^CapBnd:[[:space:]]*//p" /proc/self/status); echo inh=$(sed -n "s/^CapInh:[[:space:]]*//p" /proc/self/status); echo amb=$(sed -n "s/^CapAmb:[[:space:]]*//p" /proc/self/status)'
b=$(new_bundle b)
# CHOWN (0) and NET_RAW (13) everywhere but ambient; SYS_ADMIN (21) only in bounding.
cfg "$b" 'c["process"]["capabilities"] = {"bounding": ["CAP_CHOWN", "CAP_NET_RAW", "CAP_SYS_ADMIN"], "effective": ["CAP_CHOWN", "CAP_NET_RAW"], "permitted": ["CAP_CHOWN", "CAP_NET_RAW"], "inheritable": ["CAP_CHOWN", "CAP_NET_RAW"]}'
if inside "root container runs" "$b" pc1 "$caps"; then
  expect "bounding" "$(val "$b" bnd)" 0000000000202001
  expect "effective" "$(val "$b" eff)" 0000000000002001
  expect "permitted" "$(val "$b" prm)" 0000000000002001
  expect "inheritable" "$(val "$b" inh)" 0000000000002001
fi
b2=$(new_bundle b2)
cfg "$b2" 'c["process"]["user"] = {"uid": 1000, "gid": 1000}; c["process"]["capabilities"] = {k: ["CAP_NET_RAW"] for k in ("bounding", "effective", "permitted", "inheritable", "ambient")}; c["process"]["noNewPrivileges"] = False'
if inside "non-root container with ambient runs" "$b2" pc2 "$caps"; then
  expect "non-root effective" "$(val "$b2" eff)" 0000000000002000
  expect "non-root ambient" "$(val "$b2" amb)" 0000000000002000
fi
b3=$(new_bundle b3)
cfg "$b3" 'c["process"]["capabilities"] = {k: [] for k in ("bounding", "effective", "permitted")}'
if inside "container with no capabilities runs" "$b3" pc3 "$caps"; then
  expect "empty bounding" "$(val "$b3" bnd)" 0000000000000000
  expect "empty effective" "$(val "$b3" eff)" 0000000000000000
fi
done_testing
