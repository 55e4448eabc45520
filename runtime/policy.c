/* policy: policy.json -> struct policy. Same json helpers and error rules as
 * config.json (errors name the JSON path). A field the file leaves out keeps
 * the built-in default, the strict floor: every control as the shipped
 * profiles/policy.json sets it, but no relaxation (the shipped file allows
 * some bulwark.* annotations; the defaults allow none), so a partial policy
 * loosens only what it names. Unknown keys are refused, because a misspelt
 * key would otherwise silently leave a control at a value the administrator
 * did not mean. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "cleanup.h"
#include "json.h"
#include "policy.h"
#include "spec.h"

/* ------------------------------------------------------------ defaults */

static const char *const default_caps[] = {
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
  "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", NULL,
};

static const char *const default_tmpfs[] = { "/tmp", "/run", "/var/tmp", NULL };

/* The daemons' sockets rather than their whole run directories: Docker,
 * containerd's CRI and CRI-O bind container files (hostname, resolv.conf,
 * shm) from below /var/lib/docker, /run/containerd and /run/crio. Binding
 * a parent of a socket is still refused (see policy_refuse.c). */
static const char *const default_mounts_deny[] = {
  "/", "/proc", "/sys", "/dev", "/etc", "/boot", "/root", "/lib/modules",
  "/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
  "/run/containerd/containerd.sock.ttrpc", "/var/run/containerd/containerd.sock",
  "/run/crio/crio.sock", "/var/run/crio/crio.sock", NULL,
};

/* Sysctls the kernel namespaces (IPC, UTS, network, mqueue). */
static const char *const default_sysctls[] = {
  "kernel.shmmax", "kernel.shmall", "kernel.shmmni", "kernel.shm_rmid_forced",
  "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
  "kernel.hostname", "kernel.domainname", "fs.mqueue.*", "net.*", NULL,
};

/* Docker's and containerd's lists together, plus the additions. */
static const char *const default_masked[] = {
  "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
  "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
  "/proc/scsi", "/proc/kallsyms", "/proc/slabinfo", "/proc/sysrq-trigger",
  "/sys/firmware", "/sys/devices/virtual/powercap", "/sys/kernel/security",
  "/sys/kernel/debug", NULL,
};

static const char *const default_readonly[] = {
  "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

/* The profiles Docker, podman and containerd name by default. */
static const char *const default_apparmor[] = {
  "docker-default", "containers-default-*", "cri-containerd.apparmor.d", NULL,
};

static const char *const default_add_missing[] = { "cgroup", NULL };
static const char *const empty_list[] = { NULL };

static int
strv_dup (const char *const *src, struct spec_strv *out)
{
  size_t n = 0;
  while (src[n])
    n++;
  char **v = calloc (n + 1, sizeof *v);
  if (!v)
    return -ENOMEM;
  for (size_t i = 0; i < n; i++)
    if (!(v[i] = strdup (src[i])))
      {
        bw_strvfree (v);
        return -ENOMEM;
      }
  out->v = v;
  out->n = n;
  return 0;
}

/* Relaxations (p->relax_*) stay off: only a policy file turns them on. */
static int
set_defaults (struct policy *p)
{
  p->mode = POLICY_ENFORCE;
  p->userns_add = true;
  p->userns_size = 65536;
  p->idmap_fallback = POLICY_REFUSE;
  p->caps_allow_ambient = false;
  p->no_new_privileges = true;
  p->seccomp_floor = true;
  p->landlock = true;
  p->rootfs_readonly = true;
  p->rootfs_tmpfs_size = 64 * 1024 * 1024;
  p->memory = (struct policy_limit) { 1024LL * 1024 * 1024, 8LL * 1024 * 1024 * 1024 };
  p->cpu = (struct policy_limit) { 2000, 8000 };
  p->pids = (struct policy_limit) { 1024, 32768 };
  p->devices_extra = POLICY_REFUSE;
  p->writable_sys = POLICY_REFUSE;
  if (!(p->seccomp_default_profile = strdup ("default"))
      || !(p->apparmor_profile = strdup ("bulwark-default"))
      || !(p->audit_log = strdup (POLICY_DEFAULT_AUDIT_LOG))
      || !(p->userns_pool = strdup (POLICY_DEFAULT_IDPOOL)))
    return -ENOMEM;
  struct { const char *const *src; struct spec_strv *dst; } lists[] = {
    { empty_list, &p->ns_allow_host },    { default_add_missing, &p->ns_add_missing },
    { default_caps, &p->caps_allowed },   { default_apparmor, &p->apparmor_allowed },
    { default_tmpfs, &p->rootfs_tmpfs },  { default_mounts_deny, &p->mounts_deny },
    { default_sysctls, &p->sysctl_allowed }, { default_masked, &p->masked_paths },
    { default_readonly, &p->readonly_paths }, { empty_list, &p->relax_caps_add },
  };
  for (size_t i = 0; i < ARRAY_LEN (lists); i++)
    TRY (strv_dup (lists[i].src, lists[i].dst));
  return 0;
}

/* ------------------------------------------------------------ helpers */

/* Refuse keys outside `known` (NULL-terminated). */
static int
check_keys (struct json_ctx *c, yajl_val obj, const char *const *known)
{
  for (size_t i = 0; i < obj->u.object.len; i++)
    {
      const char *key = obj->u.object.keys[i];
      bool found = false;
      for (const char *const *k = known; *k && !found; k++)
        found = strcmp (*k, key) == 0;
      if (!found)
        {
          json_push_key (c, key);
          return json_fail (c, "unknown policy key");
        }
    }
  return 0;
}

/* An optional sub-object: 1 with *out set, 0 when absent. */
static int
get_section (struct json_ctx *c, yajl_val obj, const char *key, const char *const *known,
             yajl_val *out)
{
  int r = json_get_object (c, obj, key, out);
  if (r <= 0)
    return r;
  json_push_key (c, key);
  r = check_keys (c, *out, known);
  if (r < 0)
    return r;
  json_pop (c);
  return 1;
}

static int
get_list (struct json_ctx *c, yajl_val obj, const char *key, struct spec_strv *list)
{
  char **v = NULL;
  size_t n = 0;
  int r = json_get_strv (c, obj, key, &v, &n);
  if (r <= 0)
    return r;
  bw_strvfree (list->v);
  list->v = v;
  list->n = n;
  return 1;
}

/* A list of absolute paths. */
static int
get_paths (struct json_ctx *c, yajl_val obj, const char *key, struct spec_strv *list)
{
  int r = get_list (c, obj, key, list);
  if (r <= 0)
    return r;
  for (size_t i = 0; i < list->n; i++)
    if (list->v[i][0] != '/')
      {
        json_push_key (c, key);
        json_push_index (c, i);
        return json_fail (c, "expected an absolute path, got \"%s\"", list->v[i]);
      }
  return 1;
}

static int
get_caps (struct json_ctx *c, yajl_val obj, const char *key, struct spec_strv *list)
{
  int r = get_list (c, obj, key, list);
  if (r <= 0)
    return r;
  for (size_t i = 0; i < list->n; i++)
    {
      cap_value_t value;
      if (strncmp (list->v[i], "CAP_", 4) != 0 || cap_from_name (list->v[i], &value) < 0)
        {
          char quoted[JSON_SHOW_MAX * 2 + 16];
          json_quote (list->v[i], quoted, sizeof quoted);
          json_push_key (c, key);
          json_push_index (c, i);
          return json_fail (c, "unknown capability %s", quoted);
        }
    }
  return 1;
}

static int
get_string (struct json_ctx *c, yajl_val obj, const char *key, char **field)
{
  char *s = NULL;
  int r = json_get_string (c, obj, key, &s);
  if (r <= 0)
    return r;
  free (*field);
  *field = s;
  return 1;
}

/* A string that must be one of two words; *out gets 0 or 1. */
static int
get_choice (struct json_ctx *c, yajl_val obj, const char *key, const char *word0,
            const char *word1, int *out)
{
  _cleanup_free_ char *s = NULL;
  int r = json_get_string (c, obj, key, &s);
  if (r <= 0)
    return r;
  if (strcmp (s, word0) == 0 || strcmp (s, word1) == 0)
    {
      *out = strcmp (s, word1) == 0;
      return 1;
    }
  char quoted[JSON_SHOW_MAX * 2 + 16];
  json_quote (s, quoted, sizeof quoted);
  json_push_key (c, key);
  return json_fail (c, "expected \"%s\" or \"%s\", got %s", word0, word1, quoted);
}

static int
get_violation (struct json_ctx *c, yajl_val obj, const char *key, enum policy_violation *out)
{
  int v = 0;
  int r = get_choice (c, obj, key, "refuse", "clamp", &v);
  if (r > 0)
    *out = v ? POLICY_CLAMP : POLICY_REFUSE;
  return r;
}

/* ------------------------------------------------------------ sections */

static int
parse_limit (struct json_ctx *c, yajl_val obj, const char *key, struct policy_limit *l)
{
  static const char *const known[] = { "default", "max", NULL };
  yajl_val sec = NULL;
  int r = get_section (c, obj, key, known, &sec);
  if (r <= 0)
    return r;
  json_push_key (c, key);
  TRY (json_get_int64 (c, sec, "default", 0, INT64_MAX, &l->default_value));
  TRY (json_get_int64 (c, sec, "max", 0, INT64_MAX, &l->max));
  if (l->max && l->default_value > l->max)
    {
      json_push_key (c, "default");
      return json_fail (c, "%lld is above max (%lld)", (long long) l->default_value,
                        (long long) l->max);
    }
  json_pop (c);
  return 1;
}

static int
parse_devices (struct json_ctx *c, yajl_val sec, struct policy *p)
{
  yajl_val arr = NULL;
  int r = json_get_array (c, sec, "allowed", &arr);
  if (r <= 0)
    return r;
  size_t n = arr->u.array.len;
  p->devices_allowed = calloc (n ? n : 1, sizeof *p->devices_allowed);
  if (!p->devices_allowed)
    return bw_error_set (c->err, ENOMEM, "out of memory");
  json_push_key (c, "allowed");
  for (size_t i = 0; i < n; i++)
    {
      static const char *const known[] = { "path", "type", "major", "minor", NULL };
      yajl_val d = arr->u.array.values[i];
      struct policy_device *dev = &p->devices_allowed[i];
      _cleanup_free_ char *type = NULL;
      p->n_devices_allowed = i + 1;
      json_push_index (c, i);
      TRY (json_as_object (c, d));
      TRY (check_keys (c, d, known));
      if ((r = json_get_string (c, d, "path", &dev->path)) <= 0)
        return r < 0 ? r : json_missing (c, "path");
      if ((r = json_get_string (c, d, "type", &type)) <= 0)
        return r < 0 ? r : json_missing (c, "type");
      if (strcmp (type, "c") != 0 && strcmp (type, "b") != 0)
        {
          json_push_key (c, "type");
          return json_fail (c, "expected \"c\" or \"b\", got \"%s\"", type);
        }
      dev->type = type[0];
      if ((r = json_get_int64 (c, d, "major", 0, INT64_MAX, &dev->major)) <= 0)
        return r < 0 ? r : json_missing (c, "major");
      if ((r = json_get_int64 (c, d, "minor", 0, INT64_MAX, &dev->minor)) <= 0)
        return r < 0 ? r : json_missing (c, "minor");
      json_pop (c);
    }
  json_pop (c);
  return 1;
}

static int
parse_relaxations (struct json_ctx *c, yajl_val obj, struct policy *p)
{
  static const char *const known[] = {
    "rootfs.writable", "capabilities.add", "memory.max", "cpu.max", "pids.max",
    "seccomp.unconfined", "userns.disable", NULL,
  };
  yajl_val sec = NULL;
  int r = get_section (c, obj, "relaxations", known, &sec);
  if (r <= 0)
    return r;
  json_push_key (c, "relaxations");
  TRY (json_get_bool (c, sec, "rootfs.writable", &p->relax_rootfs_writable));
  TRY (get_caps (c, sec, "capabilities.add", &p->relax_caps_add));
  TRY (json_get_int64 (c, sec, "memory.max", 0, INT64_MAX, &p->relax_memory_max));
  TRY (json_get_int64 (c, sec, "cpu.max", 0, INT64_MAX, &p->relax_cpu_max));
  TRY (json_get_int64 (c, sec, "pids.max", 0, INT64_MAX, &p->relax_pids_max));
  TRY (json_get_bool (c, sec, "seccomp.unconfined", &p->relax_seccomp_unconfined));
  TRY (json_get_bool (c, sec, "userns.disable", &p->relax_userns_disable));
  json_pop (c);
  return 1;
}

static int
check_ns_names (struct json_ctx *c, const char *key, const struct spec_strv *list)
{
  for (size_t i = 0; i < list->n; i++)
    {
      bool found = false;
      for (int t = 0; t < SPEC_NS_TYPES && !found; t++)
        found = strcmp (spec_ns_type_names[t], list->v[i]) == 0;
      if (!found || strcmp (list->v[i], "user") == 0)
        {
          json_push_key (c, key);
          json_push_index (c, i);
          return json_fail (c, "expected a namespace type other than \"user\", got \"%s\"",
                            list->v[i]);
        }
    }
  return 0;
}

static int
parse_document (struct json_ctx *c, yajl_val root, struct policy *p)
{
  static const char *const top[] = {
    "mode", "userNamespace", "namespaces", "capabilities", "noNewPrivileges", "seccomp",
    "lsm", "rootfs", "limits", "mounts", "devices", "sysctl", "writableSys",
    "maskedPaths", "readonlyPaths", "relaxations", "auditLog", NULL,
  };
  yajl_val sec = NULL;
  int mode = 0, r;

  TRY (json_as_object (c, root));
  TRY (check_keys (c, root, top));
  if ((r = get_choice (c, root, "mode", "enforce", "audit", &mode)) < 0)
    return r;
  p->mode = mode ? POLICY_AUDIT : POLICY_ENFORCE;

  static const char *const userns_keys[] = { "add", "size", "idmapFallback", "pool", NULL };
  if ((r = get_section (c, root, "userNamespace", userns_keys, &sec)) < 0)
    return r;
  if (r > 0)
    {
      json_push_key (c, "userNamespace");
      TRY (json_get_bool (c, sec, "add", &p->userns_add));
      TRY (json_get_uint32 (c, sec, "size", 1, UINT32_MAX, &p->userns_size));
      TRY (get_violation (c, sec, "idmapFallback", &p->idmap_fallback));
      TRY (get_string (c, sec, "pool", &p->userns_pool));
      if (p->userns_pool[0] != '/')
        {
          json_push_key (c, "pool");
          return json_fail (c, "expected an absolute path, got \"%s\"", p->userns_pool);
        }
      json_pop (c);
    }

  static const char *const ns_keys[] = { "allowHost", "addMissing", NULL };
  if ((r = get_section (c, root, "namespaces", ns_keys, &sec)) < 0)
    return r;
  if (r > 0)
    {
      json_push_key (c, "namespaces");
      TRY (get_list (c, sec, "allowHost", &p->ns_allow_host));
      TRY (check_ns_names (c, "allowHost", &p->ns_allow_host));
      TRY (get_list (c, sec, "addMissing", &p->ns_add_missing));
      TRY (check_ns_names (c, "addMissing", &p->ns_add_missing));
      json_pop (c);
    }

  static const char *const caps_keys[] = { "allowed", "allowAmbient", NULL };
  if ((r = get_section (c, root, "capabilities", caps_keys, &sec)) < 0)
    return r;
  if (r > 0)
    {
      json_push_key (c, "capabilities");
      TRY (get_caps (c, sec, "allowed", &p->caps_allowed));
      TRY (json_get_bool (c, sec, "allowAmbient", &p->caps_allow_ambient));
      json_pop (c);
    }
  TRY (json_get_bool (c, root, "noNewPrivileges", &p->no_new_privileges));

  static const char *const seccomp_keys[] = { "defaultProfile", "floor", NULL };
  if ((r = get_section (c, root, "seccomp", seccomp_keys, &sec)) < 0)
    return r;
  if (r > 0)
    {
      json_push_key (c, "seccomp");
      TRY (get_string (c, sec, "defaultProfile", &p->seccomp_default_profile));
      TRY (json_get_bool (c, sec, "floor", &p->seccomp_floor));
      json_pop (c);
    }

  static const char *const lsm_keys[] = {
    "apparmorProfile", "allowedApparmorProfiles", "selinuxLabel", "landlock", NULL,
  };
  if ((r = get_section (c, root, "lsm", lsm_keys, &sec)) < 0)
    return r;
  if (r > 0)
    {
      json_push_key (c, "lsm");
      TRY (get_string (c, sec, "apparmorProfile", &p->apparmor_profile));
      TRY (get_list (c, sec, "allowedApparmorProfiles", &p->apparmor_allowed));
      TRY (get_string (c, sec, "selinuxLabel", &p->selinux_label));
      TRY (json_get_bool (c, sec, "landlock", &p->landlock));
      json_pop (c);
    }

  static const char *const rootfs_keys[] = { "readonly", "tmpfs", "tmpfsSize", NULL };
  if ((r = get_section (c, root, "rootfs", rootfs_keys, &sec)) < 0)
    return r;
  if (r > 0)
    {
      json_push_key (c, "rootfs");
      TRY (json_get_bool (c, sec, "readonly", &p->rootfs_readonly));
      TRY (get_paths (c, sec, "tmpfs", &p->rootfs_tmpfs));
      TRY (json_get_uint64 (c, sec, "tmpfsSize", 4096, UINT64_MAX, &p->rootfs_tmpfs_size));
      json_pop (c);
    }

  static const char *const limit_keys[] = { "memory", "cpu", "pids", NULL };
  if ((r = get_section (c, root, "limits", limit_keys, &sec)) < 0)
    return r;
  if (r > 0)
    {
      json_push_key (c, "limits");
      TRY (parse_limit (c, sec, "memory", &p->memory));
      TRY (parse_limit (c, sec, "cpu", &p->cpu));
      TRY (parse_limit (c, sec, "pids", &p->pids));
      json_pop (c);
    }

  static const char *const mounts_keys[] = { "deny", NULL };
  if ((r = get_section (c, root, "mounts", mounts_keys, &sec)) < 0)
    return r;
  if (r > 0)
    {
      json_push_key (c, "mounts");
      TRY (get_paths (c, sec, "deny", &p->mounts_deny));
      json_pop (c);
    }

  static const char *const devices_keys[] = { "allowed", "extra", NULL };
  if ((r = get_section (c, root, "devices", devices_keys, &sec)) < 0)
    return r;
  if (r > 0)
    {
      json_push_key (c, "devices");
      TRY (parse_devices (c, sec, p));
      TRY (get_violation (c, sec, "extra", &p->devices_extra));
      json_pop (c);
    }

  static const char *const sysctl_keys[] = { "allowed", NULL };
  if ((r = get_section (c, root, "sysctl", sysctl_keys, &sec)) < 0)
    return r;
  if (r > 0)
    {
      json_push_key (c, "sysctl");
      TRY (get_list (c, sec, "allowed", &p->sysctl_allowed));
      json_pop (c);
    }

  TRY (get_violation (c, root, "writableSys", &p->writable_sys));
  TRY (get_paths (c, root, "maskedPaths", &p->masked_paths));
  TRY (get_paths (c, root, "readonlyPaths", &p->readonly_paths));
  TRY (parse_relaxations (c, root, p));
  if ((r = get_string (c, root, "auditLog", &p->audit_log)) < 0)
    return r;
  if (p->audit_log[0] && p->audit_log[0] != '/')
    {
      json_push_key (c, "auditLog");
      return json_fail (c, "must be an absolute path (or \"\" for no audit log), got \"%s\"",
                        p->audit_log);
    }
  return 0;
}

int
policy_parse (const char *json, size_t len, struct policy **out, struct bw_error *err)
{
  struct json_ctx c;
  yajl_val root = NULL;
  struct policy *p = calloc (1, sizeof *p);
  int r;

  if (!p)
    return bw_error_set (err, ENOMEM, "out of memory");
  if (set_defaults (p) < 0)
    {
      policy_free (p);
      return bw_error_set (err, ENOMEM, "out of memory");
    }
  r = json_parse (json, len, &root, err);
  if (r < 0)
    {
      policy_free (p);
      return r;
    }
  json_ctx_init (&c, err);
  r = parse_document (&c, root, p);
  yajl_tree_free (root);
  if (r < 0)
    {
      policy_free (p);
      return r;
    }
  *out = p;
  return 0;
}

int
policy_load (const char *path, struct policy **out, struct bw_error *err)
{
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  int r = spec_read_file (path, &text, &len, err);
  if (r < 0)
    return r;
  r = policy_parse (text, len, out, err);
  if (r < 0)
    return bw_error_prefix (err, "%s", path);
  return 0;
}

void
policy_free (struct policy *p)
{
  if (!p)
    return;
  struct spec_strv *lists[] = {
    &p->ns_allow_host, &p->ns_add_missing, &p->caps_allowed, &p->apparmor_allowed,
    &p->rootfs_tmpfs, &p->mounts_deny, &p->sysctl_allowed, &p->masked_paths,
    &p->readonly_paths, &p->relax_caps_add,
  };
  for (size_t i = 0; i < ARRAY_LEN (lists); i++)
    bw_strvfree (lists[i]->v);
  for (size_t i = 0; i < p->n_devices_allowed; i++)
    free (p->devices_allowed[i].path);
  free (p->devices_allowed);
  free (p->seccomp_default_profile);
  free (p->apparmor_profile);
  free (p->audit_log);
  free (p->userns_pool);
  free (p->selinux_label);
  free (p);
}
