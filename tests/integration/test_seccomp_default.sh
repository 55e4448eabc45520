#!/bin/bash
# profiles/seccomp/default.json as a container's linux.seccomp: ordinary
# busybox work runs, while the syscalls the profile denies fail from inside
# with EPERM (known and denied) or ENOSYS (clone3, newer than the profile),
# and x32 entries kill the process. The workload probe is
# tests/probe/seccomp_probe (one syscall by name or number, prints
# "ok RET" / "err ERRNO").
. "$(dirname "$0")/lib.sh"

PROBE=${PROBE_DIR:-}/seccomp_probe
PROFILE="$TESTS_DIR/../profiles/seccomp/default.json"
if [ ! -x "$PROBE" ]; then
  fail "seccomp probe" "$PROBE not built (set PROBE_DIR)"
  finish; exit 1
fi
if [ "$(uname -m)" != x86_64 ]; then
  ok "# skip: the syscall numbers below are x86_64's"
  finish; exit 0
fi
B="$BW_TMP/bundle"
make_bundle "$B" /bin/true || { fail "make bundle" "bulwark spec failed"; finish; exit 1; }
cp "$PROBE" "$B/rootfs/bin/seccomp_probe"
edit_config "$B/config.json" "c['linux']['seccomp'] = json.load(open('$PROFILE'))"

N=0
# run ARGS...: OUT = the workload's stdout, RC its exit status.
run () {
  set_args "$B/config.json" "$@"
  N=$((N + 1))
  OUT=$(bw run --bundle "$B" "sd$N" 2>"$BW_TMP/stderr"); RC=$?
  bw delete -f "sd$N" >/dev/null 2>&1
}
# expect NAME WANT: OUT must be WANT and the run must exit 0.
expect () {
  if [ "$RC" -eq 0 ] && [ "$OUT" = "$2" ]; then ok "$1"
  else fail "$1" "rc $RC, output '$(echo $OUT)', want '$(echo $2)'; stderr: $(head -c 300 "$BW_TMP/stderr")"; fi
}

# ---- what a workload does every day ---------------------------------------
run sh -c 'echo hello; mkdir /tmp/d && echo data > /tmp/d/f && cat /tmp/d/f; ls /tmp/d; sleep 0.1; rm -r /tmp/d && echo done'
expect "busybox sh, echo, mkdir, cat, ls, sleep, rm" "hello
data
f
done"

run sh -c 'i=0; while [ $i -lt 3 ]; do (echo sub$i) & i=$((i + 1)); done; wait' 
[ "$RC" -eq 0 ] && [ "$(echo "$OUT" | sort | tr '\n' ' ')" = "sub0 sub1 sub2 " ] \
  && ok "subshells and background jobs (clone without namespace flags)" \
  || fail "subshells and background jobs (clone without namespace flags)" "rc $RC, '$OUT'"

run sh -c 'echo x | cat | wc -c; date +%Y >/dev/null && id -u && uname -s'
expect "pipes, date, id, uname" "2
0
Linux"

run seccomp_probe personality 0xffffffff
expect "personality query allowed" "ok 0"
run seccomp_probe personality 0x0008
expect "personality(PER_LINUX32) allowed" "ok 0"
run seccomp_probe unshare 0x200
expect "unshare(CLONE_FS) allowed" "ok 0"

# ---- denied: EPERM ---------------------------------------------------------
# deny NAME WANT PROBE-ARGS...
deny () {
  local name=$1 want=$2; shift 2
  run seccomp_probe "$@"
  expect "$name" "$want"
}
deny "io_uring_setup: EPERM" "err 1" 425 1 buf
deny "bpf: EPERM" "err 1" 321 0 0 0
deny "perf_event_open: EPERM" "err 1" 298 0 0 -1 -1 0
deny "userfaultfd: EPERM" "err 1" 323 0
deny "keyctl: EPERM" "err 1" 250 0 0
deny "add_key: EPERM" "err 1" 248 user k 0 0 -3
deny "mount: EPERM" "err 1" 165 none /tmp tmpfs 0 0
deny "umount2: EPERM" "err 1" 166 /proc 0
deny "fsopen: EPERM" "err 1" 430 tmpfs 0
deny "open_by_handle_at: EPERM" "err 1" 304 -1 0 0
deny "init_module: EPERM" "err 1" 175 0 0 x
deny "kexec_load: EPERM" "err 1" 246 0 0 0 0
deny "unshare(CLONE_NEWUSER): EPERM" "err 1" unshare 0x10000000
deny "unshare(CLONE_NEWNS): EPERM" "err 1" unshare 0x20000
deny "clone(CLONE_NEWNS): EPERM" "err 1" 56 0x20011 0 0 0 0
deny "clone(CLONE_NEWUSER): EPERM" "err 1" 56 0x10000011 0 0 0 0
deny "setns: EPERM" "err 1" 308 0 0
deny "ptrace(PTRACE_ATTACH): EPERM" "err 1" 101 16 1 0 0
deny "process_vm_readv: EPERM" "err 1" 310 1 0 0 0 0 0
deny "personality(ADDR_NO_RANDOMIZE): EPERM" "err 1" personality 0x0040000
deny "personality(PER_BSD): EPERM" "err 1" personality 0x6

# ---- ENOSYS: clone3 and what is newer than the profile --------------------
deny "clone3: ENOSYS (glibc falls back to clone)" "err 38" 435 0 0
deny "a syscall newer than the profile (mseal): ENOSYS" "err 38" 462 0 0 0
deny "an unassigned number: ENOSYS" "err 38" 999

# ---- x32 and i386 entries are not part of the profile: killed -------------
run seccomp_probe 0x40000027
[ "$RC" -eq 159 ] && [ -z "$OUT" ] && ok "x32 syscall kills the process (SIGSYS)" \
  || fail "x32 syscall kills the process (SIGSYS)" "rc $RC, output '$OUT'"
run seccomp_probe --int80 20
[ "$RC" -eq 159 ] && [ -z "$OUT" ] && ok "i386 (int 0x80) syscall kills the process (SIGSYS)" \
  || fail "i386 (int 0x80) syscall kills the process (SIGSYS)" "rc $RC, output '$OUT'"

# ---- the same profile, as a non-root user without no_new_privs -------------
edit_config "$B/config.json" "c['process']['noNewPrivileges'] = False; c['process']['user'] = {'uid': 1000, 'gid': 1000}"
run sh -c 'echo hi > /tmp/u && cat /tmp/u; seccomp_probe 321 0 0 0'
expect "non-root user without noNewPrivileges: works, bpf EPERM" "hi
err 1"

root_is_empty && ok "nothing left under the state root" || fail "nothing left under the state root" "$(ls -A "$ROOT")"
finish
