#!/usr/bin/env bash
# linux_seccomp (config-linux.md "Seccomp"): the filter's actions apply to
# the listed syscalls, the default action to the rest.
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
cfg "$b" 'c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}, {"names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22}]}'
if inside "container with a seccomp filter runs" "$b" sc1 'mkdir /tmp/d 2>/dev/null && echo mkdir=allowed || echo mkdir=denied; touch /tmp/f && echo touch=allowed; echo err=$(mkdir /tmp/e 2>&1)'; then
  expect "listed syscall gets its errno" "$(val "$b" mkdir)" denied
  case "$(val "$b" err)" in *"not permitted"*) ok "errnoRet 1 is EPERM" ;; *) not_ok "errnoRet 1 is EPERM" "$(val "$b" err)" ;; esac
  expect "other syscalls follow defaultAction" "$(val "$b" touch)" allowed
fi
done_testing
