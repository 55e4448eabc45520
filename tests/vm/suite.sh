#!/bin/sh
# suite.sh: the tests run inside the VM (busybox sh only), on a cgroup v2
# host with AppArmor. Prints "ok - NAME" / "not ok - NAME: why" lines and
# "N passed, M failed, K skipped". Every build has cgroup v2 and AppArmor:
# what the lane can't check is a failure, never a skip.
export PATH=/bin:/sbin
ROOT=/run/bw
T=/tmp/vmtest
CG=/sys/fs/cgroup
PASSED=0
FAILED=0
SKIPPED=0
mkdir -p "$ROOT" "$T"

ok () { echo "ok - $1"; PASSED=$((PASSED + 1)); }
fail () { echo "not ok - $1: $2"; FAILED=$((FAILED + 1)); }
skip () { echo "ok - $1 # SKIP $2"; SKIPPED=$((SKIPPED + 1)); }
bw () { timeout 30 bulwark --root "$ROOT" "$@"; }

# The lane tests cgroups and LSMs on the configs as written: the shipped
# policy runs in audit mode (decide and report, change nothing).
if [ -f /bulwark/profiles/policy.json ]; then
  sed -e 's/"mode": *"enforce"/"mode": "audit"/' -e "s|\"auditLog\": *\"[^\"]*\"|\"auditLog\": \"$T/audit.log\"|" \
    /bulwark/profiles/policy.json >"$T/policy.json"
  export BULWARK_POLICY=$T/policy.json BULWARK_SECCOMP_PROFILE_DIR=/bulwark/profiles/seccomp
else
  fail "policy" "profiles/policy.json is not in the image"
fi

# The rootfs every bundle copies: busybox, its applets, a file AppArmor hides.
BASE=$T/rootfs
mkdir -p "$BASE/bin" "$BASE/proc" "$BASE/sys" "$BASE/dev" "$BASE/tmp" "$BASE/etc" "$BASE/run"
cp /bin/busybox "$BASE/bin/busybox"
for a in $(busybox --list); do
  [ "$a" = busybox ] || ln -s busybox "$BASE/bin/$a"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$BASE/etc/passwd"
echo 'root:x:0:' >"$BASE/etc/group"
echo secret >"$BASE/etc/bw-secret"
: >"$BASE/blk"

CAPS='"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_KILL", "CAP_SETGID", "CAP_SETUID"'

# bundle NAME ARGS [RESOURCES [PROCESS-EXTRA [MOUNTS-EXTRA [LINUX-EXTRA]]]]:
# $T/NAME with a copy of the rootfs and a config.json. ARGS is a JSON
# array body ('"sh", "-c", "..."'); the others are JSON members, each
# starting with a comma when given. No user namespace: the lane tests
# cgroups and LSMs, not ID mapping.
bundle () {
  local dir=$T/$1
  rm -rf "$dir" && mkdir -p "$dir" && cp -a "$BASE" "$dir/rootfs"
  cat >"$dir/config.json" <<EOF
{
  "ociVersion": "1.3.0",
  "process": {
    "terminal": false,
    "user": { "uid": 0, "gid": 0 },
    "args": [ $2 ],
    "env": [ "PATH=/bin" ],
    "cwd": "/",
    "capabilities": { "bounding": [ $CAPS ], "effective": [ $CAPS ], "permitted": [ $CAPS ] },
    "noNewPrivileges": true $4
  },
  "root": { "path": "rootfs", "readonly": true },
  "hostname": "vm",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": [ "nosuid", "mode=755", "size=1024k" ] },
    { "destination": "/sys", "type": "sysfs", "source": "sysfs", "options": [ "nosuid", "noexec", "nodev", "ro" ] },
    { "destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": [ "nosuid", "nodev", "size=4096k" ] } $5
  ],
  "linux": {
    "namespaces": [ { "type": "pid" }, { "type": "network" }, { "type": "ipc" }, { "type": "uts" },
                    { "type": "mount" }, { "type": "cgroup" } ],
    "resources": { "devices": [ { "allow": false, "access": "rwm" } ] $3 } $6
  }
}
EOF
}

# state_field ID FIELD: a string or number member of `bulwark state ID`.
state_field () {
  bw state "$1" 2>/dev/null | tr -d '\n' | sed -n "s/.*\"$2\": *\"\{0,1\}\([^\",}]*\).*/\1/p"
}

# start_container NAME: create + start the bundle $T/NAME as container NAME,
# its output in $T/NAME/out. Prints the container's pid.
start_container () {
  bw create --bundle "$T/$1" "$1" >"$T/$1/out" 2>&1 </dev/null || return 1
  bw start "$1" >>"$T/$1/out" 2>&1 || return 1
  state_field "$1" pid
}

# cgroup_of PID: the cgroup directory of PID (as this, the root namespace,
# sees it); fails when PID is in the root cgroup, which is never a container's.
cgroup_of () {
  local path
  path=$(sed -n 's/^0:://p' "/proc/$1/cgroup")
  echo "$CG$path"
  [ -n "$path" ] && [ "$path" != / ]
}

# start_in_cgroup NAME LABEL: start_container NAME, setting pid and dir (the
# caller's) to its init's pid and cgroup directory; reports "LABEL:
# container" failed when it did not start in a cgroup of its own.
start_in_cgroup () {
  pid="" dir=""
  pid=$(start_container "$1") && [ -n "$pid" ] && dir=$(cgroup_of "$pid") && return 0
  fail "$2: container" "did not start in a cgroup of its own (pid ${pid:-none}, cgroup ${dir#$CG}): $(cat "$T/$1/out")"
  return 1
}

# wait_for FILE TEXT: up to 30 s for TEXT to show in FILE.
wait_for () {
  local i=0
  while [ $i -lt 150 ]; do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.2; i=$((i + 1))
  done
  return 1
}

# stop NAME: remove container NAME whatever its state.
stop () { bw delete --force "$1" >/dev/null 2>&1; }

# --- what this build has --------------------------------------------------
FEATURES=$(bw features 2>&1 | tr -d ' \n')
case $FEATURES in
  *'"ociVersionMax"'*) ok "features: bulwark features prints the features document" ;;
  *) fail "features" "bulwark features: $FEATURES" ;;
esac
case $FEATURES in
  *'"v2":true'*) ok "features: cgroup v2 is in this build" ;;
  *) fail "features: cgroup v2" "bulwark features does not report it: $FEATURES" ;;
esac
case $FEATURES in
  *'"apparmor":{"enabled":true'*) ok "features: AppArmor is in this build" ;;
  *) fail "features: AppArmor" "bulwark features does not report it: $FEATURES" ;;
esac
echo "# kernel $(uname -r)"
echo "# controllers: $(cat $CG/cgroup.subtree_control); LSMs: $(cat /sys/kernel/security/lsm 2>/dev/null)"

# --- lifecycle --------------------------------------------------------------
bundle life '"sleep", "1000"'
if pid=$(start_container life) && [ -n "$pid" ]; then
  [ "$(state_field life status)" = running ] && kill -0 "$pid" 2>/dev/null &&
    ok "lifecycle: create + start runs the container" ||
    fail "lifecycle: create + start" "status $(state_field life status), pid $pid"
  bw kill life KILL
  i=0; while [ $i -lt 50 ] && [ "$(state_field life status)" != stopped ]; do sleep 0.1; i=$((i + 1)); done
  [ "$(state_field life status)" = stopped ] && ok "lifecycle: kill KILL stops it" ||
    fail "lifecycle: kill" "status $(state_field life status)"
  bw delete life && ! bw state life >/dev/null 2>&1 && ok "lifecycle: delete removes it" ||
    fail "lifecycle: delete" "state still answers"
else
  fail "lifecycle: create + start" "$(cat "$T/life/out")"
  stop life
fi
bundle exit3 '"sh", "-c", "exit 3"'
bw run --bundle "$T/exit3" exit3 >/dev/null 2>&1 </dev/null
rc=$?
[ $rc -eq 3 ] && ok "lifecycle: run returns the container's exit status" ||
  fail "lifecycle: run exit status" "got $rc, wanted 3"
stop exit3

# --- cgroup v2 --------------------------------------------------------------
cgroup_tests () {
  local pid dir

  # Placement, cgroup namespace, removal on delete.
  bundle place '"sh", "-c", "cat /proc/self/cgroup; exec sleep 1000"'
  if pid=$(start_container place) && [ -n "$pid" ]; then
    if dir=$(cgroup_of "$pid") && [ -d "$dir" ]; then
      ok "cgroup: the container has its own cgroup (${dir#$CG})"
    else
      fail "cgroup: placement" "init is in ${dir#$CG}"
      stop place
      return
    fi
    wait_for "$T/place/out" '^0::' && grep -qx '0::/' "$T/place/out" &&
      ok "cgroup: the cgroup namespace shows only the container's subtree" ||
      fail "cgroup: namespace" "$(cat "$T/place/out")"
    bw ps --format json place 2>/dev/null | grep -q "$pid" &&
      ok "cgroup: ps --format json lists the init pid" || fail "cgroup: ps" "$(bw ps --format json place 2>&1)"
    bw delete --force place && [ ! -d "$dir" ] && ok "cgroup: delete --force removes the cgroup" ||
      fail "cgroup: delete removes the cgroup" "$dir still there"
  else
    fail "cgroup: placement" "$(cat "$T/place/out")"
  fi
  stop place

  # linux.cgroupsPath: absolute from the hierarchy root; relative beneath
  # the parent of the runtime's own cgroup, which for this suite (in the
  # root) is the root.
  local want
  for want in /bw-vm-abs/c1 bw-vm-rel/c2; do
    bundle cgpath '"sleep", "1000"' '' '' '' ", \"cgroupsPath\": \"$want\""
    dir=""
    if pid=$(start_container cgpath) && [ -n "$pid" ] && dir=$(cgroup_of "$pid") &&
       [ "${dir#$CG}" = "/${want#/}" ]; then
      bw delete --force cgpath && [ ! -d "$dir" ] &&
        ok "cgroup: cgroupsPath $want is placed at /${want#/} and removed by delete" ||
        fail "cgroup: cgroupsPath $want" "$dir left after delete"
    else
      fail "cgroup: cgroupsPath $want" "init is in ${dir#$CG}: $(cat "$T/cgpath/out")"
    fi
    stop cgpath
  done
  # The parents are the suite's to remove (a runtime leaves them, as runc does).
  rmdir "$CG/bw-vm-abs" "$CG/bw-vm-rel" 2>/dev/null

  # Run from a cgroup holding processes, as from a systemd session scope or
  # service: the kernel enables no controller below a non-root cgroup with
  # processes, so a relative cgroupsPath must go under the scope's parent
  # (the slice) for its limits to exist. The suite's shell moves into the
  # scope for this check and back to the root after it.
  local slice=$CG/bw-vm.slice
  mkdir -p "$slice/bw-vm.scope" && echo "+memory +pids" >"$slice/cgroup.subtree_control" &&
    echo $$ >"$slice/bw-vm.scope/cgroup.procs" || fail "cgroup: from a scope" "cannot set up $slice"
  bundle scoped '"sleep", "1000"' ', "memory": { "limit": 33554432 }, "pids": { "limit": 10 }' \
    '' '' ', "cgroupsPath": "bw-vm-nest/c"'
  if start_in_cgroup scoped "cgroup: from a scope"; then
    [ "${dir#$CG}" = /bw-vm.slice/bw-vm-nest/c ] && [ "$(cat "$dir/memory.max")" = 33554432 ] &&
      [ "$(cat "$dir/pids.max")" = 10 ] &&
      ok "cgroup: run from a scope with processes, a relative cgroupsPath goes beside it with its limits" ||
      fail "cgroup: from a scope" "cgroup ${dir#$CG}, memory.max $(cat "$dir/memory.max" 2>&1), pids.max $(cat "$dir/pids.max" 2>&1)"
  fi
  stop scoped
  echo $$ >"$CG/cgroup.procs"
  rmdir "$slice/bw-vm-nest" "$slice/bw-vm.scope/bw-vm-nest/c" "$slice/bw-vm.scope/bw-vm-nest" \
    "$slice/bw-vm.scope" "$slice" 2>/dev/null

  # Memory: a 64 MiB allocation under a 32 MiB limit (no swap) is OOM-killed,
  # and `events`, attached before the allocation (its first stats line says
  # so), reports it. The container waits for $T/mem/gate/go to allocate.
  bundle mem '"sh", "-c", "while [ ! -e /gate/go ]; do sleep 0.1; done; dd if=/dev/zero of=/dev/null bs=64M count=1; echo rc=$?; exec sleep 1000"' \
    ', "memory": { "limit": 33554432, "swap": 33554432 }' '' \
    ', { "destination": "/gate", "type": "bind", "source": "'"$T/mem/gate"'", "options": [ "bind" ] }'
  mkdir -p "$T/mem/gate" "$T/mem/rootfs/gate"
  local events_pid=""
  if start_in_cgroup mem "memory"; then
    bw events --interval 1s mem >"$T/mem/events" 2>&1 &
    events_pid=$!
    wait_for "$T/mem/events" '"type": *"stats"' || echo "# events printed no stats: $(cat "$T/mem/events")"
    touch "$T/mem/gate/go"
    [ "$(cat "$dir/memory.max")" = 33554432 ] && ok "memory: memory.max is the limit" ||
      fail "memory: memory.max" "$(cat "$dir/memory.max" 2>&1)"
    if wait_for "$T/mem/out" '^rc='; then
      grep -qx 'rc=137' "$T/mem/out" && grep -q '^oom_kill [1-9]' "$dir/memory.events" &&
        ok "memory: allocating past the limit is OOM-killed" ||
        fail "memory: OOM kill" "$(tr '\n' ' ' <"$T/mem/out"); $(tr '\n' ' ' <"$dir/memory.events")"
    else
      fail "memory: OOM kill" "the allocation did not end: $(cat "$T/mem/out")"
    fi
    wait_for "$T/mem/events" '"type": *"oom"' && ok "events: reports the OOM kill" ||
      fail "events: OOM" "$(tr '\n' ' ' <"$T/mem/events" | cut -c1-300)"
  fi
  stop mem
  [ -n "$events_pid" ] && { kill "$events_pid" 2>/dev/null; wait "$events_pid" 2>/dev/null; }

  # Pids: a fork loop of 30 under a limit of 10 stops at the limit.
  bundle pids '"sh", "-c", "(i=0; while [ $i -lt 30 ]; do sleep 100 & i=$((i+1)); done); echo loop-ended; exec sleep 1000"' \
    ', "pids": { "limit": 10 }'
  if start_in_cgroup pids "pids"; then
    if wait_for "$T/pids/out" loop-ended; then
      [ "$(cat "$dir/pids.max")" = 10 ] && [ "$(cat "$dir/pids.current")" -le 10 ] &&
        grep -q '^max [1-9]' "$dir/pids.events" && ok "pids: the limit stops a fork loop" ||
        fail "pids: limit" "max $(cat "$dir/pids.max"), current $(cat "$dir/pids.current"), $(cat "$dir/pids.events")"
    else
      fail "pids: limit" "the fork loop did not end: $(cat "$T/pids/out")"
    fi
  fi
  stop pids

  # CPU: quota visible and enforced (a busy loop gets throttled); update live.
  bundle cpu '"sh", "-c", "while :; do :; done"' \
    ', "cpu": { "quota": 20000, "period": 100000 }, "memory": { "limit": 134217728 }, "pids": { "limit": 100 }'
  if start_in_cgroup cpu "cpu"; then
    [ "$(cat "$dir/cpu.max")" = "20000 100000" ] && ok "cpu: cpu.max is quota and period" ||
      fail "cpu: cpu.max" "$(cat "$dir/cpu.max" 2>&1)"
    sleep 2
    t1=$(sed -n 's/^throttled_usec //p' "$dir/cpu.stat")
    sleep 1
    t2=$(sed -n 's/^throttled_usec //p' "$dir/cpu.stat")
    [ "${t1:-0}" -gt 0 ] && [ "${t2:-0}" -gt "${t1:-0}" ] && ok "cpu: the quota is enforced (throttled time grows)" ||
      fail "cpu: throttling" "throttled_usec $t1 then $t2"
    stats=$(bw events --stats cpu 2>&1 | tr -d ' \n')
    printf '%s' "$stats" | grep -q '"type":"stats"' &&
      printf '%s' "$stats" | grep -q '"cpu":{"usage":{[^}]*"total":[1-9]' &&
      printf '%s' "$stats" | grep -q '"memory":{[^}]*"usage":{[^}]*"usage":[1-9]' &&
      printf '%s' "$stats" | grep -q '"pids":{"current":[1-9]' &&
      ok "events --stats: cpu, memory and pids with real numbers" ||
      fail "events --stats" "$(printf '%s' "$stats" | cut -c1-400)"
    bw update --cpu-quota 50000 --memory 67108864 --pids-limit 50 cpu >"$T/cpu/update" 2>&1
    [ "$(cat "$dir/cpu.max")" = "50000 100000" ] && [ "$(cat "$dir/memory.max")" = 67108864 ] &&
      [ "$(cat "$dir/pids.max")" = 50 ] && ok "update: changes cpu, memory and pids limits live" ||
      fail "update" "cpu.max $(cat "$dir/cpu.max"), memory.max $(cat "$dir/memory.max"), pids.max $(cat "$dir/pids.max"): $(cat "$T/cpu/update")"
  fi
  stop cpu

  # Pause / resume through cgroup.freeze.
  bundle frz '"sleep", "1000"'
  if start_in_cgroup frz "pause"; then
    bw pause frz >"$T/frz/pause" 2>&1
    sleep 0.5
    [ "$(state_field frz status)" = paused ] && grep -qx 'frozen 1' "$dir/cgroup.events" &&
      ok "pause: freezes the cgroup and state says paused" ||
      fail "pause" "status $(state_field frz status), $(tr '\n' ' ' <"$dir/cgroup.events") $(cat "$T/frz/pause")"
    bw resume frz >"$T/frz/resume" 2>&1
    sleep 0.5
    [ "$(state_field frz status)" = running ] && grep -qx 'frozen 0' "$dir/cgroup.events" &&
      ok "resume: thaws the cgroup and state says running" ||
      fail "resume" "status $(state_field frz status), $(tr '\n' ' ' <"$dir/cgroup.events") $(cat "$T/frz/resume")"
  fi
  stop frz

  # kill --all and delete --force leave no process and no cgroup.
  bundle many '"sh", "-c", "sleep 1000 & sleep 1000 & exec sleep 1000"'
  if start_in_cgroup many "kill --all"; then
    sleep 0.5
    pids=$(cat "$dir/cgroup.procs")
    bw kill --all many KILL
    bw delete --force many
    left=""
    for p in $pids; do [ -e "/proc/$p/stat" ] && left="$left $p"; done
    [ -z "$left" ] && [ ! -d "$dir" ] && ok "kill --all + delete --force leave no process or cgroup" ||
      fail "kill --all + delete --force" "processes left:$left; cgroup $([ -d "$dir" ] && echo kept || echo gone)"
  fi
  stop many

  # Devices: the BPF program lets /dev/null through and denies a block
  # device node the container is given; an allow rule lets it reach the
  # driver (ENXIO: no disk 8:0 in this VM).
  rm -f /tmp/vmblk && mknod /tmp/vmblk b 8 0
  local blk=', { "destination": "/blk", "type": "bind", "source": "/tmp/vmblk", "options": [ "bind" ] }'
  bundle devdeny '"sh", "-c", "echo x >/dev/null && echo null-ok; head -c1 /blk"' '' '' "$blk"
  bw run --bundle "$T/devdeny" devdeny >"$T/devdeny/out" 2>&1 </dev/null
  grep -q null-ok "$T/devdeny/out" && grep -q 'blk: Operation not permitted' "$T/devdeny/out" &&
    ok "devices: /dev/null works, a given block device is denied (EPERM)" ||
    fail "devices: deny" "$(tr '\n' ' ' <"$T/devdeny/out")"
  stop devdeny
  bundle devallow '"head", "-c1", "/blk"' \
    ', "devices": [ { "allow": false, "access": "rwm" }, { "allow": true, "type": "b", "major": 8, "minor": 0, "access": "r" } ]' \
    '' "$blk"
  # The resources member above already holds a devices list; drop the default one.
  sed -i 's/"resources": { "devices": \[ { "allow": false, "access": "rwm" } \] ,/"resources": {/' "$T/devallow/config.json"
  bw run --bundle "$T/devallow" devallow >"$T/devallow/out" 2>&1 </dev/null
  grep -q 'blk: No such device or address' "$T/devallow/out" &&
    ok "devices: an allow rule opens the block device to the driver" ||
    fail "devices: allow" "$(tr '\n' ' ' <"$T/devallow/out")"
  stop devallow

  # 20 containers created and deleted concurrently leave no cgroup behind.
  bundle conc '"sleep", "1000"' ', "pids": { "limit": 20 }'
  local before after i=1
  before=$(find $CG -mindepth 1 -type d | sort | md5sum)
  while [ $i -le 20 ]; do
    (bw create --bundle "$T/conc" "conc$i" >/dev/null 2>&1 </dev/null; bw delete --force "conc$i" >/dev/null 2>&1) &
    i=$((i + 1))
  done
  wait
  after=$(find $CG -mindepth 1 -type d | sort | md5sum)
  [ "$before" = "$after" ] && [ -z "$(bw list -q 2>/dev/null)" ] &&
    ok "cgroup: 20 concurrent create + delete leave no cgroup behind" ||
    fail "cgroup: concurrent create + delete" "left: $(bw list -q 2>/dev/null | tr '\n' ' ') $(find $CG -mindepth 1 -type d | tr '\n' ' ')"
}

cgroup_tests

# --- AppArmor ---------------------------------------------------------------
# apparmor_test NAME PROFILE: a container confined by PROFILE sees it in
# /proc/self/attr/current.
apparmor_test () {
  bundle "$1" '"sh", "-c", "cat /proc/self/attr/current; cat /etc/bw-secret; echo rc=$?"' '' \
    ", \"apparmorProfile\": \"$2\""
  bw run --bundle "$T/$1" "$1" >"$T/$1/out" 2>&1 </dev/null
  grep -qx "$2 (enforce)" "$T/$1/out"
}

# apparmor_default_tests FILE: profiles/apparmor/bulwark-default loads the
# way the runtime loads it (apparmor_parser -r -W), confines a container,
# lets ordinary busybox work through and denies the host interfaces it is
# written to deny. The denials are checked with the capabilities that would
# otherwise allow them (CAP_SYS_ADMIN for mount), and by their EACCES
# ("Permission denied"), which is AppArmor's answer, not seccomp's EPERM.
apparmor_default_tests () {
  local pid i
  if ! apparmor_parser -r -W "$1" >"$T/aa-default" 2>&1; then
    fail "apparmor: bulwark-default loads" "$(tr '\n' ' ' <"$T/aa-default")"
    return
  fi
  grep -qx 'bulwark-default (enforce)' /sys/kernel/security/apparmor/profiles &&
    ok "apparmor: apparmor_parser -r -W loads bulwark-default in enforce mode" ||
    fail "apparmor: bulwark-default loads" "not in the kernel's list: $(tr '\n' ' ' </sys/kernel/security/apparmor/profiles)"

  bundle aadefault '"sh", "/check.sh"' '' ', "apparmorProfile": "bulwark-default"'
  sed -i 's/"CAP_SETUID" \]/"CAP_SETUID", "CAP_SYS_ADMIN" ]/g' "$T/aadefault/config.json"
  cat >"$T/aadefault/rootfs/check.sh" <<'CHECK'
cat /proc/self/attr/current
ls / >/dev/null && echo ls-ok
cat /etc/passwd >/dev/null && echo cat-ok
echo hi >/tmp/f && grep -qx hi /tmp/f && echo tmp-ok
cat /proc/1/environ >/dev/null && echo peer-read-ok
sleep 100 &
kill $!; wait $!; echo signal=$?
echo 1000 >/proc/sys/net/core/somaxconn && grep -qx 1000 /proc/sys/net/core/somaxconn && echo netsysctl-ok
echo h >/proc/sysrq-trigger; echo sysrq=$?
echo 1 >/proc/sys/vm/drop_caches; echo dropcaches=$?
ls /sys/firmware >/dev/null; echo firmware=$?
mkdir -p /tmp/m; mount -t tmpfs t /tmp/m; echo mount=$?
CHECK
  bw run --bundle "$T/aadefault" aadefault >"$T/aadefault/out" 2>&1 </dev/null
  local out
  out=$(tr '\n' ' ' <"$T/aadefault/out")
  grep -qx 'bulwark-default (enforce)' "$T/aadefault/out" &&
    ok "apparmor: process.apparmorProfile bulwark-default confines the container" ||
    fail "apparmor: bulwark-default confines" "$out"
  grep -q ls-ok "$T/aadefault/out" && grep -q cat-ok "$T/aadefault/out" && grep -q tmp-ok "$T/aadefault/out" &&
    grep -q peer-read-ok "$T/aadefault/out" && grep -qx signal=143 "$T/aadefault/out" &&
    grep -q netsysctl-ok "$T/aadefault/out" &&
    ok "apparmor: bulwark-default allows sh, ls, cat, /tmp writes, signals to peers, net sysctls" ||
    fail "apparmor: bulwark-default ordinary work" "$out"
  grep -q 'sysrq-trigger: Permission denied' "$T/aadefault/out" && grep -qx 'sysrq=[1-9]*' "$T/aadefault/out" &&
    ok "apparmor: bulwark-default denies writing /proc/sysrq-trigger" ||
    fail "apparmor: bulwark-default sysrq-trigger" "$out"
  grep -q 'drop_caches: Permission denied' "$T/aadefault/out" && grep -qx 'dropcaches=[1-9]*' "$T/aadefault/out" &&
    ok "apparmor: bulwark-default denies host-wide /proc/sys writes" ||
    fail "apparmor: bulwark-default /proc/sys" "$out"
  grep -q 'firmware.*Permission denied' "$T/aadefault/out" && grep -qx 'firmware=[1-9]*' "$T/aadefault/out" &&
    ok "apparmor: bulwark-default denies /sys/firmware" ||
    fail "apparmor: bulwark-default /sys/firmware" "$out"
  grep -q 'mount: .*Permission denied' "$T/aadefault/out" && grep -qx 'mount=[1-9]*' "$T/aadefault/out" &&
    ok "apparmor: bulwark-default denies mount even with CAP_SYS_ADMIN" ||
    fail "apparmor: bulwark-default mount" "$out"
  stop aadefault

  # The runtime, unconfined, can still signal a confined container.
  bundle aakill '"sleep", "1000"' '' ', "apparmorProfile": "bulwark-default"'
  if pid=$(start_container aakill) && [ -n "$pid" ]; then
    bw kill aakill KILL
    i=0; while [ $i -lt 50 ] && [ "$(state_field aakill status)" != stopped ]; do sleep 0.1; i=$((i + 1)); done
    [ "$(state_field aakill status)" = stopped ] &&
      ok "apparmor: bulwark kill stops a container confined by bulwark-default" ||
      fail "apparmor: kill under bulwark-default" "status $(state_field aakill status)"
  else
    fail "apparmor: kill under bulwark-default" "did not start: $(tr '\n' ' ' <"$T/aakill/out")"
  fi
  stop aakill

  # The shipped policy in enforce mode puts a container that names no
  # profile under bulwark-default. (This kernel can't idmap the tmpfs the
  # bundle is on, so the policy's idmapFallback is relaxed to clamp.)
  sed -e 's/"mode": *"audit"/"mode": "enforce"/' -e 's/"idmapFallback": *"refuse"/"idmapFallback": "clamp"/' \
    "$BULWARK_POLICY" >"$T/enforce.json"
  bundle aapolicy '"cat", "/proc/self/attr/current"'
  # Mount points for the policy's tmpfs: without an idmapped root, container
  # root can't create them in a host-owned rootfs.
  mkdir -p "$T/aapolicy/rootfs/var/tmp" "$T/aapolicy/rootfs/run" "$T/aapolicy/rootfs/tmp"
  out=$(BULWARK_POLICY=$T/enforce.json bw run --bundle "$T/aapolicy" aapolicy 2>&1)
  [ "$out" = "bulwark-default (enforce)" ] &&
    ok "apparmor: the enforce policy applies bulwark-default to a config that names none" ||
    fail "apparmor: policy applies bulwark-default" "$out"
}

if [ ! -d /sys/kernel/security/apparmor ]; then
  fail "apparmor" "the VM kernel has no AppArmor (LSMs: $(cat /sys/kernel/security/lsm))"
else
  if apparmor_parser -r /bulwark/bulwark-vm-test.apparmor >"$T/aa-load" 2>&1; then
    ok "apparmor: apparmor_parser loads the test profile"
    if apparmor_test aatest bulwark-vm-test; then
      ok "apparmor: process.apparmorProfile confines the container"
      grep -q "bw-secret.*Permission denied" "$T/aatest/out" && grep -qx 'rc=1' "$T/aatest/out" &&
        ok "apparmor: the profile's deny rule is enforced" ||
        fail "apparmor: deny rule" "$(tr '\n' ' ' <"$T/aatest/out")"
    else
      fail "apparmor: process.apparmorProfile" "$(tr '\n' ' ' <"$T/aatest/out")"
    fi
    stop aatest
  else
    fail "apparmor: apparmor_parser" "$(cat "$T/aa-load")"
  fi
  default=/bulwark/profiles/apparmor/bulwark-default
  if [ -f $default ]; then
    apparmor_default_tests $default
  else
    fail "apparmor: bulwark-default" "profiles/apparmor/bulwark-default is not in the image"
  fi
fi

left=$(bw list -q 2>/dev/null)
[ -z "$left" ] && ok "cleanup: no container left in the state root" || fail "cleanup" "left: $left"
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ $FAILED -eq 0 ]
