#!/usr/bin/env bash
# Idmapped overlay roots and bind mounts. Docker, containerd and podman
# give the runtime an overlayfs root, which the kernel cannot idmap: bulwark
# rebuilds the overlay from the same layers, each idmapped. Bind mounts are
# idmapped like the root when the hardening step asks
# (run.bulwark.mounts.idmap), the policy's idmapFallback deciding for a
# filesystem that can't be (ramfs here).
. "$(dirname "$0")/lib.sh"

S="$BW_TMP/src"
make_bundle "$S" || { fail "make bundle" "bulwark spec failed"; finish; exit 1; }
chown -R 0:0 "$S/rootfs"
O="$BW_TMP/ovl"
B="$O/bundle"
mkdir -p "$O/lower" "$O/upper" "$O/work" "$B/rootfs" "$O/data"
cp -a "$S/rootfs/." "$O/lower/"
cp "$S/config.json" "$B/config.json"
cp "$B/config.json" "$BW_TMP/config.base.json"
echo hostfile >"$O/data/f"
MOUNTS_BEFORE=$(grep -c '' /proc/self/mountinfo)
cleanup () { umount "$B/rootfs" 2>/dev/null; umount "$BW_TMP/ramfs" 2>/dev/null; }
trap cleanup EXIT
mount -t overlay overlay -o "lowerdir=$O/lower,upperdir=$O/upper,workdir=$O/work" "$B/rootfs" \
  || { fail "mount the test overlay" "mount failed"; finish; exit 1; }
IDMAP='c.setdefault("annotations", {})["run.bulwark.rootfs.idmap"] = "true"'
BINDS='c.setdefault("annotations", {})["run.bulwark.mounts.idmap"]'
DATA='c["mounts"].append({"destination": "/data", "type": "bind", "source": "'"$O/data"'", "options": ["rbind", "rw"]})'

# --- the overlay root
inrun "$IDMAP; c['root']['readonly'] = False" sh -c 'ls -ln /bin/busybox; touch /newfile && ls -ln /newfile; echo more >> /etc/passwd && echo appended; awk '"'"'$5 == "/" {print $9}'"'"' /proc/self/mountinfo'
expect "overlay root: /bin/busybox shows as uid 0" '^-[rwx-]{9} +1 0 +0 .*/bin/busybox$'
expect "overlay root: root creates /newfile, uid 0 inside" '^-rw-r--r-- +1 0 +0 .*/newfile$'
expect "overlay root: root writes a lower-layer file (copy-up)" '^appended$'
expect "overlay root: the root is an overlay" '^overlay$'
check "overlay root: /newfile lands in the upper layer owned by host root" test "$(stat -c %u:%g "$O/upper/newfile" 2>/dev/null)" = 0:0
check "overlay root: the copied-up /etc/passwd is host root's" test "$(stat -c %u:%g "$O/upper/etc/passwd" 2>/dev/null)" = 0:0
check "overlay root: the lower layer is untouched" test ! -e "$O/lower/newfile" -a "$(grep -c more "$O/lower/etc/passwd")" = 0
rm -rf "$O/upper/newfile" "$O/upper/etc"

# A read-only root: the mount points it lacks are made in the upper layer
# first (as runc makes them), then the root is read-only.
inrun "$IDMAP; c['root']['readonly'] = True; $DATA" sh -c 'touch /x 2>/dev/null && echo created || echo refused; cat /data/f'
expect "overlay root, read-only: writes refused" '^refused$'
expect "overlay root, read-only: a bind onto a new mount point works" '^hostfile$'
check "overlay root, read-only: only the mount point was made" test -d "$O/upper/data" -a ! -e "$O/upper/x"
rm -rf "$O/upper/data"

# A client's volatile overlay (podman run --rm) marks its work dir as
# unusable by any other mount: ours has a work dir of its own, reused by
# the next create of the same layers.
umount "$B/rootfs"
mount -t overlay overlay -o "lowerdir=$O/lower,upperdir=$O/upper,workdir=$O/work,volatile" "$B/rootfs"
inrun "$IDMAP; c['root']['readonly'] = False" sh -c 'touch /v1 && echo first'
expect "overlay root: a volatile client overlay can be rebuilt" '^first$'
inrun "$IDMAP; c['root']['readonly'] = False" sh -c 'ls /v1 && echo second'
expect "overlay root: and rebuilt again (its work dir reused)" '^second$'
rm -f "$O/upper/v1"
umount "$B/rootfs"
rm -rf "$O/work/work"   # the volatile mark: a client clears it as it sees fit
mount -t overlay overlay -o "lowerdir=$O/lower,upperdir=$O/upper,workdir=$O/work" "$B/rootfs"

# --- bind mounts idmapped like the root
inrun "$IDMAP; $BINDS = 'required'; $DATA" sh -c 'ls -ln /data/f; echo new > /data/g && echo wrote'
expect "binds required: a host-root file shows as uid 0" '^-rw-r--r-- +1 0 +0 .*/data/f$'
expect "binds required: root writes the bind" '^wrote$'
check "binds required: the new file is host root's on disk" test "$(stat -c %u:%g "$O/data/g" 2>/dev/null)" = 0:0
rm -f "$O/data/g"
inrun "$IDMAP; $DATA" sh -c 'ls -ln /data/f'
expect "without the binds annotation a bind is not idmapped" '^-rw-r--r-- +1 65534 +65534 .*/data/f$'

mkdir -p "$BW_TMP/ramfs" && mount -t ramfs ramfs "$BW_TMP/ramfs" && echo r >"$BW_TMP/ramfs/f"
RAM='c["mounts"].append({"destination": "/ram", "type": "bind", "source": "'"$BW_TMP/ramfs"'", "options": ["rbind", "ro"]})'
inrun "$IDMAP; $BINDS = 'required'; $RAM" true
expect_error "binds required: a filesystem that can't be idmapped is refused, naming the mount and the policy key" \
  '^bulwark: mounts\[[0-9]+\]: mount .*/ramfs to /ram: idmap \(the policy.s userNamespace\.idmapFallback is "refuse"\): the filesystem of .* does not support idmapped mounts'
inrun "$IDMAP; $BINDS = 'best-effort'; $RAM; $DATA" sh -c 'ls -ln /ram/f /data/f'
expect "binds best-effort: the ramfs bind is mounted as it is (nobody)" '^-rw-r--r-- +1 65534 +65534 .*/ram/f$'
expect "binds best-effort: the others are idmapped" '^-rw-r--r-- +1 0 +0 .*/data/f$'
inrun "$BINDS = 'sometimes'" true
expect_error "an unknown binds annotation value is refused in one line" '^bulwark: annotations\.run\.bulwark\.mounts\.idmap: unknown value "sometimes"'

# --- an overlay whose layers can't be named (relative lowerdir): refused
umount "$B/rootfs"
(cd "$O" && mount -t overlay overlay -o "lowerdir=lower,upperdir=$O/upper,workdir=$O/work" "$B/rootfs")
inrun "$IDMAP" true
expect_error "an overlay with relative layers is refused, naming root.path" \
  '^bulwark: root\.path: idmap .*: the overlay at .* cannot be idmapped: a lower layer is not an absolute path'

# --- the shipped policy: an overlay root gets a user namespace and runs
umount "$B/rootfs"
mount -t overlay overlay -o "lowerdir=$O/lower,upperdir=$O/upper,workdir=$O/work" "$B/rootfs"
SHIPPED="$BW_TMP/shipped.json"
python3 - "$TESTS_DIR/../profiles/policy.json" "$SHIPPED" "$BW_TMP/pool" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["auditLog"] = ""
p["userNamespace"]["pool"] = sys.argv[3]
json.dump(p, open(sys.argv[2], "w"))
PY
cp "$BW_TMP/config.base.json" "$B/config.json"
edit_config "$B/config.json" 'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "user"]; c["linux"].pop("uidMappings"); c["linux"].pop("gidMappings")'
set_args "$B/config.json" sh -c 'cat /proc/self/uid_map; ls -ln /bin/busybox'
OUT=$(POLICY=$SHIPPED bw run -b "$B" shipped 2>&1); RC=$?
expect "shipped policy: an overlay root runs in a user namespace from the pool" '^ +0 +[1-9][0-9]{5,} +65536$'
grep -q ' 100000 ' <<<"$OUT" && fail "shipped policy: the range is not the config's" "$OUT"
expect "shipped policy: its files keep their owners" '^-[rwx-]{9} +1 0 +0 .*/bin/busybox$'
umount "$B/rootfs"

# A layer the kernel can't idmap (ramfs) under the clamp fallback:
# the probe fails inside the runtime, which must keep its stdin for the
# container.
mkdir -p "$BW_TMP/ramfs/lower" && cp -a "$O/lower/." "$BW_TMP/ramfs/lower/"
mount -t overlay overlay -o "lowerdir=$BW_TMP/ramfs/lower,upperdir=$O/upper,workdir=$O/work" "$B/rootfs"
CLAMP="$BW_TMP/clamp.json"
python3 -c 'import json, sys; p = json.load(open(sys.argv[1])); p["userNamespace"]["idmapFallback"] = "clamp"; json.dump(p, open(sys.argv[2], "w"))' "$SHIPPED" "$CLAMP"
set_args "$B/config.json" sh -c 'read -r line; echo "stdin: $line"'
OUT=$(echo from-the-caller | POLICY=$CLAMP bw run -b "$B" ramlayer 2>&1); RC=$?
expect "idmapFallback clamp, a ramfs layer: the container reads the caller's stdin" '^stdin: from-the-caller$'
umount "$B/rootfs"

check "nothing left mounted" test "$(grep -c '' /proc/self/mountinfo)" = "$((MOUNTS_BEFORE + 1))"
check "nothing left in the state root" root_is_empty
umount "$BW_TMP/ramfs"
finish
