#!/usr/bin/env bash
# create (runtime.md "Create"): creates the container without running the
# user program; a duplicate ID, a broken config or a missing bundle is an
# error and leaves no new container.
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
set_script "$b" 'echo ran >/ran-marker'
if create "$b" c1; then ok "create succeeds"; else not_ok "create succeeds" "$(cat "$b/err")"; fi
expect "status after create" "$(state_field c1 status)" created
sleep 0.3
if [ -e "$b/rootfs/ran-marker" ]; then not_ok "user program not run by create"; else ok "user program not run by create"; fi

refuse "create with an ID already in use fails" rt create --bundle "$b" c1
expect "the existing container is untouched" "$(state_field c1 status)" created

bad=$(new_bundle bad)
cfg "$bad" 'c["root"]["path"] = "no-such-rootfs"'
refuse "create with a missing root.path fails" create "$bad" c2
refuse "no container left after a failed create" rt state c2

refuse "create with a bundle without config.json fails" rt create --bundle "$WORK/nonexistent" c3
refuse "no container left after create of a missing bundle" rt state c3
done_testing
