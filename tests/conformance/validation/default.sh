#!/usr/bin/env bash
# default: the container the default config describes (config.py): the
# process (args, env, cwd, user), hostname, the runtime-supplied default
# filesystems, devices and /dev symlinks (config-linux.md), the configured
# mounts, masked and read-only paths, capabilities, rlimits, no_new_privs.
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
script='
echo args=$0
echo cwd=$(pwd)
echo env_term=$TERM
echo uid=$(id -u) gid=$(id -g)
echo hostname=$(hostname)
echo nnp=$(sed -n "s/^NoNewPrivs:[[:space:]]*//p" /proc/self/status)
echo capeff=$(sed -n "s/^CapEff:[[:space:]]*//p" /proc/self/status)
echo capbnd=$(sed -n "s/^CapBnd:[[:space:]]*//p" /proc/self/status)
echo nofile=$(sed -n "s/^Max open files *\([0-9]*\) *\([0-9]*\).*/\1:\2/p" /proc/self/limits)
for d in null zero full random urandom tty; do
  echo dev_$d=$(stat -c "%F %t:%T %a" /dev/$d 2>&1)
done
for l in fd stdin stdout stderr ptmx; do echo link_$l=$(readlink /dev/$l); done
awk "{ for (i = 7; \$i != \"-\"; i++); print \"mnt_\" \$5 \"=\" \$(i+1) \" \" \$6 }" /proc/self/mountinfo
echo timer_list=$(stat -c %t:%T /proc/timer_list 2>&1) $(head -c1 /proc/timer_list | wc -c)
echo firmware=$(ls -A /sys/firmware 2>&1 | wc -l)
touch /proc/sys/conformance-probe 2>/dev/null && echo procsys=writable || echo procsys=readonly
touch /conformance-probe && echo rootrw=yes
'
if inside "default container runs" "$b" d1 "$script"; then
  ok "default container runs"
  expect "process.args[0]" "$(val "$b" args)" sh
  expect "process.cwd" "$(val "$b" cwd)" /
  expect "process.env" "$(val "$b" env_term)" xterm
  expect "process.user" "$(val "$b" uid)" "0 gid=0"
  expect "hostname" "$(val "$b" hostname)" conformance
  expect "noNewPrivileges" "$(val "$b" nnp)" 1
  # CHOWN 0, DAC_OVERRIDE 1, FOWNER 3, KILL 5, SETGID 6, SETUID 7,
  # NET_BIND_SERVICE 10, AUDIT_WRITE 29.
  expect "capabilities.effective" "$(val "$b" capeff)" 00000000200004eb
  expect "capabilities.bounding" "$(val "$b" capbnd)" 00000000200004eb
  expect "rlimits RLIMIT_NOFILE" "$(val "$b" nofile)" 1024:1024
  expect "default device /dev/null" "$(val "$b" dev_null)" "character special file 1:3 666"
  expect "default device /dev/zero" "$(val "$b" dev_zero)" "character special file 1:5 666"
  expect "default device /dev/full" "$(val "$b" dev_full)" "character special file 1:7 666"
  expect "default device /dev/random" "$(val "$b" dev_random)" "character special file 1:8 666"
  expect "default device /dev/urandom" "$(val "$b" dev_urandom)" "character special file 1:9 666"
  expect "default device /dev/tty" "$(val "$b" dev_tty)" "character special file 5:0 666"
  expect "default symlink /dev/fd" "$(val "$b" link_fd)" /proc/self/fd
  expect "default symlink /dev/stdin" "$(val "$b" link_stdin)" /proc/self/fd/0
  expect "default symlink /dev/stdout" "$(val "$b" link_stdout)" /proc/self/fd/1
  expect "default symlink /dev/stderr" "$(val "$b" link_stderr)" /proc/self/fd/2
  expect "default symlink /dev/ptmx" "$(val "$b" link_ptmx)" pts/ptmx
  for m in /proc:proc /dev:tmpfs /dev/pts:devpts /dev/shm:tmpfs /dev/mqueue:mqueue /sys:sysfs; do
    v=$(val "$b" "mnt_${m%%:*}")
    expect "mount ${m%%:*}" "${v%% *}" "${m#*:}"
  done
  v=$(val "$b" mnt_/sys)
  case ",${v#* }," in *,ro,*) ok "mount /sys option ro" ;; *) not_ok "mount /sys option ro" "options: $v" ;; esac
  expect "maskedPaths file /proc/timer_list is /dev/null" "$(val "$b" timer_list)" "1:3 0"
  expect "maskedPaths directory /sys/firmware is empty" "$(val "$b" firmware)" 0
  expect "readonlyPaths /proc/sys" "$(val "$b" procsys)" readonly
  v=$(val "$b" mnt_/proc/irq)
  case ",${v#* }," in *,ro,*) ok "readonlyPaths /proc/irq mounted ro" ;; *) not_ok "readonlyPaths /proc/irq mounted ro" "mount: $v" ;; esac
  expect "root.readonly false: / is writable" "$(val "$b" rootrw)" yes
fi
done_testing
