#!/bin/bash
# events: `events --stats` prints one runc-compatible stats object with real
# numbers; `events` streams stats every --interval and an "oom" object when
# the memory limit OOM-kills a process (tests/probe/alloc_probe), and ends
# with exit 0 when the container stops. Runs on v1/hybrid and on v2.
. "$(dirname "$0")/lib.sh"

if [ ! -x "${PROBE_DIR:-}/alloc_probe" ]; then
  fail "alloc_probe" "\$PROBE_DIR/alloc_probe missing (build tests/probe/alloc_probe.c)"; finish; exit 1
fi
B=$BW_TMP/bundle
make_bundle "$B" sh -c 'while :; do :; done' >/dev/null || { fail "bundle" "make_bundle failed"; finish; exit 1; }
cp "$PROBE_DIR/alloc_probe" "$B/rootfs/bin/alloc_probe"

# jget FILE PATH...: a value of the JSON object in FILE, "" when absent.
jget () {
  python3 - "$@" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else v)
PY
}

# ---- events --stats on a busy container
if (cd "$B" && bw run -d ev1 </dev/null >/dev/null 2>"$BW_TMP/err"); then
  sleep 0.5
  bw events --stats ev1 >"$BW_TMP/s1" 2>&1
  rc=$?
  if [ $rc -eq 0 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$BW_TMP/s1" 2>/dev/null \
     && [ "$(wc -l <"$BW_TMP/s1")" -eq 1 ]; then
    ok "events --stats: one JSON object"
  else
    fail "events --stats: one JSON object" "rc=$rc: $(head -c 300 "$BW_TMP/s1")"
  fi
  [ "$(jget "$BW_TMP/s1" type)" = stats ] && [ "$(jget "$BW_TMP/s1" id)" = ev1 ] \
    && ok "stats: type and id" || fail "stats: type and id" "$(head -c 200 "$BW_TMP/s1")"
  mem=$(jget "$BW_TMP/s1" data memory usage usage)
  [ -n "$mem" ] && [ "$mem" -gt 0 ] && ok "stats: memory usage > 0 ($mem)" || fail "stats: memory usage > 0" "got '$mem'"
  pids=$(jget "$BW_TMP/s1" data pids current)
  [ -n "$pids" ] && [ "$pids" -ge 1 ] && ok "stats: pids current >= 1 ($pids)" || fail "stats: pids current >= 1" "got '$pids'"
  cpu1=$(jget "$BW_TMP/s1" data cpu usage total)
  sleep 1
  bw events --stats ev1 >"$BW_TMP/s2" 2>&1
  cpu2=$(jget "$BW_TMP/s2" data cpu usage total)
  [ -n "$cpu1" ] && [ -n "$cpu2" ] && [ "$cpu2" -gt "$cpu1" ] \
    && ok "stats: cpu usage grows with a busy loop ($cpu1 -> $cpu2)" \
    || fail "stats: cpu usage grows with a busy loop" "'$cpu1' -> '$cpu2'"
  missing=
  for k in memory cpu pids blkio hugetlb; do
    [ -n "$(jget "$BW_TMP/s2" data $k)" ] || missing="$missing $k"
  done
  [ -z "$missing" ] && ok "stats: data has cpu, memory, pids, blkio, hugetlb" \
    || fail "stats: data has cpu, memory, pids, blkio, hugetlb" "missing:$missing"
  bw delete -f ev1 >/dev/null 2>&1
else
  fail "run busy container" "$(cat "$BW_TMP/err")"
fi
expect_fail "events --stats of a missing container" 'ev-missing' events --stats ev-missing
expect_fail "events --interval junk" 'interval' events --interval 5x ev1

# ---- streaming: an OOM kill is reported, stats flow, the end ends it
set_args "$B/config.json" sh -c 'sleep 1; alloc_probe 256; echo "probe exit $?"; sleep 600'
edit_config "$B/config.json" 'c["linux"]["resources"] = {"memory": {"limit": 33554432}}'
if (cd "$B" && bw create ev2 </dev/null >/dev/null 2>"$BW_TMP/err"); then
  timeout 60 "$BULWARK" --root "$ROOT" events --interval 500ms ev2 >"$BW_TMP/ev" 2>"$BW_TMP/ev.err" &
  EV=$!
  sleep 0.3
  bw start ev2 >/dev/null 2>&1
  for _ in $(seq 100); do grep -q '"type":"oom"' "$BW_TMP/ev" && break; sleep 0.1; done
  if grep -qx '{"type":"oom","id":"ev2"}' "$BW_TMP/ev"; then ok "events: OOM kill reported"
  else fail "events: OOM kill reported" "$(tail -c 300 "$BW_TMP/ev") $(cat "$BW_TMP/ev.err")"; fi
  sleep 1
  grep -q '"type":"stats","id":"ev2"' "$BW_TMP/ev" && ok "events: stats every interval" \
    || fail "events: stats every interval" "$(head -c 200 "$BW_TMP/ev")"
  kill -0 $EV 2>/dev/null && ok "events: still running while the container runs" \
    || fail "events: still running while the container runs" "exited early: $(cat "$BW_TMP/ev.err")"
  bw kill ev2 KILL >/dev/null 2>&1
  for _ in $(seq 50); do kill -0 $EV 2>/dev/null || break; sleep 0.1; done
  if kill -0 $EV 2>/dev/null; then
    fail "events: ends when the container stops" "still running 5 s after kill"; kill $EV
  else
    wait $EV; rc=$?
    [ $rc -eq 0 ] && ok "events: ends with exit 0 when the container stops" \
      || fail "events: ends with exit 0 when the container stops" "rc=$rc $(cat "$BW_TMP/ev.err")"
  fi
  bad=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert o["type"] in ("stats", "oom") and o["id"] == "ev2"
' "$BW_TMP/ev" 2>&1)
  [ -z "$bad" ] && ok "events: every line is a stats or oom object" || fail "events: every line is a stats or oom object" "$bad"
  bw delete -f ev2 >/dev/null 2>&1
else
  fail "create OOM container" "$(cat "$BW_TMP/err")"
fi

finish
