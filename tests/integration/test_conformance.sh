#!/usr/bin/env bash
# Runtime-spec conformance: runs every program in tests/conformance/
# validation/ against $BULWARK and prints one line per program. A program
# listed in tests/conformance/expected-failures.txt may fail today: it
# prints "ok - ... # expected failure: REASON" while it still fails, and
# "not ok" once it passes, so the list can only shrink.
# See tests/conformance/README.md for why this suite is ours and not the
# runtime-tools one.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
CONF=$(cd "$HERE/../conformance" && pwd)
BULWARK=${BULWARK:-/usr/local/bin/bulwark}
PER_TEST_TIMEOUT=${CONFORMANCE_TIMEOUT:-60}
CACHE=${CONFORMANCE_CACHE:-/var/tmp/bulwark-conformance}
FAILED=0

# What the programs use from the host: a static busybox for the rootfs,
# python3 to edit configs, util-linux's unshare and mount.
need=""
[ -x /bin/busybox ] && dpkg -s busybox-static >/dev/null 2>&1 || need="$need busybox-static"
command -v python3 >/dev/null || need="$need python3"
command -v unshare >/dev/null || need="$need util-linux"
if [ -n "$need" ]; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need; } >/dev/null 2>&1 ||
    { echo "not ok - conformance: cannot install$need"; exit 1; }
fi

# The rootfs is built once per busybox version and make-rootfs.sh content.
key=$(dpkg-query -W -f '${Version}' busybox-static 2>/dev/null)-$(sha256sum "$CONF/make-rootfs.sh" | cut -c1-12)
export CONFORMANCE_ROOTFS=$CACHE/rootfs-$key
if [ ! -x "$CONFORMANCE_ROOTFS/bin/busybox" ]; then
  rm -rf "$CONFORMANCE_ROOTFS.tmp"
  mkdir -p "$CACHE"
  if bash "$CONF/make-rootfs.sh" "$CONFORMANCE_ROOTFS.tmp" && mv "$CONFORMANCE_ROOTFS.tmp" "$CONFORMANCE_ROOTFS"; then :; else
    echo "not ok - conformance: building the rootfs failed"; exit 1
  fi
fi

# expected NAME: the reason NAME may fail, empty when it must pass.
expected () {
  sed -n "s/^$1:[[:space:]]*//p" "$CONF/expected-failures.txt" | head -1
}

LOGDIR=${CONFORMANCE_LOGDIR:-$(mktemp -d /tmp/bulwark-conformance-logs.XXXXXX)}
mkdir -p "$LOGDIR"
for prog in "$CONF"/validation/*.sh; do
  name=$(basename "$prog" .sh)
  log=$LOGDIR/$name.tap
  BULWARK_POLICY=$HERE/../policy/audit.json RUNTIME=$BULWARK timeout "$PER_TEST_TIMEOUT" bash "$prog" >"$log" 2>&1
  rc=$?
  # Passed: exit 0, a plan, no failed assertion.
  passed=0
  if [ $rc -eq 0 ] && grep -q '^1\.\.[1-9]' "$log" && ! grep -q '^not ok' "$log"; then passed=1; fi
  why=$(expected "$name")
  if [ $passed -eq 1 ] && [ -z "$why" ]; then
    echo "ok - conformance/$name"
  elif [ $passed -eq 1 ]; then
    echo "not ok - conformance/$name: now passes, remove it from expected-failures.txt"
    FAILED=$((FAILED + 1))
  elif [ -n "$why" ]; then
    echo "ok - conformance/$name # expected failure: $why"
  else
    first=$(grep -m1 '^not ok' "$log" | sed 's/^not ok [0-9]* - //')
    [ $rc -eq 124 ] && first="timed out after ${PER_TEST_TIMEOUT}s${first:+ ($first)}"
    echo "not ok - conformance/$name: ${first:-exit status $rc}"
    # The program's TAP, indented so that it is not counted as results.
    sed 's/^/#   /' "$log" | grep -v '^#   ok ' | head -20
    FAILED=$((FAILED + 1))
  fi
done
# Programs listed as expected failures must exist.
while IFS=: read -r name _; do
  case $name in ''|'#'*) continue ;; esac
  [ -f "$CONF/validation/$name.sh" ] || { echo "not ok - conformance: expected-failures.txt names unknown program $name"; FAILED=$((FAILED + 1)); }
done <"$CONF/expected-failures.txt"
[ -n "${CONFORMANCE_LOGDIR:-}" ] || rm -rf "$LOGDIR"
[ "$FAILED" -eq 0 ]
