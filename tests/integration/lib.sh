# lib.sh: shared helpers for integration tests. Source it; each test file
# prints "ok - NAME" / "not ok - NAME: why" lines that tests/check counts.
# Tests drive the installed binary exactly as clients do.

BULWARK=${BULWARK:-/usr/local/bin/bulwark}
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${BW_TMP:=$(mktemp -d /tmp/bulwark-test.XXXXXX)}"
ROOT="$BW_TMP/state"
mkdir -p "$ROOT"
FAILED=0

ok () { echo "ok - $1"; }
fail () { echo "not ok - $1: $2"; FAILED=$((FAILED + 1)); }

# check NAME CONDITION-COMMAND... : ok when the command succeeds.
check () {
  local name=$1; shift
  if "$@" >/dev/null 2>&1; then ok "$name"; else fail "$name" "command failed: $*"; fi
}

# The suites test a plain OCI runtime: the hardening policy runs in audit
# mode (decide and report, change nothing) unless a test sets POLICY. The
# environment variable covers tests that run "$BULWARK" themselves.
: "${POLICY:=$TESTS_DIR/policy/audit.json}"
export BULWARK_POLICY=${BULWARK_POLICY:-$TESTS_DIR/policy/audit.json}

# bw ARGS...: run bulwark with this test's private state root and policy,
# bounded in time.
bw () { timeout 30 "$BULWARK" --root "$ROOT" --policy "$POLICY" "$@"; }

# expect_fail NAME PATTERN ARGS...: bulwark must exit non-zero and print
# exactly one stderr line matching PATTERN (an extended regex).
expect_fail () {
  local name=$1 pattern=$2; shift 2
  local out rc lines
  out=$(bw "$@" 2>&1 >/dev/null); rc=$?
  lines=$(printf '%s' "$out" | grep -c '')
  if [ $rc -eq 0 ]; then fail "$name" "exit 0, wanted failure"; return; fi
  if [ "$lines" -ne 1 ]; then fail "$name" "wanted one stderr line, got $lines: $out"; return; fi
  if ! printf '%s' "$out" | grep -Eq -- "$pattern"; then fail "$name" "stderr '$out' does not match '$pattern'"; return; fi
  ok "$name"
}

# root_is_empty: nothing left under the state root.
# The runtime's own shared files (lock, seccomp cache, ID pool) are not containers.
root_is_empty () { [ -z "$(ls -A "$ROOT" 2>/dev/null | grep -v -e '^\.lock$' -e '^\.seccomp-cache$' -e '^\.idpool$')" ]; }

# make_bundle DIR: a busybox-static rootfs and a default config.json (from
# `bulwark spec`), args replaced by the remaining arguments when given.
make_bundle () {
  local dir=$1; shift
  mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/sys" "$dir/rootfs/dev" \
           "$dir/rootfs/tmp" "$dir/rootfs/etc" "$dir/rootfs/run" "$dir/rootfs/var/tmp"
  cp /bin/busybox "$dir/rootfs/bin/busybox"
  local a
  for a in $(/bin/busybox --list); do
    [ "$a" = busybox ] || ln -sf busybox "$dir/rootfs/bin/$a"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$dir/rootfs/etc/passwd"
  echo 'root:x:0:' > "$dir/rootfs/etc/group"
  (cd "$dir" && "$BULWARK" spec) || return 1
  if [ $# -gt 0 ]; then set_args "$dir/config.json" "$@"; fi
}

# set_args CONFIG ARGS...: replace process.args (python3 edits the JSON).
set_args () {
  local cfg=$1; shift
  python3 - "$cfg" "$@" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["args"] = sys.argv[2:]
json.dump(c, open(p, "w"), indent=2)
PY
}

# edit_config CONFIG PYTHON-CODE [ARGS...]: run python code with `c` bound to
# the config (ARGS in sys.argv[3:]).
edit_config () {
  python3 - "$@" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
exec(sys.argv[2])
json.dump(c, open(p, "w"), indent=2)
PY
}

# gone PID: the process no longer exists or is a zombie (its parent, maybe
# the machine's init, has not reaped it yet).
gone () {
  [ ! -e "/proc/$1/stat" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" = Z ]
}

# A config edit (for edit_config / inrun) that drops the user namespace:
# container root is host root.
NO_USERNS='c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "user"]; c["linux"].pop("uidMappings", None); c["linux"].pop("gidMappings", None)'

# inrun EDIT ARGS...: copy $BW_TMP/config.base.json to $B/config.json, apply
# EDIT (python, may be ""), set process.args, run in the foreground with
# RUN_FLAGS; sets $OUT (stdout+stderr) and $RC.
RUN_FLAGS=()
INRUN_N=0
inrun () {
  local edit=$1; shift
  cp "$BW_TMP/config.base.json" "$B/config.json"
  [ -n "$edit" ] && edit_config "$B/config.json" "$edit"
  set_args "$B/config.json" "$@"
  INRUN_N=$((INRUN_N + 1))
  OUT=$(bw run "${RUN_FLAGS[@]}" --bundle "$B" "inrun$INRUN_N" 2>&1); RC=$?
}

# expect NAME REGEX: the last inrun succeeded and its output matches.
expect () {
  if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -Eq -- "$2"; then ok "$1"; else fail "$1" "rc=$RC out=$OUT"; fi
}

# expect_error NAME REGEX: the last inrun failed with one line matching.
expect_error () {
  local lines; lines=$(printf '%s' "$OUT" | grep -c '')
  if [ "$RC" -ne 0 ] && [ "$lines" -eq 1 ] && printf '%s' "$OUT" | grep -Eq -- "$2"; then ok "$1"; else fail "$1" "rc=$RC out=$OUT"; fi
}

cleanup_all () {
  local id
  for id in $(timeout 10 "$BULWARK" --root "$ROOT" list -q 2>/dev/null); do
    timeout 10 "$BULWARK" --root "$ROOT" delete -f "$id" >/dev/null 2>&1
  done
  rm -rf "$BW_TMP"
}

finish () {
  cleanup_all
  [ "$FAILED" -eq 0 ]
}

# pid_of ID: the init pid of container ID (empty when it has none).
pid_of () { bw state "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])' 2>/dev/null; }

# Processes in the pid namespace of the container's init (itself included).
procs_in_container () {
  local ns p n=0
  ns=$(readlink "/proc/$1/ns/pid") || { echo 0; return; }
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] || continue
    gone "${p#/proc/}" || n=$((n + 1))
  done
  echo $n
}
