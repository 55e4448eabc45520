#!/usr/bin/env bash
# killsig: kill delivers the named signal, given as NAME, SIGNAME or number,
# and SIGTERM when none is given (runc's CLI, which runtime.md leaves to
# the implementation).
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
set_script "$b" 'trap "echo usr1 >>/sigs" USR1; trap "echo hup >>/sigs" HUP; trap "echo term >>/sigs; exit 0" TERM; touch /ready; while :; do sleep 0.1; done'
create "$b" ks1 || not_ok "create" "$(cat "$b/err")"
rt start ks1 >/dev/null 2>&1
for _ in $(seq 50); do [ -e "$b/rootfs/ready" ] && break; sleep 0.1; done
# count_sig WORD N: wait up to 3 s for N lines WORD in /sigs.
count_sig () {
  local i
  for i in $(seq 30); do [ "$(grep -c "^$1\$" "$b/rootfs/sigs" 2>/dev/null)" = "$2" ] && return 0; sleep 0.1; done
  return 1
}
rt kill ks1 USR1 >/dev/null 2>&1;    check "signal by name USR1" count_sig usr1 1
rt kill ks1 SIGUSR1 >/dev/null 2>&1; check "signal by name SIGUSR1" count_sig usr1 2
rt kill ks1 10 >/dev/null 2>&1;      check "signal by number 10" count_sig usr1 3
rt kill ks1 SIGHUP >/dev/null 2>&1;  check "signal by name SIGHUP" count_sig hup 1
refuse "an unknown signal name fails" rt kill ks1 NOSUCHSIG
rt kill ks1 >/dev/null 2>&1;         check "no signal given sends SIGTERM" count_sig term 1
check "container stops" wait_status ks1 stopped
done_testing
