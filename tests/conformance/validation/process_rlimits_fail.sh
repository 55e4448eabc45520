#!/usr/bin/env bash
# process_rlimits_fail: an unknown rlimit type, and soft above hard, are
# errors (config.md "rlimits": the runtime MUST generate an error for any
# type it cannot map; setrlimit refuses soft > hard).
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
set_script "$b" 'true'
cfg "$b" 'c["process"]["rlimits"] = [{"type": "RLIMIT_NO_SUCH", "soft": 1, "hard": 1}]'
if create "$b" rf1 && rt start rf1 >/dev/null 2>&1; then not_ok "unknown rlimit type is refused"; else ok "unknown rlimit type is refused"; fi
b2=$(new_bundle b2)
set_script "$b2" 'true'
cfg "$b2" 'c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 2048, "hard": 1024}]'
if create "$b2" rf2 && rt start rf2 >/dev/null 2>&1; then not_ok "soft above hard is refused"; else ok "soft above hard is refused"; fi
done_testing
