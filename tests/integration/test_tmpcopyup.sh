#!/usr/bin/env bash
# The tmpcopyup option of tmpfs mounts (podman --read-only, CRI-O): what
# the image holds at the mount point is copied into the tmpfs (files,
# directories, symlinks as symlinks, fifos; modes, owners, times), the
# tmpfs stays writable while the image is untouched, no symlink of the
# image leads the copy (or the mount) out of the root, the copy is bounded,
# and tmpcopyup on anything but a tmpfs is refused in one line.
. "$(dirname "$0")/lib.sh"

B="$BW_TMP/bundle"
make_bundle "$B" || { fail "make bundle" "bulwark spec failed"; finish; exit 1; }
cp "$B/config.json" "$BW_TMP/config.base.json"
R="$B/rootfs"
add_mount () { printf 'c["mounts"].append(%s)' "$1"; }
copyup_at () { add_mount '{"destination": "'"$1"'", "type": "tmpfs", "source": "tmpfs", "options": ["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"'"${2:+, $2}"']}'; }
# The default config maps container ids 0-65535 to host 100000-165535.
H=100000

# --- the image's /data: the tree to copy
mkdir -p "$R/data/sub"
printf hello > "$R/data/f"; chmod 0640 "$R/data/f"; chown $((H + 7)):$((H + 8)) "$R/data/f"
printf world > "$R/data/sub/g"; chown $((H + 1)):$((H + 1)) "$R/data/sub" "$R/data/sub/g"
chmod 0750 "$R/data/sub"
ln -s f "$R/data/link"
ln -s /etc "$R/data/evil"
ln -s ../../../../../.. "$R/data/up"
mkfifo "$R/data/p"; chmod 0620 "$R/data/p"
chown -h $H:$H "$R/data/link" "$R/data/evil" "$R/data/up" "$R/data/p"
printf secret > "$R/data/hostowned"; chmod 0644 "$R/data/hostowned"   # host uid 0: unmapped
touch -d '2001-02-03 04:05:06' "$R/data/f"
chown $((H + 3)):$((H + 4)) "$R/data"; chmod 0751 "$R/data"
snapshot () { (cd "$R" && find data run -printf '%p %y %m %U:%G %s %T@\n' | sort); }
BEFORE=$(snapshot)

STATS='stat -c "%n %F %a %u:%g %s" /data /data/f /data/sub /data/sub/g /data/link /data/p /data/hostowned'
inrun "$(copyup_at /data)" sh -c "$STATS; readlink /data/link; readlink /data/evil; readlink /data/up; cat /data/f /data/sub/g; echo; stat -c %Y /data/f; grep ' /data ' /proc/self/mountinfo; echo new > /data/new && cat /data/new; ls /data/evil/ | head -3"
expect "copyup: the tmpfs root takes the directory's mode and owner" '^/data directory 751 3:4 '
expect "copyup: file content, mode and owner" '^/data/f regular file 640 7:8 5$'
expect "copyup: subdirectory and its file" '^/data/sub directory 750 1:1 .*'
expect "copyup: file in the subdirectory" '^/data/sub/g regular file 644 1:1 5$'
expect "copyup: symlink copied as a symlink" '^/data/link symbolic link 777 0:0 1$'
expect "copyup: fifo made again" '^/data/p fifo 620 0:0 0$'
expect "copyup: an owner the user namespace does not map: the overflow id, as the image shows it" '^/data/hostowned regular file 644 65534:65534 6$'
expect "copyup: contents" '^helloworld$'
expect "copyup: symlink targets kept as text" '^/etc$'
expect "copyup: a symlink up and out kept as text" '^\.\./\.\./\.\./\.\./\.\./\.\.$'
expect "copyup: modification time kept" "^$(stat -c %Y "$R/data/f")\$"
expect "copyup: /data is a tmpfs" ' /data rw,nosuid,nodev.* - tmpfs '
expect "copyup: the tmpfs is writable" '^new$'
expect "copyup: a symlink out of the root is taken inside it (the container's /etc)" '^group$'
check "copyup: the image underneath is untouched" test "$(snapshot)" = "$BEFORE"
check "copyup: nothing copied from the host's /etc" test ! -e "$R/data/passwd"

# --- podman --read-only: /run and /tmp as tmpcopyup tmpfs over a read-only root
mkdir -p "$R/run/lock"; printf pid > "$R/run/lock/x"
PODMAN='for m in c["mounts"]:
    if m["destination"] in ("/run", "/tmp", "/var/tmp"): m["options"] = ["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"]
c["root"]["readonly"] = True'
inrun "$PODMAN" sh -c 'cat /run/lock/x; echo; touch /run/lock/y /tmp/t /var/tmp/t && echo writable; touch /etc/z 2>/dev/null || echo root-ro'
expect "podman --read-only mounts: /run contents copied" '^pid$'
expect "podman --read-only mounts: /run /tmp /var/tmp writable" '^writable$'
expect "podman --read-only mounts: the root stays read-only" '^root-ro$'
check "podman --read-only mounts: the image's /run untouched" test ! -e "$R/run/lock/y"

inrun "$(copyup_at /data '"ro"')" sh -c 'cat /data/f; echo; touch /data/w 2>/dev/null && echo writable || echo refused'
expect "copyup read-only: filled, then read-only" '^hello$'
expect "copyup read-only: writes refused" '^refused$'

# --- symlinked mount points resolve inside the root, never to the host
ln -s /etc "$R/etclink"; ln -s ../../../../../../../etc "$R/etcrel"
for l in etclink etcrel; do
  inrun "$(copyup_at /$l)" sh -c 'grep -c . /etc/passwd; ls /etc; grep " /etc " /proc/self/mountinfo'
  expect "mount point symlink /$l: the tmpfs lands on the container's /etc" ' /etc rw,nosuid,nodev.* - tmpfs '
  expect "mount point symlink /$l: the container's /etc copied, not the host's" '^1$'
  if printf '%s\n' "$OUT" | grep -qx 'os-release\|hostname\|shadow'; then fail "mount point symlink /$l: no host file" "$OUT"; else ok "mount point symlink /$l: no host file"; fi
done
check "mount point symlinks: the host's /etc has no new mount" bash -c "! grep -q ' /etc ' /proc/self/mountinfo || [ \"\$(grep -c ' /etc ' /proc/self/mountinfo)\" = '$(grep -c ' /etc ' /proc/self/mountinfo)' ]"
inrun "$NO_USERNS; $(copyup_at /absent/dir)" sh -c 'ls -A /absent/dir | wc -l; grep -c " /absent/dir " /proc/self/mountinfo'
expect "copyup onto a missing mount point: an empty tmpfs" '^0$'
rm -rf "$R/absent"
printf x > "$R/plainfile"
inrun "$(copyup_at /plainfile)" true
expect_error "copyup onto a file: one line naming it" '^bulwark: mounts\[9\]: mount tmpfs to /plainfile: tmpcopyup: /plainfile is not a directory$'

# --- refused and bounded
inrun "$(add_mount '{"destination": "/data", "type": "bind", "source": "'"$BW_TMP"'", "options": ["rbind", "tmpcopyup"]}')" true
expect_error "tmpcopyup on a bind mount: one line naming the mount" '^bulwark: mounts\[9\]: mount .* to /data: option tmpcopyup is only valid for a tmpfs mount$'
inrun "$(add_mount '{"destination": "/data", "type": "proc", "source": "proc", "options": ["tmpcopyup"]}')" true
expect_error "tmpcopyup on proc: refused" '^bulwark: mounts\[9\]: mount proc to /data: option tmpcopyup is only valid for a tmpfs mount$'
mkdir -p "$R/big"; head -c 65536 /dev/zero > "$R/big/blob"
inrun "$(copyup_at /big '"size=16k"')" true
expect_error "copyup larger than size=: one line naming the file" '^bulwark: mounts\[9\]: mount tmpfs to /big: tmpcopyup: copy "/big/blob": more than 16384 bytes to copy'
rm -rf "$R/big"; mkdir -p "$R/big"; truncate -s 1T "$R/big/sparse"
start=$(date +%s)
inrun "$(copyup_at /big)" true
expect_error "copyup of a 1 TiB sparse file: refused at once (default bound)" 'tmpcopyup: copy "/big/sparse": more than 1073741824 bytes to copy'
check "copyup of a sparse file: no time spent" test $(( $(date +%s) - start )) -lt 10
rm -rf "$R/big"
mkdir -p "$R/deep"; (cd "$R/deep" && for i in $(seq 130); do mkdir d && cd d || exit 1; done)
inrun "$(copyup_at /deep)" true
expect_error "copyup nested too deep: refused" 'tmpcopyup: copy "/deep(/d)+/?"(\.\.\.)?: nested deeper than 128 directories$'
rm -rf "$R/deep"
mkdir -p "$R/odd"; : > "$R/odd/$(printf 'a\nb')"; chmod 0 "$R/odd/$(printf 'a\nb')"
inrun "$(copyup_at /odd)" true
expect_error "copyup error on a name with a newline: one quoted line" 'tmpcopyup: open "/odd/a\\x0ab": Permission denied$'
rm -rf "$R/odd"

# --- without a user namespace: host owners kept, device nodes made again
mknod "$R/data/null" c 1 3; chmod 0666 "$R/data/null"
inrun "$NO_USERNS; $(copyup_at /data)" sh -c 'stat -c "%n %F %t:%T %a %u:%g" /data/null /data/hostowned /data/f'
expect "no user namespace: device node made again" '^/data/null character special file 1:3 666 0:0$'
expect "no user namespace: host owners kept" "^/data/f regular file 0:0 640 $((H + 7)):$((H + 8))\$"
inrun "$(copyup_at /data)" sh -c 'ls /data/null 2>/dev/null || echo skipped'
expect "user namespace: a device node is skipped (it could not be made)" '^skipped$'
rm -f "$R/data/null"

check "features: tmpcopyup listed" bash -c "'$BULWARK' features | grep -q '\"tmpcopyup\"'"
check "nothing left mounted" bash -c "! grep -q '$BW_TMP' /proc/self/mountinfo"
check "nothing left in the state root" root_is_empty
finish
