#!/usr/bin/env bash
# docker.sh: Docker (Debian's docker.io 20.10) driving the runtime under
# test, registered in daemon.json as the runtime "bulwark", through
# `docker run --runtime bulwark --network none` (issue 6).
#
# The suite starts its own dockerd: data root, exec root, pid file and API
# socket under $CL_TMP, its own managed containerd (dockerd starts it under
# the exec root and stops it), the cgroupfs driver under a private cgroup
# parent, no bridge, no iptables. The image is built here and `docker
# load`ed; nothing is pulled. With RUNTIME=/usr/bin/crun the runtime keeps
# the name "bulwark" so every check is the same; hardening checks skip.
#
# Docker's shim (containerd-shim-runc-v2) calls the runtime with
# --root <exec-root>/runtime-runc/moby (whatever the runtime's name) and the
# full container id.

source "$(dirname "$0")/lib.sh"

DOCKERD=/usr/sbin/dockerd
# The Debian client: /usr/local/bin/docker is a newer client only.
DOCKER_BIN=/usr/bin/docker
IMAGE=bulwark-client:docker
CG_PARENT=bulwark-client-docker-$$
DATA_ROOT=$CL_TMP/data
EXEC_ROOT=$CL_TMP/exec
# Docker 20.10 gives every runtime registered by path the shim options of
# its default runtime: --root <exec-root>/runtime-runc, plus the containerd
# namespace "moby" (daemon/runtime_unix.go, defaultV2ShimConfig).
RT_ROOT=$EXEC_ROOT/runtime-runc/moby
export DOCKER_HOST=unix://$CL_TMP/docker.sock
export DOCKER_CONFIG=$CL_TMP/client-config

DK=(timeout 120 "$DOCKER_BIN")
RUN=("${DK[@]}" run --rm --runtime bulwark --network none)
RUND=("${DK[@]}" run -d --runtime bulwark --network none)

# our_pids: processes this suite's daemons left: dockerd's containerd and
# the shims (their command lines name our exec root), and whatever still
# runs in the containers' cgroups.
our_pids () { pids_of_suite "$CG_PARENT"; }

# docker_teardown: remove the containers, stop dockerd (which stops its
# containerd); stop by pid what a killed dockerd would leave; remove the
# cgroup parent.
docker_teardown () {
  local ids pid
  if [ -S "$CL_TMP/docker.sock" ] && [ "${#CLIENT_PIDS[@]}" -gt 0 ]; then
    ids=$(timeout 30 "$DOCKER_BIN" ps -aq 2>/dev/null)
    # shellcheck disable=SC2086
    [ -n "$ids" ] && timeout 60 "$DOCKER_BIN" rm -f $ids >/dev/null 2>&1
  fi
  stop_daemons
  for pid in $(our_pids); do kill -KILL "$pid" 2>/dev/null; done
  wait_for 10 sh -c "[ -z \"\$(cat /sys/fs/cgroup/pids/$CG_PARENT/*/cgroup.procs 2>/dev/null)\" ]"
  local d
  for d in /sys/fs/cgroup/*/"$CG_PARENT"; do
    [ -d "$d" ] || continue
    find "$d" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null
    rmdir "$d" 2>/dev/null
  done
  # dockerd always makes /run/docker/plugins (no flag moves it): remove it
  # when this suite made it and it stayed empty.
  if [ "$RUN_DOCKER_WAS_THERE" = no ]; then
    rmdir /run/docker/plugins /run/docker 2>/dev/null
  fi
}
RUN_DOCKER_WAS_THERE=$([ -e /run/docker ] && echo yes || echo no)
trap 'docker_teardown; cleanup_tmp' EXIT

for f in "$DOCKERD" "$DOCKER_BIN" /usr/bin/containerd /usr/bin/containerd-shim-runc-v2; do
  if [ ! -x "$f" ]; then
    echo "not ok - docker: package docker.io missing ($f)"
    exit 1
  fi
done

# ---------------------------------------------------------------- daemon
mkdir -p "$DATA_ROOT" "$EXEC_ROOT" "$DOCKER_CONFIG"
cat >"$CL_TMP/daemon.json" <<EOF
{
  "runtimes": { "bulwark": { "path": "$RUNTIME" } },
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "cgroup-parent": "/$CG_PARENT",
  "oom-score-adjust": 0,
  "iptables": false,
  "ip-masq": false,
  "bridge": "none",
  "storage-driver": "overlay2",
  "shutdown-timeout": 5,
  "deprecated-key-path": "$CL_TMP/key.json"
}
EOF
start_daemon dockerd "$CL_TMP/dockerd.log" "$DOCKERD" \
  --config-file "$CL_TMP/daemon.json" --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" \
  --pidfile "$CL_TMP/dockerd.pid" -H "$DOCKER_HOST"
if ! wait_for 60 timeout 5 "$DOCKER_BIN" version; then
  fail "docker: dockerd starts" "$(tail -5 "$CL_TMP/dockerd.log")"
  exit 1
fi
ok "docker: dockerd starts"
run_out "${DK[@]}" info --format '{{json .Runtimes.bulwark}}'
if [ "$RC" -eq 0 ] && printf '%s' "$OUT" | grep -qF "\"$RUNTIME\""; then ok "docker: runtime bulwark registered ($RUNTIME)"
else fail "docker: runtime bulwark registered" "rc=$RC: $OUT"; fi

build_image "$CL_TMP/image.tar" "$IMAGE" >/dev/null
expect_rc "docker: docker load of the local image" 0 "${DK[@]}" load -i "$CL_TMP/image.tar"

# our_idranges: ranges of bulwark's machine-wide pool (shared with other
# suites) whose record names a state dir in our runtime root.
our_idranges () { ranges_naming -F -- "$RT_ROOT/"; }
# full_id NAME: the container's full id.
full_id () { timeout 30 "$DOCKER_BIN" inspect -f '{{.Id}}' "$1" 2>/dev/null; }
# state_of NAME FIELD: a field of the container's .State.
state_of () { timeout 30 "$DOCKER_BIN" inspect -f "{{.State.$2}}" "$1" 2>/dev/null; }
# logs_have NAME TEXT: the container's output holds the line TEXT.
logs_have () { timeout 30 "$DOCKER_BIN" logs "$1" 2>&1 | tr -d '\r' | grep -qx -- "$2"; }

# ------------------------------------------------------- run, foreground
# Docker sets net.ipv4.ping_group_range to "0 2147483647" in every
# container with its own network namespace: it must be applicable.
run_out "${RUN[@]}" "$IMAGE" cat /proc/sys/net/ipv4/ping_group_range
if [ "$RC" -eq 0 ] && printf '%s' "$OUT" | grep -Eqx '0[[:space:]]+[0-9]+'; then
  ok "docker: Docker's default sysctl net.ipv4.ping_group_range applied (${OUT//[[:space:]]/ })"
else fail "docker: Docker's default sysctl net.ipv4.ping_group_range applied" "rc=$RC: $OUT"; fi
expect_out "docker: run prints stdout" hello "${RUN[@]}" "$IMAGE" echo hello
OUT=$("${RUN[@]}" "$IMAGE" sh -c 'echo to-out; echo to-err >&2' 2>/dev/null)
if [ "$OUT" = to-out ]; then ok "docker: stdout apart from stderr"
else fail "docker: stdout apart from stderr" "got '$OUT'"; fi
OUT=$("${RUN[@]}" "$IMAGE" sh -c 'echo to-out; echo to-err >&2' 2>&1 >/dev/null)
if [ "$OUT" = to-err ]; then ok "docker: stderr apart from stdout"
else fail "docker: stderr apart from stdout" "got '$OUT'"; fi
expect_rc "docker: exit code 0" 0 "${RUN[@]}" "$IMAGE" true
expect_rc "docker: exit code 42" 42 "${RUN[@]}" "$IMAGE" sh -c 'exit 42'

# 137: the init of a pid namespace can't SIGKILL itself; docker kill does.
"${RUN[@]}" --name dk-sigkill "$IMAGE" sleep 300 >/dev/null 2>&1 &
RUN_PID=$!
wait_for 30 sh -c "[ \"\$(timeout 10 $DOCKER_BIN inspect -f '{{.State.Running}}' dk-sigkill 2>/dev/null)\" = true ]"
timeout 30 "$DOCKER_BIN" kill dk-sigkill >/dev/null 2>&1
wait "$RUN_PID"
RC=$?
if [ "$RC" -eq 137 ]; then ok "docker: exit code 137 after SIGKILL"
else fail "docker: exit code 137 after SIGKILL" "docker run exited $RC"; fi

expect_out "docker: env" "bar baz" "${RUN[@]}" -e FOO=bar -e QUX=baz "$IMAGE" sh -c 'echo $FOO $QUX'
expect_out "docker: workdir" /work "${RUN[@]}" -w /work "$IMAGE" pwd
expect_out "docker: --user 1000:1000" "1000 1000" \
  "${RUN[@]}" --user 1000:1000 "$IMAGE" sh -c 'echo $(id -u) $(id -g)'
run_out "${RUN[@]}" -t "$IMAGE" sh -c 'test -t 0 && test -t 1 && tty && stty size'
if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -qx '/dev/pts/[0-9]*'; then ok "docker: -t gives a working tty"
else fail "docker: -t gives a working tty" "rc=$RC: $OUT"; fi
OUT=$(printf 'line one\nline two\n' | "${RUN[@]}" -i "$IMAGE" sh -c 'wc -l; echo done' 2>&1)
if [ "$OUT" = "2
done" ]; then ok "docker: -i with piped stdin"
else fail "docker: -i with piped stdin" "got '$OUT'"; fi

# ------------------------------------------------------------- detached
run_out "${RUND[@]}" --name dk-detached "$IMAGE" \
  sh -c 'trap "echo got-usr1" USR1; echo started; while true; do sleep 0.2; done'
D=$(full_id dk-detached)
if [ "$RC" -eq 0 ] && [ "$(state_of dk-detached Running)" = true ]; then ok "docker: run -d"
else fail "docker: run -d" "rc=$RC: $OUT"; fi
check "docker: the shim gives the runtime --root $RT_ROOT" test -d "$RT_ROOT/$D"
hcheck "docker: the container holds an ID range of the pool" test -n "$(our_idranges)"
expect_out "docker: exec" in-exec "${DK[@]}" exec dk-detached echo in-exec
expect_rc "docker: exec exit code" 3 "${DK[@]}" exec dk-detached sh -c 'exit 3'
run_out "${DK[@]}" exec -t dk-detached sh -c 'test -t 1 && tty'
if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -qx '/dev/pts/[0-9]*'; then ok "docker: exec -t gives a tty"
else fail "docker: exec -t gives a tty" "rc=$RC: $OUT"; fi
OUT=$(echo piped | "${DK[@]}" exec -i dk-detached cat 2>&1)
if [ "$OUT" = piped ]; then ok "docker: exec -i with piped stdin"
else fail "docker: exec -i with piped stdin" "got '$OUT'"; fi
run_out "${DK[@]}" top dk-detached
if [ "$RC" -eq 0 ] && printf '%s' "$OUT" | grep -q 'trap "echo got-usr1"'; then ok "docker: top"
else fail "docker: top" "rc=$RC: $OUT"; fi
run_out "${DK[@]}" stats --no-stream --format '{{.PIDs}} {{.MemUsage}}' dk-detached
if [ "$RC" -eq 0 ] && printf '%s' "$OUT" | grep -Eq '^[1-9][0-9]* [0-9.]+[KMG]i?B / '; then ok "docker: stats --no-stream"
else fail "docker: stats --no-stream" "rc=$RC: $OUT"; fi

# pause: the cgroup is frozen (seen from the host) and docker says paused.
FREEZER=/sys/fs/cgroup/freezer/$CG_PARENT/$D/freezer.state
run_out "${DK[@]}" pause dk-detached
if [ "$RC" -eq 0 ] && [ "$(state_of dk-detached Status)" = paused ] \
   && [ "$(cat "$FREEZER" 2>/dev/null)" = FROZEN ]; then ok "docker: pause"
else fail "docker: pause" "rc=$RC, status $(state_of dk-detached Status), freezer $(cat "$FREEZER" 2>&1): $OUT"; fi
run_out "${DK[@]}" unpause dk-detached
if [ "$RC" -eq 0 ] && [ "$(state_of dk-detached Status)" = running ] \
   && [ "$(cat "$FREEZER" 2>/dev/null)" = THAWED ]; then ok "docker: unpause"
else fail "docker: unpause" "rc=$RC, status $(state_of dk-detached Status), freezer $(cat "$FREEZER" 2>&1): $OUT"; fi

# update: Docker sends `update --resources -`; the new limit is seen inside.
expect_rc "docker: update --memory" 0 "${DK[@]}" update --memory 200m --memory-swap 400m dk-detached
expect_out "docker: update --memory seen inside" 209715200 \
  "${DK[@]}" exec dk-detached cat /sys/fs/cgroup/memory/memory.limit_in_bytes

run_out "${DK[@]}" kill -s USR1 dk-detached
if [ "$RC" -eq 0 ] && wait_for 10 logs_have dk-detached got-usr1 \
   && [ "$(state_of dk-detached Running)" = true ]; then ok "docker: kill -s USR1 reaches the trap"
else fail "docker: kill -s USR1 reaches the trap" "rc=$RC: $OUT; logs: $("$DOCKER_BIN" logs dk-detached 2>&1 | tr '\n' ' ')"; fi

PID_BEFORE=$(state_of dk-detached Pid)
run_out "${DK[@]}" restart -t 1 dk-detached
if [ "$RC" -eq 0 ] && [ "$(state_of dk-detached Running)" = true ] \
   && [ "$(state_of dk-detached Pid)" != "$PID_BEFORE" ] \
   && [ "$("$DOCKER_BIN" logs dk-detached 2>&1 | grep -cx started)" -eq 2 ]; then ok "docker: restart"
else fail "docker: restart" "rc=$RC: $OUT"; fi
expect_out "docker: exec after restart" again "${DK[@]}" exec dk-detached echo again

# stop: a trap on SIGTERM is honoured at once; a process that ignores it
# is SIGKILLed after the timeout.
"${RUND[@]}" --name dk-term "$IMAGE" \
  sh -c 'trap "echo got-term; exit 0" TERM; echo ready; while true; do sleep 0.2; done' >/dev/null 2>&1
"${RUND[@]}" --name dk-noterm "$IMAGE" \
  sh -c 'trap "" TERM; echo ready; while true; do sleep 0.2; done' >/dev/null 2>&1
wait_for 20 logs_have dk-term ready
wait_for 20 logs_have dk-noterm ready
T0=$(date +%s)
run_out "${DK[@]}" stop -t 30 dk-term
T1=$(date +%s)
if [ "$RC" -eq 0 ] && [ $((T1 - T0)) -lt 15 ] && [ "$(state_of dk-term ExitCode)" = 0 ] \
   && logs_have dk-term got-term; then ok "docker: stop honours SIGTERM"
else fail "docker: stop honours SIGTERM" "rc=$RC after $((T1 - T0)) s, exit code $(state_of dk-term ExitCode): $OUT"; fi
T0=$(date +%s)
run_out "${DK[@]}" stop -t 2 dk-noterm
T1=$(date +%s)
if [ "$RC" -eq 0 ] && [ $((T1 - T0)) -ge 2 ] && [ "$(state_of dk-noterm ExitCode)" = 137 ]; then
  ok "docker: stop SIGKILLs after the timeout"
else fail "docker: stop SIGKILLs after the timeout" "rc=$RC after $((T1 - T0)) s, exit code $(state_of dk-noterm ExitCode): $OUT"; fi

run_out "${DK[@]}" rm -f dk-detached dk-term dk-noterm
if [ "$RC" -eq 0 ] && ! timeout 30 "$DOCKER_BIN" inspect dk-detached >/dev/null 2>&1 \
   && [ -n "$D" ] && [ ! -e "$RT_ROOT/$D" ]; then ok "docker: rm (runtime state gone)"
else fail "docker: rm (runtime state gone)" "rc=$RC: $OUT; left: $(state_left "$RT_ROOT" | tr '\n' ' ')"; fi

# ------------------------------------------------- options seen inside
expect_out "docker: --read-only" ro \
  "${RUN[@]}" --read-only "$IMAGE" sh -c 'touch /x 2>/dev/null && echo rw || echo ro'
expect_out "docker: --memory 64m" 67108864 \
  "${RUN[@]}" --memory 64m "$IMAGE" cat /sys/fs/cgroup/memory/memory.limit_in_bytes
expect_out "docker: --cpus 0.5" "50000 100000" \
  "${RUN[@]}" --cpus 0.5 "$IMAGE" sh -c 'echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us)'
expect_out "docker: --pids-limit 50" 50 \
  "${RUN[@]}" --pids-limit 50 "$IMAGE" cat /sys/fs/cgroup/pids/pids.max
expect_out "docker: --cap-drop ALL" "CapEff:	0000000000000000" \
  "${RUN[@]}" --cap-drop ALL "$IMAGE" grep CapEff /proc/self/status
expect_out "docker: --cap-drop ALL --cap-add NET_BIND_SERVICE" "CapEff:	0000000000000400" \
  "${RUN[@]}" --cap-drop ALL --cap-add NET_BIND_SERVICE "$IMAGE" grep CapEff /proc/self/status
expect_out "docker: --security-opt no-new-privileges" "NoNewPrivs:	1" \
  "${RUN[@]}" --security-opt no-new-privileges "$IMAGE" grep NoNewPrivs /proc/self/status

# ----------------------------------- hardening with Docker's own config
run_out "${RUN[@]}" "$IMAGE" sh -c "$HARDENING_FACTS"
check_hardening "docker: default config" "$OUT"

run_out "${RUND[@]}" --name dk-landlock "$IMAGE" sh -c "$LANDLOCK_WATCH"
L=$(full_id dk-landlock)
timeout 30 "$DOCKER_BIN" exec dk-landlock sh -c "$LANDLOCK_TARGET" >/dev/null 2>&1
wait_for 20 timeout 10 "$DOCKER_BIN" exec dk-landlock test -s /tmp/landlock
run_out "${DK[@]}" exec dk-landlock cat /tmp/landlock
hcheck "docker: Landlock keeps the workload from signalling an exec'd process" test "$OUT" = signal-denied
# The posture of the running container, read from the root Docker's shim
# gives the runtime.
run_out timeout 30 "$RUNTIME" --root "$RT_ROOT" report "$L"
REPORT=$OUT
# Each line: what the report must show | a regex over its table.
while IFS='|' read -r what regex; do
  hcheck "docker: report shows $what" grep -Eq -- "$regex" <<<"$REPORT"
done <<'EOF'
a user namespace added|^userns +added +userNamespace\.add .*host [0-9]+-[0-9]+
the rootfs idmapped|^userns .*rootfs idmapped
capabilities clamped|^capabilities +clamped +capabilities\.allowed
no_new_privs|^capabilities +added +noNewPrivileges
the seccomp floor|^seccomp +added +seccomp\.floor
Landlock|^lsm +added +lsm\.landlock .*Landlock
a read-only rootfs|^rootfs +clamped +rootfs\.readonly .*read-only
a memory limit|^limits +added +limits\.memory\.default
a pids limit|^limits +added +limits\.pids\.default
EOF
timeout 60 "$DOCKER_BIN" rm -f dk-landlock >/dev/null 2>&1

# --------------------------------------------------------- refusals
# bulwark's one-line error, as the shim read it from the --log JSON file,
# is what docker shows the user.
expect_refused "docker: --privileged refused" 'policy refuses it' \
  "${RUN[@]}" --privileged "$IMAGE" true
expect_refused "docker: --pid host refused" 'pid namespace.*namespaces.allowHost' \
  "${RUN[@]}" --pid host "$IMAGE" true
expect_refused "docker: -v /:/host refused" 'mounts.*mounts.deny' \
  "${RUN[@]}" -v /:/host "$IMAGE" true

# ---------------------------------------------- 20 runs leave nothing
# shellcheck disable=SC2046
timeout 60 "$DOCKER_BIN" rm -f $(timeout 30 "$DOCKER_BIN" ps -aq) >/dev/null 2>&1
# dockerd's own mounts below CL_TMP (its netns files, ...) before the loop
MOUNTS_BEFORE=$(mounts_under "$CL_TMP" | sort)
LOOP_IDS=()
LOOP_FAILS=0
for _ in $(seq 1 20); do
  rm -f "$CL_TMP/cid"
  "${RUN[@]}" --cidfile "$CL_TMP/cid" "$IMAGE" sh -c 'echo loop' >/dev/null 2>&1 || LOOP_FAILS=$((LOOP_FAILS + 1))
  [ -s "$CL_TMP/cid" ] && LOOP_IDS+=("$(cat "$CL_TMP/cid")")
done
if [ "$LOOP_FAILS" -eq 0 ] && [ "${#LOOP_IDS[@]}" -eq 20 ]; then ok "docker: 20 runs with --rm"
else fail "docker: 20 runs with --rm" "$LOOP_FAILS failed, ${#LOOP_IDS[@]} ids"; fi

# (an empty list must match nothing, not every line)
if [ "${#LOOP_IDS[@]}" -gt 0 ]; then printf '%s\n' "${LOOP_IDS[@]}"; fi >"$CL_TMP/loop-ids"
# ids_in FILE...: lines of FILE that name one of the loop's containers.
ids_in () { grep -Ff "$CL_TMP/loop-ids" "$@" 2>/dev/null; }
# procs_left: processes whose command line or cgroup names a loop container.
procs_left () { procs_naming -F -f "$CL_TMP/loop-ids"; }
no_state_left () { [ -z "$(state_left "$RT_ROOT")" ]; }
# Docker's shims exit a moment after the container is removed.
wait_for 15 no_state_left
LEFT=$(state_left "$RT_ROOT")
if [ -z "$LEFT" ]; then ok "docker: loop leaves no state dir"
else fail "docker: loop leaves no state dir" "${LEFT//$'\n'/ }"; fi
# Mounts naming a loop container, container roots (overlay2 merged dirs),
# anything in the runtime's root, and any new mount below CL_TMP.
LEFT=$( { ids_in /proc/self/mountinfo
          awk -v d="$DATA_ROOT/overlay2/" -v r="$RT_ROOT/" \
            'index($5, d) == 1 || index($5, r) == 1' /proc/self/mountinfo
          comm -13 <(printf '%s\n' "$MOUNTS_BEFORE") <(mounts_under "$CL_TMP" | sort); } | sort -u)
if [ -z "$LEFT" ]; then ok "docker: loop leaves no mount"
else fail "docker: loop leaves no mount" "$LEFT"; fi
# Real cgroup hierarchies only: with crun, /sys/fs/cgroup/unified is the
# private tmpfs of lib.sh, where dockerd's mkdirs are harmless.
CG_MOUNTS=$(awk '$3 == "cgroup" || $3 == "cgroup2" {print $2}' /proc/self/mounts | sort -u)
LEFT=$(for m in $CG_MOUNTS; do
         case $(stat -f -c %T "$m") in cgroupfs|cgroup2fs) ;; *) continue ;; esac
         find "$m/$CG_PARENT" -mindepth 1 -type d 2>/dev/null
         find "$m" -maxdepth 4 -type d 2>/dev/null | ids_in
       done)
if [ -z "$LEFT" ]; then ok "docker: loop leaves no cgroup"
else fail "docker: loop leaves no cgroup" "$LEFT"; fi
for _ in 1 2 3 4 5 6 7 8 9 10; do
  LEFT=$(procs_left)
  [ -z "$LEFT" ] && break
  sleep 1
done
if [ -z "$LEFT" ]; then ok "docker: loop leaves no process"
else fail "docker: loop leaves no process" "pids $LEFT"; fi
LEFT=$(our_idranges)
hcheck "docker: loop leaves no ID range" test -z "$LEFT"

# ------------------------------------------------------------ teardown
docker_teardown
LEFT=$(our_pids)
if [ -z "$LEFT" ]; then ok "docker: dockerd, its containerd and shims stopped"
else fail "docker: dockerd, its containerd and shims stopped" "pids ${LEFT//$'\n'/ }"; fi

stop_daemons; cleanup_tmp; finish
