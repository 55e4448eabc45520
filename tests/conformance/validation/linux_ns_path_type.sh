#!/usr/bin/env bash
# linux_ns_path_type (config-linux.md "Namespaces": a path whose namespace
# is not of the entry's type is an error).
. "$(dirname "$0")/../lib.sh"

unshare --uts sleep 60 &
holder=$!
sleep 0.3
b=$(new_bundle b)
set_script "$b" 'echo ran >/ran-marker'
cfg "$b" "
for n in c['linux']['namespaces']:
    if n['type'] == 'network':
        n['path'] = '/proc/$holder/ns/uts'
"
if create "$b" npt1 && rt start npt1 >/dev/null 2>&1; then not_ok "a uts namespace given as network is refused"; else ok "a uts namespace given as network is refused"; fi
[ -e "$b/rootfs/ran-marker" ] && not_ok "program did not run" || ok "program did not run"
kill $holder; wait $holder 2>/dev/null
done_testing
