#!/usr/bin/env bash
# A foreground `exec -t`, `exec --process` with "terminal": true and `run` of
# a terminal config without --console-socket: bulwark relays the pty itself
# (as runc and crun do). The process has a pty of the container's devpts;
# stdin reaches it, its output and exit code come back; a terminal on
# bulwark's stdin is raw during the relay and restored after, and its size
# (also after a SIGWINCH) is the pty's. Detached, no relay is possible:
# refused in one line. Nothing is left behind (state, relay sockets,
# processes in the container).
. "$(dirname "$0")/lib.sh"

B="$BW_TMP/bundle"
# The relay's private socket directory goes under $TMPDIR: checked empty.
export TMPDIR="$BW_TMP/tmpdir"
mkdir -p "$TMPDIR"
make_bundle "$B" sh -c 'echo ready > /tmp/ready; exec sleep 600' \
  || { fail "make bundle" "bulwark spec failed"; finish; exit 1; }
if ! command -v script >/dev/null; then fail "tty relay" "script (bsdutils) missing"; finish; exit 1; fi

# A pty echoes input and turns \n into \r\n: compare without \r.
unpty () { tr -d '\r'; }

bw run -d --bundle "$B" r1 >/dev/null 2>&1 || { fail "run -d r1" "failed"; finish; exit 1; }
for i in $(seq 50); do [ -e "$B/rootfs/tmp/ready" ] && break; sleep 0.1; done
INIT=$(pid_of r1)

# exec -t with piped stdin (not a terminal).
out=$(printf 'hello\n' | bw exec -t r1 sh -c 'tty; test -t 0 -a -t 1 && echo both-tty; read line; echo "got=$line"; exit 42' 2>"$BW_TMP/e1.err"); rc=$?
out=$(printf '%s\n' "$out" | unpty)
[ $rc -eq 42 ] && ok "exec -t: exit code 42 propagates" || fail "exec -t: exit code 42 propagates" "rc=$rc err=$(cat "$BW_TMP/e1.err")"
printf '%s\n' "$out" | grep -Eqx '/dev/pts/[0-9]+' && ok "exec -t: tty is the container's /dev/pts/N" || fail "exec -t: tty is the container's /dev/pts/N" "out=$out"
printf '%s\n' "$out" | grep -qx both-tty && ok "exec -t: stdin and stdout are a tty" || fail "exec -t: stdin and stdout are a tty" "out=$out"
printf '%s\n' "$out" | grep -qx got=hello && ok "exec -t: piped stdin reaches the process" || fail "exec -t: piped stdin reaches the process" "out=$out"

# EOF on stdin sends nothing more: the process goes on and its output arrives.
out=$(bw exec -t r1 sh -c 'sleep 0.3; echo still-here' </dev/null 2>&1 | unpty)
[ "$out" = still-here ] && ok "exec -t: stdin EOF does not end the process" || fail "exec -t: stdin EOF does not end the process" "out=$out"

# All the output is there when the process exits (drained from the pty).
out=$(bw exec -t r1 seq 1 20000 </dev/null 2>&1 | unpty)
n=$(printf '%s\n' "$out" | grep -c '')
last=$(printf '%s\n' "$out" | tail -n 1)
[ "$n" -eq 20000 ] && [ "$last" = 20000 ] && ok "exec -t: all output drained" || fail "exec -t: all output drained" "lines=$n last=$last"

# Killed by a signal: 128+N.
bw exec -t r1 sh -c 'kill -KILL $$' </dev/null >/dev/null 2>&1; rc=$?
[ $rc -eq 137 ] && ok "exec -t: killed by SIGKILL gives 137" || fail "exec -t: killed by SIGKILL gives 137" "rc=$rc"

# Signals are still forwarded.
"$BULWARK" --root "$ROOT" --policy "$POLICY" exec -t r1 sh -c 'trap "echo got-term; exit 7" TERM; echo started; while :; do sleep 0.1; done' </dev/null >"$BW_TMP/sig.out" 2>&1 &
epid=$!
for i in $(seq 50); do grep -q started "$BW_TMP/sig.out" 2>/dev/null && break; sleep 0.1; done
kill -TERM $epid
wait $epid; rc=$?
if [ $rc -eq 7 ] && grep -q got-term "$BW_TMP/sig.out"; then ok "exec -t: forwards SIGTERM"; else fail "exec -t: forwards SIGTERM" "rc=$rc out=$(cat "$BW_TMP/sig.out")"; fi

# exec --process with "terminal": true (what CRI-O runs for kubectl exec -it).
cat >"$BW_TMP/proc.json" <<'JSON'
{ "terminal": true, "args": ["sh", "-c", "tty; test -t 0 -a -t 1 && echo both-tty; read line; echo \"got=$line\"; exit 3"],
  "env": ["PATH=/bin"], "cwd": "/", "user": { "uid": 0, "gid": 0 } }
JSON
out=$(printf 'hi\n' | bw exec --process "$BW_TMP/proc.json" r1 2>&1); rc=$?
out=$(printf '%s\n' "$out" | unpty)
if [ $rc -eq 3 ] && printf '%s\n' "$out" | grep -Eqx '/dev/pts/[0-9]+' && printf '%s\n' "$out" | grep -qx both-tty \
   && printf '%s\n' "$out" | grep -qx got=hi; then ok "exec --process with terminal: relayed"
else fail "exec --process with terminal: relayed" "rc=$rc out=$out"; fi

# A real terminal on stdin (script gives bulwark a pty): raw during the
# relay, restored after; its size is the pty's, also after a resize.
# (timeout --foreground: bulwark stays in the terminal's foreground group,
# which the kernel sends SIGWINCH to.)
cat >"$BW_TMP/inner.sh" <<EOF
stty rows 33 cols 111
stty -g >"$BW_TMP/before"
( sleep 0.7; stty -a </dev/tty >"$BW_TMP/during"; stty rows 40 cols 100 </dev/tty ) &
timeout --foreground 30 "$BULWARK" --root "$ROOT" --policy "$POLICY" exec -t r1 sh -c 'stty size; sleep 1.5; stty size; exit 5'
echo "rc=\$?" >"$BW_TMP/script.rc"
stty -g >"$BW_TMP/after"
wait
EOF
# script turns EOF on its stdin into the terminal's EOF character, which may
# reach the process (echoed as ^D or ^@): only the sizes are compared.
out=$(timeout 60 script -qec "bash $BW_TMP/inner.sh" /dev/null </dev/null 2>&1 | unpty | grep -Eo '[0-9]+ [0-9]+' | tr '\n' ' ')
[ "$(cat "$BW_TMP/script.rc" 2>/dev/null)" = rc=5 ] && ok "exec -t on a terminal: exit code" || fail "exec -t on a terminal: exit code" "$(cat "$BW_TMP/script.rc" 2>/dev/null) out=$out"
if grep -q -- '-icanon' "$BW_TMP/during" 2>/dev/null && grep -q -- '-echo ' "$BW_TMP/during"; then ok "exec -t on a terminal: raw mode during the relay"
else fail "exec -t on a terminal: raw mode during the relay" "$(head -c 300 "$BW_TMP/during" 2>/dev/null)"; fi
if [ -s "$BW_TMP/before" ] && cmp -s "$BW_TMP/before" "$BW_TMP/after"; then ok "exec -t on a terminal: settings restored after"
else fail "exec -t on a terminal: settings restored after" "before=$(cat "$BW_TMP/before" 2>/dev/null) after=$(cat "$BW_TMP/after" 2>/dev/null)"; fi
case "$out" in
  "33 111 40 100 "*) ok "exec -t on a terminal: window size copied and follows SIGWINCH" ;;
  *) fail "exec -t on a terminal: window size copied and follows SIGWINCH" "out=$out" ;;
esac

# Nothing left in the container by the relayed execs.
n=$(procs_in_container "$INIT")
[ "$n" -eq 1 ] && ok "exec -t: no process left in the container" || fail "exec -t: no process left in the container" "$n processes"

# A process that cannot start: one line, and its relay socket is removed
# (checked at the end).
expect_fail "exec -t: missing binary fails with one line" 'executable file not found' exec -t r1 no-such-binary

# Detached: nobody to relay, refused in one line as runc does.
expect_fail "exec -d -t without --console-socket is refused" 'console-socket.*detached' exec -d -t r1 true
bw delete -f r1 >/dev/null 2>&1

# run in the foreground relays the init's terminal.
T="$BW_TMP/tbundle"
make_bundle "$T" sh -c 'tty; test -t 0 -a -t 1 && echo both-tty; [ /dev/console -ef "$(tty)" ] && echo console-is-the-pty; read line; echo "got=$line"; exit 4' >/dev/null
edit_config "$T/config.json" 'c["process"]["terminal"] = True'
out=$(printf 'yo\n' | bw run --bundle "$T" r2 2>&1); rc=$?
out=$(printf '%s\n' "$out" | unpty)
if [ $rc -eq 4 ] && printf '%s\n' "$out" | grep -qx /dev/pts/0 && printf '%s\n' "$out" | grep -qx both-tty \
   && printf '%s\n' "$out" | grep -qx console-is-the-pty && printf '%s\n' "$out" | grep -qx got=yo; then ok "run with terminal: relayed in the foreground"
else fail "run with terminal: relayed in the foreground" "rc=$rc out=$out"; fi
root_is_empty && ok "run with terminal: container deleted" || fail "run with terminal: container deleted" "$(ls -A "$ROOT")"

expect_fail "run -d with terminal and no --console-socket is refused" 'process\.terminal is true but no --console-socket.*detached' run -d --bundle "$T" r3
expect_fail "create with terminal and no --console-socket is refused" 'process\.terminal is true but no --console-socket.*detached' create --bundle "$T" r4
root_is_empty && ok "refusals: nothing left in the state root" || fail "refusals: nothing left in the state root" "$(ls -A "$ROOT")"
[ -z "$(ls -A "$TMPDIR")" ] && ok "no relay socket left behind" || fail "no relay socket left behind" "$(ls -A "$TMPDIR")"

finish
