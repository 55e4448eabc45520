#!/usr/bin/env bash
# Process attributes seen from inside the container: scheduler, I/O
# priority, personality, CPU affinity checks, rlimits, oomScoreAdj, user and
# groups, umask, hostname/domainname, sysctl, cwd, env; LSM labels on a host
# that runs no LSM fail with one line naming the field and leave nothing.
. "$(dirname "$0")/lib.sh"

B="$BW_TMP/bundle"
make_bundle "$B" || { fail "make bundle" "bulwark spec failed"; finish; exit 1; }
if [ ! -x "${PROBE_DIR:-}/probe" ]; then fail "probe" "\$PROBE_DIR/probe missing (build tests/probe/probe.c)"; finish; exit 1; fi
cp "$PROBE_DIR/probe" "$B/rootfs/bin/probe"
cp "$B/config.json" "$BW_TMP/config.base.json"

# Without a user namespace (host root in the container).
# (Other tests may mount and unmount meanwhile: only ours are counted.)
nothing_left () {
  if root_is_empty && ! grep -q "$BW_TMP" /proc/self/mountinfo; then ok "$1"; else fail "$1" "state: $(ls -A "$ROOT") mounts: $(grep "$BW_TMP" /proc/self/mountinfo)"; fi
}

# --- process.scheduler
inrun 'c["process"]["scheduler"] = {"policy": "SCHED_BATCH", "nice": 5}' probe sched
expect "scheduler: SCHED_BATCH nice 5 (user namespace)" '^policy=3 nice=5 '
# A new v1 cpu cgroup gets no real-time budget: the config gives it one.
inrun "$NO_USERNS"'; c["process"]["scheduler"] = {"policy": "SCHED_FIFO", "priority": 10, "flags": ["SCHED_FLAG_RESET_ON_FORK"]}; c["linux"].setdefault("resources", {}).setdefault("cpu", {})["realtimeRuntime"] = 10000' probe sched
expect "scheduler: SCHED_FIFO priority 10 reset-on-fork" '^policy=1 nice=0 priority=10 flags=0x1$'
inrun "$NO_USERNS"'; c["process"]["scheduler"] = {"policy": "SCHED_RR", "priority": 5}; c["linux"].setdefault("resources", {}).setdefault("cpu", {})["realtimeRuntime"] = 10000' probe sched
expect "scheduler: SCHED_RR priority 5" '^policy=2 nice=0 priority=5 '
inrun 'c["process"]["scheduler"] = {"policy": "SCHED_IDLE"}' probe sched
expect "scheduler: SCHED_IDLE" '^policy=5 '
inrun 'c["process"]["scheduler"] = {"policy": "SCHED_FIFO", "priority": 10}' probe sched
expect_error "scheduler: real-time in a user namespace is refused, naming the field" '^bulwark: .*process\.scheduler: sched_setattr \(policy SCHED_FIFO.*Operation not permitted$'
inrun "$NO_USERNS"'; c["process"]["scheduler"] = {"policy": "SCHED_FIFO", "priority": 1000}' probe sched
expect_error "scheduler: priority out of range names the field" 'process\.scheduler: sched_setattr .*Invalid argument$'
nothing_left "scheduler: failures leave nothing"

# --- process.ioPriority
inrun 'c["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 3}' probe ioprio
expect "ioPriority: best effort 3" '^class=2 priority=3$'
inrun 'c["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}' probe ioprio
expect "ioPriority: idle" '^class=3 priority=0$'
inrun "$NO_USERNS"'; c["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_RT", "priority": 1}' probe ioprio
expect "ioPriority: real-time 1 (no user namespace)" '^class=1 priority=1$'

# --- linux.personality
inrun 'c["linux"]["personality"] = {"domain": "LINUX32"}' uname -m
expect "personality: LINUX32 makes uname -m say i686" '^i686$'
inrun 'c["linux"]["personality"] = {"domain": "LINUX"}' uname -m
expect "personality: LINUX keeps x86_64" '^x86_64$'
inrun 'c["linux"]["personality"] = {"domain": "LINUX32", "flags": ["ADDR_NO_RANDOMIZE"]}' probe personality
expect "personality: flags are applied" '^0x40008$'
inrun 'c["linux"]["personality"] = {"domain": "LINUX", "flags": ["NO_SUCH_FLAG"]}' true
expect_error "personality: unknown flag names the field" 'linux\.personality\.flags\[0\]: unknown flag "NO_SUCH_FLAG"$'

# --- process.execCPUAffinity: for `exec` only (runtime-spec); checked at create.
host_cpus=$("$PROBE_DIR/probe" affinity)
inrun 'c["process"]["execCPUAffinity"] = {"initial": "0", "final": "0"}' probe affinity
expect "execCPUAffinity: accepted, not applied to the init" "^${host_cpus}\$"
inrun 'c["process"]["execCPUAffinity"] = {"initial": "0-", "final": "0"}' true
expect_error "execCPUAffinity: a bad list names the field" '^bulwark: process\.execCPUAffinity\.initial: "0-" is not a CPU list'
inrun 'c["process"]["execCPUAffinity"] = {"final": "3,1-x"}' true
expect_error "execCPUAffinity: a bad final list names the field" 'process\.execCPUAffinity\.final: '

# --- rlimits, oomScoreAdj
inrun 'c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 1000, "hard": 1024}, {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400}]' cat /proc/self/limits
expect "rlimits: NOFILE soft/hard" '^Max open files +1000 +1024 '
expect "rlimits: NPROC soft/hard" '^Max processes +300 +400 '
inrun 'c["process"]["oomScoreAdj"] = 500' cat /proc/self/oom_score_adj
expect "oomScoreAdj 500 (user namespace)" '^500$'
inrun "$NO_USERNS"'; c["process"]["oomScoreAdj"] = 200' cat /proc/self/oom_score_adj
expect "oomScoreAdj 200 (no user namespace)" '^200$'
# Lowering it takes CAP_SYS_RESOURCE, which some CI sandboxes withhold.
inrun "$NO_USERNS"'; c["process"]["oomScoreAdj"] = -300' cat /proc/self/oom_score_adj
if (( (0x$(awk '/^CapEff/ {print $2}' /proc/self/status) >> 24) & 1 )); then
  expect "oomScoreAdj -300 (no user namespace)" '^-300$'
else
  expect_error "oomScoreAdj -300 without CAP_SYS_RESOURCE: one line naming the field" '^bulwark: process\.oomScoreAdj: write -300: Permission denied$'
fi

# --- user, groups, umask
inrun 'c["process"]["user"] = {"uid": 1000, "gid": 1001, "additionalGids": [10, 20], "umask": 63}' sh -c 'id; umask'
expect "user: uid and gid" '^uid=1000 gid=1001'
expect "user: additional gids" 'groups=.*10.*20'
expect "user: umask 077" '^0077$'
inrun "$NO_USERNS"'; c["process"]["user"] = {"uid": 1000, "gid": 1000}' sh -c 'id -u; id -G'
expect "user: no supplementary groups unless asked (no user namespace)" '^1000$'

# --- hostname, domainname
inrun 'c["hostname"] = "box"; c["domainname"] = "example.org"' sh -c 'hostname; cat /proc/sys/kernel/domainname'
expect "hostname" '^box$'
expect "domainname" '^example\.org$'

# --- sysctl
host_forward=$(cat /proc/sys/net/ipv4/ip_forward)
inrun "$NO_USERNS"'; c["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1"}' sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced'
if [ $RC -eq 0 ] && [ "$(printf '%s\n' "$OUT" | tr '\n' ' ')" = "1 1 " ]; then ok "sysctl: net.ipv4.ip_forward and kernel.shm_rmid_forced"; else fail "sysctl: net.ipv4.ip_forward and kernel.shm_rmid_forced" "rc=$RC out=$OUT"; fi
check "sysctl: the host's ip_forward is untouched" test "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_forward"
inrun 'c["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1"}' cat /proc/sys/net/ipv4/ip_forward
expect "sysctl: in a user namespace too" '^1$'

# --- cwd, env
inrun "$NO_USERNS"'; c["process"]["cwd"] = "/work/deep/er"' sh -c 'pwd; ls -ld /work/deep/er'
expect "cwd: created and entered" '^/work/deep/er$'
check "cwd: created inside the rootfs" test -d "$B/rootfs/work/deep/er"
inrun 'c["process"]["cwd"] = "/tmp/deep/er"' pwd
expect "cwd: created on a tmpfs, in a user namespace" '^/tmp/deep/er$'
inrun 'c["process"]["cwd"] = "/work2"' pwd
expect_error "cwd: a rootfs the user namespace's root cannot write is an error naming process.cwd" '^bulwark: process\.cwd: mkdir /work2: Permission denied$'
inrun 'c["process"]["env"] = ["PATH=/bin", "FOO=bar baz", "EMPTY="]' sh -c 'echo "[$FOO][$EMPTY]"; env | wc -l'
expect "env: passed as is" '^\[bar baz\]\[\]$'

# --- LSMs: this host runs neither AppArmor nor SELinux.
lsm=$(cat /sys/kernel/security/lsm 2>/dev/null)
if printf '%s' "$lsm" | grep -q apparmor || [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
  ok "# SKIP apparmor is active on this host"
else
  inrun 'c["process"]["apparmorProfile"] = "bulwark-default"' true
  expect_error "apparmorProfile: refused, host has no AppArmor" '^bulwark: process\.apparmorProfile: AppArmor is not enabled on this host$'
fi
if printf '%s' "$lsm" | grep -q selinux || [ -e /sys/fs/selinux/enforce ]; then
  ok "# SKIP selinux is active on this host"
else
  inrun 'c["process"]["selinuxLabel"] = "system_u:system_r:container_t:s0"' true
  expect_error "selinuxLabel: refused, host has no SELinux" '^bulwark: process\.selinuxLabel: SELinux is not enabled on this host$'
  inrun 'c["linux"]["mountLabel"] = "system_u:object_r:container_file_t:s0"' true
  expect_error "mountLabel: refused, host has no SELinux" '^bulwark: linux\.mountLabel: SELinux is not enabled on this host$'
fi
nothing_left "LSM refusals leave no state and no mount"
check "features: apparmor listed as enabled" bash -c "'$BULWARK' features | python3 -c 'import json,sys; f=json.load(sys.stdin); assert f[\"linux\"][\"apparmor\"][\"enabled\"] is True'"

finish
