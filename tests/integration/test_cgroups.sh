#!/bin/bash
# cgroups on a v1 (or hybrid) host: limits enforced, update live, pause and
# resume, ps, kill --all and delete --force, placement, cleanup. The
# containers' cgroups go beneath this test's own cgroup (relative
# cgroupsPath bwtest-PID/NAME); the one absolute path is named after the
# test and removed at the end. cgroup v2 is the VM lane's.
. "$(dirname "$0")/lib.sh"

if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
  ok "cgroups # SKIP unified cgroup v2 host: the VM lane covers it"; finish; exit 0
fi
if [ ! -x "${PROBE_DIR:-}/cgroup_probe" ]; then
  fail "cgroup_probe" "\$PROBE_DIR/cgroup_probe missing (build tests/probe/cgroup_probe.c)"
  finish; exit 1
fi

TAG=bwtest-$$
ABS=/bulwark-test-cgroups-$$
B="$BW_TMP/bundle"
make_bundle "$B" sleep 100
cp "$PROBE_DIR/cgroup_probe" "$B/rootfs/bin/cgroup_probe"
edit_config "$B/config.json" 'c["root"]["readonly"] = False'
cd "$B" || exit 1
cp config.json "$BW_TMP/config.orig"

# own_cg CTRL: this shell's cgroup in the hierarchy holding CTRL.
own_cg () {
  awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' \
    /proc/self/cgroup
}
# cg_dir CTRL REL: the directory of relative cgroupsPath REL.
cg_dir () { echo "/sys/fs/cgroup/$1/$(own_cg "$1")/$2" | sed 's#//*#/#g'; }
cg_read () { cat "$(cg_dir "$1" "$2")/$3" 2>/dev/null; }
# with_resources NAME JSON [ARGS...]: a config for container NAME with these
# linux.resources, cgroupsPath $TAG/NAME, and args when given.
with_resources () {
  local name=$1 res=$2; shift 2
  edit_config "$B/config.json" "c['linux']['resources'] = $res; c['linux']['cgroupsPath'] = '$TAG/$name'"
  if [ $# -gt 0 ]; then set_args "$B/config.json" "$@"; fi
}
# ps_pids ID N: the container's pids once there are N of them (5 s at most).
ps_pids () {
  local i out
  for i in $(seq 1 50); do
    out=$(bw ps --format json "$1" 2>/dev/null | tr -d '[]' | tr ',' ' ')
    [ "$(echo $out | wc -w)" -ge "$2" ] && break
    sleep 0.1
  done
  echo $out
}
# all_gone PIDS...: every one gone within 5 s.
all_gone () {
  local i p left
  for i in $(seq 1 50); do
    left=""; for p in "$@"; do gone "$p" || left="$left $p"; done
    [ -z "$left" ] && return 0
    sleep 0.1
  done
  echo "$left"; return 1
}
wait_stopped () {
  local i
  for i in $(seq 1 100); do
    bw state "$1" 2>/dev/null | grep -q '"stopped"' && return 0
    sleep 0.1
  done
  return 1
}
no_cg_dir () {
  local c
  for c in pids memory cpu freezer; do [ ! -d "$(cg_dir $c "$1")" ] || return 1; done
}

# --- limits visible in the files, ps, placement (relative) ---
with_resources lim '{"memory": {"limit": 67108864}, "cpu": {"quota": 20000, "period": 100000, "shares": 256}, "pids": {"limit": 20}}' sleep 100
bw run -d lim >/dev/null 2>&1
pid=$(bw state lim 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
check "relative cgroupsPath: nested under the caller's cgroup" test -d "$(cg_dir pids "$TAG/lim")"
[ "$(cg_read memory "$TAG/lim" memory.limit_in_bytes)" = 67108864 ] && ok "memory.limit_in_bytes" \
  || fail "memory.limit_in_bytes" "got $(cg_read memory "$TAG/lim" memory.limit_in_bytes)"
[ "$(cg_read cpu "$TAG/lim" cpu.cfs_quota_us)" = 20000 ] && ok "cpu.cfs_quota_us" \
  || fail "cpu.cfs_quota_us" "got $(cg_read cpu "$TAG/lim" cpu.cfs_quota_us)"
[ "$(cg_read cpu "$TAG/lim" cpu.shares)" = 256 ] && ok "cpu.shares" || fail "cpu.shares" "got $(cg_read cpu "$TAG/lim" cpu.shares)"
[ "$(cg_read pids "$TAG/lim" pids.max)" = 20 ] && ok "pids.max" || fail "pids.max" "got $(cg_read pids "$TAG/lim" pids.max)"
grep -qx "$pid" "$(cg_dir freezer "$TAG/lim")/cgroup.procs" && ok "the init is in its cgroup" \
  || fail "the init is in its cgroup" "pid $pid not in cgroup.procs"
out=$(bw ps --format json lim 2>&1)
[ "$out" = "[$pid]" ] && ok "ps --format json" || fail "ps --format json" "got '$out', want [$pid]"
bw ps lim 2>/dev/null | grep -q "^$pid  *sleep 100" && ok "ps table" || fail "ps table" "$(bw ps lim 2>&1)"
grep -q "cgroupPath" "$ROOT/lim/state.json" && ok "state.json records the cgroup path" \
  || fail "state.json records the cgroup path" "no cgroupPath"

# --- update, live ---
bw update --memory 128m --cpu-quota 50000 --cpu-period 200000 --pids-limit 30 lim 2>/dev/null
[ "$(cg_read memory "$TAG/lim" memory.limit_in_bytes)" = 134217728 ] && ok "update --memory" \
  || fail "update --memory" "got $(cg_read memory "$TAG/lim" memory.limit_in_bytes)"
[ "$(cg_read cpu "$TAG/lim" cpu.cfs_quota_us)/$(cg_read cpu "$TAG/lim" cpu.cfs_period_us)" = 50000/200000 ] \
  && ok "update --cpu-quota --cpu-period" || fail "update --cpu-quota --cpu-period" \
  "got $(cg_read cpu "$TAG/lim" cpu.cfs_quota_us)/$(cg_read cpu "$TAG/lim" cpu.cfs_period_us)"
[ "$(cg_read pids "$TAG/lim" pids.max)" = 30 ] && ok "update --pids-limit" || fail "update --pids-limit" "got $(cg_read pids "$TAG/lim" pids.max)"
# Docker's form: zeros mean unchanged.
echo '{"memory": {"limit": 100663296, "swap": 0}, "cpu": {"shares": 512, "quota": 0, "period": 0}, "pids": {"limit": 0}}' \
  | bw update -r - lim 2>/dev/null
[ "$(cg_read memory "$TAG/lim" memory.limit_in_bytes)" = 100663296 ] && ok "update -r: memory" \
  || fail "update -r: memory" "got $(cg_read memory "$TAG/lim" memory.limit_in_bytes)"
[ "$(cg_read cpu "$TAG/lim" cpu.shares)" = 512 ] && ok "update -r: cpu.shares" || fail "update -r: cpu.shares" "got $(cg_read cpu "$TAG/lim" cpu.shares)"
[ "$(cg_read cpu "$TAG/lim" cpu.cfs_quota_us)" = 50000 ] && [ "$(cg_read pids "$TAG/lim" pids.max)" = 30 ] \
  && ok "update -r: zeros leave limits unchanged" || fail "update -r: zeros leave limits unchanged" \
  "quota $(cg_read cpu "$TAG/lim" cpu.cfs_quota_us), pids $(cg_read pids "$TAG/lim" pids.max)"
python3 - "$ROOT/lim/config.json" <<'PY' && ok "update: saved config has the new limits" || fail "update: saved config has the new limits" "see $ROOT/lim/config.json"
import json, sys
r = json.load(open(sys.argv[1]))["linux"]["resources"]
assert r["memory"]["limit"] == 100663296 and r["cpu"]["quota"] == 50000 and r["cpu"]["shares"] == 512 and r["pids"]["limit"] == 30, r
PY
expect_fail "update: a value the kernel refuses names the field" \
  '^bulwark: linux.resources.cpu.quota: write cpu.cfs_quota_us: Invalid argument$' update --cpu-quota 100 lim
echo '{"unified": {"memory.high": "1G"}}' > "$BW_TMP/unified.json"
expect_fail "update: unified on v1 is refused" 'linux.resources.unified' update -r "$BW_TMP/unified.json" lim
# cgroup core files and page sizes are refused when the document is read,
# before any cgroup is touched, on every layout.
echo '{"unified": {"cgroup.procs": "1"}}' > "$BW_TMP/procs.json"
expect_fail "update: unified cgroup.procs is refused" \
  '^bulwark: --resources .*: unified\["cgroup.procs"\]: a cgroup core file' update -r "$BW_TMP/procs.json" lim
echo '{"hugepageLimits": [{"pageSize": "x/../../..", "limit": 1}]}' > "$BW_TMP/huge.json"
expect_fail "update: a pageSize that is no page size is refused" \
  '^bulwark: --resources .*: hugepageLimits\[0\]\.pageSize: invalid page size' update -r "$BW_TMP/huge.json" lim

# --- pause / resume ---
# Appended, so that a freeze between truncate and write can't show an empty
# file: the size is the counter.
with_resources pz '{}' sh -c 'while :; do echo x >> /tmp/count; done'
bw run -d pz >/dev/null 2>&1
sleep 0.3
pid=$(bw state pz 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
count () { stat -c %s "/proc/$pid/root/tmp/count" 2>/dev/null; }
for i in $(seq 1 50); do [ -n "$(count)" ] && break; sleep 0.1; done
bw pause pz 2>/dev/null
bw state pz 2>/dev/null | grep -q '"paused"' && ok "pause: state says paused" || fail "pause: state says paused" "$(bw state pz 2>&1)"
[ "$(cat "$(cg_dir freezer "$TAG/pz")/freezer.state")" = FROZEN ] && ok "pause: freezer.state FROZEN" \
  || fail "pause: freezer.state FROZEN" "$(cat "$(cg_dir freezer "$TAG/pz")/freezer.state")"
a=$(count); sleep 0.5; b=$(count)
[ -n "$a" ] && [ "$a" = "$b" ] && ok "pause: the counter stops" || fail "pause: the counter stops" "$a -> $b"
expect_fail "pause twice" 'already paused' pause pz
bw resume pz 2>/dev/null
sleep 0.5; c=$(count)
[ "$c" != "$b" ] && ok "resume: the counter advances" || fail "resume: the counter advances" "$b -> $c"
bw state pz 2>/dev/null | grep -q '"running"' && ok "resume: state says running" || fail "resume: state says running" "$(bw state pz 2>&1)"
expect_fail "resume when not paused" 'not paused' resume pz
# delete --force of a paused container.
bw pause pz 2>/dev/null
bw delete -f pz >/dev/null 2>&1
no_cg_dir "$TAG/pz" && ok "delete --force of a paused container removes its cgroups" \
  || fail "delete --force of a paused container removes its cgroups" "left behind"
bw delete -f lim >/dev/null 2>&1
no_cg_dir "$TAG/lim" && ok "delete removes the cgroup dirs" || fail "delete removes the cgroup dirs" "left behind"

# --- kill --all and delete --force without a pid namespace: the children
# outlive the init unless the cgroup finds them ---
# (no user namespace either: proc can't be mounted from one that does not
# own the pid namespace)
edit_config "$B/config.json" 'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] not in ("pid", "user")]; c["linux"].pop("uidMappings", None); c["linux"].pop("gidMappings", None)'
with_resources ka '{}' sh -c 'sleep 101 & sleep 102 & wait'
bw run -d ka >/dev/null 2>&1
pids=$(ps_pids ka 3)
[ "$(echo $pids | wc -w)" -eq 3 ] && ok "ps lists the init and its children" || fail "ps lists the init and its children" "got '$pids'"
bw kill --all ka KILL 2>/dev/null
alive=$(all_gone $pids)
[ -n "$pids" ] && [ -z "$alive" ] && ok "kill --all: no process left" || fail "kill --all: no process left" "alive:$alive"
bw delete ka >/dev/null 2>&1
no_cg_dir "$TAG/ka" && ok "kill --all then delete: no cgroup left" || fail "kill --all then delete: no cgroup left" "left behind"
with_resources df '{}' sh -c 'sleep 103 & sleep 104 & wait'
bw run -d df >/dev/null 2>&1
pids=$(ps_pids df 3)
bw delete -f df >/dev/null 2>&1
alive=$(all_gone $pids)
[ -n "$pids" ] && [ -z "$alive" ] && ok "delete --force: no process left" || fail "delete --force: no process left" "pids '$pids' alive:$alive"
no_cg_dir "$TAG/df" && ok "delete --force: no cgroup left" || fail "delete --force: no cgroup left" "left behind"
cp "$BW_TMP/config.orig" config.json   # the pid namespace back

# --- enforcement ---
with_resources oom '{"memory": {"limit": 33554432, "swap": 33554432}}' cgroup_probe alloc 8
out=$(bw run oom 2>&1); rc=$?
[ $rc -eq 0 ] && [ "$out" = "allocated 8" ] && ok "memory: below the limit is fine" || fail "memory: below the limit is fine" "rc $rc: $out"
with_resources oom '{"memory": {"limit": 33554432, "swap": 33554432}}' cgroup_probe alloc 128
out=$(bw run oom 2>&1); rc=$?
[ $rc -eq 137 ] && ! echo "$out" | grep -q allocated && ok "memory: past the limit is OOM-killed" \
  || fail "memory: past the limit is OOM-killed" "rc $rc: $out"
with_resources pids '{"pids": {"limit": 10}}' cgroup_probe fork 50
out=$(bw run pids 2>&1)
k=$(echo "$out" | sed -n 's/^forked //p')
[ -n "$k" ] && [ "$k" -lt 10 ] && ok "pids: the limit stops a fork loop" || fail "pids: the limit stops a fork loop" "$out"
with_resources spin '{"cpu": {"quota": 10000, "period": 100000}}' cgroup_probe spin 1
bw create spin >/dev/null 2>&1 && bw start spin >/dev/null 2>&1
wait_stopped spin
throttled=$(awk '$1 == "throttled_time" { print $2 }' "$(cg_dir cpu "$TAG/spin")/cpu.stat" 2>/dev/null)
[ -n "$throttled" ] && [ "$throttled" -gt 0 ] && ok "cpu: quota enforced (throttled_time grows)" \
  || fail "cpu: quota enforced (throttled_time grows)" "throttled_time '$throttled'"
bw delete spin >/dev/null 2>&1

# --- errors name the field; a failed create leaves no cgroup ---
with_resources bad '{"cpu": {"quota": 100, "period": 100000}}' true
expect_fail "create: a value the kernel refuses names the field" \
  '^bulwark: linux.resources.cpu.quota: write cpu.cfs_quota_us: Invalid argument$' create bad
no_cg_dir "$TAG/bad" && ok "a failed create removes its cgroups" || fail "a failed create removes its cgroups" "left behind"
with_resources bad '{"unified": {"memory.high": "1000000"}}' true
expect_fail "create: unified on v1 is refused" '^bulwark: linux.resources.unified: ' create bad
edit_config "$B/config.json" 'c["linux"]["cgroupsPath"] = "a/../../escape"'
expect_fail "cgroupsPath with .. is refused" '^bulwark: linux.cgroupsPath: ' create bad
with_resources bad '{"unified": {"cgroup.procs": "1"}}' true
expect_fail "create: unified cgroup.procs is refused" \
  '^bulwark: config.json: linux.resources.unified\["cgroup.procs"\]: a cgroup core file' create bad
with_resources bad '{"hugepageLimits": [{"pageSize": "x/../../..", "limit": 1}]}' true
expect_fail "create: a pageSize that is no page size is refused" \
  '^bulwark: config.json: linux.resources.hugepageLimits\[0\]\.pageSize: invalid page size "x/\.\./\.\./\.\."' create bad
no_cg_dir "$TAG/bad" && ! bw state bad >/dev/null 2>&1 && ok "refused resources leave nothing behind" \
  || fail "refused resources leave nothing behind" "cgroup or state of bad left"

# --- a container without a cgroup (--cgroup-manager disabled): events
# says so, as ps, pause and update do ---
edit_config "$B/config.json" "c['linux']['resources'] = {}; c['linux'].pop('cgroupsPath', None)"
set_args "$B/config.json" sleep 100
bw --cgroup-manager disabled run -d nocg >/dev/null 2>&1
expect_fail "events --stats without a cgroup" \
  '^bulwark: container "nocg" has no cgroup \(created with --cgroup-manager disabled\)$' events --stats nocg
bw delete -f nocg >/dev/null 2>&1

# --- placement: absolute and default ---
edit_config "$B/config.json" "c['linux']['resources'] = {}; c['linux']['cgroupsPath'] = '$ABS/c'"
set_args "$B/config.json" sleep 100
bw create abs >/dev/null 2>&1
check "absolute cgroupsPath: from the hierarchy root" test -d "/sys/fs/cgroup/pids$ABS/c"
bw delete -f abs >/dev/null 2>&1
check "absolute cgroupsPath: removed by delete" test ! -d "/sys/fs/cgroup/pids$ABS/c"
edit_config "$B/config.json" 'c["linux"].pop("cgroupsPath", None)'
bw create dflt >/dev/null 2>&1
check "empty cgroupsPath: bulwark/<id> under the caller's cgroup" test -d "$(cg_dir pids bulwark/dflt)"
# The same id under another state root maps to the same default cgroup: it
# is refused, and undoing that create leaves the first container alone.
out=$(timeout 30 "$BULWARK" --root "$BW_TMP/root2" create dflt 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q '^bulwark: linux.cgroupsPath: cgroup .*/bulwark/dflt already has 1 process' \
  && ok "a cgroup in use by another container is refused" || fail "a cgroup in use by another container is refused" "rc $rc: $out"
bw state dflt 2>/dev/null | grep -q '"created"' && ok "the first container survives" || fail "the first container survives" "$(bw state dflt 2>&1)"
bw delete -f dflt >/dev/null 2>&1
check "empty cgroupsPath: removed by delete" test ! -d "$(cg_dir pids bulwark/dflt)"

# --- a runtime killed in the middle of create: delete --force still
# finds the cgroup (state.json has it from the start) ---
edit_config "$B/config.json" "c['linux']['cgroupsPath'] = '$TAG/crash'; c['hooks'] = {'createRuntime': [{'path': '$(command -v sleep)', 'args': ['sleep', '5']}]}"
timeout 30 "$BULWARK" --root "$ROOT" create crash >/dev/null 2>&1 &
crpid=$!
for i in $(seq 1 50); do [ -n "$(cat "$(cg_dir pids "$TAG/crash")/cgroup.procs" 2>/dev/null)" ] && break; sleep 0.1; done
inits=$(cat "$(cg_dir pids "$TAG/crash")/cgroup.procs" 2>/dev/null)
kill -9 $crpid 2>/dev/null; wait $crpid 2>/dev/null
grep -q '"cgroupPath"' "$ROOT/crash/state.json" 2>/dev/null && ok "crash: state.json has the cgroup path" \
  || fail "crash: state.json has the cgroup path" "$(cat "$ROOT/crash/state.json" 2>&1)"
bw delete -f crash >/dev/null 2>&1
alive=$(all_gone $inits)
[ -n "$inits" ] && [ -z "$alive" ] && ok "crash: delete --force kills what create left" \
  || fail "crash: delete --force kills what create left" "inits '$inits' alive:$alive"
no_cg_dir "$TAG/crash" && ok "crash: delete --force removes the cgroup" || fail "crash: delete --force removes the cgroup" "left behind"
edit_config "$B/config.json" 'c.pop("hooks", None)'

# --- 20 concurrent create + delete leave nothing behind ---
for i in $(seq 1 20); do
  ( bw create "conc$i" >/dev/null 2>&1; bw delete -f "conc$i" >/dev/null 2>&1 ) &
done
wait
left=""
for i in $(seq 1 20); do
  for c in pids memory cpu cpuset freezer blkio devices; do
    [ -d "$(cg_dir $c "bulwark/conc$i")" ] && left="$left $c/conc$i"
  done
done
[ -z "$left" ] && ok "20 concurrent create+delete leave no cgroup" || fail "20 concurrent create+delete leave no cgroup" "$left"

# Our own directories (the relative parent, the absolute one).
for c in /sys/fs/cgroup/*/; do
  [ -d "$c$(own_cg "$(basename "$c")")/$TAG" ] && rmdir "$c$(own_cg "$(basename "$c")")/$TAG" 2>/dev/null
  [ -d "$c$ABS" ] && rmdir "$c$ABS" 2>/dev/null
done
[ -d /sys/fs/cgroup/unified/$TAG ] && rmdir /sys/fs/cgroup/unified/$TAG 2>/dev/null
finish
