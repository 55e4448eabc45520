/* spec_parse: the document entry points and the top level of config.json:
 * ociVersion, root, mounts, process, hostname, hooks, annotations. The linux
 * object is in spec_parse_linux.c, resources in spec_parse_resources.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "cleanup.h"
#include "spec_parse.h"

/* ------------------------------------------------------------- helpers */

int
sp_alloc (struct json_ctx *c, size_t n, size_t size, void *out)
{
  void *p = calloc (n ? n : 1, size);
  if (!p)
    return bw_error_set (c->err, ENOMEM, "out of memory");
  *(void **) out = p;
  return 0;
}

int
sp_opt_bool (struct json_ctx *c, yajl_val obj, const char *key, opt_bool *out)
{
  int r = json_get_bool (c, obj, key, &out->value);
  out->set = r > 0;
  return r;
}

int
sp_opt_i32 (struct json_ctx *c, yajl_val obj, const char *key, int32_t min, int32_t max,
            opt_i32 *out)
{
  int r = json_get_int32 (c, obj, key, min, max, &out->value);
  out->set = r > 0;
  return r;
}

int
sp_opt_u32 (struct json_ctx *c, yajl_val obj, const char *key, uint32_t min, uint32_t max,
            opt_u32 *out)
{
  int r = json_get_uint32 (c, obj, key, min, max, &out->value);
  out->set = r > 0;
  return r;
}

int
sp_opt_i64 (struct json_ctx *c, yajl_val obj, const char *key, opt_i64 *out)
{
  int r = json_get_int64 (c, obj, key, INT64_MIN, INT64_MAX, &out->value);
  out->set = r > 0;
  return r;
}

int
sp_opt_u64 (struct json_ctx *c, yajl_val obj, const char *key, uint64_t min, uint64_t max,
            opt_u64 *out)
{
  int r = json_get_uint64 (c, obj, key, min, max, &out->value);
  out->set = r > 0;
  return r;
}

int
sp_strv (struct json_ctx *c, yajl_val obj, const char *key, struct spec_strv *out)
{
  return json_get_strv (c, obj, key, &out->v, &out->n);
}

int
sp_map (struct json_ctx *c, yajl_val obj, const char *key, struct spec_map *out)
{
  _cleanup_strv_ char **pairs = NULL;
  size_t n = 0;
  int r = json_get_string_map (c, obj, key, &pairs, &n);
  if (r <= 0)
    return r;
  TRY (sp_alloc (c, n, sizeof *out->items, &out->items));
  /* Move the strings over; the pair list is freed empty. */
  for (size_t i = 0; i < n; i++)
    {
      out->items[i].key = pairs[2 * i];
      out->items[i].value = pairs[2 * i + 1];
      pairs[2 * i] = pairs[2 * i + 1] = NULL;
    }
  out->n = n;
  out->set = true;
  return 1;
}

int
sp_id_mappings (struct json_ctx *c, yajl_val obj, const char *key,
                struct spec_id_mappings *out)
{
  yajl_val arr = NULL;
  int r = json_get_array (c, obj, key, &arr);
  if (r <= 0)
    return r;
  size_t n = arr->u.array.len;
  TRY (sp_alloc (c, n, sizeof *out->items, &out->items));
  out->n = n;
  out->set = true;
  json_push_key (c, key);
  for (size_t i = 0; i < n; i++)
    {
      yajl_val m = arr->u.array.values[i];
      struct spec_id_mapping *im = &out->items[i];
      json_push_index (c, i);
      TRY (json_as_object (c, m));
      static const char *const fields[] = { "containerID", "hostID", "size" };
      uint32_t *dest[] = { &im->container_id, &im->host_id, &im->size };
      for (size_t f = 0; f < ARRAY_LEN (fields); f++)
        {
          uint32_t min = f == 2 ? 1 : 0;
          r = json_get_uint32 (c, m, fields[f], min, UINT32_MAX, dest[f]);
          if (r < 0)
            return r;
          if (r == 0)
            return json_missing (c, fields[f]);
        }
      json_pop (c);
    }
  json_pop (c);
  return 1;
}

int
sp_lookup (const char *s, const char *const *names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (names[i] && strcmp (s, names[i]) == 0)
      return (int) i;
  return -1;
}

int
sp_unknown (struct json_ctx *c, const char *what, const char *value)
{
  char quoted[JSON_SHOW_MAX * 2 + 16];
  json_quote (value, quoted, sizeof quoted);
  return json_fail (c, "unknown %s %s", what, quoted);
}

int
sp_enum (struct json_ctx *c, yajl_val obj, const char *key, const char *const *names,
         size_t n, const char *what, bool required, char **out)
{
  int r = json_get_string (c, obj, key, out);
  if (r < 0)
    return r;
  if (r == 0)
    return required ? json_missing (c, key) : 0;
  if (sp_lookup (*out, names, n) < 0)
    {
      json_push_key (c, key);
      return sp_unknown (c, what, *out);
    }
  return 1;
}

int
sp_enum_strv (struct json_ctx *c, yajl_val obj, const char *key, const char *const *names,
              size_t n, const char *what, struct spec_strv *out)
{
  int r = sp_strv (c, obj, key, out);
  if (r <= 0)
    return r;
  for (size_t i = 0; i < out->n; i++)
    if (sp_lookup (out->v[i], names, n) < 0)
      {
        json_push_key (c, key);
        json_push_index (c, i);
        return sp_unknown (c, what, out->v[i]);
      }
  return 1;
}

static int
absolute_path (struct json_ctx *c, yajl_val obj, const char *key, bool required, char **out)
{
  int r = json_get_string (c, obj, key, out);
  if (r < 0)
    return r;
  if (r == 0)
    return required ? json_missing (c, key) : 0;
  if ((*out)[0] != '/')
    {
      char quoted[JSON_SHOW_MAX * 2 + 16];
      json_quote (*out, quoted, sizeof quoted);
      json_push_key (c, key);
      return json_fail (c, "must be an absolute path, got %s", quoted);
    }
  return 1;
}

/* ------------------------------------------------------------- version */

/* "1.<minor>.<patch>" with minor <= 3, then an optional "-..." or "+..." */
static bool
version_supported (const char *v)
{
  if (strncmp (v, "1.", 2) != 0)
    return false;
  const char *p = v + 2;
  if (*p < '0' || *p > '3' || p[1] != '.')
    return false;
  p += 2;
  if (*p < '0' || *p > '9')
    return false;
  while (*p >= '0' && *p <= '9')
    p++;
  return *p == '\0' || *p == '-' || *p == '+';
}

/* ------------------------------------------------------------- process */

static const char *const rlimit_names[] = {
  "RLIMIT_CPU",     "RLIMIT_FSIZE",  "RLIMIT_DATA",       "RLIMIT_STACK",
  "RLIMIT_CORE",    "RLIMIT_RSS",    "RLIMIT_NPROC",      "RLIMIT_NOFILE",
  "RLIMIT_MEMLOCK", "RLIMIT_AS",     "RLIMIT_LOCKS",      "RLIMIT_SIGPENDING",
  "RLIMIT_MSGQUEUE", "RLIMIT_NICE",  "RLIMIT_RTPRIO",     "RLIMIT_RTTIME",
};
static const int rlimit_values[] = {
  RLIMIT_CPU,     RLIMIT_FSIZE, RLIMIT_DATA,       RLIMIT_STACK,
  RLIMIT_CORE,    RLIMIT_RSS,   RLIMIT_NPROC,      RLIMIT_NOFILE,
  RLIMIT_MEMLOCK, RLIMIT_AS,    RLIMIT_LOCKS,      RLIMIT_SIGPENDING,
  RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO,     RLIMIT_RTTIME,
};

static const char *const sched_policies[] = {
  "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
  "SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE",
};

static const char *const sched_flags[] = {
  "SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",        "SCHED_FLAG_DL_OVERRUN",
  "SCHED_FLAG_KEEP_POLICY",    "SCHED_FLAG_KEEP_PARAMS",    "SCHED_FLAG_UTIL_CLAMP_MIN",
  "SCHED_FLAG_UTIL_CLAMP_MAX",
};

static const char *const ioprio_classes[] = {
  "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE",
};

static int
parse_user (struct json_ctx *c, yajl_val obj, struct spec_user *u)
{
  TRY (json_get_uint32 (c, obj, "uid", 0, UINT32_MAX, &u->uid));
  TRY (json_get_uint32 (c, obj, "gid", 0, UINT32_MAX, &u->gid));
  TRY (sp_opt_u32 (c, obj, "umask", 0, UINT32_MAX, &u->umask));
  TRY (json_get_string (c, obj, "username", &u->username));
  yajl_val gids = NULL;
  int r = json_get_array (c, obj, "additionalGids", &gids);
  if (r <= 0)
    return r;
  size_t n = gids->u.array.len;
  TRY (sp_alloc (c, n, sizeof *u->additional_gids, &u->additional_gids));
  u->n_additional_gids = n;
  u->additional_gids_set = true;
  json_push_key (c, "additionalGids");
  for (size_t i = 0; i < n; i++)
    {
      uint64_t gid = 0;
      json_push_index (c, i);
      TRY (json_as_uint64 (c, gids->u.array.values[i], 0, UINT32_MAX, &gid));
      u->additional_gids[i] = (uint32_t) gid;
      json_pop (c);
    }
  json_pop (c);
  return 0;
}

static int
check_capabilities (struct json_ctx *c, const char *key, const struct spec_strv *set)
{
  for (size_t i = 0; i < set->n; i++)
    {
      cap_value_t value;
      /* libcap also takes bare numbers and lower case; the runtime-spec
       * form is the CAP_ name. */
      if (strncmp (set->v[i], "CAP_", 4) != 0 || cap_from_name (set->v[i], &value) < 0)
        {
          json_push_key (c, key);
          json_push_index (c, i);
          return sp_unknown (c, "capability", set->v[i]);
        }
    }
  return 0;
}

static int
parse_capabilities (struct json_ctx *c, yajl_val obj, struct spec_capabilities *caps)
{
  const char *const keys[] = { "bounding", "effective", "inheritable", "permitted", "ambient" };
  struct spec_strv *sets[] = { &caps->bounding, &caps->effective, &caps->inheritable,
                               &caps->permitted, &caps->ambient };
  for (size_t i = 0; i < ARRAY_LEN (keys); i++)
    {
      TRY (sp_strv (c, obj, keys[i], sets[i]));
      TRY (check_capabilities (c, keys[i], sets[i]));
    }
  return 0;
}

static int
parse_rlimits (struct json_ctx *c, yajl_val arr, struct spec_process *p)
{
  size_t n = arr->u.array.len;
  TRY (sp_alloc (c, n, sizeof *p->rlimits, &p->rlimits));
  p->n_rlimits = n;
  p->rlimits_set = true;
  for (size_t i = 0; i < n; i++)
    {
      yajl_val o = arr->u.array.values[i];
      struct spec_rlimit *rl = &p->rlimits[i];
      json_push_index (c, i);
      TRY (json_as_object (c, o));
      TRY (sp_enum (c, o, "type", rlimit_names, ARRAY_LEN (rlimit_names), "rlimit", true,
                    &rl->type));
      rl->resource = rlimit_values[sp_lookup (rl->type, rlimit_names, ARRAY_LEN (rlimit_names))];
      for (size_t j = 0; j < i; j++)
        if (p->rlimits[j].resource == rl->resource)
          {
            char quoted[JSON_SHOW_MAX * 2 + 16];
            json_quote (rl->type, quoted, sizeof quoted);
            json_push_key (c, "type");
            return json_fail (c, "duplicate rlimit %s", quoted);
          }
      int r = json_get_uint64 (c, o, "hard", 0, UINT64_MAX, &rl->hard);
      if (r <= 0)
        return r < 0 ? r : json_missing (c, "hard");
      r = json_get_uint64 (c, o, "soft", 0, UINT64_MAX, &rl->soft);
      if (r <= 0)
        return r < 0 ? r : json_missing (c, "soft");
      if (rl->soft > rl->hard)
        return json_fail (c, "soft limit %llu is greater than hard limit %llu",
                          (unsigned long long) rl->soft, (unsigned long long) rl->hard);
      json_pop (c);
    }
  return 0;
}

static int
parse_scheduler (struct json_ctx *c, yajl_val o, struct spec_scheduler *s)
{
  TRY (sp_enum (c, o, "policy", sched_policies, ARRAY_LEN (sched_policies),
                "scheduler policy", true, &s->policy));
  TRY (sp_opt_i32 (c, o, "nice", -20, 19, &s->nice));
  TRY (sp_opt_i32 (c, o, "priority", INT32_MIN, INT32_MAX, &s->priority));
  TRY (sp_enum_strv (c, o, "flags", sched_flags, ARRAY_LEN (sched_flags), "scheduler flag",
                     &s->flags));
  TRY (sp_opt_u64 (c, o, "runtime", 0, UINT64_MAX, &s->runtime));
  TRY (sp_opt_u64 (c, o, "deadline", 0, UINT64_MAX, &s->deadline));
  TRY (sp_opt_u64 (c, o, "period", 0, UINT64_MAX, &s->period));
  return 0;
}

/* Each sub-object of process: look it up, allocate it, parse it at its path. */
#define SUB_OBJECT(c, obj, key, field, parse)                                 \
  do                                                                          \
    {                                                                         \
      yajl_val _sub = NULL;                                                   \
      int _r = json_get_object ((c), (obj), (key), &_sub);                    \
      if (_r < 0)                                                             \
        return _r;                                                            \
      if (_r > 0)                                                             \
        {                                                                     \
          TRY (sp_alloc ((c), 1, sizeof *(field), &(field)));                 \
          json_push_key ((c), (key));                                         \
          TRY (parse);                                                        \
          json_pop (c);                                                       \
        }                                                                     \
    }                                                                         \
  while (0)

static int
parse_console_size (struct json_ctx *c, yajl_val o, struct spec_console_size *cs)
{
  TRY (json_get_uint32 (c, o, "height", 0, UINT32_MAX, &cs->height));
  TRY (json_get_uint32 (c, o, "width", 0, UINT32_MAX, &cs->width));
  return 0;
}

static int
parse_io_priority (struct json_ctx *c, yajl_val o, struct spec_io_priority *io)
{
  TRY (sp_enum (c, o, "class", ioprio_classes, ARRAY_LEN (ioprio_classes),
                "ioPriority class", true, &io->class));
  TRY (json_get_int32 (c, o, "priority", 0, 7, &io->priority));
  return 0;
}

static int
parse_cpu_affinity (struct json_ctx *c, yajl_val o, struct spec_cpu_affinity *a)
{
  TRY (json_get_string (c, o, "initial", &a->initial));
  TRY (json_get_string (c, o, "final", &a->final));
  return 0;
}

int
sp_parse_process (struct json_ctx *c, yajl_val obj, struct spec_process *p)
{
  TRY (sp_opt_bool (c, obj, "terminal", &p->terminal));
  SUB_OBJECT (c, obj, "consoleSize", p->console_size,
              parse_console_size (c, _sub, p->console_size));
  yajl_val user = NULL;
  int r = json_get_object (c, obj, "user", &user);
  if (r < 0)
    return r;
  if (r > 0)
    {
      json_push_key (c, "user");
      TRY (parse_user (c, user, &p->user));
      json_pop (c);
    }
  r = sp_strv (c, obj, "args", &p->args);
  if (r < 0)
    return r;
  if (p->args.n == 0)
    {
      json_push_key (c, "args");
      return json_fail (c, "must be a non-empty array of strings");
    }
  TRY (json_get_string (c, obj, "commandLine", &p->command_line));
  TRY (sp_strv (c, obj, "env", &p->env));
  TRY (absolute_path (c, obj, "cwd", true, &p->cwd));
  SUB_OBJECT (c, obj, "capabilities", p->capabilities,
              parse_capabilities (c, _sub, p->capabilities));
  yajl_val rlimits = NULL;
  r = json_get_array (c, obj, "rlimits", &rlimits);
  if (r < 0)
    return r;
  if (r > 0)
    {
      json_push_key (c, "rlimits");
      TRY (parse_rlimits (c, rlimits, p));
      json_pop (c);
    }
  TRY (sp_opt_bool (c, obj, "noNewPrivileges", &p->no_new_privileges));
  TRY (json_get_string (c, obj, "apparmorProfile", &p->apparmor_profile));
  TRY (json_get_string (c, obj, "selinuxLabel", &p->selinux_label));
  TRY (sp_opt_i32 (c, obj, "oomScoreAdj", -1000, 1000, &p->oom_score_adj));
  SUB_OBJECT (c, obj, "scheduler", p->scheduler, parse_scheduler (c, _sub, p->scheduler));
  SUB_OBJECT (c, obj, "ioPriority", p->io_priority,
              parse_io_priority (c, _sub, p->io_priority));
  SUB_OBJECT (c, obj, "execCPUAffinity", p->exec_cpu_affinity,
              parse_cpu_affinity (c, _sub, p->exec_cpu_affinity));
  return 0;
}

/* ------------------------------------------------------------- mounts, hooks */

static int
parse_mounts (struct json_ctx *c, yajl_val arr, struct spec *spec)
{
  size_t n = arr->u.array.len;
  TRY (sp_alloc (c, n, sizeof *spec->mounts, &spec->mounts));
  spec->n_mounts = n;
  spec->mounts_set = true;
  for (size_t i = 0; i < n; i++)
    {
      yajl_val o = arr->u.array.values[i];
      struct spec_mount *m = &spec->mounts[i];
      json_push_index (c, i);
      TRY (json_as_object (c, o));
      /* runc accepts a relative destination with a warning; bulwark refuses
       * it rather than guess what it is relative to. */
      TRY (absolute_path (c, o, "destination", true, &m->destination));
      TRY (json_get_string (c, o, "type", &m->type));
      TRY (json_get_string (c, o, "source", &m->source));
      TRY (sp_strv (c, o, "options", &m->options));
      TRY (sp_id_mappings (c, o, "uidMappings", &m->uid_mappings));
      TRY (sp_id_mappings (c, o, "gidMappings", &m->gid_mappings));
      json_pop (c);
    }
  return 0;
}

static int
parse_hook_list (struct json_ctx *c, yajl_val arr, struct spec_hook_list *l)
{
  size_t n = arr->u.array.len;
  TRY (sp_alloc (c, n, sizeof *l->items, &l->items));
  l->n = n;
  l->set = true;
  for (size_t i = 0; i < n; i++)
    {
      yajl_val o = arr->u.array.values[i];
      struct spec_hook *h = &l->items[i];
      json_push_index (c, i);
      TRY (json_as_object (c, o));
      TRY (absolute_path (c, o, "path", true, &h->path));
      TRY (sp_strv (c, o, "args", &h->args));
      TRY (sp_strv (c, o, "env", &h->env));
      TRY (sp_opt_i32 (c, o, "timeout", 1, INT32_MAX, &h->timeout));
      json_pop (c);
    }
  return 0;
}

static int
parse_hooks (struct json_ctx *c, yajl_val obj, struct spec_hooks *hooks)
{
  for (int k = 0; k < SPEC_HOOK_KINDS; k++)
    {
      yajl_val arr = NULL;
      int r = json_get_array (c, obj, spec_hook_kind_names[k], &arr);
      if (r < 0)
        return r;
      if (r == 0)
        continue;
      json_push_key (c, spec_hook_kind_names[k]);
      TRY (parse_hook_list (c, arr, &hooks->kinds[k]));
      json_pop (c);
    }
  return 0;
}

static int
parse_root (struct json_ctx *c, yajl_val obj, struct spec_root *root)
{
  /* A relative root.path is relative to the bundle (runtime-spec). */
  int r = json_get_string (c, obj, "path", &root->path);
  if (r <= 0)
    return r < 0 ? r : json_missing (c, "path");
  TRY (sp_opt_bool (c, obj, "readonly", &root->readonly));
  return 0;
}

/* ------------------------------------------------------------- config */

static int
parse_config (struct json_ctx *c, yajl_val doc, struct spec *spec)
{
  int r = json_get_string (c, doc, "ociVersion", &spec->oci_version);
  if (r < 0)
    return r;
  if (r == 0)
    return json_missing (c, "ociVersion");
  if (!version_supported (spec->oci_version))
    {
      char quoted[JSON_SHOW_MAX * 2 + 16];
      json_quote (spec->oci_version, quoted, sizeof quoted);
      json_push_key (c, "ociVersion");
      return json_fail (c, "unsupported version %s (bulwark supports 1.0.0 to 1.3.x)", quoted);
    }
  SUB_OBJECT (c, doc, "root", spec->root, parse_root (c, _sub, spec->root));
  yajl_val mounts = NULL;
  r = json_get_array (c, doc, "mounts", &mounts);
  if (r < 0)
    return r;
  if (r > 0)
    {
      json_push_key (c, "mounts");
      TRY (parse_mounts (c, mounts, spec));
      json_pop (c);
    }
  SUB_OBJECT (c, doc, "process", spec->process, sp_parse_process (c, _sub, spec->process));
  TRY (json_get_string (c, doc, "hostname", &spec->hostname));
  TRY (json_get_string (c, doc, "domainname", &spec->domainname));
  SUB_OBJECT (c, doc, "hooks", spec->hooks, parse_hooks (c, _sub, spec->hooks));
  TRY (sp_map (c, doc, "annotations", &spec->annotations));
  yajl_val linux_obj = NULL;
  r = json_get_object (c, doc, "linux", &linux_obj);
  if (r < 0)
    return r;
  if (r > 0)
    {
      json_push_key (c, "linux");
      TRY (sp_parse_linux (c, linux_obj, spec));
      json_pop (c);
    }
  return 0;
}

/* Parse text and check that it is an object. */
static int
parse_document (const char *json, size_t len, yajl_val *doc, struct bw_error *err)
{
  TRY (json_parse (json, len, doc, err));
  if (!YAJL_IS_OBJECT (*doc))
    {
      char shown[JSON_SHOW_MAX * 2 + 16];
      json_describe (*doc, shown, sizeof shown);
      yajl_tree_free (*doc);
      *doc = NULL;
      return bw_error_set (err, EINVAL, "invalid JSON: expected an object, got %s", shown);
    }
  return 0;
}

int
spec_parse_config (const char *json, size_t len, struct spec **out, struct bw_error *err)
{
  *out = NULL;
  yajl_val doc = NULL;
  TRY (parse_document (json, len, &doc, err));
  struct json_ctx c;
  json_ctx_init (&c, err);
  struct spec *spec = NULL;
  int r = sp_alloc (&c, 1, sizeof *spec, &spec);
  if (r == 0)
    r = parse_config (&c, doc, spec);
  yajl_tree_free (doc);
  if (r < 0)
    {
      spec_free (spec);
      return r;
    }
  *out = spec;
  return 0;
}

int
spec_parse_process (const char *json, size_t len, struct spec_process **out,
                    struct bw_error *err)
{
  *out = NULL;
  yajl_val doc = NULL;
  TRY (parse_document (json, len, &doc, err));
  struct json_ctx c;
  json_ctx_init (&c, err);
  struct spec_process *p = NULL;
  int r = sp_alloc (&c, 1, sizeof *p, &p);
  if (r == 0)
    r = sp_parse_process (&c, doc, p);
  yajl_tree_free (doc);
  if (r < 0)
    {
      spec_process_free (p);
      return r;
    }
  *out = p;
  return 0;
}

int
spec_parse_resources (const char *json, size_t len, struct spec_resources **out,
                      struct bw_error *err)
{
  *out = NULL;
  yajl_val doc = NULL;
  TRY (parse_document (json, len, &doc, err));
  struct json_ctx c;
  json_ctx_init (&c, err);
  struct spec_resources *res = NULL;
  int r = sp_alloc (&c, 1, sizeof *res, &res);
  if (r == 0)
    r = sp_parse_resources (&c, doc, res);
  yajl_tree_free (doc);
  if (r < 0)
    {
      spec_resources_free (res);
      return r;
    }
  *out = res;
  return 0;
}
