#!/usr/bin/env bash
# The container's filesystem seen from inside: mount types and options,
# propagation, idmapped binds, root.readonly, --no-pivot, masked and
# read-only paths, linux.devices and the standard /dev entries.
. "$(dirname "$0")/lib.sh"

B="$BW_TMP/bundle"
make_bundle "$B" || { fail "make bundle" "bulwark spec failed"; finish; exit 1; }
mkdir -p "$B/rootfs/mnt" "$B/rootfs/data"
cp "$B/config.json" "$BW_TMP/config.base.json"
expect_not () {
  if [ "$RC" -eq 0 ] && ! printf '%s\n' "$OUT" | grep -Eq -- "$2"; then ok "$1"; else fail "$1" "rc=$RC out=$OUT"; fi
}
add_mount () { printf 'c["mounts"].append(%s)' "$1"; }
# mountinfo line of mount point $1, as the workload's shell prints it.
MI='grep " $0 " /proc/self/mountinfo'

SRC="$BW_TMP/src"; mkdir -p "$SRC/sub"; echo data > "$SRC/file"

# --- bind mounts and per-mount options
inrun "$(add_mount '{"destination": "/mnt", "type": "bind", "source": "'"$SRC"'", "options": ["bind", "ro", "nosuid", "nodev", "noexec", "noatime"]}')" sh -c "cat /mnt/file; $MI" /mnt
expect "bind: content visible" '^data$'
expect "bind: ro,nosuid,nodev,noexec,noatime" ' /mnt ro,nosuid,nodev,noexec,noatime '
inrun "$NO_USERNS; $(add_mount '{"destination": "/mnt", "type": "bind", "source": "'"$SRC"'", "options": ["rbind", "rw", "relatime"]}')" sh -c "echo x > /mnt/sub/w && $MI" /mnt
expect "rbind rw relatime: writable" ' /mnt rw,relatime '
check "rbind rw: the write reached the source" test -f "$SRC/sub/w"
inrun "$(add_mount '{"destination": "/mnt", "type": "bind", "source": "'"$SRC"'", "options": ["bind", "strictatime", "nodiratime"]}')" sh -c "$MI" /mnt
expect "bind: strictatime (no atime flag shown) and nodiratime" ' /mnt rw,nodiratime '
inrun "$NO_USERNS; $(add_mount '{"destination": "/mnt/f", "type": "bind", "source": "'"$SRC"'/file", "options": ["bind", "ro"]}')" sh -c 'cat /mnt/f; echo y > /mnt/f || echo refused'
expect "bind of a file, read-only" '^refused$'
inrun "$(add_mount '{"destination": "/mnt", "type": "bind", "source": "'"$SRC"'", "options": ["bind", "size=1"]}')" true
expect_error "bind: a filesystem option is refused, naming the mount" '^bulwark: mounts\[9\]: mount .* to /mnt: option size=1 is not valid for a bind mount$'

# --- propagation, seen in the optional fields of mountinfo from inside
for p in shared slave private unbindable rshared rslave rprivate runbindable; do
  inrun "$NO_USERNS; c[\"linux\"][\"rootfsPropagation\"] = \"rslave\"; $(add_mount '{"destination": "/mnt", "type": "bind", "source": "'"$SRC"'", "options": ["rbind", "'"$p"'"]}')" sh -c "$MI" /mnt
  case $p in
    *shared) want=' shared:[0-9]+ ' ;;
    *unbindable) want=' unbindable ' ;;
    *) want='' ;;
  esac
  if [ -n "$want" ]; then expect "propagation $p visible in mountinfo" "$want"
  else expect_not "propagation $p: neither shared nor unbindable" ' (shared:|unbindable)'; fi
done
for p in shared rshared unbindable slave private; do
  inrun "c[\"linux\"][\"rootfsPropagation\"] = \"$p\"" sh -c 'grep -E " / (ro|rw)," /proc/self/mountinfo'
  case $p in *shared) want=' shared:' ;; unbindable) want=' unbindable' ;; *) want='' ;; esac
  if [ -n "$want" ]; then expect "rootfsPropagation $p" "$want"; else expect_not "rootfsPropagation $p" ' (shared:|unbindable)'; fi
done
check "rootfsPropagation shared: nothing of the container on the host" bash -c "! grep -q '$B' /proc/self/mountinfo"

# --- filesystems
inrun "$(add_mount '{"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "mode=0710", "nosuid"]}')" sh -c "stat -c %a /mnt; $MI; df -k /mnt | tail -1"
expect "tmpfs mode=0710" '^710$'
expect "tmpfs size=1m (df: 1024 KiB)" '^tmpfs +1024 '
inrun "" sh -c 'grep -E " /proc | /sys | /dev/mqueue | /dev/pts | /dev/shm " /proc/self/mountinfo'
expect "proc mounted" ' /proc rw,relatime - proc '
expect "sysfs read-only (user namespace: the host's /sys bound when sysfs may not be mounted)" ' /sys ro,'
expect "mqueue" ' /dev/mqueue rw,nosuid,nodev,noexec,relatime - mqueue '
expect "devpts newinstance ptmxmode=0666 mode=0620" ' /dev/pts .* - devpts devpts rw,.*mode=620,ptmxmode=666'
expect "/dev/shm tmpfs mode=1777" ' /dev/shm rw,nosuid,nodev,noexec.* - tmpfs shm rw,.*size=65536k'
inrun "$NO_USERNS; c[\"linux\"][\"namespaces\"] = [n for n in c[\"linux\"][\"namespaces\"] if n[\"type\"] != \"network\"]" sh -c 'grep " /sys " /proc/self/mountinfo'
expect "sysfs with the host's network namespace (no user namespace)" ' /sys ro,nosuid,nodev,noexec,relatime - sysfs '
inrun "c[\"linux\"][\"namespaces\"] = [n for n in c[\"linux\"][\"namespaces\"] if n[\"type\"] != \"network\"]" sh -c 'grep " /sys " /proc/self/mountinfo; ls /sys/kernel >/dev/null && echo sys-ok'
expect "sysfs in a user namespace joined to the host network namespace: rbind fallback" '^sys-ok$'
inrun "$(add_mount '{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime"]}')" sh -c 'grep " /sys/fs/cgroup " /proc/self/mountinfo; mkdir /sys/fs/cgroup/x 2>/dev/null && echo writable || echo refused'
expect "cgroup mounted read-only" '^refused$'
inrun "$(add_mount '{"destination": "/mnt", "type": "nosuchfs", "source": "x"}')" true
expect_error "unknown filesystem type: one line naming the mount" '^bulwark: mounts\[9\]: mount x to /mnt: unknown filesystem type nosuchfs$'

# --- root.readonly, --no-pivot
inrun 'c["root"]["readonly"] = True' sh -c 'touch /x 2>/dev/null && echo writable || echo refused; grep -E " / (ro|rw)," /proc/self/mountinfo'
expect "root.readonly" '^refused$'
inrun "$NO_USERNS; c[\"root\"][\"readonly\"] = False" sh -c 'touch /rw-test && echo writable'
expect "root writable without root.readonly" '^writable$'
rm -f "$B/rootfs/rw-test"
RUN_FLAGS=(--no-pivot)
inrun "" sh -c 'cat /proc/self/mountinfo | grep -c " / " ; ls /bin/busybox'
expect "--no-pivot runs the container" '^/bin/busybox$'
RUN_FLAGS=()

# --- masked and read-only paths
inrun 'c["linux"]["maskedPaths"] = ["/proc/version", "/proc/irq", "/etc/passwd", "/no/such"]; c["linux"]["readonlyPaths"] = ["/proc/sys", "/etc"]' sh -c 'wc -c < /proc/version; ls /proc/irq | wc -l; wc -c < /etc/passwd; (echo 1 > /proc/sys/kernel/shm_rmid_forced) 2>/dev/null || echo ro-sys; touch /etc/x 2>/dev/null || echo ro-etc'
if [ "$RC" -eq 0 ] && [ "$(printf '%s\n' "$OUT" | tr '\n' ' ')" = "0 0 0 ro-sys ro-etc " ]; then ok "maskedPaths (files and dirs) and readonlyPaths from inside"; else fail "maskedPaths (files and dirs) and readonlyPaths from inside" "rc=$RC out=$OUT"; fi

# --- /dev
inrun "" sh -c 'ls -l /dev/fd /dev/stdin /dev/stdout /dev/stderr /dev/ptmx /dev/core 2>&1 | sed "s/.* \(\/dev\/[a-z]*\) -> \(.*\)/\1 \2/"; for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a" /dev/$d; done; ls -d /dev/shm /dev/pts'
expect "/dev/fd link" '^/dev/fd /proc/self/fd$'
expect "/dev/stdin link" '^/dev/stdin /proc/self/fd/0$'
expect "/dev/ptmx link" '^/dev/ptmx pts/ptmx$'
expect "/dev/null is the null device" '^/dev/null character special file 1:3 666$'
expect "/dev/urandom" '^/dev/urandom character special file 1:9 666$'
expect "/dev/tty" '^/dev/tty character special file 5:0 666$'
DEVS='c["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 384, "uid": 7, "gid": 8}, {"path": "/dev/sub/loopx", "type": "b", "major": 7, "minor": 0, "fileMode": 432}, {"path": "/dev/fifo", "type": "p"}]'
inrun "$NO_USERNS; $DEVS" sh -c 'stat -c "%n %F %t:%T %a %u:%g" /dev/fuse /dev/sub/loopx /dev/fifo'
expect "linux.devices: char node made with mode and owner (no user namespace)" '^/dev/fuse character special file a:e5 600 7:8$'
expect "linux.devices: block node in a new directory" '^/dev/sub/loopx block special file 7:0 660 0:0$'
expect "linux.devices: fifo" '^/dev/fifo fifo '
inrun 'c["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]' sh -c 'stat -c "%n %F %t:%T" /dev/fuse; grep " /dev/fuse " /proc/self/mountinfo | wc -l'
expect "linux.devices in a user namespace: the host's node bound" '^/dev/fuse character special file a:e5$'

# --- idmapped binds
ID="$BW_TMP/idsrc"; mkdir -p "$ID"; echo f > "$ID/owned"; chown -R 1000:1000 "$ID"
IDM='{"destination": "/data", "type": "bind", "source": "'"$ID"'", "options": ["bind"], "uidMappings": [{"containerID": 1000, "hostID": 100000, "size": 1}], "gidMappings": [{"containerID": 1000, "hostID": 100000, "size": 1}]}'
inrun "c[\"root\"][\"readonly\"] = False; $(add_mount "$IDM")" sh -c 'ls -ln /data/owned; touch /data/made-inside; ls -ln /data/made-inside'
expect "idmap: host uid 1000 is the container's root through the mapping" '^-rw-r--r-- +1 0 +0 .* /data/owned$'
check "idmap: a file made inside is owned by host uid 1000" test "$(stat -c %u:%g "$ID/made-inside" 2>/dev/null)" = 1000:1000
inrun "$NO_USERNS; $(add_mount '{"destination": "/data", "type": "bind", "source": "'"$ID"'", "options": ["bind", "idmap"], "uidMappings": [{"containerID": 1000, "hostID": 0, "size": 1}], "gidMappings": [{"containerID": 1000, "hostID": 0, "size": 1}]}')" sh -c 'ls -ln /data/owned; touch /data/by-root; ls -ln /data/by-root'
expect "idmap without a user namespace: uid 1000 shows as 0" '^-rw-r--r-- +1 0 +0 .* /data/owned$'
check "idmap without a user namespace: root's file is 1000 on the host" test "$(stat -c %u "$ID/by-root" 2>/dev/null)" = 1000
mkdir -p "$ID/nested"
inrun "$(add_mount '{"destination": "/data", "type": "bind", "source": "'"$BW_TMP"'", "options": ["rbind", "ridmap"]}')" sh -c 'ls -ln /data/idsrc/owned'
expect "ridmap with the container's mappings: host 1000 is 100000 - 99000 away, so unmapped" '^-rw-r--r-- +1 (65534|1000) '
inrun "$(add_mount '{"destination": "/data", "type": "bind", "source": "/proc/self", "options": ["bind", "idmap"]}')" true
expect_error "idmap on a filesystem that cannot be idmapped: one clear line" '^bulwark: mounts\[9\]: mount /proc/self to /data: idmap: the filesystem of /proc/self does not support idmapped mounts'
inrun "$NO_USERNS; $(add_mount '{"destination": "/data", "type": "bind", "source": "'"$ID"'", "options": ["bind", "idmap"]}')" true
expect_error "idmap without mappings and without a user namespace" 'mounts\[[0-9]+\]: .*idmap without uidMappings/gidMappings needs linux.uidMappings'
inrun "$(add_mount '{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}')" true
expect_error "idmap on a non-bind mount is refused" 'idmapped mounts are only supported for bind mounts'
check "features: idmap enabled, idmap and ridmap listed" bash -c "'$BULWARK' features | python3 -c 'import json,sys; f=json.load(sys.stdin); assert f[\"linux\"][\"mountExtensions\"][\"idmap\"][\"enabled\"] is True; assert \"idmap\" in f[\"mountOptions\"] and \"ridmap\" in f[\"mountOptions\"]'"

finish
