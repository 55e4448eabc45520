#!/usr/bin/env bash
# mounts (config.md "Mounts"): a tmpfs with options, a read-only bind of a
# host directory, a bind of a single file, destinations created when
# missing, and mounts done in order.
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
mkdir -p "$WORK/hostdir"; echo from-host >"$WORK/hostdir/f"; echo single >"$WORK/hostfile"
cfg "$b" "c['mounts'] += [
  {'destination': '/mnt/tmp', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['size=1m', 'mode=700', 'nodev']},
  {'destination': '/new/dir/bind', 'type': 'bind', 'source': '$WORK/hostdir', 'options': ['rbind', 'ro']},
  {'destination': '/etc/single', 'type': 'none', 'source': '$WORK/hostfile', 'options': ['bind']},
  {'destination': '/mnt/tmp/inner', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['size=2m']},
]"
script='awk "{ for (i = 7; \$i != \"-\"; i++); print \"mnt_\" \$5 \"=\" \$(i+1) \" \" \$6 \" \" \$(i+3) }" /proc/self/mountinfo
echo tmpmode=$(stat -c %a /mnt/tmp); echo bindf=$(cat /new/dir/bind/f); echo single=$(cat /etc/single)
touch /new/dir/bind/x 2>/dev/null && echo bindrw=rw || echo bindrw=ro'
if inside "container runs" "$b" mt1 "$script"; then
  v=$(val "$b" mnt_/mnt/tmp)
  case "$v" in "tmpfs "*,nodev,*size=1024k*) ok "tmpfs with options" ;; *) not_ok "tmpfs with options" "mount: $v" ;; esac
  expect "tmpfs mode" "$(val "$b" tmpmode)" 700
  expect "bind mount content, destination created" "$(val "$b" bindf)" from-host
  expect "bind mount read-only" "$(val "$b" bindrw)" ro
  expect "file bind mount" "$(val "$b" single)" single
  v=$(val "$b" mnt_/mnt/tmp/inner)
  case "$v" in "tmpfs "*size=2048k*) ok "mounts in order: nested tmpfs over the first" ;; *) not_ok "mounts in order: nested tmpfs over the first" "mount: $v" ;; esac
fi
[ -e "$WORK/hostdir/x" ] && not_ok "host directory not written" || ok "host directory not written"
done_testing
