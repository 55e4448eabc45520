#!/usr/bin/env bash
# linux.rootfsPropagation with the bundle on a SHARED mount (as / is on
# systemd hosts): create works for every value, nothing the container
# mounts ever shows up in the host's mount namespace, a mount the host makes
# below the bundle reaches the container only for the slave and shared
# values, and the container's root has the propagation the spec asks for.
. "$(dirname "$0")/lib.sh"

SHARED=$(mktemp -d /tmp/bulwark-prop.XXXXXX)
# mount points below $SHARED (not $SHARED itself) in the host's namespace.
below_shared () { awk -v d="$SHARED/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo; }
# Detach what a failing case leaked, so that the next case starts clean.
clear_leaks () {
  local i m
  for i in 1 2 3 4 5 6 7 8; do
    [ -z "$(below_shared)" ] && return
    for m in $(below_shared | sort -ru); do umount -l "$m" 2>/dev/null; done
  done
}
teardown () {
  local id
  if [ -d "$ROOT" ]; then
    for id in $(timeout 10 "$BULWARK" --root "$ROOT" list -q 2>/dev/null); do
      timeout 10 "$BULWARK" --root "$ROOT" delete -f "$id" >/dev/null 2>&1
    done
  fi
  umount -R -l "$SHARED" 2>/dev/null
  # Only an empty, unmounted directory tree is removed.
  if [ -z "$(below_shared)" ] && ! grep -q " $SHARED " /proc/self/mountinfo; then
    rm -rf --one-file-system "$SHARED"
  fi
}
trap teardown EXIT
mount --bind "$SHARED" "$SHARED" && mount --make-shared "$SHARED" \
  || { fail "shared bind mount of $SHARED" "mount failed"; exit 1; }

# Below a directory only host root may search, as the tests' own $BW_TMP:
# in a user namespace the container's root may not walk through it.
mkdir -m 0700 "$SHARED/locked"
B="$SHARED/locked/bundle"
make_bundle "$B" sleep 60 >/dev/null || { fail "make bundle" "bulwark spec failed"; exit 1; }
mkdir -p "$B/rootfs/hostmnt" "$B/rootfs/inner"
cp "$B/config.json" "$BW_TMP/config.base.json"

# no_leak NAME: no mount below the shared directory in the host's namespace.
no_leak () {
  local leaked; leaked=$(below_shared)
  if [ -z "$leaked" ]; then ok "$1"; else fail "$1" "host gained: $(echo $leaked)"; fi
}

# The container's "/" line of mountinfo (its own namespace, read from the host).
root_line () { awk '$5 == "/"' "/proc/$1/mountinfo"; }

# try VALUE USERNS FLAGS...: one container with rootfsPropagation VALUE
# ("default": unset), with or without a user namespace, through create,
# start and delete.
N=0
try () {
  local value=$1 userns=$2; shift 2
  local tag="$value, $userns${1:+, $*}" id pid line out edit=""
  N=$((N + 1)); id="p$N"
  cp "$BW_TMP/config.base.json" "$B/config.json"
  [ "$userns" = "no userns" ] && edit="$NO_USERNS; "
  [ "$value" != default ] && edit="${edit}c['linux']['rootfsPropagation'] = '$value'"
  [ -n "$edit" ] && edit_config "$B/config.json" "$edit"

  # Not captured with $(...): the init keeps stdout open until it exits.
  if ! bw create "$@" --bundle "$B" --pid-file "$BW_TMP/$id.pid" "$id" >"$BW_TMP/$id.out" 2>&1; then
    fail "$tag: create" "$(cat "$BW_TMP/$id.out")"
    bw delete -f "$id" >/dev/null 2>&1
    no_leak "$tag: nothing left on the host after a failed create"
    clear_leaks
    return
  fi
  ok "$tag: create"
  pid=$(cat "$BW_TMP/$id.pid")
  no_leak "$tag: no container mount on the host after create"

  # What the runtime-spec promises for the rootfs mount itself.
  line=$(root_line "$pid")
  case $value in
    shared | rshared)
      # A new peer group, not the host's (it still receives from it).
      local group; group=$(printf '%s\n' "$line" | grep -Eo 'shared:[0-9]+' | cut -d: -f2)
      if [ -n "$group" ] && ! grep -Eq " shared:$group( |$)" /proc/self/mountinfo; then
        ok "$tag: the root is shared, in a peer group of its own"
      else fail "$tag: the root is shared, in a peer group of its own" "$line"; fi ;;
    slave | rslave)
      if printf '%s\n' "$line" | grep -Eq ' master:[0-9]+ ' && ! printf '%s\n' "$line" | grep -q ' shared:'; then
        ok "$tag: the root is a slave"
      else fail "$tag: the root is a slave" "$line"; fi ;;
    unbindable | runbindable)
      if printf '%s\n' "$line" | grep -q ' unbindable '; then ok "$tag: the root is unbindable"
      else fail "$tag: the root is unbindable" "$line"; fi ;;
    *)
      if printf '%s\n' "$line" | grep -Eq ' (shared|master):'; then
        fail "$tag: the root is private" "$line"
      else ok "$tag: the root is private"; fi ;;
  esac

  # A mount the host makes below the bundle after create.
  local want=no got=no
  case $value in *slave | *shared) want=yes ;; esac
  if mount -t tmpfs "probe$N" "$B/rootfs/hostmnt"; then
    grep -q " /hostmnt .* - tmpfs probe$N " "/proc/$pid/mountinfo" && got=yes
    if [ "$got" = "$want" ]; then ok "$tag: a host mount below the bundle reaches the container: $want"
    else fail "$tag: a host mount below the bundle reaches the container: $want" "it did: $got"; fi
    umount "$B/rootfs/hostmnt"
    if [ "$got" = yes ] && grep -q " /hostmnt .* - tmpfs probe$N " "/proc/$pid/mountinfo"; then
      fail "$tag: the host's unmount reaches the container too" "still mounted inside"
    fi
  else
    fail "$tag: host mount below the bundle" "mount failed"
  fi

  # A mount made in the container's namespace, on its root (shared for
  # shared/rshared): it must not reach the host either.
  if nsenter -t "$pid" -m /bin/mount -t tmpfs "inner$N" /inner 2>/dev/null; then
    if grep -q " /inner .* - tmpfs inner$N " "/proc/$pid/mountinfo"; then
      no_leak "$tag: a mount made in the container does not reach the host"
    else fail "$tag: a mount made in the container" "not seen inside"; fi
  else
    fail "$tag: a mount made in the container" "nsenter mount failed"
  fi

  if out=$(bw start "$id" 2>&1); then ok "$tag: start"; else fail "$tag: start" "$out"; fi
  no_leak "$tag: no container mount on the host while it runs"
  if out=$(bw delete -f "$id" 2>&1); then ok "$tag: delete"; else fail "$tag: delete" "$out"; fi
  no_leak "$tag: no container mount on the host after delete"
  clear_leaks
}

for value in default private rprivate slave rslave shared rshared unbindable runbindable; do
  try "$value" "no userns"
done
for value in default private slave shared unbindable; do
  try "$value" "userns"
done
for value in private slave rshared; do
  try "$value" "no userns" --no-pivot
done

# A config bind mount of a directory on the shared mount (cloned while the
# runtime is still in the host's namespace): neither the runtime's mounts
# below it nor the container's on it may reach the host, whatever the root.
mkdir -p "$SHARED/src/sub"
for value in default private; do
  cp "$BW_TMP/config.base.json" "$B/config.json"
  edit="$NO_USERNS; c['mounts'].append({'destination': '/mnt', 'type': 'bind', 'source': '$SHARED/src', 'options': ['rbind']}); c['mounts'].append({'destination': '/mnt/sub', 'type': 'tmpfs', 'source': 'nested', 'options': []})"
  [ "$value" != default ] && edit="$edit; c['linux']['rootfsPropagation'] = '$value'"
  edit_config "$B/config.json" "$edit"
  N=$((N + 1)); tag="bind of a shared host dir, $value"
  if bw create --bundle "$B" --pid-file "$BW_TMP/p$N.pid" "p$N" >"$BW_TMP/p$N.out" 2>&1; then
    ok "$tag: create"
    no_leak "$tag: the runtime's mount below it does not reach the host"
    nsenter -t "$(cat "$BW_TMP/p$N.pid")" -m /bin/mount -t tmpfs "later$N" /mnt/sub 2>/dev/null \
      || fail "$tag: a mount made in the container" "nsenter mount failed"
    no_leak "$tag: a mount made in the container on it does not reach the host"
    bw delete -f "p$N" >/dev/null 2>&1
  else
    fail "$tag: create" "$(cat "$BW_TMP/p$N.out")"
  fi
  clear_leaks
done

cp "$BW_TMP/config.base.json" "$B/config.json"
edit_config "$B/config.json" "$NO_USERNS; c['linux']['rootfsPropagation'] = 'bogus'"
expect_fail "an unknown value is refused, naming the field" 'linux\.rootfsPropagation' create --bundle "$B" bad
no_leak "nothing on the host after the refused value"

finish
