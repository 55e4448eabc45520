#!/usr/bin/env bash
# podman.sh: podman 4.3 (through conmon) driving $RUNTIME end to end, as a
# path (`podman --runtime PATH`) and as a runtime named in containers.conf
# (`podman --runtime bulwark`). Run as root. Everything podman writes is
# under $CL_TMP: a private containers.conf and storage.conf, --root and
# --runroot, tmp, static, volume, network-config and events paths.
#
# podman has no daemon: each container has its own conmon, which outlives
# the podman command that started it. The suite therefore runs as a child
# subreaper (an exited conmon is reaped here, not left a zombie under this
# machine's init, which reaps nothing), and checks at the end that every
# conmon it caused is gone.

SUBREAPER=$(dirname "$0")/../integration/subreaper
if [ -z "${PODMAN_SUITE_REAPER:-}" ]; then
  export PODMAN_SUITE_REAPER=1
  exec python3 "$SUBREAPER" bash "$0" "$@"
fi

source "$(dirname "$0")/lib.sh"

for pkg in podman:podman conmon:conmon busybox-static:/bin/busybox python3:python3; do
  if ! command -v "${pkg#*:}" >/dev/null 2>&1; then
    echo "not ok - podman: package ${pkg%%:*} missing"
    exit 1
  fi
done

IMAGE=localhost/bulwark-test:latest
CONF=$CL_TMP/conf
PM=(podman --root "$CL_TMP/storage" --runroot "$CL_TMP/runroot")
PR=("${PM[@]}" --runtime "$RUNTIME")
# containers/image keeps a blob-info cache at this fixed path for root;
# no podman option moves it, so the suite removes it if it made it.
BLOB_CACHE=/var/lib/containers/cache/blob-info-cache-v1.boltdb
[ -e "$BLOB_CACHE" ] && BLOB_CACHE_KEEP=1

# podman_cleanup: whatever an interrupted run left: containers (through
# podman, then the runtime), this suite's conmons (their command lines name
# CL_TMP), by pid.
podman_cleanup () {
  local id pid
  # (never podman without the private config: it would use /run/libpod)
  [ -n "${CONTAINERS_CONF:-}" ] && timeout 60 "${PM[@]}" rm -a -f -t 0 >/dev/null 2>&1
  for id in $(cat "$CL_TMP"/ids 2>/dev/null); do
    [ -n "${RT_ROOT:-}" ] && timeout 10 "$RUNTIME" --root "$RT_ROOT" delete --force "$id" >/dev/null 2>&1
  done
  for pid in $(pgrep -f -- "conmon .*$CL_TMP"); do kill -KILL "$pid" 2>/dev/null; done
  if [ -z "${BLOB_CACHE_KEEP:-}" ]; then
    rm -f "$BLOB_CACHE"
    rmdir /var/lib/containers/cache /var/lib/containers 2>/dev/null
  fi
}
trap 'podman_cleanup; stop_daemons; cleanup_tmp' EXIT
trap 'exit 130' INT TERM

# write_config: the private containers.conf and storage.conf.
write_config () {
  # Default ulimits: podman's own (nofile and nproc of 1048576) need
  # CAP_SYS_RESOURCE, which this VM lacks: cap nofile at our hard limit, and
  # nproc at 32768, the hard limit podman lowers itself (and so conmon and
  # the runtime) to at startup.
  local nofile nproc
  nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] && nofile=1048576
  nproc=$(ulimit -Hu); { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
  mkdir -p "$CONF" "$CL_TMP/networks"
  cat >"$CONF/containers.conf" <<EOF
[containers]
# conmon stays in podman's cgroup (no systemd here to give it one).
cgroups = "no-conmon"
netns = "none"
log_driver = "k8s-file"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[network]
network_config_dir = "$CL_TMP/networks"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$CL_TMP/events.log"
# shm locks live in /dev/shm, shared with any other podman: file locks here.
lock_type = "file"
tmp_dir = "$CL_TMP/tmp"
static_dir = "$CL_TMP/storage/libpod"
volume_path = "$CL_TMP/volumes"
# podman passes --log-format=json --log FILE only to these (by basename),
# and then shows the runtime's last JSON error to the user.
runtime_supports_json = ["crun", "runc", "bulwark", "$RUNTIME_NAME"]

[engine.runtimes]
bulwark = ["$RUNTIME"]
EOF
  cat >"$CONF/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$CL_TMP/storage"
runroot = "$CL_TMP/runroot"
EOF
  export CONTAINERS_CONF=$CONF/containers.conf CONTAINERS_STORAGE_CONF=$CONF/storage.conf
}

# remember_id NAME: record a container's id (for the runtime-side checks
# and the cleanup).
remember_id () {
  local id
  id=$(timeout 30 "${PM[@]}" inspect -f '{{.Id}}' "$1" 2>/dev/null) && echo "$id" >>"$CL_TMP/ids"
  echo "$id"
}

# is_running NAME
is_running () {
  [ "$(timeout 30 "${PM[@]}" inspect -f '{{.State.Status}}' "$1" 2>/dev/null)" = running ]
}

# logs_have NAME TEXT: the container printed TEXT.
logs_have () { timeout 30 "${PM[@]}" logs "$1" 2>&1 | grep -q -- "$2"; }

# conmon_args ID: the command line of the container's conmon.
conmon_args () {
  local pid
  pid=$(pgrep -f -- "conmon .*-c $1" | head -1)
  [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline"
}

# runtime_root ID: the state root podman has the runtime use: a --root
# podman passes through conmon, else (rootful podman 4.3 passes none) the
# runtime's own default.
runtime_root () {
  local args root
  args=$(conmon_args "$1")
  root=$(printf '%s\n' "$args" | sed -n 's/.*--runtime-arg --root[= ]\(--runtime-arg[= ]\)\{0,1\}\([^ ]*\).*/\2/p')
  [ -z "$root" ] && root=$("$RUNTIME" --help 2>&1 | sed -n 's/.*--root .*(default: \([^)]*\)).*/\1/p' | head -1)
  [ -z "$root" ] && root=/run/$RUNTIME_NAME
  echo "$root"
}

# inside_out FLAGS... -- SCRIPT: run SCRIPT in a fresh container
# (`run --rm FLAGS`); its output in OUT, its exit status in RC.
inside_out () {
  local flags=()
  while [ "$1" != -- ]; do flags+=("$1"); shift; done
  shift
  run_out "${PR[@]}" run --rm "${flags[@]}" "$IMAGE" sh -c "$1"
}

# expect_inside NAME WANT FLAGS... -- SCRIPT
expect_inside () {
  local name=$1 want=$2; shift 2
  inside_out "$@"
  if [ "$RC" -eq 0 ] && [ "$OUT" = "$want" ]; then ok "$name"
  else fail "$name" "rc=$RC, wanted '$want', got '$OUT'"; fi
}

# frozen NAME: the freezer of the container's cgroup (v1 or v2) says so.
frozen () {
  local pid path
  pid=$(timeout 30 "${PM[@]}" inspect -f '{{.State.Pid}}' "$1") || return 1
  path=$(awk -F: '$2 == "freezer" {print $3}' "/proc/$pid/cgroup")
  if [ -n "$path" ]; then grep -qx -E 'FROZEN|FREEZING' "/sys/fs/cgroup/freezer$path/freezer.state"
  else path=$(awk -F: '$1 == 0 {print $3}' "/proc/$pid/cgroup"); grep -qx 1 "/sys/fs/cgroup$path/cgroup.freeze"; fi
}

# ranges_of IDS_FILE: the ranges of bulwark's ID pool whose record names
# one of these containers (the owner is its state directory, <root>/<id>).
ranges_of () { ranges_naming -F -f "$1"; }

CGROUP_FILE='for f in "$@"; do for d in /sys/fs/cgroup/$f; do [ -r "$d" ] && { cat "$d"; exit; }; done; done'

write_config

# ---------------------------------------------------------------- image
build_image "$CL_TMP/image.tar" "$IMAGE" >/dev/null 2>&1 || { fail "podman: build image" "make-image.py failed"; exit 1; }
expect_rc "podman: load the image archive (podman load -i)" 0 "${PM[@]}" load -i "$CL_TMP/image.tar"
expect_out "podman: image listed" "$IMAGE" "${PM[@]}" images --format '{{.Repository}}:{{.Tag}}'

# ---------------------------------------------------------------- run
OUT=$(timeout 120 "${PR[@]}" run --rm "$IMAGE" sh -c 'echo out; echo err >&2' 2>/dev/null </dev/null)
if [ "$OUT" = out ]; then ok "podman: run, stdout"; else fail "podman: run, stdout" "got '$OUT'"; fi
ERR=$(timeout 120 "${PR[@]}" run --rm "$IMAGE" sh -c 'echo out; echo err >&2' 2>&1 >/dev/null </dev/null)
if [ "$ERR" = err ]; then ok "podman: run, stderr apart from stdout"; else fail "podman: run, stderr apart from stdout" "got '$ERR'"; fi
expect_rc "podman: run, exit code 0" 0 "${PR[@]}" run --rm "$IMAGE" true
expect_rc "podman: run, exit code 42" 42 "${PR[@]}" run --rm "$IMAGE" sh -c 'exit 42'

timeout 120 "${PR[@]}" run --name killed "$IMAGE" sleep 300 >/dev/null 2>&1 </dev/null &
RUN_PID=$!
wait_for 30 is_running killed
timeout 30 "${PM[@]}" kill -s KILL killed >/dev/null 2>&1
wait "$RUN_PID"; RC=$?
if [ "$RC" -eq 137 ]; then ok "podman: run, exit code 137 after SIGKILL"
else fail "podman: run, exit code 137 after SIGKILL" "exit $RC"; fi
timeout 30 "${PM[@]}" rm -f killed >/dev/null 2>&1

expect_out "podman: run, env" "bar" "${PR[@]}" run --rm -e FOO=bar "$IMAGE" sh -c 'echo $FOO'
expect_out "podman: run, workdir" "/work" "${PR[@]}" run --rm -w /work "$IMAGE" pwd
expect_out "podman: run, --user 1000:1000" "1000:1000" "${PR[@]}" run --rm --user 1000:1000 "$IMAGE" sh -c 'echo $(id -u):$(id -g)'
expect_out "podman: run -t, a working tty" "tty /dev/pts/0" \
  "${PR[@]}" run --rm -t "$IMAGE" sh -c 'test -t 0 && test -t 1 && echo tty $(tty)'
OUT=$(printf 'piped line\n' | timeout 120 "${PR[@]}" run --rm -i "$IMAGE" sh -c 'read l; echo "got $l"' 2>&1)
if [ "$OUT" = "got piped line" ]; then ok "podman: run -i, piped stdin"; else fail "podman: run -i, piped stdin" "got '$OUT'"; fi

# ---------------------------------------------------------------- detached
expect_rc "podman: run -d" 0 "${PR[@]}" run -d --name det "$IMAGE" sleep 300
DET_ID=$(remember_id det)
RT_ROOT=$(runtime_root "$DET_ID")
echo "# the runtime's state root: $RT_ROOT (conmon: $(conmon_args "$DET_ID" | grep -o -- '--runtime-arg --root[^ ]*' || echo 'no --root'))"
echo "$DET_ID" >"$CL_TMP/det-id"
hcheck "podman: it holds an ID range of bulwark's pool" test -n "$(ranges_of "$CL_TMP/det-id")"
check "podman: the container is in the runtime's list ($RT_ROOT)" \
  sh -c "timeout 30 '$RUNTIME' --root '$RT_ROOT' list | grep -q '^$DET_ID '"
if conmon_args "$DET_ID" | grep -q -- '--runtime-arg --log-format=json'; then
  ok "podman: conmon passes --log-format=json --log to $RUNTIME_NAME"
else fail "podman: conmon passes --log-format=json --log to $RUNTIME_NAME" "$(conmon_args "$DET_ID")"; fi
expect_out "podman: exec" "in exec" "${PM[@]}" exec det echo in exec
expect_rc "podman: exec, exit code" 7 "${PM[@]}" exec det sh -c 'exit 7'
expect_out "podman: exec -t, a working tty" "tty /dev/pts/0" \
  "${PM[@]}" exec -t det sh -c 'test -t 0 && test -t 1 && echo tty $(tty)'
OUT=$(printf 'to exec\n' | timeout 120 "${PM[@]}" exec -i det cat 2>&1)
if [ "$OUT" = "to exec" ]; then ok "podman: exec -i, piped stdin"; else fail "podman: exec -i, piped stdin" "got '$OUT'"; fi
run_out "${PM[@]}" top det pid args
if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q 'sleep 300'; then ok "podman: top"; else fail "podman: top" "rc=$RC: $OUT"; fi
run_out "${PM[@]}" ps --filter status=running --format '{{.Names}}'
if printf '%s\n' "$OUT" | grep -qx det; then ok "podman: ps shows it running"; else fail "podman: ps shows it running" "$OUT"; fi
run_out "${PM[@]}" stats --no-stream --format '{{.PIDs}} {{.MemUsage}}' det
if [ "$RC" -eq 0 ] && [ "${OUT%% *}" -ge 1 ] 2>/dev/null; then ok "podman: stats ($OUT)"; else fail "podman: stats" "rc=$RC: $OUT"; fi
expect_rc "podman: pause" 0 "${PM[@]}" pause det
expect_out "podman: paused" "paused" "${PM[@]}" inspect -f '{{.State.Status}}' det
check "podman: its cgroup is frozen" frozen det
expect_rc "podman: unpause" 0 "${PM[@]}" unpause det
expect_out "podman: running again" "running" "${PM[@]}" inspect -f '{{.State.Status}}' det
expect_rc "podman: update --memory 64m" 0 "${PM[@]}" update --memory 64m det
expect_out "podman: memory limit updated, seen inside" "67108864" \
  "${PM[@]}" exec det sh -c "set -- memory/memory.limit_in_bytes memory.max; $CGROUP_FILE"
PID_BEFORE=$(timeout 30 "${PM[@]}" inspect -f '{{.State.Pid}}' det)
expect_rc "podman: restart" 0 "${PM[@]}" restart -t 1 det
PID_AFTER=$(timeout 30 "${PM[@]}" inspect -f '{{.State.Pid}}' det)
if is_running det && [ -n "$PID_AFTER" ] && [ "$PID_AFTER" != "$PID_BEFORE" ] && [ "$PID_AFTER" != 0 ]; then
  ok "podman: restarted (new init pid)"
else fail "podman: restarted (new init pid)" "pid $PID_BEFORE -> $PID_AFTER"; fi
expect_out "podman: exec after restart" "again" "${PM[@]}" exec det echo again

# A workload that handles SIGUSR1 and SIGTERM (exit 3).
SIG_SCRIPT='trap "echo usr1 >/tmp/sig" USR1; trap "exit 3" TERM; echo ready; while :; do sleep 0.1; done'
expect_rc "podman: run -d, signal handler" 0 "${PR[@]}" run -d --name sig "$IMAGE" sh -c "$SIG_SCRIPT"
remember_id sig >/dev/null
wait_for 20 logs_have sig ready
expect_rc "podman: kill -s USR1" 0 "${PM[@]}" kill -s USR1 sig
if wait_for 10 sh -c "timeout 10 ${PM[*]} exec sig cat /tmp/sig | grep -qx usr1"; then ok "podman: the signal reached the workload"
else fail "podman: the signal reached the workload" "no /tmp/sig"; fi
START=$(date +%s)
expect_rc "podman: stop (SIGTERM handled)" 0 "${PM[@]}" stop -t 20 sig
ELAPSED=$(( $(date +%s) - START ))
EXIT=$(timeout 30 "${PM[@]}" inspect -f '{{.State.ExitCode}}' sig)
if [ "$EXIT" = 3 ] && [ "$ELAPSED" -lt 15 ]; then ok "podman: SIGTERM honoured (exit 3 in ${ELAPSED}s)"
else fail "podman: SIGTERM honoured" "exit '$EXIT' after ${ELAPSED}s"; fi

# sleep as PID 1 has no SIGTERM handler, so the kernel ignores SIGTERM.
START=$(date +%s)
expect_rc "podman: stop -t 2 (SIGTERM ignored)" 0 "${PM[@]}" stop -t 2 det
ELAPSED=$(( $(date +%s) - START ))
EXIT=$(timeout 30 "${PM[@]}" inspect -f '{{.State.ExitCode}}' det)
if [ "$EXIT" = 137 ] && [ "$ELAPSED" -ge 2 ]; then ok "podman: SIGKILL after the timeout (exit 137 after ${ELAPSED}s)"
else fail "podman: SIGKILL after the timeout" "exit '$EXIT' after ${ELAPSED}s"; fi
expect_rc "podman: rm" 0 "${PM[@]}" rm det sig
run_out "${PM[@]}" ps -a --format '{{.Names}}'
if ! printf '%s\n' "$OUT" | grep -qx -e det -e sig; then ok "podman: removed"; else fail "podman: removed" "$OUT"; fi

# ---------------------------------------------------------------- flags
expect_inside "podman: --read-only" "ro" --read-only -- \
  'if touch /x 2>/dev/null; then echo rw; else echo ro; fi'
expect_inside "podman: --memory 128m" "134217728" --memory 128m -- \
  "set -- memory/memory.limit_in_bytes memory.max; $CGROUP_FILE"
inside_out --cpus 0.5 -- \
  "set -- cpu/cpu.cfs_quota_us cpu,cpuacct/cpu.cfs_quota_us cpu.max; $CGROUP_FILE"
if [ "$RC" -eq 0 ] && { [ "$OUT" = 50000 ] || [ "$OUT" = "50000 100000" ]; }; then ok "podman: --cpus 0.5"
else fail "podman: --cpus 0.5" "rc=$RC: $OUT"; fi
expect_inside "podman: --pids-limit 50" "50" --pids-limit 50 -- \
  "set -- pids/pids.max pids.max; $CGROUP_FILE"
expect_inside "podman: --cap-drop ALL" "CapEff:	0000000000000000" --cap-drop ALL -- \
  'grep ^CapEff: /proc/self/status'
expect_inside "podman: --cap-drop ALL --cap-add NET_BIND_SERVICE" "CapEff:	0000000000000400" \
  --cap-drop ALL --cap-add NET_BIND_SERVICE -- 'grep ^CapEff: /proc/self/status'
expect_inside "podman: --security-opt no-new-privileges" "NoNewPrivs:	1" \
  --security-opt no-new-privileges -- 'grep ^NoNewPrivs: /proc/self/status'

# ---------------------------------------------------------------- named runtime
# The runtime registered in containers.conf ([engine.runtimes] bulwark).
expect_out "podman: --runtime bulwark (named in containers.conf)" "named" \
  "${PM[@]}" --runtime bulwark run --rm "$IMAGE" echo named
expect_rc "podman: run -d --runtime bulwark" 0 "${PM[@]}" --runtime bulwark run -d --name named "$IMAGE" sleep 300
remember_id named >/dev/null
if conmon_args "$(timeout 30 "${PM[@]}" inspect -f '{{.Id}}' named)" | grep -q -- "-r $RUNTIME "; then
  ok "podman: conmon runs the named runtime's path ($RUNTIME)"
else fail "podman: conmon runs the named runtime's path ($RUNTIME)" "$(conmon_args "$(remember_id named)")"; fi
expect_rc "podman: rm -f -t 1 (named runtime)" 0 "${PM[@]}" rm -f -t 1 named

# ---------------------------------------------------------------- hardening
# podman's own defaults (its default capabilities, seccomp profile, a
# writable root, no user namespace, no memory limit): bulwark's policy.
inside_out -- "$HARDENING_FACTS"
if printf '%s\n' "$OUT" | grep -q '^CapEff:'; then ok "podman: default config runs"
else fail "podman: default config runs" "rc=$RC: $OUT"; fi
check_hardening "podman: default config" "$OUT"

expect_rc "podman: run -d, Landlock watcher" 0 "${PR[@]}" run -d --name ll "$IMAGE" sh -c "$LANDLOCK_WATCH"
LL_ID=$(remember_id ll)
timeout 30 "${PM[@]}" exec ll sh -c "$LANDLOCK_TARGET" >/dev/null 2>&1
wait_for 10 timeout 10 "${PM[@]}" exec ll test -s /tmp/landlock
run_out "${PM[@]}" exec ll cat /tmp/landlock
hcheck "podman: Landlock keeps the workload from signalling an exec'd process ($OUT)" test "$OUT" = signal-denied
run_out "$RUNTIME" --root "$RT_ROOT" report "$LL_ID"
REPORT=$OUT
if hardened; then printf '%s\n' "$REPORT" | sed 's/^/#   /'; fi
for control in userns capabilities seccomp lsm rootfs limits; do
  hcheck "podman: bulwark report shows $control" \
    grep -Eq "^ *$control +(enforced|clamped|added)" <<<"$REPORT"
done
expect_rc "podman: rm -f the Landlock container" 0 "${PM[@]}" rm -f -t 0 ll

# ---------------------------------------------------------------- refusals
expect_refused "podman: --privileged refused" "policy refuses it \\(" \
  "${PR[@]}" run --rm --privileged "$IMAGE" true
expect_refused "podman: --pid host refused" "pid namespace.*namespaces.allowHost" \
  "${PR[@]}" run --rm --pid host "$IMAGE" true
expect_refused "podman: -v /:/host refused" "mounts.deny" \
  "${PR[@]}" run --rm -v /:/host "$IMAGE" true

# ---------------------------------------------------------------- 20 runs
# After every container above is gone, 20 more are run and removed.
timeout 60 "${PM[@]}" rm -a -f -t 0 >/dev/null 2>&1
LOOP_IDS=$CL_TMP/loop-ids
: >"$LOOP_IDS"
LOOP_FAILED=0
for i in $(seq 1 20); do
  run_out "${PR[@]}" run --rm --cidfile "$CL_TMP/loop$i.cid" "$IMAGE" sh -c "echo run $i"
  [ "$RC" -eq 0 ] && [ "$OUT" = "run $i" ] || LOOP_FAILED=$((LOOP_FAILED + 1))
  cat "$CL_TMP/loop$i.cid" >>"$LOOP_IDS" 2>/dev/null && echo >>"$LOOP_IDS"
done
sed -i '/^$/d' "$LOOP_IDS"
cat "$LOOP_IDS" >>"$CL_TMP/ids"
if [ "$LOOP_FAILED" -eq 0 ] && [ "$(wc -l <"$LOOP_IDS")" -eq 20 ]; then ok "podman: 20 containers run and removed"
else fail "podman: 20 containers run and removed" "$LOOP_FAILED failed, $(wc -l <"$LOOP_IDS") ids"; fi

# Leftovers of the containers whose ids are in file $1.
state_of () { state_left "$RT_ROOT" | grep -F -f "$1"; }
mounts_of () {
  grep -F -f "$1" /proc/self/mountinfo
  mounts_under "$CL_TMP/storage/overlay" | grep -vx "$CL_TMP/storage/overlay"
  mounts_under "$CL_TMP/storage/overlay-containers"
}
cgroups_of () {
  local dir fs
  # (a cgroup mount hidden under another, as the tmpfs of a crun run, is not searched)
  while read -r _ dir fs _; do
    case $fs:$(stat -f -c %T "$dir" 2>/dev/null) in cgroup:cgroupfs|cgroup2:cgroup2fs) find "$dir" -mindepth 1 -maxdepth 6 -type d 2>/dev/null | grep -F -f "$1" ;; esac
  done </proc/self/mounts
}
procs_of () { procs_naming -F -f "$1"; }
nothing_left () {
  ! state_of "$1" >/dev/null && ! mounts_of "$1" | grep -q . && ! cgroups_of "$1" | grep -q . \
    && ! procs_of "$1" | grep -q . && ! ranges_of "$1" | grep -q .
}
# podman's exit command (podman container cleanup) may still be running.
wait_for 15 nothing_left "$LOOP_IDS"
LEFT=$(state_of "$LOOP_IDS"); [ -z "$LEFT" ] && ok "podman: 20 runs: no state dir left in $RT_ROOT" || fail "podman: 20 runs: no state dir left in $RT_ROOT" "$LEFT"
LEFT=$(mounts_of "$LOOP_IDS"); [ -z "$LEFT" ] && ok "podman: 20 runs: no mount left" || fail "podman: 20 runs: no mount left" "$LEFT"
LEFT=$(cgroups_of "$LOOP_IDS"); [ -z "$LEFT" ] && ok "podman: 20 runs: no cgroup left" || fail "podman: 20 runs: no cgroup left" "$LEFT"
LEFT=$(procs_of "$LOOP_IDS"); [ -z "$LEFT" ] && ok "podman: 20 runs: no process left" || fail "podman: 20 runs: no process left" "$LEFT"
LEFT=$(ranges_of "$LOOP_IDS"); [ -z "$LEFT" ] && ok "podman: 20 runs: no ID range left" || fail "podman: 20 runs: no ID range left" "$LEFT"

# ---------------------------------------------------------------- the end
timeout 60 "${PM[@]}" rm -a -f -t 0 >/dev/null 2>&1
ALL_IDS=$CL_TMP/ids
wait_for 15 nothing_left "$ALL_IDS"
LEFT=$(state_of "$ALL_IDS"); [ -z "$LEFT" ] && ok "podman: no runtime state left for any container" || fail "podman: no runtime state left for any container" "$LEFT"
LEFT=$(procs_of "$ALL_IDS"); [ -z "$LEFT" ] && ok "podman: no process of any container left" || fail "podman: no process of any container left" "$LEFT"
LEFT=$(ranges_of "$ALL_IDS"); [ -z "$LEFT" ] && ok "podman: no ID range of any container left" || fail "podman: no ID range of any container left" "$LEFT"
wait_for 10 sh -c "! pgrep -f -- 'conmon .*$CL_TMP'"
LEFT=$(pgrep -a -f -- "conmon .*$CL_TMP" | cut -c1-120)
[ -z "$LEFT" ] && ok "podman: every conmon is gone" || fail "podman: every conmon is gone" "$LEFT"

podman_cleanup
stop_daemons; cleanup_tmp; finish
