#!/usr/bin/env bash
# Config mounts of type "cgroup", as runc lays them out: on a v1 or hybrid
# host a tmpfs with one read-only mount per hierarchy (and unified), each
# showing only the container's own cgroup; on a v2 host one cgroup2 mount.
# With and without a cgroup namespace, with and without a user namespace.
. "$(dirname "$0")/lib.sh"

B="$BW_TMP/bundle"
make_bundle "$B" || { fail "make bundle" "bulwark spec failed"; finish; exit 1; }
cp "$B/config.json" "$BW_TMP/config.base.json"
NO_CGROUPNS='c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "cgroup"]'
LIMIT='c["linux"].setdefault("resources", {})["pids"] = {"limit": 123}'
cgmount () { # OPTIONS (a python list)
  printf 'c["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": %s})' "$1"
}
RO='["nosuid", "noexec", "nodev", "relatime", "ro"]'

# What the workload reports, one "key value" per line.
cat > "$B/rootfs/probe.sh" <<'EOF'
echo "ls $(ls /sys/fs/cgroup | tr '\n' ' ')"
grep ' /sys/fs/cgroup' /proc/self/mountinfo | while read -r _ _ _ root mp opts _; do echo "mnt $mp $root ${opts%%,*}"; done
sed -n 's/^[0-9]*:pids:/self /p; s/^0::/self2 /p' /proc/self/cgroup
echo "pidsmax $(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || echo none)"
echo "procs $(wc -l < /sys/fs/cgroup/pids/cgroup.procs 2>/dev/null || echo none)"
echo "controllers $(cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null || echo none)"
(echo 5 > /sys/fs/cgroup/pids/pids.max) 2>/dev/null && echo "write ok" || echo "write refused"
mkdir /sys/fs/cgroup/pids/sub 2>/dev/null && echo "mkdir ok" || echo "mkdir refused"
mkdir /sys/fs/cgroup/newdir 2>/dev/null && echo "topmkdir ok" || echo "topmkdir refused"
EOF

N=0
inrun () {
  cp "$BW_TMP/config.base.json" "$B/config.json"
  edit_config "$B/config.json" "$1"
  set_args "$B/config.json" sh /probe.sh
  N=$((N + 1))
  OUT=$(bw run --bundle "$B" "cgm$N" 2>&1); RC=$?
}
has () { printf '%s\n' "$OUT" | grep -Eq -- "$1"; }
expect () { if [ "$RC" -eq 0 ] && has "$2"; then ok "$1"; else fail "$1" "rc=$RC out=$OUT"; fi; }
expect_not () { if [ "$RC" -eq 0 ] && ! has "$2"; then ok "$1"; else fail "$1" "rc=$RC out=$OUT"; fi; }

# Limits are enforced once the runtime has cgroup support: pids.max then
# shows the container's own cgroup.
ENFORCED=$("$BULWARK" features | python3 -c 'import json,sys; print(json.load(sys.stdin)["linux"].get("cgroup", {}).get("v1", False))' 2>/dev/null)

if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
  # --- cgroup v2 host
  for mode in "userns+cgroupns" "cgroupns" "no cgroupns"; do
    case $mode in
      userns+cgroupns) edit="$LIMIT";;
      cgroupns) edit="$LIMIT; $NO_USERNS";;
      *) edit="$LIMIT; $NO_USERNS; $NO_CGROUPNS";;
    esac
    inrun "$edit; $(cgmount "$RO")"
    expect "v2 ($mode): one cgroup2 mount, read-only" '^mnt /sys/fs/cgroup [^ ]+ ro$'
    expect "v2 ($mode): cgroup.controllers readable" '^controllers [a-z]'
    expect "v2 ($mode): mkdir refused" '^topmkdir refused$'
  done
  finish; exit $?
fi

# --- cgroup v1 or hybrid host: the hierarchies this process is in.
want=""
for d in /sys/fs/cgroup/*; do
  [ -L "$d" ] && continue
  mountpoint -q "$d" && want="$want $(basename "$d")"
done

for mode in "userns+cgroupns" "userns" "cgroupns" "no namespaces"; do
  case $mode in
    userns+cgroupns) edit="$LIMIT";;
    userns) edit="$LIMIT; $NO_CGROUPNS";;
    cgroupns) edit="$LIMIT; $NO_USERNS";;
    *) edit="$LIMIT; $NO_USERNS; $NO_CGROUPNS";;
  esac
  inrun "$edit; $(cgmount "$RO")"
  [ "$RC" -eq 0 ] || { fail "v1 ($mode): run" "$OUT"; continue; }
  missing=""
  for h in $want; do has "^ls .*\b$h\b" || missing="$missing $h"; done
  [ -z "$missing" ] && ok "v1 ($mode): ls /sys/fs/cgroup shows every hierarchy" ||
    fail "v1 ($mode): ls /sys/fs/cgroup shows every hierarchy" "missing$missing: $OUT"
  expect "v1 ($mode): a tmpfs at /sys/fs/cgroup, read-only" '^mnt /sys/fs/cgroup / ro$'
  rw=$(printf '%s\n' "$OUT" | grep '^mnt /sys/fs/cgroup/' | grep -v ' ro$')
  [ -z "$rw" ] && has '^mnt /sys/fs/cgroup/pids ' && ok "v1 ($mode): every hierarchy mount is read-only" ||
    fail "v1 ($mode): every hierarchy mount is read-only" "$OUT"
  [ -d /sys/fs/cgroup/unified ] && expect "v1 ($mode): unified is cgroup2 at /sys/fs/cgroup/unified" '^mnt /sys/fs/cgroup/unified '
  [ -d /sys/fs/cgroup/systemd ] && expect "v1 ($mode): the named systemd hierarchy" '^mnt /sys/fs/cgroup/systemd '
  if [ "$ENFORCED" = True ]; then
    expect "v1 ($mode): pids.max of the container's own cgroup" '^pidsmax 123$'
  fi
  # Only its own subtree: the mount's root is its cgroup (seen from its
  # cgroup namespace when it has one: "/").
  self=$(printf '%s\n' "$OUT" | sed -n 's/^self //p')
  expect "v1 ($mode): the pids mount shows the container's own cgroup ($self)" "^mnt /sys/fs/cgroup/pids $self ro$"
  case $mode in *cgroupns) [ "$self" = / ] && ok "v1 ($mode): its cgroup is the namespace's root" || fail "v1 ($mode): its cgroup is the namespace's root" "$self";; esac
  case $mode in userns|"no namespaces") [ "$self" != / ] && ok "v1 ($mode): not the host's root cgroup" || fail "v1 ($mode): not the host's root cgroup" "$self";; esac
  expect "v1 ($mode): writing pids.max refused" '^write refused$'
  expect "v1 ($mode): mkdir in a hierarchy refused" '^mkdir refused$'
  expect "v1 ($mode): mkdir in the tmpfs refused" '^topmkdir refused$'
done

# Options: "rw" asked for explicitly is honoured (runc does); no ro/rw is
# read-only (a writable cgroup lets the container lift its own limits).
inrun "$LIMIT; $NO_USERNS; $NO_CGROUPNS; $(cgmount '["nosuid", "noexec", "nodev"]')"
expect "v1: neither ro nor rw: read-only" '^mnt /sys/fs/cgroup/pids [^ ]+ ro$'
cat > "$B/rootfs/probe.sh" <<'EOF'
grep ' /sys/fs/cgroup' /proc/self/mountinfo | while read -r _ _ _ root mp opts _; do echo "mnt $mp $root ${opts%%,*}"; done
EOF
inrun "$LIMIT; $NO_USERNS; $NO_CGROUPNS; $(cgmount '["nosuid", "noexec", "nodev", "rw"]')"
expect "v1: rw asked for: writable" '^mnt /sys/fs/cgroup/pids [^ ]+ rw$'
inrun "$LIMIT; $(cgmount '["nosuid", "bogus=1"]')"
if [ "$RC" -ne 0 ] && has 'mounts\[[0-9]+\].*bogus=1'; then ok "v1: an unknown option is an error naming it"; else fail "v1: an unknown option is an error naming it" "rc=$RC out=$OUT"; fi

finish
