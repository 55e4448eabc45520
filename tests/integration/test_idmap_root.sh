#!/usr/bin/env bash
# The idmapped root (annotation run.bulwark.rootfs.idmap): a rootfs owned by
# host root, run in a user namespace (0 -> 100000), shows its files as the
# container's root's, and what container root creates lands on disk owned
# by host root. Without the annotation the same files are nobody's.
. "$(dirname "$0")/lib.sh"

B="$BW_TMP/bundle"
make_bundle "$B" || { fail "make bundle" "bulwark spec failed"; finish; exit 1; }
chown -R 0:0 "$B/rootfs"
cp "$B/config.json" "$BW_TMP/config.base.json"
ANN='c.setdefault("annotations", {})["run.bulwark.rootfs.idmap"]'
# The root mount's mount point and options, from inside.
ROOT_MI='awk '"'"'$5 == "/" { print $5, $6 }'"'"' /proc/self/mountinfo'

check "the default config has a user namespace mapping 0 to 100000" python3 -c "
import json; c = json.load(open('$B/config.json'))
assert any(n['type'] == 'user' for n in c['linux']['namespaces'])
assert c['linux']['uidMappings'][0]['containerID'] == 0 and c['linux']['uidMappings'][0]['hostID'] == 100000"

# --- without the annotation: host root's files are nobody's inside
inrun 'c["root"]["readonly"] = False' sh -c 'ls -ln /bin/busybox; touch /newfile 2>/dev/null && echo created || echo refused'
expect "no idmap: /bin/busybox shows as 65534" '^-[rwx-]{9} +1 65534 +65534 '
expect "no idmap: root cannot write the rw root owned by host root" '^refused$'
rm -f "$B/rootfs/newfile"

# --- with it: the container's mappings are the mount's
inrun "$ANN = 'true'; c['root']['readonly'] = False" sh -c 'ls -ln /bin/busybox; touch /newfile && ls -ln /newfile; mkdir /newdir && echo made'
expect "idmap: /bin/busybox shows as uid 0" '^-[rwx-]{9} +1 0 +0 .*/bin/busybox$'
expect "idmap: root creates /newfile, owned by its uid 0 inside" '^-rw-r--r-- +1 0 +0 .*/newfile$'
expect "idmap: root creates a directory" '^made$'
check "idmap: on the host /newfile is owned by uid 0, not 100000" test "$(stat -c %u:%g "$B/rootfs/newfile" 2>/dev/null)" = 0:0
check "idmap: on the host /newdir is owned by uid 0" test "$(stat -c %u:%g "$B/rootfs/newdir" 2>/dev/null)" = 0:0
rm -rf "$B/rootfs/newfile" "$B/rootfs/newdir"
inrun "$ANN = 'true'; c['root']['readonly'] = False" sh -c "$ROOT_MI"
expect "idmap: the root mount is idmapped (mountinfo)" '^/ rw,[^ ]*idmapped'

# A file of a host id outside the mapping stays unmapped.
touch "$B/rootfs/stranger" && chown 4242:4242 "$B/rootfs/stranger"
chown 100000:100000 "$B/rootfs/etc/group"
inrun "$ANN = 'true'" sh -c 'ls -ln /stranger /etc/group'
expect "idmap: host uid 4242 is container uid 4242" '^-rw-r--r-- +1 4242 +4242 .*/stranger$'
expect "idmap: host uid 100000 is container uid 100000 (nobody: outside 0..65535)" '^-rw-r--r-- +1 65534 +65534 .*/etc/group$'
rm -f "$B/rootfs/stranger"; chown 0:0 "$B/rootfs/etc/group"

# --- root.readonly still holds
inrun "$ANN = 'true'; c['root']['readonly'] = True" sh -c 'ls -ln /bin/busybox; touch /newfile 2>/dev/null && echo created || echo refused; '"$ROOT_MI"
expect "idmap + readonly: owners mapped" '^-[rwx-]{9} +1 0 +0 .*/bin/busybox$'
expect "idmap + readonly: the root is still read-only" '^refused$'
expect "idmap + readonly: mountinfo says ro" '^/ ro,[^ ]*idmapped'
check "idmap + readonly: nothing was written" test ! -e "$B/rootfs/newfile"

# --- --no-pivot (MS_MOVE + chroot) takes the same idmapped tree
cp "$BW_TMP/config.base.json" "$B/config.json"
edit_config "$B/config.json" "$ANN = 'true'; c['root']['readonly'] = False"
set_args "$B/config.json" sh -c 'ls -ln /bin/busybox; touch /newfile && echo made'
OUT=$(bw run --no-pivot --bundle "$B" nopivot 2>&1); RC=$?
expect "idmap + --no-pivot: owners mapped" '^-[rwx-]{9} +1 0 +0 .*/bin/busybox$'
check "idmap + --no-pivot: the new file is host root's" test "$(stat -c %u "$B/rootfs/newfile" 2>/dev/null)" = 0
rm -f "$B/rootfs/newfile"

# --- refusals, one line each
inrun "$ANN = 'yes'" true
expect_error "a bad annotation value is refused in one line" '^bulwark: .*annotations\.run\.bulwark\.rootfs\.idmap: unknown value "yes"'
inrun "$ANN = 'false'; c['root']['readonly'] = False" sh -c 'ls -ln /bin/busybox'
expect "annotation false: no idmap" '^-[rwx-]{9} +1 65534 +65534 '
inrun "$ANN = 'true'; c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'user']; c['linux'].pop('uidMappings', None); c['linux'].pop('gidMappings', None)" true
expect_error "idmap without mappings is refused, naming the annotation" '^bulwark: .*annotations\.run\.bulwark\.rootfs\.idmap: an idmapped root needs linux\.uidMappings'

# A root on a filesystem that cannot be idmapped: an error naming root.path
# and the annotation, nothing left mounted.
mounts_before=$(grep -c '' /proc/self/mountinfo)
inrun "$ANN = 'true'; c['root']['path'] = '/proc/self/fdinfo'" true
expect_error "a filesystem that cannot be idmapped: one line naming root.path and the annotation" '^bulwark: root\.path: idmap \(annotation run\.bulwark\.rootfs\.idmap=true\): the filesystem of /proc/self/fdinfo does not support idmapped mounts'
check "nothing left mounted after the refusal" test "$(grep -c '' /proc/self/mountinfo)" = "$mounts_before"
check "nothing left in the state root after the refusal" root_is_empty

finish
