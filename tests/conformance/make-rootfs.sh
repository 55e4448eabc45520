#!/usr/bin/env bash
# make-rootfs.sh DIR: the conformance rootfs, busybox-static with every
# applet linked in /bin, /etc/passwd and /etc/group, and the mount points
# of config.py's mounts.
set -eu
dir=$1
bb=/bin/busybox
[ -x "$bb" ] || { echo "make-rootfs: $bb missing (apt-get install busybox-static)" >&2; exit 1; }
file -L "$bb" 2>/dev/null | grep -q 'dynamically linked' && { echo "make-rootfs: $bb is not static" >&2; exit 1; }
mkdir -p "$dir"/{bin,proc,sys,dev,tmp,etc,run,root,var/tmp,mnt}
cp "$bb" "$dir/bin/busybox"
for a in $("$bb" --list); do
  [ "$a" = busybox ] || ln -sf busybox "$dir/bin/$a"
done
chmod 1777 "$dir/tmp" "$dir/var/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$dir/etc/passwd"
printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' >"$dir/etc/group"
