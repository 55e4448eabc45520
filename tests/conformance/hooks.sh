# hooks.sh: helpers for the hook programs. A hook runs /bin/sh of the host
# (hooks run in the runtime's namespace) and appends to $WORK/hooks.log.

# hook_cfg BUNDLE KIND SHELL-CODE...: one hook per SHELL-CODE under
# hooks.KIND, each run as `sh -c CODE`.
hook_cfg () {
  local b=$1 kind=$2; shift 2
  python3 - "$b/config.json" "$kind" "$@" <<'PY'
import json, sys
p, kind, codes = sys.argv[1], sys.argv[2], sys.argv[3:]
c = json.load(open(p))
c.setdefault("hooks", {}).setdefault(kind, []).extend(
    {"path": "/bin/sh", "args": ["sh", "-c", code]} for code in codes)
json.dump(c, open(p, "w"), indent=2)
PY
}
# logged: the hook log's lines, space separated.
logged () { cat "$WORK/hooks.log" 2>/dev/null | xargs; }
