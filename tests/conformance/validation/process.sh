#!/usr/bin/env bash
# process (config.md "Process"): args, env, cwd (created if missing is not
# required; an existing one is used), umask default, and stdio given.
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
mkdir -p "$b/rootfs/work/dir"
cfg "$b" 'c["process"]["cwd"] = "/work/dir"; c["process"]["env"] += ["CONFORMANCE_A=one two", "CONFORMANCE_B=b=c"]'
if inside "container runs" "$b" pr1 'echo cwd=$(pwd); echo a=$CONFORMANCE_A; echo b=$CONFORMANCE_B; echo argc=$#; echo arg1=$1' ; then
  expect "process.cwd" "$(val "$b" cwd)" /work/dir
  expect "process.env value with a space" "$(val "$b" a)" "one two"
  expect "process.env value with '='" "$(val "$b" b)" "b=c"
fi
b2=$(new_bundle b2)
set_script "$b2" 'x'
cfg "$b2" 'c["process"]["args"] = ["sh", "-c", "echo argc=$#; echo arg1=$1; echo arg2=$2", "zero", "first arg", ""]'
create "$b2" pr2 && rt start pr2 >/dev/null 2>&1 && wait_status pr2 stopped
expect "process.args passed verbatim" "$(val "$b2" argc) $(val "$b2" arg1)" "2 first arg"
expect "an empty argument is kept" "$(val "$b2" arg2)" ""
b3=$(new_bundle b3)
cfg "$b3" 'c["process"]["args"] = ["/no/such/program"]'
if create "$b3" pr3 && rt start pr3 >/dev/null 2>&1; then
  not_ok "a missing executable is an error at create or start"
else ok "a missing executable is an error at create or start"; fi
done_testing
