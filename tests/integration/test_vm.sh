#!/usr/bin/env bash
# The cgroup v2 + AppArmor lane: tests/vm/run boots Debian's kernel under
# qemu with bulwark in an initramfs and runs tests/vm/suite.sh there. This
# host has neither, so these checks run nowhere else. Prints the suite's
# ok / not ok lines, named "vm: ..." to tell them from this host's.
SRC=$(cd "$(dirname "$0")/../.." && pwd)
out=$(BW_VM_TIMEOUT=${BW_VM_TIMEOUT:-240} "$SRC/tests/vm/run" "${BULWARK:-/usr/local/bin/bulwark}" 2>/dev/null)
rc=$?
printf '%s\n' "$out" | grep -E '^(ok|not ok) - ' | sed -E 's/^(ok|not ok) - /\1 - vm: /'
printf '%s\n' "$out" | grep -qE '^(ok|not ok) - ' || echo "not ok - vm: the lane printed no result (rc $rc)"
exit $rc
