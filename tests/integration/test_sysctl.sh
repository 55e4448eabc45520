#!/usr/bin/env bash
# linux.sysctl: namespaced keys are written in the container; any other key,
# or one whose namespace the container does not have of its own, is refused
# at create, naming the key, before anything is made.
. "$(dirname "$0")/lib.sh"

B="$BW_TMP/bundle"
make_bundle "$B" || { fail "make bundle" "bulwark spec failed"; finish; exit 1; }
cp "$B/config.json" "$BW_TMP/config.base.json"
without () { printf 'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "%s"]' "$1"; }
sysctl () { printf 'c["linux"]["sysctl"] = %s' "$1"; }
use () {
  cp "$BW_TMP/config.base.json" "$B/config.json"
  edit_config "$B/config.json" "$1"
  set_args "$B/config.json" sh -c 'for f in net/ipv4/ip_forward kernel/shmmax kernel/msgmnb fs/mqueue/msg_max kernel/domainname; do echo "$f=$(cat /proc/sys/$f)"; done'
}

use "$(sysctl '{"net.ipv4.ip_forward": "1", "kernel.shmmax": "65536", "kernel.msgmnb": "8192", "fs.mqueue.msg_max": "20", "kernel.domainname": "example.org"}')"
OUT=$(bw run --bundle "$B" s1 2>&1)
for want in net/ipv4/ip_forward=1 kernel/shmmax=65536 kernel/msgmnb=8192 fs/mqueue/msg_max=20 kernel/domainname=example.org; do
  printf '%s\n' "$OUT" | grep -qx "$want" && ok "namespaced sysctl set: $want" || fail "namespaced sysctl set: $want" "$OUT"
done
[ "$(cat /proc/sys/kernel/domainname)" != example.org ] && ok "the host's domainname is untouched" ||
  fail "the host's domainname is untouched" "$(cat /proc/sys/kernel/domainname)"

refused () { # NAME EDIT PATTERN [COMMAND: create]
  use "$2"
  expect_fail "$1" "$3" "${4:-create}" --bundle "$B" s2
  root_is_empty && ok "$1: nothing made" || { fail "$1: nothing made" "$(ls -A "$ROOT")"; bw delete -f s2 >/dev/null 2>&1; }
}
refused "vm.swappiness refused" "$(sysctl '{"vm.swappiness": "10"}')" \
  '^bulwark: linux\.sysctl: "vm\.swappiness" is not namespaced; the container cannot set it$'
refused "kernel.pid_max refused" "$(sysctl '{"kernel.pid_max": "4096"}')" \
  '^bulwark: linux\.sysctl: "kernel\.pid_max" is not namespaced'
refused "fs.file-max refused" "$(sysctl '{"fs.file-max": "4096"}')" '"fs\.file-max" is not namespaced'
refused "ipc key without an ipc namespace" "$(sysctl '{"kernel.shmmax": "65536"}'); $(without ipc)" \
  '^bulwark: linux\.sysctl: "kernel\.shmmax" needs an ipc namespace'
refused "mqueue key without an ipc namespace" "$(sysctl '{"fs.mqueue.msg_max": "20"}'); $(without ipc)" \
  '"fs\.mqueue\.msg_max" needs an ipc namespace'
refused "kernel.hostname without a uts namespace" "$(sysctl '{"kernel.hostname": "x"}'); $(without uts); c.pop(\"hostname\", None)" \
  '"kernel\.hostname" needs a uts namespace'
refused "net key without a network namespace" "$(sysctl '{"net.ipv4.ip_forward": "1"}'); $(without network)" \
  '"net\.ipv4\.ip_forward" needs a network namespace of its own'
refused "net key with the host's network namespace joined" \
  "$(sysctl '{"net.ipv4.ip_forward": "1"}'); $(without network); c[\"linux\"][\"namespaces\"].append({\"type\": \"network\", \"path\": \"/proc/$$/ns/net\"})" \
  '"net\.ipv4\.ip_forward" would change the host.s network'
# The host's ipc and uts namespaces joined by path (the test shell's, not
# /proc/1), no user namespace: their keys would change the host. (The
# values are the host's own, and `run`, so that a runtime without the check
# changes nothing and leaves no container waiting.)
joined () { printf '%s; %s; c["linux"]["namespaces"].append({"type": "%s", "path": "/proc/%s/ns/%s"})' "$NO_USERNS" "$(without "$1")" "$1" "$$" "$1"; }
refused "ipc key with the host's ipc namespace joined" \
  "$(sysctl "{\"kernel.shmmax\": \"$(cat /proc/sys/kernel/shmmax)\"}"); $(joined ipc)" \
  '^bulwark: linux\.sysctl: "kernel\.shmmax" would change the host.s ipc namespace: the ipc namespace joined in linux\.namespaces is the host.s$' run
refused "uts key with the host's uts namespace joined" \
  "$(sysctl "{\"kernel.domainname\": \"$(cat /proc/sys/kernel/domainname)\"}"); $(joined uts); c.pop(\"hostname\", None)" \
  '^bulwark: linux\.sysctl: "kernel\.domainname" would change the host.s uts namespace' run

finish
