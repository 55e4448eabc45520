#!/bin/bash
# Device rules (linux.resources.devices): the container can use the standard
# devices but can't open a block device node, neither one it was given
# (linux.devices) nor one it made itself (CAP_MKNOD, no user namespace): the
# open fails with EPERM from the devices cgroup. v1: devices.allow/deny; v2
# (the VM lane): the BPF device program. A config rule allowing the device
# makes the same open get past the cgroup (proof that EPERM came from it).
. "$(dirname "$0")/lib.sh"

if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then LAYOUT=v2; else LAYOUT=v1; fi
echo "# cgroup layout: $LAYOUT"

B=$BW_TMP/bundle
make_bundle "$B" true >/dev/null || { fail "bundle" "make_bundle failed"; finish; exit 1; }
# A block device node given by the config (7:200: a loop minor that is
# almost surely unused; the cgroup check comes before the driver's) and
# CAP_MKNOD to create one inside.
edit_config "$B/config.json" '
c["linux"]["devices"] = [{"path": "/dev/givenblk", "type": "b", "major": 7, "minor": 200, "fileMode": 0o600}]
for s in ("bounding", "effective", "permitted"):
    c["process"]["capabilities"][s].append("CAP_MKNOD")
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "user"]
c["linux"]["resources"] = {"devices": [{"allow": False, "access": "rwm"}]}
'

# in_run ID SCRIPT: run SCRIPT as the container's init, stdout+stderr.
in_run () {
  local id=$1; shift
  set_args "$B/config.json" sh -c "$*"
  (cd "$B" && bw run "$id" </dev/null 2>&1)
  bw delete -f "$id" >/dev/null 2>&1
}

out=$(in_run dev1 'echo hello > /dev/null && echo null-ok')
case $out in *null-ok*) ok "/dev/null writable" ;; *) fail "/dev/null writable" "$out" ;; esac
out=$(in_run dev2 'head -c 4 /dev/zero | wc -c; head -c 4 /dev/urandom | wc -c')
[ "$(echo $out)" = "4 4" ] && ok "/dev/zero and /dev/urandom readable" || fail "/dev/zero and /dev/urandom readable" "$out"
out=$(in_run dev3 'head -c 1 /dev/givenblk')
case $out in *"Operation not permitted"*) ok "given block device: open EPERM" ;;
  *) fail "given block device: open EPERM" "got: $out" ;; esac
out=$(in_run dev4 'mknod /dev/madeblk b 7 201 && echo made; head -c 1 /dev/madeblk')
case $out in *made*"Operation not permitted"*) ok "mknod allowed, open of the node EPERM" ;;
  *) fail "mknod allowed, open of the node EPERM" "got: $out" ;; esac
out=$(in_run dev5 'mknod /dev/madechr c 10 237 && echo made; head -c 1 /dev/madechr')
case $out in *made*"Operation not permitted"*) ok "made char device (loop-control): open EPERM" ;;
  *) fail "made char device (loop-control): open EPERM" "got: $out" ;; esac

# A long-running container: the v1 rule list, and an exec'd process.
set_args "$B/config.json" sleep 600
if (cd "$B" && bw run -d dev6 </dev/null >/dev/null 2>"$BW_TMP/err"); then
  pid=$(bw state dev6 | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  if [ $LAYOUT = v1 ]; then
    rel=$(sed -n 's/^[0-9]*:devices:\(.*\)/\1/p' "/proc/$pid/cgroup")
    list=$(cat "/sys/fs/cgroup/devices$rel/devices.list" 2>&1)
    if echo "$list" | grep -qx 'c 1:3 rwm' && echo "$list" | grep -qx 'b \*:\* m' && ! echo "$list" | grep -q '^a '; then
      ok "v1 devices.list: default deny plus the standard devices"
    else
      fail "v1 devices.list: default deny plus the standard devices" "$(echo $list)"
    fi
  fi
  # An exec'd process is held by the same rules: exec joins the
  # container's cgroup.
  exec_cg=$(bw exec dev6 cat /proc/self/cgroup 2>&1)
  init_cg=$(bw exec dev6 cat /proc/1/cgroup 2>&1)
  if [ "$exec_cg" = "$init_cg" ]; then ok "exec'd process: in the init's cgroups"
  else fail "exec'd process: in the init's cgroups" "exec: $exec_cg; init: $init_cg"; fi
  out=$(bw exec dev6 head -c 1 /dev/givenblk 2>&1)
  case $out in *"Operation not permitted"*) ok "exec'd process: open EPERM" ;;
    *) fail "exec'd process: open EPERM" "got: $out" ;; esac
  bw delete -f dev6 >/dev/null 2>&1
else
  fail "run detached" "$(cat "$BW_TMP/err")"
fi

# A config rule allowing 7:200: the open now reaches the driver (ENXIO for
# an absent device, or success): anything but EPERM.
edit_config "$B/config.json" '
c["linux"]["resources"]["devices"].append({"allow": True, "type": "b", "major": 7, "minor": 200, "access": "rw"})
'
out=$(in_run dev7 'head -c 1 /dev/givenblk; echo rc=$?')
case $out in *"Operation not permitted"*|"") fail "allowed block device: open gets past the cgroup" "got: $out" ;;
  *) ok "allowed block device: open gets past the cgroup" ;; esac
out=$(in_run dev8 'mknod /dev/other b 7 202; head -c 1 /dev/other')
case $out in *"Operation not permitted"*) ok "other block device still EPERM" ;;
  *) fail "other block device still EPERM" "got: $out" ;; esac

finish
