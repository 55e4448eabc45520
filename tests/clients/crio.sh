#!/usr/bin/env bash
# crio.sh: the command lines CRI-O and conmon give an OCI runtime, given to
# the runtime under test (issue 6). CRI-O is not packaged in Debian 12, so
# no CRI-O daemon runs here: this suite plays CRI-O's part. It runs the real
# conmon (Debian's 2.1.6) with the arguments CRI-O gives it, so the create
# and exec command lines are conmon's own, and runs the runtime directly
# with CRI-O's command lines for everything CRI-O calls itself. Each command
# line says where it comes from, in cri-o/cri-o (internal/oci/runtime_oci.go
# unless said otherwise) or containers/conmon (src/runtime_args.c).
#
# A CRI-O handler's runtime_root (here $ROOT) is passed as `--root ROOT` by
# CRI-O (runtimeOCI.defaultRuntimeArgs) and as `--root=ROOT` through
# conmon's --runtime-arg. CRI-O adds --systemd-cgroup only with the systemd
# cgroup manager; bulwark refuses it, so contrib/crio sets cgroupfs.
#
# The bundles are made with `$RUNTIME spec` over the busybox rootfs of
# lib.sh's build_image. With RUNTIME=/usr/bin/crun the hardening checks skip.

source "$(dirname "$0")/lib.sh"
trap 'crio_teardown; cleanup_tmp' EXIT

if ! command -v conmon >/dev/null; then
  echo "not ok - crio: package conmon missing"; exit 1
fi

ROOT=$CL_TMP/runtime-root
EXITS=$CL_TMP/exits
PERSIST=$CL_TMP/persist
SOCKETS=$CL_TMP/attach
CG=/bulwark-client-crio-$$
ID_PREFIX=crio$$
mkdir -p "$ROOT" "$EXITS" "$PERSIST" "$SOCKETS" "$CL_TMP/bundles"

# rt ARGS...: the runtime as CRI-O's runtimeCmd runs it: `--root ROOT` first.
rt () { timeout -k 5 60 "$RUNTIME" --root "$ROOT" "$@"; }

# crio_teardown: force-delete whatever container is left, stop conmons.
crio_teardown () {
  local id p
  for id in $(ls "$CL_TMP/bundles" 2>/dev/null); do
    timeout 30 "$RUNTIME" --root "$ROOT" delete --force "$id" >/dev/null 2>&1
  done
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = $$ ] && continue
    tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q "^conmon .*$CL_TMP" && kill -KILL "${p#/proc/}" 2>/dev/null
  done
  for id in $(find /sys/fs/cgroup/*/"$CG" -depth -type d 2>/dev/null); do rmdir "$id" 2>/dev/null; done
}

build_image "$CL_TMP/image.tar" localhost/bulwark-client:crio >/dev/null
ROOTFS=$CL_TMP/image-rootfs

# make_bundle ID [TERMINAL] -- ARGS...: a bundle from `$RUNTIME spec`, with
# the rootfs, the args, and a cgroupfs path as CRI-O's cgroupfs manager
# gives it (<parent>/crio-<id>).
make_bundle () {
  local id=$1 terminal=false dir=$CL_TMP/bundles/$1; shift
  [ "$1" = terminal ] && { terminal=true; shift; }
  shift
  mkdir -p "$dir"
  (cd "$dir" && timeout 30 "$RUNTIME" spec) || return 1
  python3 - "$dir/config.json" "$ROOTFS" "$terminal" "$CG/crio-$id" "$@" <<'PY'
import json, sys
path, rootfs, terminal, cgroup, *args = sys.argv[1:]
c = json.load(open(path))
c["root"] = {"path": rootfs, "readonly": True}
c["process"]["terminal"] = terminal == "true"
c["process"]["args"] = args
c["linux"]["cgroupsPath"] = cgroup
# A writable /tmp over the shared read-only rootfs.
c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/tmp"] + [
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "nodev", "size=16m"]}]
json.dump(c, open(path, "w"), indent=1)
PY
}

# The part of CRI-O that talks to conmon through its pipes (fds 3 and 4),
# in python3. `create`: runtimeOCI.CreateContainer's conmon command line;
# prints the container pid, or conmon's error message and exits 1. `exec`:
# runtimeOCI.ExecSyncContainer's; prints the exit code and the output that
# conmon logged (CRI-O's parseLog: "DATE PIPE TAG TEXT" lines).
cat >"$CL_TMP/crio-conmon.py" <<'PY'
import json, os, subprocess, sys

def pipes():
    sync_r, sync_w = os.pipe()          # conmon -> CRI-O: {"pid": N} / {"exit_code": N}
    start_r, start_w = os.pipe()        # CRI-O -> conmon: go ahead
    return sync_r, sync_w, start_r, start_w

def run_conmon(args, cwd, stdin=subprocess.DEVNULL):
    sync_r, sync_w, start_r, start_w = pipes()
    def child_fds():
        # via fresh fds: the pipes themselves may be 3 or 4 here
        sync_fd, start_fd = os.dup(sync_w), os.dup(start_r)
        os.dup2(sync_fd, 3); os.dup2(start_fd, 4)
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "_OCI_SYNCPIPE": "3", "_OCI_STARTPIPE": "4"}
    p = subprocess.Popen(["conmon"] + args, cwd=cwd, env=env, stdin=stdin,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         preexec_fn=child_fds, pass_fds=(3, 4))
    os.close(sync_w); os.close(start_r)
    os.write(start_w, b"\0")            # the cgroup is set: children may start
    os.close(start_w)
    return p, os.fdopen(sync_r)

mode, runtime, root, cid = sys.argv[1:5]
if mode == "create":
    bundle, exits, log, persist, sockets = sys.argv[5:10]
    terminal = sys.argv[10:] == ["terminal"]
    args = ["-b", bundle, "-c", cid, "--exit-dir", exits, "-l", log,
            "--log-level", "info", "-n", "k8s_" + cid, "-P", bundle + "/conmon-pidfile",
            "-p", bundle + "/pidfile", "--persist-dir", persist, "-r", runtime,
            "--runtime-arg", "--root=" + root, "--socket-dir-path", sockets,
            "--syslog", "-u", cid, "--log-size-max", "-1"]
    if terminal:
        args.append("-t")
    p, sync = run_conmon(args, bundle)
    p.wait(timeout=60)                  # conmon forks its monitor and exits
    msg = json.loads(sync.readline() or "{}")
    if msg.get("pid", -1) > 0:
        print(msg["pid"]); sys.exit(0)
    print(msg.get("message", "no pid from conmon: " + p.stderr.read().decode()))
    sys.exit(1)
else:
    process, log, sockets, pidfile = sys.argv[5:9]
    args = ["-c", cid, "-n", "k8s_" + cid, "-r", runtime, "-p", pidfile, "-e",
            "-l", log, "--socket-dir-path", sockets, "--log-level", "info",
            "--sync", "--log-global-size-max", str(16 * 1024 * 1024),
            "-T", "30", "--exec-process-spec", process,
            "--runtime-arg", "--root=" + root]
    p, sync = run_conmon(args, os.path.dirname(process))
    p.wait(timeout=60)
    code = -1
    for line in sync.read().splitlines():     # {"pid": N}, then {"exit_code": N}
        code = json.loads(line).get("exit_code", code)
    out = []
    for line in open(log).read().splitlines():
        parts = line.split(" ", 3)
        if len(parts) == 4:
            out.append(parts[1] + ":" + parts[3])
    print(code)
    print("\n".join(out))
PY

# conmon_create ID [terminal]: create through conmon; OUT = pid or message.
conmon_create () {
  local b=$CL_TMP/bundles/$1
  mkdir -p "$PERSIST/$1"      # CRI-O's container dir: conmon writes there too
  run_out python3 "$CL_TMP/crio-conmon.py" create "$RUNTIME" "$ROOT" "$1" \
    "$b" "$EXITS" "$b/ctr.log" "$PERSIST/$1" "$SOCKETS" "${@:2}"
}

# conmon_exec ID ARGS...: CRI-O's ExecSync through conmon; OUT = exit code,
# then "stdout:TEXT"/"stderr:TEXT" lines.
conmon_exec () {
  local id=$1 p=$CL_TMP/exec-$1; shift
  mkdir -p "$p"
  process_json "$id" false "$@" >"$p/process.json"
  : >"$p/log"
  run_out python3 "$CL_TMP/crio-conmon.py" exec "$RUNTIME" "$ROOT" "$id" \
    "$p/process.json" "$p/log" "$SOCKETS" "$p/pidfile"
}

# process_json ID TERMINAL ARGS...: the container's process with other args
# (CRI-O's prepareProcessExec).
process_json () {
  python3 - "$CL_TMP/bundles/$1/config.json" "$2" "${@:3}" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["process"]
p["terminal"] = sys.argv[2] == "true"
p["args"] = sys.argv[3:]
print(json.dumps(p))
PY
}

# status ID: the "status" of `state` (CRI-O decodes state's JSON).
status () { rt state "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null; }
status_is () { [ "$(status "$1")" = "$2" ]; }

# contrib/crio's drop-in is TOML with the handler this suite plays.
python3 - "$CLIENTS_DIR/../../contrib/crio/crio.conf.d/10-bulwark.conf" >"$CL_TMP/handler" <<'PY'
import sys, tomllib
conf = tomllib.load(open(sys.argv[1], "rb"))["crio"]["runtime"]
h = conf["runtimes"]["bulwark"]
print(conf["cgroup_manager"], h["runtime_type"], h["monitor_path"])
PY
expect_out "crio: contrib drop-in: cgroupfs, runtime_type oci, conmon" "cgroupfs oci /usr/bin/conmon" cat "$CL_TMP/handler"

# ---- what CRI-O runs at start (pkg/config/config.go,
# initializeRuntimeFeatures): `RUNTIME --version`, `RUNTIME features`.

expect_rc "crio: RUNTIME --version" 0 "$RUNTIME" --version
run_out "$RUNTIME" features
if ! hardened && [ "$RC" -ne 0 ]; then
  skip "crio: RUNTIME features" "$RUNTIME_NAME has no features command (CRI-O logs it and goes on)"
elif [ "$RC" -eq 0 ] && python3 -c 'import json,sys; f=json.loads(sys.argv[1]); assert f["ociVersionMin"] and "mountOptions" in f' "$OUT" 2>/dev/null; then
  ok "crio: RUNTIME features is JSON with ociVersionMin and mountOptions"
else fail "crio: RUNTIME features is JSON with ociVersionMin and mountOptions" "rc=$RC: $OUT"; fi

# ---- a container that exits: create through conmon, start, exit code

A=${ID_PREFIX}-a
make_bundle "$A" -- sh -c 'echo hello-out; echo hello-err >&2; exit 42'
# conmon: RUNTIME --root=ROOT create --bundle B --pid-file P ID
conmon_create "$A"
if [ "$RC" -eq 0 ] && [ "$OUT" -gt 0 ] 2>/dev/null; then ok "crio: conmon create (pid $OUT)"
else fail "crio: conmon create" "rc=$RC: $OUT"; fi
check "crio: state says created" status_is "$A" created
# CRI-O StartContainer: RUNTIME --root ROOT start ID
check "crio: start" rt start "$A"
wait_for 10 test -s "$EXITS/$A"
expect_out "crio: exit code 42 in conmon's exit file" 42 cat "$EXITS/$A"
check "crio: stdout logged by conmon" grep -q ' stdout F hello-out$' "$CL_TMP/bundles/$A/ctr.log"
check "crio: stderr logged by conmon" grep -q ' stderr F hello-err$' "$CL_TMP/bundles/$A/ctr.log"
check "crio: state says stopped" status_is "$A" stopped
# CRI-O DeleteContainer: RUNTIME --root ROOT delete --force ID
check "crio: delete --force of the exited container" rt delete --force "$A"
check "crio: state fails after delete" sh -c "! '$RUNTIME' --root '$ROOT' state '$A'"

# ---- a running container

B=${ID_PREFIX}-b
make_bundle "$B" -- sh -c 'trap "echo usr1 >/tmp/usr1" USR1; trap "exit 3" TERM; while :; do sleep 0.1; done'
conmon_create "$B"
if [ "$RC" -eq 0 ]; then ok "crio: conmon create of a long-running container"
else fail "crio: conmon create of a long-running container" "rc=$RC: $OUT"; fi
check "crio: start it" rt start "$B"
check "crio: state says running" status_is "$B" running

# ExecSyncContainer: conmon -e ... --exec-process-spec F; conmon runs
# RUNTIME --root=ROOT exec --pid-file P --process F --detach ID
conmon_exec "$B" sh -c 'echo sync-out; echo sync-err >&2; exit 7'
if [ "$(head -1 <<<"$OUT")" = 7 ] && grep -qx 'stdout:sync-out' <<<"$OUT" \
   && grep -qx 'stderr:sync-err' <<<"$OUT"; then ok "crio: ExecSync through conmon (exit 7, output)"
else fail "crio: ExecSync through conmon (exit 7, output)" "rc=$RC: $OUT"; fi

# ExecContainer (streaming): RUNTIME --root ROOT exec --process F ID, the
# runtime's stdio being the client's (a pty with a tty).
process_json "$B" false sh -c 'read line; echo "got $line"; exit 5' >"$CL_TMP/p-exec.json"
OUT=$(echo from-stdin | rt exec --process "$CL_TMP/p-exec.json" "$B" 2>&1); RC=$?
if [ "$RC" -eq 5 ] && [ "$OUT" = "got from-stdin" ]; then ok "crio: streaming exec (stdin, output, exit 5)"
else fail "crio: streaming exec (stdin, output, exit 5)" "rc=$RC: $OUT"; fi
process_json "$B" true sh -c 'tty; exit 6' >"$CL_TMP/p-tty.json"
run_out script -qec "exec timeout --foreground -k 5 60 $RUNTIME --root $ROOT exec --process $CL_TMP/p-tty.json $B" /dev/null
if [ "$RC" -eq 6 ] && grep -q '/dev/pts/[0-9]' <<<"$OUT"; then ok "crio: streaming exec with a tty"
else fail "crio: streaming exec with a tty" "rc=$RC: $OUT"; fi

# UpdateContainer: RUNTIME --root ROOT update --resources - ID, the
# resources as JSON on stdin (rspec.LinuxResources).
UPDATE='{"memory":{"limit":134217728},"cpu":{"shares":512,"quota":50000,"period":100000},"pids":{"limit":99}}'
RC=0; OUT=$(printf '%s' "$UPDATE" | rt update --resources - "$B" 2>&1) || RC=$?
if [ "$RC" -eq 0 ]; then ok "crio: update --resources -"; else fail "crio: update --resources -" "rc=$RC: $OUT"; fi
expect_out "crio: update set the memory limit" 134217728 cat "/sys/fs/cgroup/memory/$CG/crio-$B/memory.limit_in_bytes"
expect_out "crio: update set the cpu quota" 50000 cat "/sys/fs/cgroup/cpu/$CG/crio-$B/cpu.cfs_quota_us"
expect_out "crio: update set the pids limit" 99 cat "/sys/fs/cgroup/pids/$CG/crio-$B/pids.max"

# PauseContainer / UnpauseContainer: RUNTIME --root ROOT pause|resume ID
check "crio: pause" rt pause "$B"
check "crio: state says paused" status_is "$B" paused
check "crio: resume" rt resume "$B"
check "crio: state says running again" status_is "$B" running

# SignalContainer: RUNTIME --root ROOT kill ID <signal number>
check "crio: kill ID 10 (SIGUSR1 by number)" rt kill "$B" 10
usr1_seen () { conmon_exec "$B" cat /tmp/usr1; [ "$(tail -1 <<<"$OUT")" = stdout:usr1 ]; }
if wait_for 10 usr1_seen; then
  ok "crio: the signal reached the container"
else fail "crio: the signal reached the container" "no /tmp/usr1"; fi

# StopContainer: RUNTIME --root ROOT kill ID <stop signal> (CRI-O >= 1.27:
# its number, "15"; before: its name, "TERM").
check "crio: kill ID 15 (stop signal)" rt kill "$B" 15
wait_for 10 test -s "$EXITS/$B"
expect_out "crio: SIGTERM honoured (exit 3)" 3 cat "$EXITS/$B"
check "crio: delete --force of the stopped container" rt delete --force "$B"

# The kill loop after the stop timeout: RUNTIME --root ROOT kill ID KILL;
# and UpdateContainerStatus of a container in the node's pid namespace:
# RUNTIME --root ROOT kill -a ID 9.
C=${ID_PREFIX}-c
make_bundle "$C" -- sleep 300
conmon_create "$C" >/dev/null
rt start "$C"
check "crio: kill ID TERM (stop signal by name)" rt kill "$C" TERM
sleep 1
check "crio: an init without a handler ignores it" status_is "$C" running
check "crio: kill ID KILL (after the stop timeout)" rt kill "$C" KILL
wait_for 10 test -s "$EXITS/$C"
expect_out "crio: killed: exit 137" 137 cat "$EXITS/$C"
# CRI-O sends it to a stopped container of the node's pid namespace too
# (UpdateContainerStatus): the runtime must answer, whatever it answers.
run_out "$RUNTIME" --root "$ROOT" kill -a "$C" 9
if [ "$RC" -eq 0 ] || grep -qi 'not running\|stopped' <<<"$OUT"; then
  ok "crio: kill -a ID 9 of a stopped container answers (rc=$RC)"
else fail "crio: kill -a ID 9 of a stopped container answers" "rc=$RC: $OUT"; fi
check "crio: delete --force of the killed container" rt delete --force "$C"
D=${ID_PREFIX}-d
make_bundle "$D" -- sleep 300
conmon_create "$D" >/dev/null
rt start "$D"
check "crio: kill -a ID 9" rt kill -a "$D" 9
wait_for 10 test -s "$EXITS/$D"
expect_out "crio: kill -a: exit 137" 137 cat "$EXITS/$D"
check "crio: delete --force after kill -a" rt delete --force "$D"

# ---- a container with a terminal: conmon -t gives the runtime
# --console-socket (conmon: create ... --console-socket S ID).
T=${ID_PREFIX}-t
make_bundle "$T" terminal -- sh -c 'tty; exit 0'
conmon_create "$T" terminal
if [ "$RC" -eq 0 ]; then ok "crio: conmon -t create (--console-socket)"
else fail "crio: conmon -t create (--console-socket)" "rc=$RC: $OUT"; fi
rt start "$T" >/dev/null 2>&1
wait_for 10 test -s "$EXITS/$T"
check "crio: the terminal container saw a tty" grep -q '/dev/pts/[0-9]' "$CL_TMP/bundles/$T/ctr.log"
rt delete --force "$T" >/dev/null 2>&1

# ---- checkpoint: CRI-O asks `RUNTIME checkpoint --help`
# (containers/common pkg/crutils CRRuntimeSupportsCheckpointRestore), then
# CheckpointContainer: RUNTIME --root ROOT checkpoint --file-locks
# --image-path I --work-path W [--leave-running] ID. bulwark refuses it.
E=${ID_PREFIX}-e
make_bundle "$E" -- sleep 300
conmon_create "$E" >/dev/null
rt start "$E"
run_out "$RUNTIME" --root "$ROOT" checkpoint --file-locks --image-path "$CL_TMP/ckpt" --work-path "$CL_TMP/ckpt-work" --leave-running "$E"
if [ "$RC" -ne 0 ] && [ -n "$OUT" ]; then ok "crio: checkpoint fails with a message"
else fail "crio: checkpoint fails with a message" "rc=$RC: $OUT"; fi
check "crio: the container still runs after the refused checkpoint" status_is "$E" running

# ---- hardening and refusal as CRI-O's user sees them

"$RUNTIME" --root "$ROOT" report "$E" >"$CL_TMP/report" 2>&1
report_ok () {
  local c
  for c in userns capabilities seccomp lsm rootfs limits; do
    grep -Eq "^$c +(enforced|clamped|added) " "$CL_TMP/report" || return 1
  done
}
hcheck "crio: bulwark report shows the controls" report_ok
rt delete --force "$E" >/dev/null 2>&1

# A refused config: conmon sends the runtime's stderr to CRI-O as the
# create error message (conmon.c, "Failed to create container").
R=${ID_PREFIX}-r
make_bundle "$R" -- true
python3 - "$CL_TMP/bundles/$R/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "pid"]
json.dump(c, open(sys.argv[1], "w"))
PY
b=$CL_TMP/bundles/$R
expect_refused "crio: host pid namespace refused, message through conmon" \
  'pid namespace.*namespaces.allowHost' python3 "$CL_TMP/crio-conmon.py" create "$RUNTIME" "$ROOT" "$R" \
  "$b" "$EXITS" "$b/ctr.log" "$PERSIST/$R" "$SOCKETS"
rt delete --force "$R" >/dev/null 2>&1

# ---- nothing left

left=$(state_left "$ROOT")
if [ -z "$left" ]; then ok "crio: no state left in the runtime root"
else fail "crio: no state left in the runtime root" "$left"; fi
left=$(grep -rlsF -- "$CL_TMP" "$IDPOOL_DIR")
if [ -z "$left" ]; then ok "crio: no ID range left"; else fail "crio: no ID range left" "$left"; fi
left=$(procs_naming -F -- "$ID_PREFIX-")
if [ -z "$left" ]; then ok "crio: no process left"; else fail "crio: no process left" "pids $left"; fi

crio_teardown
cleanup_tmp
finish
