# cgroups.sh: cgroup v1 (per controller) or v2 (unified) paths of a process.

# cgroup_of PID CONTROLLER: the process's cgroup path for CONTROLLER (v1)
# or its unified path (v2).
cgroup_of () {
  local line v2=""
  [ -d "/proc/$1" ] || return 0
  while IFS= read -r line; do
    case $line in
      *:*"$2"*:*) case ${line#*:} in *"$2"*) echo "${line#*:*:}"; return ;; esac ;;
      0::*) v2=${line#0::} ;;
    esac
  done <"/proc/$1/cgroup"
  echo "$v2"
}
# cgroup_read CONTROLLER PATH V1FILE V2FILE: a cgroup file's content.
cgroup_read () {
  if [ -d "/sys/fs/cgroup/$1" ]; then cat "/sys/fs/cgroup/$1$2/$3" 2>/dev/null
  else cat "/sys/fs/cgroup$2/$4" 2>/dev/null; fi
}
# cgroup_cleanup PATH: remove what a test left under PATH in every
# hierarchy (a runtime may create it in all v1 controllers), deepest first.
cgroup_cleanup () {
  local base
  for base in /sys/fs/cgroup /sys/fs/cgroup/*; do
    [ -d "$base$1" ] && find "$base$1" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  return 0
}
