#!/usr/bin/env bash
# CLI behaviour without running containers: help, usage errors, bad ids,
# bad bundles and configs, missing containers, features, spec, logging.
. "$(dirname "$0")/lib.sh"

commands="create start run state kill delete list exec ps pause resume update events features spec checkpoint restore"

# Help and version.
check "--help exits 0" bash -c "'$BULWARK' --help | grep -q '^Usage: bulwark'"
check "--version names the spec" bash -c "'$BULWARK' --version | grep -q '^spec: 1.3.0'"
for c in $commands; do
  check "$c --help" bash -c "'$BULWARK' $c --help | grep -q '^Usage: bulwark'"
done

# Usage errors: exit 1, one line.
expect_fail "no command" "a command is required"
expect_fail "unknown command" 'unknown command "frobnicate"' frobnicate
expect_fail "unknown global flag" "unknown option --frob" --frob list
expect_fail "bad --log-format" '--log-format: expected text or json, got "xml"' --log-format xml list
expect_fail "bad --cgroup-manager" '--cgroup-manager: expected cgroupfs, systemd or disabled' --cgroup-manager foo list
for c in create start run state kill delete exec ps pause resume update events; do
  expect_fail "$c: unknown flag" "^bulwark: $c: unknown option --no-such-flag; see 'bulwark $c --help'" $c --no-such-flag x
  expect_fail "$c: no id" "^bulwark: $c: (a container id is required|a command or --process FILE is required)" $c
done
expect_fail "state: extra operand" 'state: unexpected argument "b"' state a b
expect_fail "create: flag without value" "create: option --bundle needs a value" create x --bundle
expect_fail "create: bad --preserve-fds" '--preserve-fds: expected a non-negative integer, got "x"' create --preserve-fds x id
expect_fail "list: bad --format" '--format: expected table or json, got "yaml"' list --format yaml
expect_fail "kill: bad signal" 'unknown signal "FOO"' kill x FOO
expect_fail "update: bad --memory" '--memory: expected a size in bytes' update --memory lots x
expect_fail "events: bad --interval" '--interval: expected a positive duration' events --interval soon x
expect_fail "exec: bad --user" '--user: expected UID\[:GID\]' exec --user bob x sh
expect_fail "exec: bad --cap" '--cap: unknown capability "CAP_NOPE"' exec --cap CAP_NOPE x sh
expect_fail "checkpoint unsupported" "checkpoint is not supported" checkpoint x
expect_fail "restore unsupported" "restore is not supported" restore x

# systemd is not running here: a clear error, nothing created.
if [ -e /run/systemd/system ]; then why="the systemd cgroup manager is not supported yet"; else why="systemd is not running on this host"; fi
expect_fail "--systemd-cgroup: clear error" "^bulwark: --systemd-cgroup: $why; use the cgroupfs manager$" --systemd-cgroup create --bundle "$BW_TMP" sd1
expect_fail "--cgroup-manager systemd: clear error" "cgroup-manager systemd: $why" --cgroup-manager systemd create --bundle "$BW_TMP" sd1
check "--cgroup-manager disabled is accepted" bw --cgroup-manager disabled list
check "--rootless and --systemd-cgroup are accepted by other commands" bw --rootless true --systemd-cgroup list

# Bad container ids are refused before anything is touched.
long=$(printf 'a%.0s' $(seq 1025))
for id in "a/b" ".." "." "a b" "ünï" "$long" "-x" ; do
  case "$id" in -x) continue ;; esac
  expect_fail "create: bad id '${id:0:12}'" "invalid container id" create --bundle /nonexistent "$id"
  expect_fail "state: bad id '${id:0:12}'" "invalid container id" state "$id"
done
expect_fail "create: empty id" "container id is empty" create --bundle /nonexistent ""
rm -rf "$ROOT"
expect_fail "create: bad id leaves no root" "invalid container id" create "a/b"
check "bad id: state root not created" test ! -e "$ROOT"
mkdir -p "$ROOT"

# Missing and broken bundles: one line naming the path; nothing under --root.
B="$BW_TMP/bundle"
mkdir -p "$B/rootfs"
expect_fail "missing bundle" "bundle $BW_TMP/nope" create --bundle "$BW_TMP/nope" c1
expect_fail "missing config.json" "$B/config.json: No such file or directory" create --bundle "$B" c1
echo '{ not json' >"$B/config.json"
expect_fail "invalid JSON config" "^bulwark: config.json: invalid JSON" create --bundle "$B" c1
echo '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":["sh"],"cwd":"/"},"linux":{"resources":{"memory":{"limit":"1G"}}}}' >"$B/config.json"
expect_fail "wrong type names the JSON path" '^bulwark: config.json: linux.resources.memory.limit: expected an integer, got "1G"$' create --bundle "$B" c1
echo '{"ociVersion":"2.0.0","root":{"path":"rootfs"},"process":{"args":["sh"],"cwd":"/"}}' >"$B/config.json"
expect_fail "unsupported ociVersion" 'ociVersion: unsupported version "2.0.0"' create --bundle "$B" c1
echo '{"ociVersion":"1.0.0","root":{"path":"nowhere"},"process":{"args":["sh"],"cwd":"/"}}' >"$B/config.json"
expect_fail "missing rootfs" "root.path: $B/nowhere: No such file or directory" create --bundle "$B" c1
echo '{"ociVersion":"1.0.0","root":{"path":"rootfs"}}' >"$B/config.json"
expect_fail "config without process" "config.json: process: required" create --bundle "$B" c1
echo '{"ociVersion":"1.0.0","root":{"path":"rootfs"},"process":{"args":["sh"],"cwd":"/","capabilities":{"bounding":["CAP_FOO"]}}}' >"$B/config.json"
expect_fail "unknown capability" 'process.capabilities.bounding\[0\]: unknown capability "CAP_FOO"' create --bundle "$B" c1
echo '{"ociVersion":"1.0.0","root":{"path":"rootfs"},"process":{"args":["sh"],"cwd":"/","terminal":true}}' >"$B/config.json"
expect_fail "terminal without console socket" "process.terminal is true but no --console-socket" create --bundle "$B" c1
# Unreadable config.json (root reads through permissions, so use a
# directory, a dangling symlink and a fifo nobody writes to).
mv "$B/config.json" "$B/config.saved"
mkdir "$B/config.json"
expect_fail "config.json is a directory" "$B/config.json: Is a directory" create --bundle "$B" c1
rmdir "$B/config.json"
ln -s /nonexistent/config.json "$B/config.json"
expect_fail "config.json is a dangling symlink" "$B/config.json: No such file or directory" create --bundle "$B" c1
rm "$B/config.json"
mkfifo "$B/config.json"
expect_fail "config.json is a fifo" "$B/config.json: not a regular file" create --bundle "$B" c1
rm "$B/config.json"
mv "$B/config.saved" "$B/config.json"
check "bad bundles leave nothing under --root" root_is_empty

# Containers that do not exist.
for c in start state pause resume ps events; do
  expect_fail "$c: missing container" '^bulwark: container "ghost" does not exist$' $c ghost
done
expect_fail "kill: missing container" '^bulwark: container "ghost" does not exist$' kill ghost KILL
expect_fail "delete: missing container" '^bulwark: container "ghost" does not exist$' delete ghost
expect_fail "exec: missing container" '^bulwark: container "ghost" does not exist$' exec ghost sh
expect_fail "update: missing container" '^bulwark: container "ghost" does not exist$' update --pids-limit 5 ghost
check "delete --force of a missing container succeeds (runc)" bw delete --force ghost
check "missing containers leave nothing under --root" root_is_empty

# Input files of exec and update go through the same parser.
echo '{"args":["sh"],"cwd":"relative"}' >"$BW_TMP/process.json"
expect_fail "exec --process: bad cwd" "process.json: cwd: must be an absolute path" exec --process "$BW_TMP/process.json" ghost
echo '{"memory":{"limit":true}}' | { out=$(bw update --resources - ghost 2>&1); rc=$?; \
  if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q 'memory.limit: expected an integer, got true'; then ok "update --resources -: bad JSON names the path"; else fail "update --resources -: bad JSON names the path" "$out"; fi; }

# list on an empty root.
check "list: table header" bash -c "'$BULWARK' --root '$ROOT' list | grep -q '^ID'"
check "list -q: nothing" bash -c "[ -z \"\$('$BULWARK' --root '$ROOT' list -q)\" ]"
check "list --format json: []" bash -c "'$BULWARK' --root '$ROOT' list --format json | python3 -c 'import json,sys; assert json.load(sys.stdin) == []'"
check "list on a missing root" bash -c "'$BULWARK' --root '$BW_TMP/none' list -q && test ! -e '$BW_TMP/none'"

# features: valid JSON listing only what exists.
check "features is valid JSON" bash -c "'$BULWARK' features | python3 -c '
import json, sys
f = json.load(sys.stdin)
assert f[\"ociVersionMin\"] == \"1.0.0\" and f[\"ociVersionMax\"] == \"1.3.0\"
assert \"CAP_SYS_ADMIN\" in f[\"linux\"][\"capabilities\"]
assert f[\"linux\"][\"intelRdt\"][\"enabled\"] is False
assert f[\"linux\"][\"cgroup\"][\"systemd\"] is False
'"

# spec: a hardened template that bulwark itself accepts.
S="$BW_TMP/spec"
mkdir -p "$S"
check "spec writes config.json" bw spec --bundle "$S"
check "spec: hardened defaults" python3 - "$S/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
assert c["root"]["readonly"] is True
assert c["process"]["noNewPrivileges"] is True
ns = {n["type"] for n in c["linux"]["namespaces"]}
assert {"user", "pid", "mount", "network", "ipc", "uts", "cgroup"} <= ns
assert c["linux"]["uidMappings"][0]["hostID"] != 0
caps = set(c["process"]["capabilities"]["bounding"])
assert "CAP_SYS_ADMIN" not in caps and "CAP_NET_RAW" not in caps and "CAP_MKNOD" not in caps
assert c["linux"]["resources"]["memory"]["limit"] > 0
assert c["linux"]["resources"]["pids"]["limit"] > 0
PY
expect_fail "spec refuses to overwrite" "already exists" spec --bundle "$S"
R="$BW_TMP/rootless"
mkdir -p "$R"
check "spec --rootless" bash -c "cd '$R' && '$BULWARK' spec --rootless && python3 -c '
import json; c = json.load(open(\"config.json\"))
assert \"network\" not in {n[\"type\"] for n in c[\"linux\"][\"namespaces\"]}
assert c[\"linux\"][\"uidMappings\"][0][\"size\"] == 1'"

# --log / --log-format json: the error is also a JSON line in the log file.
L="$BW_TMP/log.json"
bw --log "$L" --log-format json state ghost >/dev/null 2>&1
check "json log: one error line" python3 - "$L" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
e = json.loads(lines[0])
assert e["level"] == "error" and e["msg"] == 'bulwark: container "ghost" does not exist' and e["time"]
PY
expect_fail "unwritable --log" "open log file" --log /proc/nope/log state ghost

finish
