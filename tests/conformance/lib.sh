# tests/conformance/lib.sh: helpers for the conformance programs in
# validation/. Each program is run as `RUNTIME=/path/to/runtime bash
# validation/NAME.sh`, drives the runtime only through its runc-compatible
# CLI (create/start/state/kill/delete) and prints TAP: "ok N - what",
# "not ok N - what", diagnostics as "# ..." lines, and the plan "1..N" last.
# The programs are written from the runtime-spec text (runtime.md,
# config.md, config-linux.md); their names follow the runtime-tools
# validation programs that check the same requirements.
set -u

: "${RUNTIME:?set RUNTIME to the runtime binary under test}"
CONF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d /tmp/bw-conformance.XXXXXX)
# Traversable: a container in a user namespace runs as an unmapped host uid.
chmod 0755 "$WORK"
STATE_ROOT=$WORK/state
mkdir -p "$STATE_ROOT"
TAP_N=0
TAP_FAILED=0
CREATED_IDS=()

# ok DESC / not_ok DESC WHY: one TAP line each.
ok () { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }
not_ok () {
  TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1))
  echo "not ok $TAP_N - $1"
  [ $# -lt 2 ] || printf '%s\n' "$2" | head -5 | sed 's/^/# /'
}
# expect DESC ACTUAL WANTED: equality assertion.
expect () {
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', want '$3'"; fi
}
# check DESC COMMAND...: the command succeeds.
check () {
  local d=$1; shift
  if "$@" >/dev/null 2>&1; then ok "$d"; else not_ok "$d" "failed: $*"; fi
}
# refuse DESC COMMAND...: the command fails.
refuse () {
  local d=$1; shift
  if "$@" >/dev/null 2>&1; then not_ok "$d" "succeeded, wanted an error: $*"; else ok "$d"; fi
}

# rt ARGS...: the runtime under test, with a private state root, bounded.
rt () { timeout 20 "$RUNTIME" --root "$STATE_ROOT" "$@"; }

# rootfs_template: a busybox-static root with /etc/passwd and /etc/group;
# tests/integration/test_conformance.sh builds it once and sets
# CONFORMANCE_ROOTFS, a program run by hand builds its own.
rootfs_template () {
  if [ -n "${CONFORMANCE_ROOTFS:-}" ] && [ -x "$CONFORMANCE_ROOTFS/bin/busybox" ]; then
    echo "$CONFORMANCE_ROOTFS"; return
  fi
  if [ ! -x "$WORK/rootfs-template/bin/busybox" ]; then
    bash "$CONF_DIR/make-rootfs.sh" "$WORK/rootfs-template" >&2 || return 1
  fi
  echo "$WORK/rootfs-template"
}

# new_bundle NAME: $WORK/NAME with a copy of the rootfs and the default
# config (config.py) whose process is `sh -c "$SCRIPT"` when SCRIPT is set.
new_bundle () {
  local b=$WORK/$1 tpl
  tpl=$(rootfs_template) || return 1
  mkdir -p "$b"
  cp -a "$tpl" "$b/rootfs"
  python3 "$CONF_DIR/config.py" >"$b/config.json"
  echo "$b"
}

# cfg BUNDLE PYTHON: edit BUNDLE/config.json with `c` bound to the config.
cfg () {
  python3 - "$1/config.json" "$2" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
exec(sys.argv[2])
json.dump(c, open(p, "w"), indent=2)
PY
}
# set_script BUNDLE SCRIPT: process.args = sh -c SCRIPT.
set_script () {
  SCRIPT=$2 cfg "$1" 'import os; c["process"]["args"] = ["sh", "-c", os.environ["SCRIPT"]]'
}

# state_field ID FIELD: one field of `state ID` ("" when state fails).
state_field () {
  rt state "$1" 2>/dev/null | python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v.get(k, "") if isinstance(v, dict) else ""
print(v)' "$2" 2>/dev/null
}

# wait_status ID STATUS: poll `state` for up to 10 s.
wait_status () {
  local i
  for i in $(seq 100); do
    [ "$(state_field "$1" status)" = "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

# create BUNDLE ID [ARGS...]: create with the workload's stdout/stderr in
# BUNDLE/out and BUNDLE/err (files, so create returns at once), the
# runtime's own stderr in BUNDLE/create.err. Returns create's status.
create () {
  local b=$1 id=$2; shift 2
  CREATED_IDS+=("$id")
  # The container inherits fds 1 and 2; the runtime's messages also go to
  # fd 2, so both land in BUNDLE/err.
  rt create --bundle "$b" "$@" "$id" </dev/null >"$b/out" 2>"$b/err"
}

# run_inside BUNDLE ID SCRIPT: create, start, wait until stopped, delete;
# the workload's stdout is left in BUNDLE/out. Fails (with a reason on
# stdout) if any lifecycle step fails.
run_inside () {
  local b=$1 id=$2
  set_script "$b" "$3"
  if ! create "$b" "$id"; then echo "create failed: $(tail -3 "$b/err")"; return 1; fi
  if ! rt start "$id" >/dev/null 2>>"$b/err"; then echo "start failed: $(tail -3 "$b/err")"; return 1; fi
  if ! wait_status "$id" stopped; then echo "container did not stop"; rt delete -f "$id" >/dev/null 2>&1; return 1; fi
  rt delete "$id" >/dev/null 2>&1
  return 0
}

# inside DESC BUNDLE ID SCRIPT: run_inside, reporting one failed assertion
# when the container could not run; the caller reads BUNDLE/out after.
inside () {
  local why
  if why=$(run_inside "$2" "$3" "$4"); then return 0; fi
  not_ok "$1" "$why"
  return 1
}

# val BUNDLE KEY: value of the last "KEY=value" line the workload printed.
val () {
  local line v=""
  while IFS= read -r line; do
    case $line in "$2="*) v=${line#"$2="} ;; esac
  done <"$1/out"
  printf '%s\n' "$v"
}

# done_testing: the plan, the cleanup, exit status 1 on any failure.
done_testing () {
  local id
  for id in "${CREATED_IDS[@]}"; do rt delete -f "$id" >/dev/null 2>&1; done
  echo "1..$TAP_N"
  rm -rf "$WORK"
  [ "$TAP_FAILED" -eq 0 ]
}
