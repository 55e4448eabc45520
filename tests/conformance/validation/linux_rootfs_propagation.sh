#!/usr/bin/env bash
# linux_rootfs_propagation (config-linux.md "Rootfs Mount Propagation"):
# each value shows in the propagation fields of / in mountinfo. The bundles
# sit on a shared mount so that "slave" has a master to show.
. "$(dirname "$0")/../lib.sh"

mount --bind "$WORK" "$WORK" && mount --make-shared "$WORK" || not_ok "shared bind mount of the work directory"
for p in private slave shared unbindable; do
  b=$(new_bundle "b-$p")
  cfg "$b" "c['linux']['rootfsPropagation'] = '$p'"
  if inside "container with rootfsPropagation $p runs" "$b" "rp-$p" 'awk "\$5 == \"/\" { f = \"\"; for (i = 7; \$i != \"-\"; i++) f = f \" \" \$i; print \"prop=\" f }" /proc/self/mountinfo'; then
    v=$(val "$b" prop)
    case "$p:$v" in
      private:) ok "rootfsPropagation private" ;;
      slave:*master:*) ok "rootfsPropagation slave" ;;
      shared:*shared:*) ok "rootfsPropagation shared" ;;
      unbindable:*unbindable*) ok "rootfsPropagation unbindable" ;;
      *) not_ok "rootfsPropagation $p" "propagation fields of /: '$v'" ;;
    esac
  fi
  leaked=$(grep -c " $b/rootfs" /proc/self/mountinfo)
  expect "rootfsPropagation $p: no container mount shows on the host" "$leaked" 0
  rt delete -f "rp-$p" >/dev/null 2>&1
done
umount -l "$WORK"
done_testing
