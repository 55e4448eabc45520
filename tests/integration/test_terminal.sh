#!/usr/bin/env bash
# process.terminal with --console-socket: the init gets a pty of the
# container's devpts as its controlling terminal and stdio, consoleSize is
# applied, /dev/console is the pty, the master reaches the socket's client
# (console_receiver.py) which relays input and output; refusals leave
# nothing behind.
. "$(dirname "$0")/lib.sh"

B="$BW_TMP/bundle"
RECEIVER="$(dirname "$0")/console_receiver.py"
make_bundle "$B" sh -c 'tty; test -t 0 && echo stdin-is-tty; test -t 1 && echo stdout-is-tty; stty size; test -c /dev/console && echo console-is-chr; [ /dev/console -ef "$(tty)" ] && echo console-is-the-pty; read line; echo "got=$line"' \
  || { fail "make bundle" "bulwark spec failed"; finish; exit 1; }
edit_config "$B/config.json" 'c["process"]["terminal"] = True; c["process"]["consoleSize"] = {"height": 33, "width": 77}'

# start_receiver NAME [INPUT]: a console socket client in the background.
start_receiver () {
  rm -f "$BW_TMP/$1.sock" "$BW_TMP/$1.ready"
  python3 "$RECEIVER" "$BW_TMP/$1.sock" "$BW_TMP/$1.out" --ready "$BW_TMP/$1.ready" --timeout 15 ${2:+--input "$2"} &
  RPID=$!
  local i
  for i in $(seq 50); do [ -e "$BW_TMP/$1.ready" ] && break; sleep 0.1; done
}
output_of () { tr -d '\r' <"$BW_TMP/$1.out" 2>/dev/null; }

# create + start.
start_receiver t1 $'hello\n'
bw create --bundle "$B" --console-socket "$BW_TMP/t1.sock" t1 >/dev/null 2>"$BW_TMP/t1.err"; rc=$?
[ $rc -eq 0 ] && ok "create with a console socket" || fail "create with a console socket" "rc=$rc $(cat "$BW_TMP/t1.err")"
bw start t1 >/dev/null 2>&1
wait $RPID; rrc=$?
[ $rrc -eq 0 ] && ok "console socket client got the master and saw the hangup" || fail "console socket client got the master and saw the hangup" "receiver rc=$rrc"
out=$(output_of t1)
expect_line () {
  if printf '%s\n' "$out" | grep -qx -- "$2"; then ok "$1"; else fail "$1" "no line '$2' in: $(printf '%s' "$out" | tr '\n' '|')"; fi
}
expect_line "terminal: tty is the container's /dev/pts/0" /dev/pts/0
expect_line "terminal: stdin is a tty" stdin-is-tty
expect_line "terminal: stdout is a tty" stdout-is-tty
expect_line "terminal: consoleSize applied (stty size)" "33 77"
expect_line "terminal: /dev/console exists" console-is-chr
expect_line "terminal: /dev/console is the pty" console-is-the-pty
expect_line "terminal: input written to the master reaches the workload" "got=hello"
bw delete t1 >/dev/null 2>&1

# run in the foreground with a console socket works like create + start.
set_args "$B/config.json" sh -c 'tty; exit 3'
start_receiver t2
bw run --bundle "$B" --console-socket "$BW_TMP/t2.sock" t2 >/dev/null 2>&1; rc=$?
wait $RPID
out=$(output_of t2)
if [ $rc -eq 3 ] && [ "$out" = /dev/pts/0 ]; then ok "run with a console socket"; else fail "run with a console socket" "rc=$rc out=$out"; fi

# The default config has a user namespace; the same without one (device
# nodes made with mknod, the runtime's own uid).
edit_config "$B/config.json" '
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "user"]
c["linux"].pop("uidMappings", None); c["linux"].pop("gidMappings", None)'
set_args "$B/config.json" sh -c 'tty; id -u; stty size'
start_receiver t3
bw run --bundle "$B" --console-socket "$BW_TMP/t3.sock" t3 >/dev/null 2>"$BW_TMP/t3.err"; rc=$?
wait $RPID
out=$(output_of t3 | tr '\n' ' ')
if [ $rc -eq 0 ] && [ "$out" = "/dev/pts/0 0 33 77 " ]; then ok "terminal without a user namespace"; else fail "terminal without a user namespace" "rc=$rc out=$out err=$(cat "$BW_TMP/t3.err")"; fi

# Refusals: one line, nothing left behind.
expect_fail "terminal without --console-socket fails" 'process\.terminal is true but no --console-socket' create --bundle "$B" t4
root_is_empty && ok "terminal without console socket: nothing left" || fail "terminal without console socket: nothing left" "$(ls -A "$ROOT")"
# A foreground run relays the terminal itself (test_tty_relay.sh); detached,
# nobody would: refused as runc does.
expect_fail "run -d with terminal and no --console-socket fails" 'process\.terminal is true but no --console-socket.*detached' run -d --bundle "$B" t5
root_is_empty && ok "run -d with terminal, no console socket: nothing left" || fail "run -d with terminal, no console socket: nothing left" "$(ls -A "$ROOT")"
expect_fail "console socket that nobody listens on fails" 'console-socket.*connect' create --bundle "$B" --console-socket "$BW_TMP/nobody.sock" t6
root_is_empty && ok "unreachable console socket: nothing left" || fail "unreachable console socket: nothing left" "$(ls -A "$ROOT")"
edit_config "$B/config.json" 'c["process"]["terminal"] = False'
expect_fail "console socket without process.terminal fails" 'console-socket.*terminal is false' create --bundle "$B" --console-socket "$BW_TMP/nobody.sock" t7
root_is_empty && ok "console socket without terminal: nothing left" || fail "console socket without terminal: nothing left" "$(ls -A "$ROOT")"

finish
