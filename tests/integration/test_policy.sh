#!/bin/bash
# The policy engine wired into the runtime: enforce mode hardens a plain
# `bulwark spec` config and a Docker-default-like one (checked from inside
# with the probes), refusals leave nothing behind, `report` shows each
# control, audit mode changes nothing, and the ID-range pool holds under
# concurrency and crashes, also across state roots.
source "$(dirname "$0")/lib.sh"

SRC=$(cd "$TESTS_DIR/.." && pwd)
# The shipped policy, its audit log and its machine-wide ID-range pool
# moved into the test's directory (the test never touches /run/bulwark).
AUDIT_LOG=$BW_TMP/audit.log
POOL=$BW_TMP/run/bulwark/idpool
ENFORCE=$BW_TMP/policy.json
sed -e "s|\"auditLog\": \"[^\"]*\"|\"auditLog\": \"$AUDIT_LOG\"|" \
  -e "s|\"pool\": \"[^\"]*\"|\"pool\": \"$POOL\"|" "$SRC/profiles/policy.json" > "$ENFORCE"
grep -q "\"auditLog\": \"$AUDIT_LOG\"" "$ENFORCE" || fail "policy copy" "auditLog not found in profiles/policy.json"
grep -q "\"pool\": \"$POOL\"" "$ENFORCE" || fail "policy copy" "userNamespace.pool not found in profiles/policy.json"
# records: the pool's range records (the lock aside).
records () { ls "$POOL" 2>/dev/null | grep -v '^\.'; }
# The shipped default profile, from the source tree.
export BULWARK_SECCOMP_PROFILE_DIR=$SRC/profiles/seccomp
# When the policy adds a user namespace the rootfs is idmapped where its
# filesystem allows; where it doesn't, idmapFallback decides (refuse in the
# shipped policy). CLAMP is the shipped policy with the fallback allowed.
CLAMP=$BW_TMP/clamp.json
sed 's/"idmapFallback": "refuse"/"idmapFallback": "clamp"/' "$ENFORCE" > "$CLAMP"
grep -q '"idmapFallback": "clamp"' "$CLAMP" || fail "policy copy" "idmapFallback not found in $ENFORCE"

# Docker's default: no user namespace, its 14 capabilities, writable root,
# no limits, no seccomp, no tmpfs at /tmp /run /var/tmp.
dockerize () {
  edit_config "$1/config.json" '
l = c["linux"]
l["namespaces"] = [n for n in l["namespaces"] if n["type"] != "user"]
l.pop("uidMappings", None); l.pop("gidMappings", None)
l.pop("resources", None); l.pop("seccomp", None)
c["root"]["readonly"] = False
caps = ["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW",
        "CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]
c["process"]["capabilities"] = {k: caps for k in ("bounding","effective","permitted")}
c["process"].pop("noNewPrivileges", None)
c["mounts"] = [m for m in c["mounts"] if m["destination"] not in ("/tmp","/run","/var/tmp")]
'
  with_cgroup_mount "$1"
}
# A read-only cgroup mount, as Docker's and runc spec's configs have (the
# limits are read through it from inside).
with_cgroup_mount () {
  edit_config "$1/config.json" '
c["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                    "options": ["ro", "nosuid", "noexec", "nodev"]})
'
}

probes () { cp "$PROBE_DIR"/probe "$PROBE_DIR"/seccomp_probe "$PROBE_DIR"/landlock_probe "$1/rootfs/bin/"; }

INSIDE='
grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status
echo "uidmap $(cat /proc/self/uid_map)"
echo "bpf $(seccomp_probe 321 0 0 0)"
echo "io_uring $(seccomp_probe 425 1 buf)"
touch /rootfile 2>/dev/null && echo "rootfs writable" || echo "rootfs readonly"
touch /tmp/x 2>/dev/null && echo "tmp writable" || echo "tmp readonly"
echo "kallsyms $(wc -c < /proc/kallsyms)"
echo "limits $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null) $(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null)"
'

B=$BW_TMP/docker; make_bundle "$B" sh -c "$INSIDE"; probes "$B"; dockerize "$B"
S=$BW_TMP/spec; make_bundle "$S" sh -c "$INSIDE"; probes "$S"; with_cgroup_mount "$S"
# `runc spec`'s config (the unit tests' copy), run with the probes.
R=$BW_TMP/runc; make_bundle "$R" true; probes "$R"
cp "$SRC/tests/unit/data/runc-spec.json" "$R/config.json"
edit_config "$R/config.json" '
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", sys.argv[3]]
' "$INSIDE"
# Docker's default with a seccomp filter of its own that allows everything
# (podman's --security-opt seccomp=unconfined): the floor still applies.
U=$BW_TMP/allowall; make_bundle "$U" sh -c "$INSIDE"; probes "$U"; dockerize "$U"
edit_config "$U/config.json" 'c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW"}'
# No capabilities object at all (every capability, left alone).
N=$BW_TMP/nocaps; make_bundle "$N" sh -c "$INSIDE"; probes "$N"; dockerize "$N"
edit_config "$N/config.json" 'del c["process"]["capabilities"]'

# ---------------------------------------------------------------- policy errors
echo '{"mode":"enforce","noSuchKey":1}' > "$BW_TMP/bad.json"
expect_fail "a policy that does not parse refuses" 'bad.json.*noSuchKey' \
  --policy "$BW_TMP/bad.json" run -b "$S" bad1
expect_fail "a missing policy refuses" 'nonexistent' --policy "$BW_TMP/nonexistent.json" run -b "$S" bad2
out=$(BULWARK_POLICY=$BW_TMP/bad.json timeout 30 "$BULWARK" --root "$ROOT" run -b "$S" bad3 2>&1)
[ $? -ne 0 ] && grep -q noSuchKey <<<"$out" && ok "BULWARK_POLICY is read" \
  || fail "BULWARK_POLICY is read" "$out"
[ -z "$(ls -A "$ROOT" 2>/dev/null)" ] && [ ! -e "$POOL" ] && ok "policy errors leave no state" \
  || fail "policy errors leave no state" "$(ls -A "$ROOT" "$POOL" 2>&1)"

# ---------------------------------------------------------------- enforce, from inside
POLICY=$ENFORCE
# The capabilities each config keeps of the policy's set (CHOWN,
# DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP,
# NET_BIND_SERVICE): Docker's and bulwark spec's hold all nine (a config with
# none gets all nine too), runc spec's
# only KILL and NET_BIND_SERVICE. The limits: the policy's defaults where
# the config sets none, bulwark spec's own 512 MiB otherwise.
declare -A WANT_CAPEFF=([docker]=00000000000005fb [allowall]=00000000000005fb [nocaps]=00000000000005fb
                        [spec]=00000000000005fb [runc]=0000000000000420)
declare -A WANT_LIMITS=([docker]="1073741824 1024" [allowall]="1073741824 1024" [nocaps]="1073741824 1024"
                        [spec]="536870912 1024" [runc]="1073741824 1024")
for kind in docker allowall nocaps spec runc; do
  dir=$BW_TMP/$kind
  out=$(bw run -b "$dir" "in-$kind" 2>&1)
  rc=$?
  [ $rc -eq 0 ] || { fail "$kind: runs under enforce" "rc=$rc: $out"; continue; }
  ok "$kind: runs under enforce"
  capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' <<<"$out")
  [ "$capeff" = "${WANT_CAPEFF[$kind]}" ] && ok "$kind: CapEff clamped to the allowed set" \
    || fail "$kind: CapEff clamped to the allowed set" "CapEff $capeff, want ${WANT_CAPEFF[$kind]}"
  grep -qE '^NoNewPrivs:[[:space:]]*1' <<<"$out" && ok "$kind: NoNewPrivs" || fail "$kind: NoNewPrivs" "$out"
  grep -qE '^Seccomp:[[:space:]]*2' <<<"$out" && ok "$kind: seccomp filter mode" || fail "$kind: seccomp filter mode" "$out"
  grep -q '^bpf err 1$' <<<"$out" && ok "$kind: bpf fails with EPERM" || fail "$kind: bpf fails with EPERM" "$out"
  grep -q '^io_uring err 1$' <<<"$out" && ok "$kind: io_uring_setup fails with EPERM" \
    || fail "$kind: io_uring_setup fails with EPERM" "$out"
  map=$(sed -n 's/^uidmap //p' <<<"$out")
  read -r inside host size <<<"$map"
  [ "$inside" = 0 ] && [ "${host:-0}" != 0 ] && ok "$kind: uid_map not identity ($map)" \
    || fail "$kind: uid_map not identity" "$map"
  grep -q '^rootfs readonly$' <<<"$out" && ok "$kind: rootfs read-only" || fail "$kind: rootfs read-only" "$out"
  grep -q '^tmp writable$' <<<"$out" && ok "$kind: /tmp writable" || fail "$kind: /tmp writable" "$out"
  grep -q '^kallsyms 0$' <<<"$out" && ok "$kind: /proc/kallsyms masked" || fail "$kind: /proc/kallsyms masked" "$out"
  grep -qx "limits ${WANT_LIMITS[$kind]}" <<<"$out" && ok "$kind: memory and pids limits" \
    || fail "$kind: memory and pids limits" "$(grep '^limits' <<<"$out"), want ${WANT_LIMITS[$kind]}"
done

# Landlock, from the plan (no annotation in the config): sharing the host's
# network namespace, the workload may not connect to a host abstract socket
# (outside its Landlock domain); audit mode leaves it reachable.
L=$BW_TMP/landlock; make_bundle "$L" landlock_probe connect "bulwark-pol-$$"; probes "$L"; dockerize "$L"
edit_config "$L/config.json" 'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]'
"$PROBE_DIR/landlock_probe" listen "bulwark-pol-$$" > "$BW_TMP/listen.out" 2>&1 &
LISTENER=$!
for _ in $(seq 50); do grep -q ok "$BW_TMP/listen.out" && break; sleep 0.1; done
out=$(bw run -b "$L" ll-enforce 2>&1)
grep -q "connect bulwark-pol-$$: EPERM" <<<"$out" && ok "docker: Landlock enforced (host abstract socket unreachable)" \
  || fail "docker: Landlock enforced (host abstract socket unreachable)" "$out"
out=$(POLICY=$TESTS_DIR/policy/audit.json bw run -b "$L" ll-audit 2>&1)
grep -q "connect bulwark-pol-$$: ok" <<<"$out" && ok "audit: no Landlock" || fail "audit: no Landlock" "$out"

# A policy that leaves no_new_privs to the config but asks for Landlock:
# Landlock needs no_new_privs (the init restricts itself once its
# capabilities are gone), so a config without it runs without Landlock and
# the report says why; a config with it gets Landlock. The seccomp floor is
# loaded while the init still has CAP_SYS_ADMIN, and still holds.
sed 's/"noNewPrivileges": true/"noNewPrivileges": false/' "$CLAMP" > "$BW_TMP/nnp-off.json"
grep -q '"noNewPrivileges": false' "$BW_TMP/nnp-off.json" && grep -q '"landlock": true' "$BW_TMP/nnp-off.json" \
  || fail "policy copy" "noNewPrivileges/landlock not found in $CLAMP"
out=$(POLICY=$BW_TMP/nnp-off.json bw run -b "$L" ll-nnp-off 2>&1)
grep -q "connect bulwark-pol-$$: ok" <<<"$out" && ok "policy nnp false + landlock, config without nnp: runs, no Landlock" \
  || fail "policy nnp false + landlock, config without nnp: runs, no Landlock" "$out"
L2=$BW_TMP/landlock-nnp; mkdir -p "$L2"; cp -a "$L/rootfs" "$L2/"; cp "$L/config.json" "$L2/"
edit_config "$L2/config.json" 'c["process"]["noNewPrivileges"] = True'
out=$(POLICY=$BW_TMP/nnp-off.json bw run -b "$L2" ll-nnp-on 2>&1)
grep -q "connect bulwark-pol-$$: EPERM" <<<"$out" && ok "policy nnp false + landlock, config with nnp: Landlock enforced" \
  || fail "policy nnp false + landlock, config with nnp: Landlock enforced" "$out"
kill "$LISTENER" 2>/dev/null; wait "$LISTENER" 2>/dev/null
lsm_decision () {  # ID: outcome and why of the lsm decision in `report --format json`
  bw report --format json "$1" 2>&1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(*[x["outcome"] + " " + x.get("why", "") for x in d["decisions"] if x["control"] == "lsm"],
      "plan.landlock=%s" % d["plan"].get("landlock"))'
}
if POLICY=$BW_TMP/nnp-off.json bw create -b "$L" ll-why >/dev/null 2>&1; then
  out=$(lsm_decision ll-why)
  grep -q '^relaxed Landlock needs no_new_privs; the config leaves it off and the policy allows that' <<<"$out" \
    && grep -q 'plan.landlock=False' <<<"$out" && ok "report: why Landlock is off (no_new_privs off)" \
    || fail "report: why Landlock is off (no_new_privs off)" "$out"
else
  fail "policy nnp false + landlock: create" "$(POLICY=$BW_TMP/nnp-off.json bw create -b "$L" ll-why2 2>&1)"
fi
POLICY=$BW_TMP/nnp-off.json bw create -b "$L2" ll-on >/dev/null 2>&1
out=$(lsm_decision ll-on)
grep -q '^added ' <<<"$out" && grep -q 'plan.landlock=True' <<<"$out" && ok "report: Landlock on with no_new_privs" \
  || fail "report: Landlock on with no_new_privs" "$out"
bw delete -f ll-why >/dev/null 2>&1; bw delete -f ll-on >/dev/null 2>&1
out=$(POLICY=$BW_TMP/nnp-off.json bw run -b "$B" nnp-off 2>&1)
grep -qE '^NoNewPrivs:[[:space:]]*0' <<<"$out" && grep -q '^bpf err 1$' <<<"$out" \
  && ok "policy without noNewPrivileges: floor still installed" \
  || fail "policy without noNewPrivileges: floor still installed" "$out"

# Limits, read from the host: the Docker-like config asked for none.
bw create -b "$B" lim >/dev/null 2>&1
pid=$(bw state lim 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])' 2>/dev/null)
if [ -n "$pid" ]; then
  memcg=$(sed -n 's/^[0-9]*:memory://p' "/proc/$pid/cgroup")
  pidcg=$(sed -n 's/^[0-9]*:pids://p' "/proc/$pid/cgroup")
  mem=$(cat "/sys/fs/cgroup/memory$memcg/memory.limit_in_bytes" 2>/dev/null)
  pids=$(cat "/sys/fs/cgroup/pids$pidcg/pids.max" 2>/dev/null)
  [ "$mem" = 1073741824 ] && ok "docker: memory limit added" || fail "docker: memory limit added" "memory.limit_in_bytes=$mem"
  [ "$pids" = 1024 ] && ok "docker: pids limit added" || fail "docker: pids limit added" "pids.max=$pids"
  # update is held to the same limits: above the maximum is clamped (with a
  # warning naming the policy key), unlimited gets the default, within the
  # maximum is as asked.
  out=$(bw update --memory 100G --pids-limit -1 lim 2>&1); rc=$?
  mem=$(cat "/sys/fs/cgroup/memory$memcg/memory.limit_in_bytes" 2>/dev/null)
  pids=$(cat "/sys/fs/cgroup/pids$pidcg/pids.max" 2>/dev/null)
  [ $rc -eq 0 ] && [ "$mem" = 8589934592 ] && grep -q 'limits\.memory\.max' <<<"$out" \
    && ok "update: memory above the maximum clamped, and said" || fail "update: memory above the maximum clamped, and said" "rc=$rc mem=$mem $out"
  [ "$pids" = 1024 ] && grep -q 'limits\.pids\.default' <<<"$out" \
    && ok "update: unlimited pids get the default" || fail "update: unlimited pids get the default" "pids.max=$pids $out"
  bw update --memory 256M --pids-limit 50 lim >/dev/null 2>&1
  [ "$(cat "/sys/fs/cgroup/memory$memcg/memory.limit_in_bytes")" = 268435456 ] \
    && [ "$(cat "/sys/fs/cgroup/pids$pidcg/pids.max")" = 50 ] \
    && ok "update: within the maximum as asked" || fail "update: within the maximum as asked" "$(cat "/sys/fs/cgroup/pids$pidcg/pids.max")"
  POLICY=$TESTS_DIR/policy/audit.json bw update --memory 100G lim >/dev/null 2>&1
  [ "$(cat "/sys/fs/cgroup/memory$memcg/memory.limit_in_bytes")" = 107374182400 ] \
    && ok "update under an audit policy: the policy changes nothing (100G as asked)" || fail "update under an audit policy: the policy changes nothing (100G as asked)" "$(cat "/sys/fs/cgroup/memory$memcg/memory.limit_in_bytes")"
  # Two live containers: different host ranges.
  bw create -b "$B" lim2 >/dev/null 2>&1
  pid2=$(bw state lim2 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])' 2>/dev/null)
  r1=$(awk '{print $2}' "/proc/$pid/uid_map"); r2=$(awk '{print $2}' "/proc/${pid2:-0}/uid_map" 2>/dev/null)
  [ -n "$r2" ] && [ "$r1" != "$r2" ] && ok "two containers: different host ranges ($r1, $r2)" \
    || fail "two containers: different host ranges" "$r1 / $r2"
  [ "$(records | grep -c .)" = 2 ] && ok "two containers: two pool records" \
    || fail "two containers: two pool records" "$(ls -A "$POOL")"
  [ "$(stat -c %a "$POOL")" = 700 ] && [ "$(stat -c %a "$BW_TMP/run/bulwark")" = 700 ] \
    && ok "pool directory made on demand, mode 0700, parents too" \
    || fail "pool directory made on demand, mode 0700, parents too" "$(stat -c '%a %n' "$POOL" "$BW_TMP/run/bulwark")"
  bw delete -f lim2 >/dev/null 2>&1
else
  fail "docker: create for limits" "no pid"
fi

# ---------------------------------------------------------------- report
out=$(bw report lim 2>&1)
for control in userns namespaces capabilities seccomp lsm rootfs limits mounts devices sysctl paths; do
  grep -q "^$control " <<<"$out" || { fail "report ID: shows each control" "$control missing: $out"; break; }
done && ok "report ID: shows each control"
grep -q '^mode: enforce' <<<"$out" && ok "report ID: mode" || fail "report ID: mode" "$out"
bw report --format json lim 2>/dev/null | python3 -c '
import json,sys; d=json.load(sys.stdin); assert d["mode"]=="enforce" and d["plan"]["seccompFloor"] and len(d["decisions"])>5' \
  && ok "report ID --format json" || fail "report ID --format json" "$(bw report --format json lim 2>&1 | head -3)"
[ -s "$ROOT/lim/posture.json" ] && ok "posture.json in the state dir" || fail "posture.json in the state dir" "$(ls "$ROOT/lim")"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["root"]["readonly"] and c["process"]["noNewPrivileges"]' \
  "$ROOT/lim/config.json" && ok "hardened config.json saved" || fail "hardened config.json saved" "not hardened"
bw delete -f lim >/dev/null 2>&1
out=$(bw report --bundle "$B" 2>&1)
grep -q '^capabilities  *clamped' <<<"$out" && grep -q '^limits  *added' <<<"$out" \
  && ok "report --bundle: clamps and additions" || fail "report --bundle: clamps and additions" "$out"
[ -z "$(records)" ] && ok "report --bundle takes no range" || fail "report --bundle takes no range" "$(records)"

# --log: one JSON line with the decisions.
bw --log "$BW_TMP/log.json" --log-format json run -b "$S" logged >/dev/null 2>&1
python3 -c '
import json,sys
lines=[json.loads(l) for l in open(sys.argv[1]) if "posture" in l]
assert len(lines)==1 and lines[0]["id"]=="logged" and lines[0]["posture"]["decisions"]' "$BW_TMP/log.json" \
  && ok "--log: one JSON line of decisions" || fail "--log: one JSON line of decisions" "$(cat "$BW_TMP/log.json" 2>&1 | head -3)"

# ---------------------------------------------------------------- refusals
refused () {  # NAME PATTERN EDIT
  local name=$1 pattern=$2 dir=$BW_TMP/refuse
  rm -rf "$dir"; mkdir -p "$dir"; cp -a "$S/rootfs" "$dir/"; cp "$S/config.json" "$dir/"
  edit_config "$dir/config.json" "$3"
  expect_fail "refused: $name" "$pattern" run -b "$dir" refused
  [ ! -e "$ROOT/refused" ] && [ -z "$(records)" ] \
    && ok "refused: $name leaves nothing" || fail "refused: $name leaves nothing" "$(ls -A "$ROOT" "$POOL" 2>&1)"
}
refused "host pid namespace" 'linux.namespaces.*namespaces.allowHost' \
  'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "pid"]'
refused "bind of /" 'mounts.*mounts.deny' \
  'c["mounts"].append({"destination":"/host","type":"bind","source":"/","options":["rbind","ro"]})'
refused "writable /sys" 'mounts.*writableSys' \
  'c["mounts"] = [dict(m, options=[o for o in m.get("options",[]) if o != "ro"]) if m["destination"]=="/sys" else m for m in c["mounts"]]'
# Options apply in order: a "rw" after the "ro" makes /sys writable.
refused "/sys with ro then rw" 'mounts\[[0-9]+\]\.options: /sys is mounted writable.*\(writableSys\)' \
  'c["mounts"] = [dict(m, options=m.get("options",[]) + ["rw"]) if m["destination"]=="/sys" else m for m in c["mounts"]]'
# A second procfs would have no masked or read-only paths.
refused "procfs at /mnt/p" 'mounts\[[0-9]+\]\.destination: a procfs at /mnt/p .*\(maskedPaths\)' \
  'c["mounts"].append({"destination": "/mnt/p", "type": "proc", "source": "proc"})'
# The config's own mappings may not take host IDs the pool hands out.
refused "uidMappings inside the ID-range pool" 'linux\.uidMappings\[0\]: host IDs .* overlap the ID-range pool.*\(userNamespace\)' \
  'c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 268435456 + 3 * 65536, "size": 65536}]'

# linux.resources.unified is written after the structured limits: its
# memory.max, pids.max and cpu.max get the policy's defaults and ceilings,
# each a decision naming the key (read from the report: a cgroup v1 host
# refuses unified at create anyway).
UN=$BW_TMP/unified; mkdir -p "$UN"; cp -a "$S/rootfs" "$UN/"; cp "$S/config.json" "$UN/"
edit_config "$UN/config.json" '
c["linux"].setdefault("resources", {})["unified"] = {"memory.max": "max", "pids.max": "max", "cpu.max": "1600000 100000"}'
out=$(bw report --format json --bundle "$UN" 2>&1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
for x in d["decisions"]:
    if x["field"].startswith("linux.resources.unified"):
        print(x["field"], x["outcome"], x["rule"], x["enforced"])')
grep -qx 'linux.resources.unified\["memory.max"\] added limits.memory.default 1073741824' <<<"$out" \
  && grep -qx 'linux.resources.unified\["pids.max"\] added limits.pids.default 1024' <<<"$out" \
  && grep -qx 'linux.resources.unified\["cpu.max"\] clamped limits.cpu.max 8000m' <<<"$out" \
  && ok "unified memory.max/pids.max/cpu.max held to the policy's limits" \
  || fail "unified memory.max/pids.max/cpu.max held to the policy's limits" "$out"
[ -z "$(records)" ] && [ ! -e "$ROOT/unified" ] && ok "unified: report leaves nothing" \
  || fail "unified: report leaves nothing" "$(records; ls -A "$ROOT")"
POLICY=$ENFORCE

# An added user namespace: the rootfs (owned by host root) is idmapped, so
# its files keep their owners inside.
NOUSERNS='c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "user"]; c["linux"].pop("uidMappings"); c["linux"].pop("gidMappings"); c["process"]["args"] = ["sh", "-c", "ls -ln /bin/busybox; grep idmapped /proc/self/mountinfo | head -1"]'
I=$BW_TMP/idmapped
mkdir -p "$I"; cp -a "$S/rootfs" "$I/"; cp "$S/config.json" "$I/"
edit_config "$I/config.json" "$NOUSERNS"
out=$(bw run -b "$I" idm 2>&1)
grep -qE '^-rwx.* 0 +0 ' <<<"$out" && grep -q idmapped <<<"$out" \
  && ok "added user namespace: rootfs idmapped, files keep their owners" \
  || fail "added user namespace: rootfs idmapped, files keep their owners" "$out"

# A root on a filesystem that can't be idmapped (ramfs never supports
# idmapped mounts; overlay does on newer kernels, and bulwark idmaps its
# layers): the shipped policy refuses, naming the policy key; the fallback
# runs it with host-owned files shown as nobody.
O=$BW_TMP/ramfs
mkdir -p "$O/bundle/rootfs"
cp "$S/config.json" "$O/bundle/"
edit_config "$O/bundle/config.json" "$NOUSERNS"
if mount -t ramfs ramfs "$O/bundle/rootfs"; then
  cp -a "$S/rootfs/." "$O/bundle/rootfs/"
  expect_fail "refused: shipped policy, root not idmappable" 'root.path.*userNamespace.idmapFallback' run -b "$O/bundle" ovl
  check "refused: root not idmappable leaves nothing" test ! -e "$ROOT/ovl"
  out=$(POLICY=$CLAMP bw run -b "$O/bundle" ovl2 2>&1)
  grep -qE '^-rwx.* 65534 +65534 ' <<<"$out" && ok "idmapFallback clamp: runs, files show as nobody" \
    || fail "idmapFallback clamp: runs, files show as nobody" "$out"
  umount "$O/bundle/rootfs"
else
  fail "ramfs mount for the idmap fallback test" "mount -t ramfs failed"
fi
POLICY=$CLAMP

# ---------------------------------------------------------------- audit log
# Every create under the shipped policy appended one JSON line with its id
# and decisions to the policy's audit log.
python3 - "$AUDIT_LOG" <<'PY' && ok "audit log: one JSON posture line per create" || fail "audit log: one JSON posture line per create" "$(head -c 600 "$AUDIT_LOG" 2>&1)"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines, "empty"
ids = set()
for l in lines:
    e = json.loads(l)
    assert e["msg"] == "posture" and e["time"] and e["posture"]["decisions"], e
    ids.add(e["id"])
assert "in-docker" in ids and "in-spec" in ids, ids
PY
sed "s|\"auditLog\": \"[^\"]*\"|\"auditLog\": \"relative.log\"|" "$SRC/profiles/policy.json" > "$BW_TMP/badlog.json"
out=$(POLICY=$BW_TMP/badlog.json bw run -b "$B" badlog 2>&1)
[ $? -ne 0 ] && grep -q 'auditLog: must be an absolute path' <<<"$out" && ok "audit log: a relative path is a policy error" \
  || fail "audit log: a relative path is a policy error" "$out"

# The floor holds for processes entering through exec too, even when the
# config's own filter allows everything.
F=$BW_TMP/floor; mkdir -p "$F"; cp -a "$B/rootfs" "$F/"; cp "$B/config.json" "$F/"
edit_config "$F/config.json" 'c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW"}; c["process"]["args"] = ["sleep", "60"]'
if bw run -d -b "$F" floor-exec >/dev/null 2>&1; then
  # io_uring_setup, which a user namespace may otherwise call.
  out=$(bw exec floor-exec seccomp_probe 425 1 buf 2>&1)
  [ "$out" = "err 1" ] && ok "floor: an exec'd process gets it (io_uring_setup EPERM under an allow-all config filter)" \
    || fail "floor: an exec'd process gets it (io_uring_setup EPERM under an allow-all config filter)" "$out"
  out=$(bw exec floor-exec seccomp_probe getpid 2>&1)
  grep -q '^ok' <<<"$out" && ok "floor: other syscalls pass in exec" || fail "floor: other syscalls pass in exec" "$out"
  bw delete -f floor-exec >/dev/null 2>&1
else
  fail "floor: run -d" "$(bw run -d -b "$F" floor-exec2 2>&1)"
fi

# Under enforce the policy's own value replaces the config's; in audit mode
# the config's stands, and a wrong one is refused.
edit_config "$F/config.json" 'c.setdefault("annotations", {})["run.bulwark.seccomp.floor"] = "maybe"; c["process"]["args"] = ["true"]'
POLICY=$TESTS_DIR/policy/audit.json expect_fail "floor: an unknown annotation value is refused in one line" \
  '^bulwark: annotations\.run\.bulwark\.seccomp\.floor: unknown value "maybe"' run -b "$F" floor-bad

# ---------------------------------------------------------------- audit
POLICY=$TESTS_DIR/policy/audit.json
out=$(bw run -b "$B" audited 2>&1)
grep -qE '^Seccomp:[[:space:]]*0' <<<"$out" && grep -q '^rootfs writable$' <<<"$out" \
  && grep -q '^uidmap *0 *0 *4294967295' <<<"$out" && grep -q '^bpf err' <<<"$out" \
  && ! grep -q '^bpf err 1$' <<<"$out" \
  && ok "audit: changes nothing" || fail "audit: changes nothing" "$out"
bw create -b "$B" aud >/dev/null 2>&1
out=$(bw report aud 2>&1)
grep -q '^mode: audit' <<<"$out" && grep -q '^capabilities  *clamped' <<<"$out" && grep -q '^seccomp  *added' <<<"$out" \
  && ok "audit: reports everything" || fail "audit: reports everything" "$out"
cmp -s <(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])),sort_keys=True))' "$B/config.json") \
       <(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])),sort_keys=True))' "$ROOT/aud/config.json") \
  && ok "audit: saved config is the bundle's" || fail "audit: saved config is the bundle's" "differs"
bw delete -f aud >/dev/null 2>&1

# ---------------------------------------------------------------- the ID-range pool
POLICY=$CLAMP
set_args "$B/config.json" sleep 60
for i in $(seq 1 50); do bw create -b "$B" "p$i" >/dev/null 2>"$BW_TMP/err.$i" & done
wait
created=0; ranges=(); bad=
for i in $(seq 1 50); do
  st=$(bw state "p$i" 2>&1)
  pid=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])' <<<"$st" 2>/dev/null)
  [ -n "$pid" ] && created=$((created + 1))
  r=$(awk '{print $2}' "/proc/${pid:-0}/uid_map" 2>/dev/null)
  [ -n "$r" ] && ranges+=("$r") || bad="$bad p$i: $st $(cat "$BW_TMP/err.$i")"
done
distinct=$(printf '%s\n' "${ranges[@]}" | sort -u | grep -c .)
[ $created = 50 ] && [ "$distinct" = 50 ] && ok "50 concurrent creates: 50 distinct ranges" \
  || fail "50 concurrent creates: 50 distinct ranges" "created $created, distinct $distinct;$bad"
for i in $(seq 1 50); do bw delete -f "p$i" >/dev/null 2>&1 & done
wait
[ -z "$(records)" ] && ok "delete returns the ranges" || fail "delete returns the ranges" "$(records | head)"

# Two clients each pass their own --root; the pool is machine-wide: the
# containers of two roots get two ranges, and each delete returns its own.
# (Two ids: the same id would share the default cgroupsPath.)
ROOT2=$BW_TMP/state2
bw2 () { timeout 30 "$BULWARK" --root "$ROOT2" --policy "$POLICY" "$@"; }
bw create -b "$B" twin1 >/dev/null 2>"$BW_TMP/twin1.err"
bw2 create -b "$B" twin2 >/dev/null 2>"$BW_TMP/twin2.err"
pid1=$(bw state twin1 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])' 2>/dev/null)
pid2=$(bw2 state twin2 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])' 2>/dev/null)
r1=$(awk '{print $2}' "/proc/${pid1:-0}/uid_map" 2>/dev/null); r2=$(awk '{print $2}' "/proc/${pid2:-0}/uid_map" 2>/dev/null)
[ -n "$r1" ] && [ -n "$r2" ] && [ "$r1" != "$r2" ] && [ "$(records | grep -c .)" = 2 ] \
  && ok "two --root dirs, one pool: distinct ranges ($r1, $r2)" \
  || fail "two --root dirs, one pool: distinct ranges" "$r1 / $r2; $(records); $(cat "$BW_TMP"/twin*.err)"
bw delete -f twin1 >/dev/null 2>&1
[ "$(records | grep -c .)" = 1 ] && ok "two --root dirs: delete returns only its own range" \
  || fail "two --root dirs: delete returns only its own range" "$(records)"
bw2 delete -f twin2 >/dev/null 2>&1
[ -z "$(records)" ] && [ -z "$(ls -A "$ROOT2" 2>/dev/null | grep -v -e '^\.lock$' -e '^\.seccomp-cache$')" ] && ok "two --root dirs: deleting both empties the pool" \
  || fail "two --root dirs: deleting both empties the pool" "$(records; ls -A "$ROOT2")"

# A create killed while it holds a range (its record is in the pool) leaks
# no range once deleted. The kill follows the record at once or a little
# later; it counts when it landed before the create finished (status 137).
has_record () { compgen -G "$POOL/[!.]*" >/dev/null; }
held=0
for delay in 0 0 0 0.001 0.002 0.005 0.01; do
  "$BULWARK" --root "$ROOT" --policy "$POLICY" create -b "$B" killed >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 20000); do has_record && break; kill -0 "$pid" 2>/dev/null || break; done
  has_record && sleep "$delay"
  kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  [ $? -eq 137 ] && has_record && held=$((held + 1))
  bw delete --force killed >/dev/null 2>&1
done
[ "$held" -gt 0 ] && ok "SIGKILLed creates: $held of 7 killed while holding a range" \
  || fail "SIGKILLed creates: killed while holding a range" "no kill landed between the pool record and the end of create"
[ -z "$(records)" ] && [ ! -e "$ROOT/killed" ] && ok "SIGKILLed creates leak no range" \
  || fail "SIGKILLed creates leak no range" "$(ls -A "$POOL" "$ROOT")"

finish
