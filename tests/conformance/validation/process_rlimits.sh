#!/usr/bin/env bash
# process_rlimits (config.md "rlimits"): soft and hard limits applied.
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
cfg "$b" 'c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 700}, {"type": "RLIMIT_CORE", "soft": 0, "hard": 4096}, {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400}]'
lim='echo nofile=$(sed -n "s/^Max open files *\([0-9a-z]*\) *\([0-9a-z]*\).*/\1:\2/p" /proc/self/limits); echo core=$(sed -n "s/^Max core file size *\([0-9a-z]*\) *\([0-9a-z]*\).*/\1:\2/p" /proc/self/limits); echo nproc=$(sed -n "s/^Max processes *\([0-9a-z]*\) *\([0-9a-z]*\).*/\1:\2/p" /proc/self/limits)'
if inside "container runs" "$b" rl1 "$lim"; then
  expect "RLIMIT_NOFILE" "$(val "$b" nofile)" 512:700
  expect "RLIMIT_CORE" "$(val "$b" core)" 0:4096
  expect "RLIMIT_NPROC" "$(val "$b" nproc)" 300:400
fi
done_testing
