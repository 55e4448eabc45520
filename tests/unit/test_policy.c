/* Unit tests of the policy module: policy.json parsing (exact error
 * messages), the hardening transform on real-world configs (control by
 * control), every bulwark.* relaxation allowed and refused, audit mode, and
 * the report. Fixtures are found under $srcdir (set by make check), else
 * under the current directory. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "cleanup.h"
#include "hostfacts.h"
#include "policy.h"
#include "spec.h"
#include "unit.h"

#define DATA "tests/unit/data/"

static struct host_facts
facts_here (void)
{
  /* This CI host: no AppArmor/SELinux, Landlock. */
  return (struct host_facts) {
    .landlock = true, .landlock_abi = 6,
    .idmapped_mounts = true, .state_root = "/run/bulwark", .bundle = "/srv/bundle",
    .id_range_start = 200000, .id_range_size = 65536,
    .id_pool_start = HOSTFACTS_IDPOOL_START, .id_pool_size = HOSTFACTS_IDPOOL_SPAN,
  };
}

/* A file of the source tree, for VPATH builds (make distcheck). */
static const char *
src_path (const char *rel, char *buf, size_t size)
{
  const char *srcdir = getenv ("srcdir");
  snprintf (buf, size, "%s/%s", srcdir ? srcdir : ".", rel);
  return buf;
}

static struct policy *
load_policy (const char *rel)
{
  struct bw_error err = { 0 };
  struct policy *p = NULL;
  char path[1024];
  src_path (rel, path, sizeof path);
  if (policy_load (path, &p, &err) < 0)
    {
      printf ("# policy_load %s: %s\n", path, err.msg);
      return NULL;
    }
  return p;
}

static struct policy *
parse_policy (const char *json)
{
  struct bw_error err = { 0 };
  struct policy *p = NULL;
  if (policy_parse (json, strlen (json), &p, &err) < 0)
    {
      printf ("# policy_parse: %s\n", err.msg);
      return NULL;
    }
  return p;
}

static struct spec *
load_config (const char *name)
{
  struct bw_error err = { 0 };
  struct spec *s = NULL;
  char rel[256], path[1024];
  snprintf (rel, sizeof rel, DATA "%s", name);
  src_path (rel, path, sizeof path);
  if (spec_load_config (path, NULL, &s, &err) < 0)
    {
      printf ("# spec_load_config %s: %s\n", path, err.msg);
      exit (1);
    }
  return s;
}

static void
map_add (struct spec_map *m, const char *key, const char *value)
{
  m->items = realloc (m->items, (m->n + 1) * sizeof *m->items);
  m->items[m->n].key = strdup (key);
  m->items[m->n].value = strdup (value);
  m->n++;
  m->set = true;
}

static void
add_annotation (struct spec *s, const char *key, const char *value)
{
  map_add (&s->annotations, key, value);
}

static void
add_bind (struct spec *s, const char *source, const char *dest)
{
  s->mounts = realloc (s->mounts, (s->n_mounts + 1) * sizeof *s->mounts);
  struct spec_mount *m = &s->mounts[s->n_mounts++];
  *m = (struct spec_mount) { 0 };
  m->destination = strdup (dest);
  m->source = strdup (source);
  m->type = strdup ("bind");
  m->options.v = calloc (3, sizeof (char *));
  m->options.v[0] = strdup ("rbind");
  m->options.v[1] = strdup ("ro");
  m->options.n = 2;
  s->mounts_set = true;
}

static void
remove_namespace (struct spec *s, enum spec_ns_type t)
{
  struct spec_linux *l = s->linux;
  for (size_t i = 0; i < l->n_namespaces; i++)
    if (l->namespaces[i].type == t)
      {
        free (l->namespaces[i].path);
        memmove (&l->namespaces[i], &l->namespaces[i + 1],
                 (l->n_namespaces - i - 1) * sizeof *l->namespaces);
        l->n_namespaces--;
        return;
      }
}

/* The first decision for (control, rule), optionally for one field. */
static const struct decision *
find (const struct decisions *d, const char *control, const char *rule, const char *field)
{
  for (size_t i = 0; d && i < d->n; i++)
    if (strcmp (d->items[i].control, control) == 0 && strcmp (d->items[i].rule, rule) == 0
        && (!field || strcmp (d->items[i].field, field) == 0))
      return &d->items[i];
  return NULL;
}

static size_t
count (const struct decisions *d, const char *control, enum decision_outcome o)
{
  size_t n = 0;
  for (size_t i = 0; d && i < d->n; i++)
    n += strcmp (d->items[i].control, control) == 0 && d->items[i].outcome == o;
  return n;
}

/* want_enforced NULL: any enforced value. */
static void
check_decision (const struct decisions *d, const char *control, const char *rule,
                const char *field, enum decision_outcome want, const char *want_enforced,
                const char *name)
{
  const struct decision *x = find (d, control, rule, field);
  CHECK (x && x->outcome == want && (!want_enforced || strcmp (x->enforced, want_enforced) == 0),
         name, "got %s / \"%s\"", x ? decision_outcome_name (x->outcome) : "no decision",
         x ? x->enforced : "");
}

#define CHECK_DECISION check_decision

struct run
{
  int ret;
  struct spec *out;
  struct decisions *d;
  struct bw_error err;
};

static struct run
harden (const struct policy *p, const struct host_facts *f, const struct spec *in)
{
  struct run r = { 0 };
  r.ret = policy_harden (p, f, in, &r.out, &r.d, &r.err);
  return r;
}

static void
run_free (struct run *r)
{
  spec_free (r->out);
  decisions_free (r->d);
}

static bool
has_mount (const struct spec *s, const char *dest, const char *type)
{
  for (size_t i = 0; i < s->n_mounts; i++)
    if (strcmp (s->mounts[i].destination, dest) == 0
        && (!type || (s->mounts[i].type && strcmp (s->mounts[i].type, type) == 0)))
      return true;
  return false;
}

static bool
strv_has (const struct spec_strv *l, const char *s)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp (l->v[i], s) == 0)
      return true;
  return false;
}

/* ------------------------------------------------------------ parsing */

static void
check_policy_error (const char *json, const char *want, const char *name)
{
  struct bw_error err = { 0 };
  struct policy *p = NULL;
  int r = policy_parse (json, strlen (json), &p, &err);
  CHECK (r < 0 && !p, name, "accepted");
  CHECK_STREQ (err.msg, want, name);
  policy_free (p);
}

static void
test_policy_parse (void)
{
  _cleanup_policy_ struct policy *shipped = load_policy ("profiles/policy.json");
  CHECK (shipped != NULL, "policy: profiles/policy.json parses", "failed");
  _cleanup_policy_ struct policy *empty = parse_policy ("{}");
  CHECK (empty && empty->mode == POLICY_ENFORCE && empty->userns_add
           && empty->userns_size == 65536 && empty->no_new_privileges && empty->rootfs_readonly,
         "policy: {} gives the secure defaults", "not the defaults");

  /* The built-in defaults are the shipped file: same decisions on a config. */
  struct host_facts f = facts_here ();
  _cleanup_spec_ struct spec *in = load_config ("runc-spec.json");
  struct run a = harden (shipped, &f, in), b = harden (empty, &f, in);
  _cleanup_free_ char *ja = NULL, *jb = NULL;
  struct bw_error err = { 0 };
  if (a.d && b.d)
    {
      policy_report_json (a.d, false, &ja, &err);
      policy_report_json (b.d, false, &jb, &err);
    }
  CHECK (ja && jb && strcmp (ja, jb) == 0, "policy: shipped file == built-in defaults",
         "reports differ");
  run_free (&a);
  run_free (&b);

  check_policy_error ("{\"mode\": \"strict\"}",
                      "mode: expected \"enforce\" or \"audit\", got \"strict\"",
                      "policy error: bad mode");
  check_policy_error ("{\"rootfs\": {\"tmpfz\": []}}", "rootfs.tmpfz: unknown policy key",
                      "policy error: unknown nested key");
  check_policy_error ("{\"capabilites\": {}}", "capabilites: unknown policy key",
                      "policy error: unknown top-level key");
  check_policy_error ("{\"capabilities\": {\"allowed\": [\"CAP_FOO\"]}}",
                      "capabilities.allowed[0]: unknown capability \"CAP_FOO\"",
                      "policy error: unknown capability");
  check_policy_error ("{\"limits\": {\"memory\": {\"default\": 10, \"max\": 5}}}",
                      "limits.memory.default: 10 is above max (5)",
                      "policy error: default above max");
  check_policy_error ("{\"rootfs\": {\"tmpfs\": [\"tmp\"]}}",
                      "rootfs.tmpfs[0]: expected an absolute path, got \"tmp\"",
                      "policy error: relative tmpfs path");
  check_policy_error ("{\"namespaces\": {\"allowHost\": [\"user\"]}}",
                      "namespaces.allowHost[0]: expected a namespace type other than \"user\", "
                      "got \"user\"",
                      "policy error: host user namespace");
  check_policy_error ("{\"devices\": {\"allowed\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", "
                      "\"major\": 10}]}}",
                      "devices.allowed[0].minor: missing required field",
                      "policy error: device without minor");
  check_policy_error ("{\"auditLog\": \"audit.log\"}",
                      "auditLog: must be an absolute path (or \"\" for no audit log), got \"audit.log\"",
                      "policy error: relative audit log");
  check_policy_error ("{\"writableSys\": \"allow\"}",
                      "writableSys: expected \"refuse\" or \"clamp\", got \"allow\"",
                      "policy error: bad violation mode");
  check_policy_error ("{\"userNamespace\": {\"size\": 0}}",
                      "userNamespace.size: 0 is out of range (1..4294967295)",
                      "policy error: zero userns size");
  check_policy_error ("{\"relaxations\": {\"rootfs.writeable\": true}}",
                      "relaxations.rootfs.writeable: unknown policy key",
                      "policy error: unknown relaxation");
  check_policy_error ("[]", "expected an object, got an array", "policy error: not an object");
  CHECK (empty && strcmp (empty->userns_pool, "/run/bulwark/.idpool.d") == 0
           && shipped && strcmp (shipped->userns_pool, POLICY_DEFAULT_IDPOOL) == 0,
         "policy: the ID-range pool defaults to /run/bulwark/.idpool.d", "%s",
         empty ? empty->userns_pool : "");
  _cleanup_policy_ struct policy *own_pool
    = parse_policy ("{\"userNamespace\": {\"pool\": \"/var/tmp/pool\"}}");
  CHECK (own_pool && strcmp (own_pool->userns_pool, "/var/tmp/pool") == 0,
         "policy: userNamespace.pool", "not taken");
  check_policy_error ("{\"userNamespace\": {\"pool\": \"run/idpool\"}}",
                      "userNamespace.pool: expected an absolute path, got \"run/idpool\"",
                      "policy error: relative pool directory");
  check_policy_error ("{\"userNamespace\": {\"pool\": 7}}",
                      "userNamespace.pool: expected a string, got 7",
                      "policy error: pool directory of the wrong type");

  struct bw_error lerr = { 0 };
  struct policy *p = NULL;
  char path[1024], want[1200];
  src_path (DATA "policy/bad-unknown-key.json", path, sizeof path);
  CHECK (policy_load (path, &p, &lerr) < 0, "policy error: file", "accepted");
  snprintf (want, sizeof want, "%s: rootfs.tmpfz: unknown policy key", path);
  CHECK_STREQ (lerr.msg, want, "policy error: file name prefixed");
  src_path (DATA "policy/bad-capability.json", path, sizeof path);
  CHECK (policy_load (path, &p, &lerr) < 0, "policy error: capability file", "accepted");
  snprintf (want, sizeof want,
            "%s: capabilities.allowed[1]: unknown capability \"CAP_NET_RAWW\"", path);
  CHECK_STREQ (lerr.msg, want, "policy error: capability file message");
  src_path (DATA "policy/missing.json", path, sizeof path);
  CHECK (policy_load (path, &p, &lerr) < 0 && strstr (lerr.msg, "missing.json"),
         "policy error: missing file", "%s", lerr.msg);
  CHECK (policy_parse ("{", 1, &p, &lerr) < 0 && strncmp (lerr.msg, "invalid JSON", 12) == 0,
         "policy error: invalid JSON", "%s", lerr.msg);
}

/* ------------------------------------------------------------ configs */

static void
test_runc_spec (const struct policy *p)
{
  struct host_facts f = facts_here ();
  _cleanup_spec_ struct spec *in = load_config ("runc-spec.json");
  struct run r = harden (p, &f, in);
  CHECK (r.ret == 0, "runc spec: hardened", "%s", r.err.msg);
  if (r.ret < 0)
    return run_free (&r);
  const struct spec_linux *l = r.out->linux;
  /* 1. user namespace */
  CHECK_DECISION (r.d, "userns", "userNamespace.add", NULL, DECISION_ADDED,
                  "new user namespace: 0-65535 -> host 200000-265535", "runc spec: userns added");
  CHECK (spec_namespace_find (r.out, SPEC_NS_USER) && l->uid_mappings.n == 1
           && l->uid_mappings.items[0].host_id == 200000
           && l->uid_mappings.items[0].size == 65536 && l->gid_mappings.n == 1,
         "runc spec: id mappings from the range", "wrong mappings");
  CHECK (r.d->plan.idmap_mounts, "runc spec: mounts idmapped", "plan says no");
  CHECK_DECISION (r.d, "namespaces", "namespaces.addMissing", NULL, DECISION_ADDED, "new",
                  "runc spec: cgroup namespace added");
  CHECK (spec_namespace_find (r.out, SPEC_NS_CGROUP) != NULL, "runc spec: cgroup ns in spec",
         "missing");
  /* 2. capabilities */
  CHECK_DECISION (r.d, "capabilities", "capabilities.allowed", "process.capabilities.bounding",
                  DECISION_CLAMPED, "CAP_KILL,CAP_NET_BIND_SERVICE",
                  "runc spec: AUDIT_WRITE dropped from bounding");
  CHECK_DECISION (r.d, "capabilities", "capabilities.allowAmbient",
                  "process.capabilities.ambient", DECISION_CLAMPED, "(none)",
                  "runc spec: ambient cleared");
  CHECK (r.out->process->capabilities->ambient.n == 0
           && !strv_has (&r.out->process->capabilities->permitted, "CAP_AUDIT_WRITE"),
         "runc spec: caps in spec", "not clamped");
  CHECK_DECISION (r.d, "capabilities", "noNewPrivileges", NULL, DECISION_ENFORCED, "true",
                  "runc spec: no_new_privs kept");
  /* 3. seccomp */
  CHECK_DECISION (r.d, "seccomp", "seccomp.defaultProfile", NULL, DECISION_ADDED, "default",
                  "runc spec: default seccomp profile");
  CHECK_DECISION (r.d, "seccomp", "seccomp.floor", NULL, DECISION_ADDED, "floor filter",
                  "runc spec: floor");
  CHECK (r.d->plan.seccomp_profile && strcmp (r.d->plan.seccomp_profile, "default") == 0
           && r.d->plan.seccomp_floor,
         "runc spec: plan seccomp", "wrong plan");
  /* 4. LSM: Landlock here */
  CHECK_DECISION (r.d, "lsm", "lsm.landlock", NULL, DECISION_ADDED, "Landlock ruleset (ABI 6)",
                  "runc spec: Landlock");
  CHECK (r.d->plan.landlock && r.d->plan.landlock_abi == 6, "runc spec: plan landlock", "no");
  /* 5. rootfs */
  CHECK_DECISION (r.d, "rootfs", "rootfs.readonly", NULL, DECISION_ENFORCED, "read-only",
                  "runc spec: rootfs already read-only");
  CHECK (count (r.d, "rootfs", DECISION_ADDED) == 3 && has_mount (r.out, "/tmp", "tmpfs")
           && has_mount (r.out, "/run", "tmpfs") && has_mount (r.out, "/var/tmp", "tmpfs"),
         "runc spec: three tmpfs added", "%zu added", count (r.d, "rootfs", DECISION_ADDED));
  /* 6. limits */
  const struct spec_resources *res = l->resources;
  CHECK_DECISION (r.d, "limits", "limits.memory.default", NULL, DECISION_ADDED, "1073741824",
                  "runc spec: memory default");
  CHECK_DECISION (r.d, "limits", "limits.cpu.default", NULL, DECISION_ADDED, "2000m",
                  "runc spec: cpu default");
  CHECK_DECISION (r.d, "limits", "limits.pids.default", NULL, DECISION_ADDED, "1024",
                  "runc spec: pids default");
  CHECK (res->memory->limit.set && res->memory->limit.value == 1073741824
           && res->cpu->quota.value == 200000 && res->cpu->period.value == 100000
           && res->pids->limit.value == 1024,
         "runc spec: limits in spec", "wrong limits");
  /* 7. refusals: nothing to refuse */
  CHECK (count (r.d, "mounts", DECISION_REFUSED) == 0 && count (r.d, "devices", DECISION_REFUSED) == 0,
         "runc spec: nothing refused", "refused");
  CHECK_DECISION (r.d, "devices", "devices.allowed", NULL, DECISION_ENFORCED, NULL,
                  "runc spec: devices standard");
  /* 8. masked and read-only paths */
  CHECK_DECISION (r.d, "paths", "maskedPaths", NULL, DECISION_ADDED, NULL,
                  "runc spec: masked paths added");
  CHECK (strv_has (&l->masked_paths, "/proc/kallsyms")
           && strv_has (&l->masked_paths, "/sys/kernel/debug")
           && strv_has (&l->readonly_paths, "/proc/sys"),
         "runc spec: masked paths in spec", "missing");
  run_free (&r);
}

static void
test_bulwark_spec (const struct policy *p)
{
  struct host_facts f = facts_here ();
  _cleanup_spec_ struct spec *in = load_config ("bulwark-spec.json");
  struct run r = harden (p, &f, in);
  CHECK (r.ret == 0, "bulwark spec: hardened", "%s", r.err.msg);
  if (r.ret < 0)
    return run_free (&r);
  CHECK_DECISION (r.d, "userns", "userNamespace", NULL, DECISION_ENFORCED,
                  "the config's mappings (container root is host uid 100000)",
                  "bulwark spec: own userns kept");
  CHECK (r.out->linux->uid_mappings.items[0].host_id == 100000,
         "bulwark spec: mappings unchanged", "changed");
  CHECK_DECISION (r.d, "namespaces", "namespaces.allowHost", NULL, DECISION_ENFORCED, "private",
                  "bulwark spec: namespaces private");
  CHECK_DECISION (r.d, "capabilities", "capabilities.allowed", NULL, DECISION_ENFORCED, NULL,
                  "bulwark spec: caps within the allowed set");
  CHECK_DECISION (r.d, "capabilities", "noNewPrivileges", NULL, DECISION_ENFORCED, "true",
                  "bulwark spec: nnp");
  CHECK_DECISION (r.d, "seccomp", "seccomp.defaultProfile", NULL, DECISION_ADDED, "default",
                  "bulwark spec: default seccomp");
  CHECK_DECISION (r.d, "rootfs", "rootfs.readonly", NULL, DECISION_ENFORCED, "read-only",
                  "bulwark spec: rootfs ro");
  CHECK (count (r.d, "rootfs", DECISION_ADDED) == 0
           && count (r.d, "rootfs", DECISION_ENFORCED) == 4,
         "bulwark spec: its own tmpfs mounts kept", "tmpfs added");
  CHECK_DECISION (r.d, "limits", "limits.memory.max", NULL, DECISION_ENFORCED, "536870912",
                  "bulwark spec: memory within max");
  CHECK_DECISION (r.d, "limits", "limits.cpu.max", NULL, DECISION_ENFORCED, "1000m",
                  "bulwark spec: cpu within max");
  CHECK_DECISION (r.d, "limits", "limits.pids.max", NULL, DECISION_ENFORCED, "1024",
                  "bulwark spec: pids within max");
  CHECK_DECISION (r.d, "mounts", "mounts.deny", NULL, DECISION_ENFORCED, NULL,
                  "bulwark spec: mounts fine");
  run_free (&r);

  /* Mapping host root into the container is refused. */
  _cleanup_spec_ struct spec *root = load_config ("bulwark-spec.json");
  root->linux->uid_mappings.items[0].host_id = 0;
  r = harden (p, &f, root);
  CHECK (r.ret == -EPERM, "userns: host root mapping refused", "ret %d", r.ret);
  CHECK_STREQ (r.err.msg,
               "linux.uidMappings[0]: the config maps host root (ID 0) into the container; "
               "policy refuses it (userNamespace)",
               "userns: host root message");
  run_free (&r);
}

static void
test_podman (const struct policy *p)
{
  struct host_facts f = facts_here ();
  f.apparmor = true;            /* podman's profile is allowed by glob */
  _cleanup_spec_ struct spec *in = load_config ("podman.json");
  struct run r = harden (p, &f, in);
  CHECK (r.ret == 0, "podman: hardened", "%s", r.err.msg);
  if (r.ret < 0)
    return run_free (&r);
  CHECK_DECISION (r.d, "userns", "userNamespace.add", NULL, DECISION_ADDED, NULL,
                  "podman: userns added");
  CHECK (spec_namespace_find (r.out, SPEC_NS_NETWORK)->path != NULL,
         "podman: joined netns kept", "lost");
  CHECK_DECISION (r.d, "capabilities", "capabilities.allowed", "process.capabilities.bounding",
                  DECISION_CLAMPED,
                  "CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER,CAP_FSETID,CAP_KILL,"
                  "CAP_NET_BIND_SERVICE,CAP_SETGID,CAP_SETPCAP,CAP_SETUID",
                  "podman: SETFCAP and SYS_CHROOT dropped");
  CHECK_DECISION (r.d, "capabilities", "noNewPrivileges", NULL, DECISION_ADDED, "true",
                  "podman: nnp added");
  CHECK (r.out->process->no_new_privileges.value, "podman: nnp in spec", "no");
  CHECK_DECISION (r.d, "seccomp", "seccomp.defaultProfile", NULL, DECISION_ENFORCED,
                  "own filter", "podman: own seccomp kept");
  CHECK (r.d->plan.seccomp_profile == NULL && r.d->plan.seccomp_floor,
         "podman: plan floor only", "wrong plan");
  CHECK_DECISION (r.d, "lsm", "lsm.allowedApparmorProfiles", NULL, DECISION_ENFORCED,
                  "containers-default-0.50.1", "podman: AppArmor profile allowed");
  CHECK_DECISION (r.d, "rootfs", "rootfs.readonly", NULL, DECISION_CLAMPED, "read-only",
                  "podman: rootfs made read-only");
  CHECK (r.out->root->readonly.value, "podman: root.readonly in spec", "no");
  size_t run_at = 0, env_at = 0;
  for (size_t i = 0; i < r.out->n_mounts; i++)
    {
      if (strcmp (r.out->mounts[i].destination, "/run") == 0)
        run_at = i + 1;
      if (strcmp (r.out->mounts[i].destination, "/run/.containerenv") == 0)
        env_at = i + 1;
    }
  CHECK (run_at && env_at && run_at < env_at, "podman: /run tmpfs before /run/.containerenv",
         "/run at %zu, .containerenv at %zu", run_at, env_at);
  CHECK_DECISION (r.d, "limits", "limits.pids.max", NULL, DECISION_ENFORCED, "2048",
                  "podman: pids kept");
  CHECK_DECISION (r.d, "limits", "limits.memory.default", NULL, DECISION_ADDED, "1073741824",
                  "podman: memory default");
  CHECK_DECISION (r.d, "sysctl", "sysctl.allowed", NULL, DECISION_ENFORCED, NULL,
                  "podman: sysctl namespaced");
  run_free (&r);
}

static void
test_docker_unconfined (const struct policy *p)
{
  struct host_facts f = facts_here ();
  f.apparmor = true;
  _cleanup_spec_ struct spec *in = load_config ("docker-seccomp-unconfined.json");
  struct run r = harden (p, &f, in);
  CHECK (r.ret == 0, "docker unconfined: hardened", "%s", r.err.msg);
  if (r.ret < 0)
    return run_free (&r);
  CHECK_DECISION (r.d, "seccomp", "seccomp.defaultProfile", NULL, DECISION_ADDED, "default",
                  "docker unconfined: default profile");
  CHECK_DECISION (r.d, "seccomp", "seccomp.floor", NULL, DECISION_ADDED, NULL,
                  "docker unconfined: floor stays");
  CHECK (!strv_has (&r.out->process->capabilities->bounding, "CAP_NET_RAW")
           && !strv_has (&r.out->process->capabilities->effective, "CAP_MKNOD"),
         "docker unconfined: NET_RAW, MKNOD dropped", "kept");
  CHECK_DECISION (r.d, "lsm", "lsm.allowedApparmorProfiles", NULL, DECISION_ENFORCED,
                  "docker-default", "docker unconfined: docker-default allowed");
  CHECK_DECISION (r.d, "limits", "limits.memory.max", NULL, DECISION_ENFORCED, "536870912",
                  "docker unconfined: memory kept");
  CHECK_DECISION (r.d, "limits", "limits.cpu.max", NULL, DECISION_ENFORCED, "500m",
                  "docker unconfined: cpu kept");
  CHECK_DECISION (r.d, "limits", "limits.pids.default", NULL, DECISION_ADDED, "1024",
                  "docker unconfined: unlimited pids get the default");
  CHECK_DECISION (r.d, "devices", "devices.allowed", NULL, DECISION_ENFORCED, NULL,
                  "docker unconfined: Docker's device rules pass");
  CHECK_DECISION (r.d, "mounts", "mounts.deny", NULL, DECISION_ENFORCED, NULL,
                  "docker unconfined: binds pass");
  /* Docker asks for every gid; the added user namespace maps 0-65535. */
  CHECK_DECISION (r.d, "sysctl", "userNamespace", "linux.sysctl.net.ipv4.ping_group_range",
                  DECISION_CLAMPED, "0 65535", "docker unconfined: ping_group_range clamped");
  const char *pgr = NULL;
  for (size_t i = 0; i < r.out->linux->sysctl.n; i++)
    if (strcmp (r.out->linux->sysctl.items[i].key, "net.ipv4.ping_group_range") == 0)
      pgr = r.out->linux->sysctl.items[i].value;
  CHECK_STREQ (pgr ? pgr : "(none)", "0 65535",
               "docker unconfined: the clamped ping_group_range is the one written");
  run_free (&r);

  /* An AppArmor profile not in the allowed list is refused. */
  _cleanup_spec_ struct spec *un = load_config ("docker-seccomp-unconfined.json");
  free (un->process->apparmor_profile);
  un->process->apparmor_profile = strdup ("unconfined");
  r = harden (p, &f, un);
  CHECK_STREQ (r.err.msg,
               "process.apparmorProfile: AppArmor profile \"unconfined\" is not allowed; policy "
               "refuses it (lsm.allowedApparmorProfiles)",
               "lsm: unconfined AppArmor refused");
  run_free (&r);
}

static void
test_docker_privileged (const struct policy *p)
{
  struct host_facts f = facts_here ();
  _cleanup_spec_ struct spec *in = load_config ("docker-privileged.json");
  struct run r = harden (p, &f, in);
  CHECK (r.ret == -EPERM, "docker privileged: refused", "ret %d", r.ret);
  CHECK_STREQ (r.err.msg,
               "mounts[3].options: /sys is mounted writable; policy refuses it (writableSys)",
               "docker privileged: names the field and policy key");
  CHECK (r.out == NULL && r.d && count (r.d, "mounts", DECISION_REFUSED) == 1,
         "docker privileged: decisions up to the refusal", "no");
  CHECK_DECISION (r.d, "capabilities", "capabilities.allowed", "process.capabilities.bounding",
                  DECISION_CLAMPED,
                  "CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER,CAP_FSETID,CAP_KILL,CAP_SETGID,"
                  "CAP_SETUID,CAP_SETPCAP,CAP_NET_BIND_SERVICE",
                  "docker privileged: all caps clamped");
  run_free (&r);

  /* With a policy that repairs instead of refusing, it runs hardened. */
  _cleanup_policy_ struct policy *clamp = load_policy (DATA "policy/clamp.json");
  r = harden (clamp, &f, in);
  CHECK (r.ret == 0, "docker privileged, clamp policy: hardened", "%s", r.err.msg);
  if (r.ret == 0)
    {
      const struct spec_linux *l = r.out->linux;
      CHECK_DECISION (r.d, "mounts", "writableSys", "mounts[3].options", DECISION_CLAMPED, "ro",
                      "docker privileged: /sys made read-only");
      CHECK (strv_has (&r.out->mounts[3].options, "ro")
               && !strv_has (&r.out->mounts[3].options, "rw")
               && strv_has (&r.out->mounts[4].options, "ro"),
             "docker privileged: sysfs and cgroup ro in spec", "still rw");
      CHECK (count (r.d, "devices", DECISION_CLAMPED) == 4 && l->n_devices == 1
               && strcmp (l->devices[0].path, "/dev/null") == 0,
             "docker privileged: devices beyond the standard set dropped", "%zu devices, %zu clamped",
             l->n_devices, count (r.d, "devices", DECISION_CLAMPED));
      CHECK (l->resources->n_devices == 0, "docker privileged: allow-all cgroup rule dropped",
             "%zu rules", l->resources->n_devices);
      CHECK_DECISION (r.d, "seccomp", "seccomp.defaultProfile", NULL, DECISION_ADDED, "default",
                      "docker privileged: default seccomp");
      CHECK_DECISION (r.d, "paths", "maskedPaths", NULL, DECISION_ADDED, "17 paths (17 added)",
                      "docker privileged: masked paths restored");
    }
  run_free (&r);

  /* Policy refusing the devices (writable /sys repaired). */
  _cleanup_policy_ struct policy *dev = parse_policy ("{\"writableSys\": \"clamp\"}");
  r = harden (dev, &f, in);
  CHECK_STREQ (r.err.msg,
               "linux.devices[1]: /dev/sda (b 8:0) is not in the standard set; policy refuses "
               "it (devices.allowed)",
               "devices: extra device refused");
  run_free (&r);
}

/* ------------------------------------------------------------ refusals */

static void
check_refusal (const struct policy *p, struct spec *in, const char *want, const char *name)
{
  struct host_facts f = facts_here ();
  struct run r = harden (p, &f, in);
  CHECK (r.ret == -EPERM, name, "ret %d (%s)", r.ret, r.err.msg);
  CHECK_STREQ (r.err.msg, want, name);
  run_free (&r);
}

static void
test_refusals (const struct policy *p)
{
  struct spec *s = load_config ("runc-spec.json");
  remove_namespace (s, SPEC_NS_PID);
  check_refusal (p, s,
                 "linux.namespaces: the config shares the host's pid namespace; policy refuses "
                 "it (namespaces.allowHost)",
                 "refuse: host pid namespace");
  spec_free (s);

  _cleanup_policy_ struct policy *allow = parse_policy ("{\"namespaces\": {\"allowHost\": [\"pid\"]}}");
  s = load_config ("runc-spec.json");
  remove_namespace (s, SPEC_NS_PID);
  struct host_facts f = facts_here ();
  struct run r = harden (allow, &f, s);
  CHECK (r.ret == 0, "namespaces.allowHost lets the host pid ns through", "%s", r.err.msg);
  CHECK_DECISION (r.d, "namespaces", "namespaces.allowHost", NULL, DECISION_RELAXED, "host",
                  "namespaces.allowHost recorded");
  run_free (&r);
  spec_free (s);

  static const struct { const char *src; const char *want; } binds[] = {
    { "/var/run/docker.sock",
      "mounts[7].source: \"/var/run/docker.sock\" is a host-sensitive path "
      "(/var/run/docker.sock); policy refuses it (mounts.deny)" },
    { "/var//run/./docker.sock",
      "mounts[7].source: \"/var//run/./docker.sock\" is a host-sensitive path "
      "(/var/run/docker.sock); policy refuses it (mounts.deny)" },
    { "/var", "mounts[7].source: \"/var\" is a host-sensitive path (/var/run/docker.sock); "
              "policy refuses it (mounts.deny)" },
    { "/etc/ssh", "mounts[7].source: \"/etc/ssh\" is a host-sensitive path (/etc); policy "
                  "refuses it (mounts.deny)" },
    { "/", "mounts[7].source: \"/\" is a host-sensitive path (/); policy refuses it "
           "(mounts.deny)" },
    { "/run/bulwark/abc", "mounts[7].source: \"/run/bulwark/abc\" exposes the runtime's state "
                          "root /run/bulwark; policy refuses it (mounts.deny)" },
    { "../../../etc", "mounts[7].source: \"../../../etc\" is a host-sensitive path (/etc); "
                      "policy refuses it (mounts.deny)" },
  };
  for (size_t i = 0; i < sizeof binds / sizeof binds[0]; i++)
    {
      char name[128];
      s = load_config ("runc-spec.json");
      add_bind (s, binds[i].src, "/mnt");
      snprintf (name, sizeof name, "refuse: bind of %s", binds[i].src);
      check_refusal (p, s, binds[i].want, name);
      spec_free (s);
    }
  s = load_config ("runc-spec.json");
  add_bind (s, "/home/data", "/data");
  add_bind (s, "/etcetera", "/data2");
  add_bind (s, "data", "/data3");
  r = harden (p, &f, s);
  CHECK (r.ret == 0, "mounts: ordinary binds pass (prefix match is per component)", "%s",
         r.err.msg);
  run_free (&r);
  spec_free (s);

  s = load_config ("runc-spec.json");
  add_bind (s, "/srv/kcore", "/proc/kcore");
  check_refusal (p, s,
                 "mounts[7].destination: a mount at /proc/kcore would disable the masked path "
                 "/proc/kcore; policy refuses it (maskedPaths)",
                 "refuse: mount over a masked path");
  spec_free (s);

  s = load_config ("podman.json");
  free (s->linux->sysctl.items[0].key);
  s->linux->sysctl.items[0].key = strdup ("kernel.panic");
  check_refusal (p, s,
                 "linux.sysctl.kernel.panic: kernel.panic is not a namespaced sysctl; policy "
                 "refuses it (sysctl.allowed)",
                 "refuse: sysctl outside the allowlist");
  spec_free (s);

  s = load_config ("podman.json");
  remove_namespace (s, SPEC_NS_NETWORK);
  check_refusal (p, s,
                 "linux.sysctl.net.ipv4.ping_group_range: net.ipv4.ping_group_range would change "
                 "the host's network namespace; policy refuses it (sysctl.allowed)",
                 "refuse: net sysctl in the host network namespace");
  spec_free (s);

  s = load_config ("runc-spec.json");
  f.idmapped_mounts = false;
  r = harden (p, &f, s);
  CHECK_STREQ (r.err.msg,
               "root.path: this host cannot idmap the container's mounts; policy refuses it "
               "(userNamespace.idmapFallback)",
               "refuse: no idmapped mounts");
  run_free (&r);
  f = facts_here ();
  f.id_range_size = 0;
  r = harden (p, &f, s);
  CHECK (r.ret == -EINVAL && strstr (r.err.msg, "userNamespace.size"),
         "userns: an empty ID range is a caller error", "%s", r.err.msg);
  run_free (&r);
  spec_free (s);
}

/* ------------------------------------------------------------ escapes */

static const char *
map_get (const struct spec_map *m, const char *key)
{
  for (size_t i = 0; i < m->n; i++)
    if (strcmp (m->items[i].key, key) == 0)
      return m->items[i].value;
  return NULL;
}

static void
check_unified (const struct spec *out, const char *key, const char *want, const char *name)
{
  const char *got = out && out->linux->resources ? map_get (&out->linux->resources->unified, key)
                                                 : NULL;
  CHECK (got && strcmp (got, want) == 0, name, "%s = \"%s\", want \"%s\"", key,
         got ? got : "(absent)", want);
}

/* linux.resources.unified is written after the structured limits: its
 * memory.max, pids.max and cpu.max get the same defaults and ceilings, at
 * create and at update; audit mode changes nothing. */
static void
test_unified_limits (const struct policy *p)
{
  _cleanup_policy_ struct policy *audit = load_policy (DATA "policy/audit.json");
  _cleanup_policy_ struct policy *all = load_policy (DATA "policy/relax-all.json");
  struct host_facts f = facts_here ();
  struct spec *s = load_config ("runc-spec.json");
  struct spec_map *u = &s->linux->resources->unified;
  map_add (u, "memory.max", "max");
  map_add (u, "pids.max", "max");
  map_add (u, "cpu.max", "max");
  map_add (u, "memory.high", "max");
  struct run r = harden (p, &f, s);
  CHECK (r.ret == 0, "unified: \"max\" limits harden", "%s", r.err.msg);
  check_unified (r.out, "memory.max", "1073741824", "unified: memory.max \"max\" gets the default");
  check_unified (r.out, "pids.max", "1024", "unified: pids.max \"max\" gets the default");
  check_unified (r.out, "cpu.max", "200000 100000", "unified: cpu.max \"max\" gets the default");
  check_unified (r.out, "memory.high", "max", "unified: keys the policy does not limit stay");
  CHECK_DECISION (r.d, "limits", "limits.memory.default", "linux.resources.unified[\"memory.max\"]",
                  DECISION_ADDED, "1073741824", "unified: the default is a decision naming the key");
  run_free (&r);

  r = harden (audit, &f, s);
  check_unified (r.out, "memory.max", "max", "unified: audit changes nothing");
  CHECK_DECISION (r.d, "limits", "limits.pids.default", "linux.resources.unified[\"pids.max\"]",
                  DECISION_ADDED, "1024", "unified: audit reports the default");
  run_free (&r);
  spec_free (s);

  s = load_config ("runc-spec.json");
  u = &s->linux->resources->unified;
  map_add (u, "memory.max", "100G");
  map_add (u, "pids.max", "99999");
  map_add (u, "cpu.max", "1600000 100000");
  r = harden (p, &f, s);
  check_unified (r.out, "memory.max", "8589934592", "unified: memory.max above the max clamped");
  check_unified (r.out, "pids.max", "32768", "unified: pids.max above the max clamped");
  check_unified (r.out, "cpu.max", "800000 100000", "unified: cpu.max above the max clamped");
  CHECK_DECISION (r.d, "limits", "limits.cpu.max", "linux.resources.unified[\"cpu.max\"]",
                  DECISION_CLAMPED, "8000m", "unified: the clamp is a decision naming the key");
  run_free (&r);
  spec_free (s);

  s = load_config ("runc-spec.json");
  u = &s->linux->resources->unified;
  map_add (u, "memory.max", "512M");
  map_add (u, "cpu.max", "max 50000");
  r = harden (p, &f, s);
  check_unified (r.out, "memory.max", "512M", "unified: memory.max within the max as asked");
  check_unified (r.out, "cpu.max", "100000 50000", "unified: cpu.max keeps its period");
  run_free (&r);
  free (u->items[0].value);
  u->items[0].value = strdup ("lots");
  check_refusal (p, s,
                 "linux.resources.unified[\"memory.max\"]: the policy cannot check this value "
                 "(expected \"max\" or a size in bytes); policy refuses it (limits.memory.max)",
                 "unified: a value the policy cannot read is refused");
  spec_free (s);

  /* A bulwark.memory.max relaxation the policy allows raises the ceiling. */
  s = load_config ("runc-spec.json");
  map_add (&s->linux->resources->unified, "memory.max", "12G");
  add_annotation (s, "bulwark.memory.max", "16G");
  r = harden (all, &f, s);
  check_unified (r.out, "memory.max", "12G", "unified: an allowed relaxation holds");
  run_free (&r);
  spec_free (s);

  /* update */
  struct decisions *d = NULL;
  struct bw_error err = { 0 };
  s = load_config ("docker-seccomp-unconfined.json");
  map_add (&s->linux->resources->unified, "pids.max", "max");
  map_add (&s->linux->resources->unified, "memory.max", "100G");
  CHECK (policy_limit_resources (audit, s, &d, &err) == 0, "unified update: audit ok", "%s",
         err.msg);
  check_unified (s, "pids.max", "max", "unified update: audit changes nothing");
  decisions_free (d);
  CHECK (policy_limit_resources (p, s, &d, &err) == 0, "unified update: ok", "%s", err.msg);
  check_unified (s, "pids.max", "1024", "unified update: \"max\" gets the default");
  check_unified (s, "memory.max", "8589934592", "unified update: above the max clamped");
  CHECK_DECISION (d, "limits", "limits.memory.max", "linux.resources.unified[\"memory.max\"]",
                  DECISION_CLAMPED, "8589934592", "unified update: the clamp is a decision");
  decisions_free (d);
  spec_free (s);
}

static void
set_options (struct spec_mount *m, const char *const *opts)
{
  bw_strvfree (m->options.v);
  m->options = (struct spec_strv) { 0 };
  m->options.v = calloc (1, sizeof (char *));
  for (; *opts; opts++)
    {
      m->options.v = realloc (m->options.v, (m->options.n + 2) * sizeof (char *));
      m->options.v[m->options.n++] = strdup (*opts);
      m->options.v[m->options.n] = NULL;
    }
}

/* The last of the options wins, as the runtime applies them. */
static const char *
last_ro_rw (const struct spec_strv *o)
{
  const char *last = "(none)";
  for (size_t i = 0; i < o->n; i++)
    if (strcmp (o->v[i], "ro") == 0 || strcmp (o->v[i], "rw") == 0 || strcmp (o->v[i], "rrw") == 0)
      last = o->v[i];
  return last;
}

/* ["ro","rw"] is writable: the effective value counts, not whether "ro"
 * appears; clamping leaves the mount read-only. */
static void
test_writable_sys_order (const struct policy *p)
{
  _cleanup_policy_ struct policy *clamp = load_policy (DATA "policy/clamp.json");
  struct host_facts f = facts_here ();
  static const char *const ro_rw[] = { "nosuid", "ro", "rw", NULL };
  static const char *const rw_ro[] = { "nosuid", "rw", "ro", NULL };
  static const char *const bind_rrw[] = { "rbind", "ro", "rrw", NULL };
  struct spec *s = load_config ("runc-spec.json");
  set_options (&s->mounts[5], ro_rw);
  check_refusal (p, s, "mounts[5].options: /sys is mounted writable; policy refuses it "
                       "(writableSys)", "writable /sys: [\"ro\",\"rw\"] is refused");
  struct run r = harden (clamp, &f, s);
  CHECK (r.ret == 0 && strcmp (last_ro_rw (&r.out->mounts[5].options), "ro") == 0,
         "writable /sys: [\"ro\",\"rw\"] clamped to read-only", "%s",
         r.out ? last_ro_rw (&r.out->mounts[5].options) : r.err.msg);
  CHECK_DECISION (r.d, "mounts", "writableSys", "mounts[5].options", DECISION_CLAMPED, "ro",
                  "writable /sys: the clamp is a decision");
  run_free (&r);
  set_options (&s->mounts[5], rw_ro);
  r = harden (p, &f, s);
  CHECK (r.ret == 0, "writable /sys: [\"rw\",\"ro\"] is read-only", "%s", r.err.msg);
  run_free (&r);
  spec_free (s);

  s = load_config ("runc-spec.json");
  add_bind (s, "/srv/sys", "/proc/sys/kernel");
  set_options (&s->mounts[7], bind_rrw);
  check_refusal (p, s, "mounts[7].options: /proc/sys/kernel is mounted writable; policy refuses it "
                       "(writableSys)", "writable /proc/sys: a bind's rrw undoes ro");
  r = harden (clamp, &f, s);
  const struct spec_strv *o = r.out ? &r.out->mounts[7].options : NULL;
  CHECK (r.ret == 0 && strcmp (last_ro_rw (o), "ro") == 0 && strv_has (o, "rro")
           && !strv_has (o, "rrw"),
         "writable /proc/sys: a bind clamped read-only, recursively", "%s",
         o ? last_ro_rw (o) : r.err.msg);
  run_free (&r);
  spec_free (s);
}

/* A second procfs escapes maskedPaths, readonlyPaths and the /proc/sys
 * check: procfs goes at /proc only. */
static void
test_proc_elsewhere (const struct policy *p)
{
  struct host_facts f = facts_here ();
  struct spec *s = load_config ("runc-spec.json");
  add_bind (s, "proc", "/mnt/p");
  free (s->mounts[7].type);
  s->mounts[7].type = strdup ("proc");
  set_options (&s->mounts[7], (const char *const[]) { "nosuid", NULL });
  check_refusal (p, s,
                 "mounts[7].destination: a procfs at /mnt/p would escape the masked and read-only "
                 "paths; procfs goes at /proc only; policy refuses it (maskedPaths)",
                 "proc elsewhere: refused");
  free (s->mounts[7].destination);
  s->mounts[7].destination = strdup ("//proc/.");
  struct run r = harden (p, &f, s);
  CHECK (r.ret == 0, "proc elsewhere: a second one at /proc (spelt //proc/.) passes", "%s",
         r.err.msg);
  run_free (&r);
  spec_free (s);
}

/* No capabilities object would leave every capability: the allowed set is
 * filled in. */
static void
test_missing_capabilities (const struct policy *p)
{
  struct host_facts f = facts_here ();
  struct spec *s = load_config ("runc-spec.json");
  struct spec_capabilities *c = s->process->capabilities;
  s->process->capabilities = NULL;
  struct run r = harden (p, &f, s);
  s->process->capabilities = c;
  CHECK (r.ret == 0, "no capabilities: hardens", "%s", r.err.msg);
  const struct spec_capabilities *o = r.ret == 0 ? r.out->process->capabilities : NULL;
  CHECK (o && o->bounding.n == p->caps_allowed.n && o->effective.n == p->caps_allowed.n
           && o->permitted.n == p->caps_allowed.n && o->inheritable.n == 0 && o->ambient.n == 0
           && strv_has (&o->bounding, "CAP_CHOWN") && !strv_has (&o->bounding, "CAP_SYS_ADMIN"),
         "no capabilities: the allowed set in bounding, effective, permitted", "%zu",
         o ? o->bounding.n : 0);
  CHECK_DECISION (r.d, "capabilities", "capabilities.allowed", "process.capabilities",
                  DECISION_CLAMPED, NULL, "no capabilities: reported as clamped");
  run_free (&r);
  spec_free (s);
}

/* A config's own mappings may not share host IDs with the ID-range pool. */
static void
test_mappings_in_pool (const struct policy *p)
{
  struct host_facts f = facts_here ();
  struct spec *s = load_config ("bulwark-spec.json");
  struct spec_id_mapping *uid = &s->linux->uid_mappings.items[0];
  uid->host_id = HOSTFACTS_IDPOOL_START + 65536;
  check_refusal (p, s,
                 "linux.uidMappings[0]: host IDs 268500992-268566527 overlap the ID-range pool "
                 "(268435456-1879048191), which gives them to other containers; policy refuses "
                 "it (userNamespace)",
                 "mappings: a uid mapping inside the pool is refused");
  uid->host_id = HOSTFACTS_IDPOOL_START - 65536;
  struct run r = harden (p, &f, s);
  CHECK (r.ret == 0, "mappings: a mapping that ends below the pool passes", "%s", r.err.msg);
  run_free (&r);
  s->linux->gid_mappings.items[0].host_id = HOSTFACTS_IDPOOL_START - 1;
  r = harden (p, &f, s);
  CHECK (r.ret == -EPERM && strncmp (r.err.msg, "linux.gidMappings[0]: ", 22) == 0
           && strstr (r.err.msg, "(userNamespace)"),
         "mappings: a gid mapping straddling the pool start is refused", "%s", r.err.msg);
  run_free (&r);
  spec_free (s);

  /* The built-in defaults allow no relaxation; the shipped file does. */
  _cleanup_policy_ struct policy *empty = parse_policy ("{}");
  CHECK (empty && !empty->relax_rootfs_writable && empty->relax_caps_add.n == 0
           && !empty->relax_memory_max && !empty->relax_cpu_max && !empty->relax_pids_max
           && !empty->relax_seccomp_unconfined && !empty->relax_userns_disable
           && p->relax_memory_max && p->relax_rootfs_writable,
         "policy: the built-in defaults are the floor, relaxations only from a file", "differ");
}

/* ------------------------------------------------------------ relaxations */

struct relax_case
{
  const char *key, *value;
  const char *rule;             /* policy key named when refused */
};

static const struct relax_case relax_cases[] = {
  { "bulwark.rootfs.writable", "true", "relaxations.rootfs.writable" },
  { "bulwark.capabilities.add", "CAP_NET_RAW", "relaxations.capabilities.add" },
  { "bulwark.memory.max", "16G", "relaxations.memory.max" },
  { "bulwark.cpu.max", "16", "relaxations.cpu.max" },
  { "bulwark.pids.max", "65536", "relaxations.pids.max" },
  { "bulwark.seccomp.unconfined", "true", "relaxations.seccomp.unconfined" },
  { "bulwark.userns.disable", "true", "relaxations.userns.disable" },
};

/* update: the limits alone, with the container's relaxations. */
static void
test_limit_resources (const struct policy *p)
{
  _cleanup_policy_ struct policy *all = load_policy (DATA "policy/relax-all.json");
  struct decisions *d = NULL;
  struct bw_error err = { 0 };
  _cleanup_spec_ struct spec *s = load_config ("docker-seccomp-unconfined.json");
  s->linux->resources->memory->limit.value = 100LL << 30;
  s->linux->resources->pids->limit.value = -1;
  CHECK (policy_limit_resources (p, s, &d, &err) == 0, "update limits: ok", "%s", err.msg);
  CHECK (s->linux->resources->memory->limit.value == 8LL << 30, "update limits: memory clamped",
         "%" PRId64, s->linux->resources->memory->limit.value);
  CHECK (s->linux->resources->pids->limit.value == 1024, "update limits: unlimited pids get the "
         "default", "%" PRId64, s->linux->resources->pids->limit.value);
  CHECK_DECISION (d, "limits", "limits.memory.max", NULL, DECISION_CLAMPED, "8589934592",
                  "update limits: the clamp is a decision");
  decisions_free (d);

  /* A bulwark.memory.max relaxation the policy allows raises the ceiling. */
  s->linux->resources->memory->limit.value = 12LL << 30;
  add_annotation (s, "bulwark.memory.max", "16G");
  CHECK (policy_limit_resources (all, s, &d, &err) == 0
           && s->linux->resources->memory->limit.value == 12LL << 30,
         "update limits: an allowed relaxation holds", "%s", err.msg);
  decisions_free (d);
  /* Refused by a policy that does not allow it, as at create. */
  _cleanup_policy_ struct policy *strict = load_policy (DATA "policy/strict.json");
  CHECK (policy_limit_resources (strict, s, &d, &err) == -EPERM, "update limits: a relaxation the "
         "policy does not allow is refused", "%s", err.msg);
  decisions_free (d);
}

static void
test_relaxations (void)
{
  _cleanup_policy_ struct policy *all = load_policy (DATA "policy/relax-all.json");
  _cleanup_policy_ struct policy *strict = load_policy (DATA "policy/strict.json");
  struct host_facts f = facts_here ();
  for (size_t i = 0; i < sizeof relax_cases / sizeof relax_cases[0]; i++)
    {
      const struct relax_case *c = &relax_cases[i];
      char name[160], want[320];
      struct spec *s = load_config ("docker-seccomp-unconfined.json");
      /* Ask for more than the policy max, so the relaxation is visible. */
      s->linux->resources->memory->limit.value = 12LL << 30;
      s->linux->resources->cpu->quota.value = 1200000;
      s->linux->resources->pids->limit.value = 50000;
      add_annotation (s, c->key, c->value);

      struct run r = harden (all, &f, s);
      snprintf (name, sizeof name, "relax allowed: %s", c->key);
      CHECK (r.ret == 0 && count (r.d, "capabilities", DECISION_RELAXED)
                               + count (r.d, "rootfs", DECISION_RELAXED)
                               + count (r.d, "limits", DECISION_RELAXED)
                               + count (r.d, "seccomp", DECISION_RELAXED)
                               + count (r.d, "userns", DECISION_RELAXED) >= 1,
             name, "%s", r.ret ? r.err.msg : "no relaxed decision");
      if (r.ret == 0)
        {
          const struct spec *o = r.out;
          bool effect = true;
          if (i == 0)
            effect = !o->root->readonly.value && !has_mount (o, "/tmp", "tmpfs");
          else if (i == 1)
            effect = strv_has (&o->process->capabilities->bounding, "CAP_NET_RAW")
                     && !strv_has (&o->process->capabilities->bounding, "CAP_MKNOD");
          else if (i == 2)
            effect = o->linux->resources->memory->limit.value == 12LL << 30;
          else if (i == 3)
            effect = o->linux->resources->cpu->quota.value == 1200000;
          else if (i == 4)
            effect = o->linux->resources->pids->limit.value == 50000;
          else if (i == 5)
            effect = !r.d->plan.seccomp_profile && !r.d->plan.seccomp_floor;
          else if (i == 6)
            effect = !spec_namespace_find (o, SPEC_NS_USER);
          snprintf (name, sizeof name, "relax allowed: %s takes effect", c->key);
          CHECK (effect, name, "no effect");
        }
      run_free (&r);

      r = harden (strict, &f, s);
      snprintf (name, sizeof name, "relax refused: %s", c->key);
      snprintf (want, sizeof want,
                "annotations.%s: the policy does not allow this relaxation; policy refuses it "
                "(%s)",
                c->key, c->rule);
      CHECK (r.ret == -EPERM, name, "ret %d", r.ret);
      CHECK_STREQ (r.err.msg, want, name);
      run_free (&r);
      spec_free (s);
    }

  /* Without the annotation the same config is clamped to the policy. */
  struct spec *s = load_config ("docker-seccomp-unconfined.json");
  s->linux->resources->memory->limit.value = 12LL << 30;
  struct run r = harden (all, &f, s);
  CHECK_DECISION (r.d, "limits", "limits.memory.max", NULL, DECISION_CLAMPED, "8589934592",
                  "limits: memory above max clamped");
  run_free (&r);
  /* Above the relaxation's own ceiling: refused. */
  add_annotation (s, "bulwark.memory.max", "32G");
  r = harden (all, &f, s);
  CHECK_STREQ (r.err.msg,
               "annotations.bulwark.memory.max: the policy does not allow this relaxation; "
               "policy refuses it (relaxations.memory.max)",
               "relax refused: above the relaxation ceiling");
  run_free (&r);
  spec_free (s);

  s = load_config ("runc-spec.json");
  add_annotation (s, "bulwark.rootfs.writeable", "true");
  r = harden (all, &f, s);
  CHECK_STREQ (r.err.msg, "annotations.bulwark.rootfs.writeable: unknown bulwark relaxation",
               "relax: unknown annotation refused");
  run_free (&r);
  spec_free (s);

  s = load_config ("runc-spec.json");
  add_annotation (s, "bulwark.memory.max", "lots");
  r = harden (all, &f, s);
  CHECK_STREQ (r.err.msg,
               "annotations.bulwark.memory.max: expected a size like \"2G\", got \"lots\"",
               "relax: bad value");
  run_free (&r);
  spec_free (s);
}

/* ------------------------------------------------------------ audit, report */

static void
test_audit_and_report (void)
{
  _cleanup_policy_ struct policy *audit = load_policy (DATA "policy/audit.json");
  struct host_facts f = facts_here ();
  _cleanup_spec_ struct spec *in = load_config ("docker-privileged.json");
  struct bw_error err = { 0 };
  struct run r = harden (audit, &f, in);
  CHECK (r.ret == 0, "audit: a refused config passes", "%s", r.err.msg);
  if (r.ret < 0)
    return run_free (&r);
  _cleanup_free_ char *want = NULL, *got = NULL;
  spec_to_json (in, false, &want, &err);
  spec_to_json (r.out, false, &got, &err);
  CHECK (want && got && strcmp (want, got) == 0, "audit: output == input", "spec changed");
  CHECK (count (r.d, "mounts", DECISION_REFUSED) == 2 && count (r.d, "devices", DECISION_REFUSED) == 4,
         "audit: every refusal reported", "%zu mount, %zu device refusals",
         count (r.d, "mounts", DECISION_REFUSED), count (r.d, "devices", DECISION_REFUSED));
  CHECK (count (r.d, "capabilities", DECISION_CLAMPED) >= 3
           && find (r.d, "userns", "userNamespace.add", NULL)
           && find (r.d, "seccomp", "seccomp.floor", NULL)
           && find (r.d, "lsm", "lsm.landlock", NULL) && find (r.d, "rootfs", "rootfs.readonly", NULL)
           && find (r.d, "limits", "limits.pids.default", NULL)
           && find (r.d, "paths", "maskedPaths", NULL),
         "audit: every control reported", "missing decisions");
  CHECK (!r.d->plan.seccomp_profile && !r.d->plan.landlock && !r.d->plan.idmap_mounts,
         "audit: nothing planned", "plan set");

  _cleanup_free_ char *table = NULL, *line = NULL, *pretty = NULL;
  CHECK (policy_report_table (r.d, &table, &err) == 0 && strncmp (table, "mode: audit\nCONTROL", 19) == 0
           && strstr (table, "(audit: allowed)") && strstr (table, "writableSys"),
         "report: table", "%s", table ? table : err.msg);
  CHECK (policy_report_json (r.d, false, &line, &err) == 0 && !strchr (line, '\n')
           && strncmp (line, "{\"mode\":\"audit\",\"decisions\":[{\"control\":", 40) == 0,
         "report: one-line JSON", "%s", line ? line : err.msg);
  yajl_val tree = NULL;
  char ebuf[128];
  CHECK (line && (tree = yajl_tree_parse (line, ebuf, sizeof ebuf)) != NULL,
         "report: JSON parses", "%s", ebuf);
  yajl_tree_free (tree);
  CHECK (policy_report_json (r.d, true, &pretty, &err) == 0 && strchr (pretty, '\n'),
         "report: pretty JSON", "one line");
  run_free (&r);
}

/* ------------------------------------------------------------ more edges */

static void
test_edges (const struct policy *p)
{
  check_policy_error ("{\"rootfs\": 3}", "rootfs: expected an object, got 3",
                      "policy error: section of the wrong type");
  struct host_facts f = facts_here ();
  struct spec *s = load_config ("runc-spec.json");
  struct run r;

  /* LSM by host facts. */
  f.apparmor = true;
  r = harden (p, &f, s);
  CHECK_DECISION (r.d, "lsm", "lsm.apparmorProfile", NULL, DECISION_ADDED, "bulwark-default",
                  "lsm: AppArmor default profile added");
  CHECK (r.out && r.out->process->apparmor_profile
           && strcmp (r.out->process->apparmor_profile, "bulwark-default") == 0
           && !r.d->plan.landlock,
         "lsm: AppArmor profile in spec, no Landlock", "wrong");
  run_free (&r);
  f = facts_here ();
  f.selinux = true;
  r = harden (p, &f, s);
  CHECK_DECISION (r.d, "lsm", "lsm.selinuxLabel", NULL, DECISION_SKIPPED, NULL,
                  "lsm: SELinux without a policy label");
  run_free (&r);
  _cleanup_policy_ struct policy *se
    = parse_policy ("{\"lsm\": {\"selinuxLabel\": \"system_u:system_r:container_t:s0\"}}");
  r = harden (se, &f, s);
  CHECK_DECISION (r.d, "lsm", "lsm.selinuxLabel", NULL, DECISION_ADDED,
                  "system_u:system_r:container_t:s0", "lsm: SELinux label added");
  run_free (&r);
  f = facts_here ();
  f.landlock = false;
  f.landlock_abi = 0;
  r = harden (p, &f, s);
  CHECK_DECISION (r.d, "lsm", "lsm.landlock", NULL, DECISION_SKIPPED, "(none)",
                  "lsm: nothing active, reported as skipped");
  run_free (&r);
  spec_free (s);

  /* Joining a user namespace: kept, unless it is the host's. */
  f = facts_here ();
  s = load_config ("runc-spec.json");
  s->linux->namespaces = realloc (s->linux->namespaces,
                                  (s->linux->n_namespaces + 1) * sizeof *s->linux->namespaces);
  s->linux->namespaces[s->linux->n_namespaces++]
    = (struct spec_namespace) { SPEC_NS_USER, strdup ("/proc/4242/ns/user") };
  r = harden (p, &f, s);
  CHECK_DECISION (r.d, "userns", "userNamespace", NULL, DECISION_ENFORCED, "/proc/4242/ns/user",
                  "userns: joined namespace kept");
  run_free (&r);
  free (s->linux->namespaces[s->linux->n_namespaces - 1].path);
  s->linux->namespaces[s->linux->n_namespaces - 1].path = strdup ("/proc/1/ns/user");
  check_refusal (p, s,
                 "linux.namespaces: the config joins the host's user namespace; policy refuses "
                 "it (userNamespace)",
                 "userns: host user namespace refused");
  spec_free (s);

  /* A writable bind at /proc/sys. */
  s = load_config ("runc-spec.json");
  add_bind (s, "/srv/sys", "/proc/sys/kernel");
  free (s->mounts[7].options.v[1]);
  s->mounts[7].options.v[1] = NULL;
  s->mounts[7].options.n = 1;
  check_refusal (p, s,
                 "mounts[7].options: /proc/sys/kernel is mounted writable; policy refuses it "
                 "(writableSys)",
                 "refuse: writable /proc/sys");
  spec_free (s);

  /* CPU: a tiny quota is a limit; ten CPUs are clamped to eight. */
  s = load_config ("docker.json");
  s->linux->resources->cpu->quota.value = 50;
  r = harden (p, &f, s);
  CHECK_DECISION (r.d, "limits", "limits.cpu.max", NULL, DECISION_ENFORCED, "1m",
                  "limits: tiny cpu quota kept");
  CHECK (r.out && r.out->linux->resources->cpu->quota.value == 50, "limits: tiny quota unchanged",
         "changed");
  run_free (&r);
  s->linux->resources->cpu->quota.value = 1000000;
  r = harden (p, &f, s);
  CHECK_DECISION (r.d, "limits", "limits.cpu.max", NULL, DECISION_CLAMPED, "8000m",
                  "limits: cpu clamped");
  CHECK (r.out && r.out->linux->resources->cpu->quota.value == 800000
           && r.out->linux->resources->cpu->period.value == 100000,
         "limits: clamped quota in spec", "wrong quota");
  run_free (&r);
  spec_free (s);

  /* A relaxation with no config limit gives the relaxed value. */
  _cleanup_policy_ struct policy *all = load_policy (DATA "policy/relax-all.json");
  s = load_config ("runc-spec.json");
  add_annotation (s, "bulwark.memory.max", "16G");
  r = harden (all, &f, s);
  CHECK_DECISION (r.d, "limits", "relaxations.memory.max", NULL, DECISION_RELAXED,
                  "17179869184", "limits: relaxed memory without a config limit");
  run_free (&r);
  spec_free (s);

  /* Audit mode needs no ID range. */
  _cleanup_policy_ struct policy *audit = load_policy (DATA "policy/audit.json");
  s = load_config ("runc-spec.json");
  f.id_range_start = f.id_range_size = 0;
  r = harden (audit, &f, s);
  CHECK (r.ret == 0, "audit: no ID range needed", "%s", r.err.msg);
  CHECK_DECISION (r.d, "userns", "userNamespace.add", NULL, DECISION_ADDED,
                  "new user namespace: 65536 IDs from the pool", "audit: userns reported");
  run_free (&r);
  spec_free (s);
  f = facts_here ();

  /* Audit mode records a refused annotation instead of failing. */
  _cleanup_policy_ struct policy *audit_strict
    = parse_policy ("{\"mode\": \"audit\", \"relaxations\": {\"rootfs.writable\": false}}");
  s = load_config ("runc-spec.json");
  add_annotation (s, "bulwark.rootfs.writable", "true");
  r = harden (audit_strict, &f, s);
  CHECK (r.ret == 0, "audit: a refused relaxation passes", "%s", r.err.msg);
  CHECK_DECISION (r.d, "relaxations", "relaxations.rootfs.writable",
                  "annotations.bulwark.rootfs.writable", DECISION_REFUSED, "(audit: allowed)",
                  "audit: the refused relaxation is reported");
  run_free (&r);
  spec_free (s);
}

/* Landlock needs no_new_privs (the init restricts itself without
 * CAP_SYS_ADMIN): a policy that leaves no_new_privs to the config turns
 * Landlock off for a config without it, and says so. */
static void
test_landlock_nnp (void)
{
  _cleanup_policy_ struct policy *loose
    = parse_policy ("{\"noNewPrivileges\": false, \"lsm\": {\"landlock\": true}}");
  _cleanup_policy_ struct policy *strict = parse_policy ("{\"lsm\": {\"landlock\": true}}");
  struct host_facts f = facts_here ();
  _cleanup_spec_ struct spec *s = load_config ("runc-spec.json");
  if (!loose || !strict || !s)
    return;
  bool *nnp_set = &s->process->no_new_privileges.set, *nnp = &s->process->no_new_privileges.value;

  *nnp_set = true;
  *nnp = false;
  struct run r = harden (loose, &f, s);
  const struct decision *x = find (r.d, "lsm", "lsm.landlock", NULL);
  CHECK (r.ret == 0 && x && x->outcome == DECISION_RELAXED && strcmp (x->asked, "false") == 0
           && strstr (x->why, "Landlock needs no_new_privs; the config turns it off")
           && !r.d->plan.landlock && r.out && !r.out->process->no_new_privileges.value,
         "landlock: policy nnp false, config nnp false: Landlock off, said why", "%s / %s",
         r.err.msg, x ? x->why : "no decision");
  run_free (&r);

  *nnp_set = false;
  r = harden (loose, &f, s);
  x = find (r.d, "lsm", "lsm.landlock", NULL);
  CHECK (r.ret == 0 && x && x->outcome == DECISION_RELAXED && strstr (x->why, "leaves it off")
           && !r.d->plan.landlock,
         "landlock: policy nnp false, config without nnp: Landlock off", "%s",
         x ? x->why : "no decision");
  run_free (&r);

  *nnp_set = *nnp = true;
  r = harden (loose, &f, s);
  CHECK_DECISION (r.d, "lsm", "lsm.landlock", NULL, DECISION_ADDED, "Landlock ruleset (ABI 6)",
                  "landlock: policy nnp false, config nnp true: Landlock on");
  CHECK (r.d && r.d->plan.landlock, "landlock: planned with the config's nnp", "not planned");
  run_free (&r);

  /* The policy forcing no_new_privs: Landlock whatever the config says. */
  *nnp = false;
  r = harden (strict, &f, s);
  CHECK_DECISION (r.d, "lsm", "lsm.landlock", NULL, DECISION_ADDED, "Landlock ruleset (ABI 6)",
                  "landlock: policy nnp true, config nnp false: Landlock on");
  CHECK (r.d && r.d->plan.landlock && r.out && r.out->process->no_new_privileges.value,
         "landlock: planned, no_new_privs forced", "no");
  run_free (&r);
}

/* exec: a process run in a running container, held to the policy as the
 * container's own process was at create. */
static struct spec_process *
exec_process (const char *json)
{
  struct bw_error err = { 0 };
  struct spec_process *proc = NULL;
  if (spec_parse_process (json, strlen (json), &proc, &err) < 0)
    printf ("# spec_parse_process: %s\n", err.msg);
  return proc;
}

#define EXEC_PROCESS_JSON                                                     \
  "{\"cwd\": \"/\", \"args\": [\"sh\"], \"noNewPrivileges\": false, "            \
  "\"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_SYS_ADMIN\", \"CAP_NET_RAW\"], "\
  "\"effective\": [\"CAP_KILL\", \"CAP_SYS_ADMIN\"], \"permitted\": [\"CAP_KILL\", "     \
  "\"CAP_SYS_ADMIN\", \"CAP_NET_RAW\"], \"inheritable\": [\"CAP_KILL\"], "              \
  "\"ambient\": [\"CAP_KILL\"]}%s}"

static void
test_limit_process (const struct policy *p)
{
  _cleanup_policy_ struct policy *audit = load_policy (DATA "policy/audit.json");
  _cleanup_spec_ struct spec *config = load_config ("runc-spec.json");
  struct host_facts f = facts_here ();
  struct decisions *d = NULL;
  struct bw_error err = { 0 };
  char json[1024];
  snprintf (json, sizeof json, EXEC_PROCESS_JSON, "");
  struct spec_process *proc = exec_process (json);
  if (!audit || !proc)
    return;

  CHECK (policy_limit_process (p, &f, config, proc, &d, &err) == 0, "exec process: ok", "%s",
         err.msg);
  const struct spec_capabilities *c = proc->capabilities;
  CHECK (!strv_has (&c->bounding, "CAP_SYS_ADMIN") && !strv_has (&c->effective, "CAP_SYS_ADMIN")
           && !strv_has (&c->permitted, "CAP_SYS_ADMIN") && !strv_has (&c->permitted, "CAP_NET_RAW")
           && strv_has (&c->effective, "CAP_KILL"),
         "exec process: capabilities outside the allowed set dropped", "effective %zu", c->effective.n);
  CHECK (c->ambient.n == 0, "exec process: ambient cleared", "%zu left", c->ambient.n);
  CHECK (proc->no_new_privileges.set && proc->no_new_privileges.value,
         "exec process: no_new_privs forced", "off");
  CHECK_DECISION (d, "capabilities", "capabilities.allowed", "process.capabilities.effective",
                  DECISION_CLAMPED, "CAP_KILL", "exec process: the clamp is a decision");
  CHECK_DECISION (d, "capabilities", "noNewPrivileges", NULL, DECISION_CLAMPED, "true",
                  "exec process: no_new_privs clamped");
  CHECK (!find (d, "lsm", "lsm.landlock", "mounts") && !d->plan.landlock,
         "exec process: Landlock stays the container's", "planned");
  decisions_free (d);
  spec_process_free (proc);

  /* The container's bulwark.capabilities.add keeps what it granted. */
  add_annotation (config, "bulwark.capabilities.add", "CAP_NET_RAW");
  proc = exec_process (json);
  CHECK (policy_limit_process (p, &f, config, proc, &d, &err) == 0
           && strv_has (&proc->capabilities->permitted, "CAP_NET_RAW")
           && !strv_has (&proc->capabilities->permitted, "CAP_SYS_ADMIN"),
         "exec process: the container's relaxation applies", "%s", err.msg);
  CHECK_DECISION (d, "capabilities", "relaxations.capabilities.add", NULL, DECISION_RELAXED,
                  NULL, "exec process: the relaxation is a decision");
  decisions_free (d);
  spec_process_free (proc);

  /* AppArmor: no profile gets the policy's; one it does not allow fails. */
  f.apparmor = true;
  proc = exec_process (json);
  CHECK (policy_limit_process (p, &f, config, proc, &d, &err) == 0 && proc->apparmor_profile
           && strcmp (proc->apparmor_profile, "bulwark-default") == 0,
         "exec process: AppArmor profile added", "%s", err.msg);
  decisions_free (d);
  spec_process_free (proc);
  snprintf (json, sizeof json, EXEC_PROCESS_JSON, ", \"apparmorProfile\": \"unconfined\"");
  proc = exec_process (json);
  CHECK (policy_limit_process (p, &f, config, proc, &d, &err) == -EPERM,
         "exec process: a profile the policy does not allow is refused", "accepted");
  CHECK_STREQ (err.msg,
               "process.apparmorProfile: AppArmor profile \"unconfined\" is not allowed; policy "
               "refuses it (lsm.allowedApparmorProfiles)",
               "exec process: the refusal names the policy key");
  decisions_free (d);
  spec_process_free (proc);

  /* Audit: decided and reported, nothing changed. */
  proc = exec_process (json);
  CHECK (policy_limit_process (audit, &f, config, proc, &d, &err) == 0, "exec process: audit ok",
         "%s", err.msg);
  CHECK (strv_has (&proc->capabilities->effective, "CAP_SYS_ADMIN")
           && proc->capabilities->ambient.n == 1 && !proc->no_new_privileges.value
           && strcmp (proc->apparmor_profile, "unconfined") == 0,
         "exec process: audit changes nothing", "changed");
  CHECK (d->mode == POLICY_AUDIT && count (d, "capabilities", DECISION_CLAMPED) > 0
           && count (d, "lsm", DECISION_REFUSED) == 1,
         "exec process: audit reports what it would do", "%zu decisions", d->n);
  decisions_free (d);
  spec_process_free (proc);
}

int
main (void)
{
  test_policy_parse ();
  _cleanup_policy_ struct policy *p = load_policy ("profiles/policy.json");
  if (!p)
    return 1;
  test_runc_spec (p);
  test_bulwark_spec (p);
  test_podman (p);
  test_docker_unconfined (p);
  test_docker_privileged (p);
  test_refusals (p);
  test_unified_limits (p);
  test_writable_sys_order (p);
  test_proc_elsewhere (p);
  test_missing_capabilities (p);
  test_mappings_in_pool (p);
  test_relaxations ();
  test_limit_resources (p);
  test_limit_process (p);
  test_audit_and_report ();
  test_edges (p);
  test_landlock_nnp ();
  return UNIT_EXIT ();
}
