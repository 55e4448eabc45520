#!/usr/bin/env bash
# process_capabilities_fail: an unknown capability name is an error
# (config.md: "Any value which cannot be mapped to a relevant kernel
# interface ... MUST cause an error").
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
set_script "$b" 'echo ran >/ran-marker'
cfg "$b" 'c["process"]["capabilities"]["effective"].append("CAP_NO_SUCH_THING")'
if create "$b" pcf1 && rt start pcf1 >/dev/null 2>&1; then
  not_ok "unknown capability name is refused" "create and start succeeded"
else ok "unknown capability name is refused"; fi
[ -e "$b/rootfs/ran-marker" ] && not_ok "program did not run" || ok "program did not run"
done_testing
