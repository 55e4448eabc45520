#!/usr/bin/env bash
# hooks_stdin (config.md "POSIX-platform Hooks": each hook gets the
# container's state on stdin).
. "$(dirname "$0")/../lib.sh"; . "$(dirname "$0")/../hooks.sh"

b=$(new_bundle b)
set_script "$b" 'sleep 30'
hook_cfg "$b" prestart "cat >$WORK/prestart.json"
hook_cfg "$b" poststart "cat >$WORK/poststart.json"
hook_cfg "$b" poststop "cat >$WORK/poststop.json"
create "$b" hs1 || not_ok "create" "$(cat "$b/err")"
pid=$(state_field hs1 pid)
rt start hs1 >/dev/null 2>&1
rt delete -f hs1 >/dev/null 2>&1
field () { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$1" "$2" 2>/dev/null; }
for k in prestart poststart poststop; do
  f=$WORK/$k.json
  expect "$k: state id" "$(field "$f" id)" hs1
  expect "$k: state bundle" "$(field "$f" bundle)" "$b"
done
expect "prestart: state pid" "$(field "$WORK/prestart.json" pid)" "$pid"
expect "poststart: state pid" "$(field "$WORK/poststart.json" pid)" "$pid"
expect "poststart: status running" "$(field "$WORK/poststart.json" status)" running
done_testing
