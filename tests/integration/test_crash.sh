#!/usr/bin/env bash
# A runtime SIGKILLed at any point of create (or a foreground run killed)
# leaves a state that `delete --force` cleans completely: no state
# directory, no process of the container, no mount under the bundle.
. "$(dirname "$0")/lib.sh"

chmod 755 "$BW_TMP"
B="$BW_TMP/bundle"
# Every process of a container carries its id in its command line: the init
# before exec is a clone of `bulwark ... create ... ID`, the workload is a
# shell whose $0 is the id.
make_bundle "$B" || { fail "make bundle" "bulwark spec failed"; finish; exit 1; }
cp "$B/config.json" "$BW_TMP/config.base.json"
MARK="$BW_TMP/marks"
mkdir -p "$MARK"

# use_config ID [PYTHON-EDIT]: the base config running a shell named ID.
use_config () {
  cp "$BW_TMP/config.base.json" "$B/config.json"
  set_args "$B/config.json" sh -c 'while :; do sleep 1; done' "$1"
  [ -z "${2:-}" ] || edit_config "$B/config.json" "$2"
}

# A hook that says it runs, then sleeps (killed with the runtime or not, it
# exits by itself and carries no container id).
cat > "$BW_TMP/slow-hook.sh" <<EOF
#!/bin/sh
touch "$MARK/\$1"
exec sleep 20
EOF
chmod 755 "$BW_TMP/slow-hook.sh"
hook_edit () { # KIND MARKNAME
  printf 'c.setdefault("hooks", {})["%s"] = [{"path": "%s", "args": ["slow-hook", "%s"]}]' \
    "$1" "$BW_TMP/slow-hook.sh" "$2"
}

# Processes whose command line holds the id (none of ours do: the test
# greps /proc directly).
container_pids () {
  local id=$1 p
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = "$$" ] && continue
    if tr '\0' ' ' 2>/dev/null < "$p/cmdline" | grep -qw -- "$id"; then
      [ "$(sed 's/.*) //' "$p/stat" 2>/dev/null | cut -d' ' -f1)" = Z ] || echo "${p#/proc/}"
    fi
  done
}

# clean NAME ID: delete --force succeeds and nothing of the container is left.
clean () {
  local name=$1 id=$2 out left i
  out=$(bw delete --force "$id" 2>&1) || { fail "$name: delete --force" "$out"; return; }
  # A process SIGKILLed by delete may take a moment to vanish.
  for i in $(seq 50); do left=$(container_pids "$id"); [ -z "$left" ] && break; sleep 0.1; done
  if [ -e "$ROOT/$id" ]; then fail "$name: state dir removed" "$(ls -A "$ROOT/$id")"; return; fi
  if [ -n "$left" ]; then
    fail "$name: no process left" "$(for p in $left; do tr '\0' ' ' < /proc/$p/cmdline; echo; done)"
    kill -9 $left 2>/dev/null; return
  fi
  if grep -qF " $B" /proc/self/mountinfo; then
    fail "$name: no mount left" "$(grep -F " $B" /proc/self/mountinfo)"; return
  fi
  if bw state "$id" >/dev/null 2>&1; then fail "$name: state gone" "state still answers"; return; fi
  # Its cgroups (named after the id) are gone too.
  left=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "$id" 2>/dev/null)
  if [ -n "$left" ]; then fail "$name: no cgroup left" "$left"; return; fi
  ok "$name"
}

# create_then_kill NAME ID MARKNAME: start create in the background, kill -9
# it once the hook left its mark.
create_then_kill () {
  local name=$1 id=$2 mark=$3 pid i
  rm -f "$MARK/$mark"
  "$BULWARK" --root "$ROOT" create --bundle "$B" "$id" >"$BW_TMP/out.$id" 2>&1 </dev/null &
  pid=$!
  for i in $(seq 100); do [ -e "$MARK/$mark" ] && break; sleep 0.1; done
  if [ ! -e "$MARK/$mark" ]; then
    fail "$name: the hook ran" "$(cat "$BW_TMP/out.$id")"; kill -9 $pid; wait $pid 2>/dev/null
    return 1
  fi
  [ -d "$ROOT/$id" ] || fail "$name: state dir claimed before the hook" "no $ROOT/$id"
  kill -9 $pid
  wait $pid 2>/dev/null
  return 0
}

# (a) while a createRuntime hook sleeps: the init waits before pivot_root.
use_config crash-a "$(hook_edit createRuntime a)"
create_then_kill "kill -9 during createRuntime" crash-a a && clean "kill -9 during createRuntime: cleaned" crash-a

# (b) right after the state dir was claimed, in prestart (first hook).
use_config crash-b "$(hook_edit prestart b)"
create_then_kill "kill -9 during prestart" crash-b b && clean "kill -9 during prestart: cleaned" crash-b

# (c) at random moments: 20 creates killed after 1..60 ms (a create takes
# 10 to 30 ms here: some are killed at one step or another, some finish),
# and one killed as soon as its state dir is claimed, so that at least one
# kill lands before create finishes (else the check proves nothing).
use_config crash-c
failures=0 killed=0
for n in $(seq 0 "${CRASH_LOOPS:-20}"); do
  id="crash-c$n"
  set_args "$B/config.json" sh -c 'while :; do sleep 1; done' "$id"
  if [ "$n" -eq 0 ]; then
    "$BULWARK" --root "$ROOT" create --bundle "$B" "$id" >/dev/null 2>&1 </dev/null &
    pid=$!
    for _ in $(seq 20000); do [ -d "$ROOT/$id" ] && break; kill -0 "$pid" 2>/dev/null || break; done
    kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  else
    # --foreground: the runtime alone is killed, not its process group (the
    # setup process and the init must go away by themselves).
    timeout --foreground -s KILL "0.0$(printf '%02d' $((RANDOM % 60 + 1)))" "$BULWARK" \
      --root "$ROOT" create --bundle "$B" "$id" >/dev/null 2>&1 </dev/null
  fi
  [ $? -eq 137 ] && killed=$((killed + 1))
  before=$FAILED
  clean "random kill $n" "$id" >"$BW_TMP/clean.out"
  [ "$FAILED" -eq "$before" ] || { failures=$((failures + 1)); cat "$BW_TMP/clean.out"; }
done
if [ "$killed" -eq 0 ]; then
  fail "creates killed at random moments" "no create was killed before it finished"
elif [ "$failures" -eq 0 ]; then
  ok "$((${CRASH_LOOPS:-20} + 1)) creates killed at random moments ($killed before they finished): each cleaned by delete --force"
fi

# (d) a foreground run killed once the workload runs.
use_config crash-d
set_args "$B/config.json" sh -c 'touch /tmp/running; while :; do sleep 1; done' crash-d
"$BULWARK" --root "$ROOT" run --bundle "$B" crash-d >"$BW_TMP/out.d" 2>&1 </dev/null &
pid=$!
for i in $(seq 100); do [ -e "$B/rootfs/tmp/running" ] && break; [ -n "$(bw state crash-d 2>/dev/null | grep '"running"')" ] && break; sleep 0.1; done
if bw state crash-d 2>/dev/null | grep -q '"running"'; then
  kill -9 $pid; wait $pid 2>/dev/null
  [ -n "$(container_pids crash-d)" ] && ok "run killed: the container outlives it" ||
    fail "run killed: the container outlives it" "no process"
  clean "kill -9 of a foreground run: cleaned" crash-d
else
  fail "run: container running" "$(cat "$BW_TMP/out.d")"; kill -9 $pid; wait $pid 2>/dev/null
  bw delete --force crash-d >/dev/null 2>&1
fi

finish
