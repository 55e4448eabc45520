/* spec_parse_linux: the linux object of config.json (namespaces, id
 * mappings, time offsets, devices, sysctl, seccomp, propagation, paths,
 * personality). linux.resources is in spec_parse_resources.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "spec_parse.h"

static const char *const propagations[] = {
  "shared", "slave", "private", "unbindable", "rshared", "rslave", "rprivate", "runbindable",
};

static const char *const device_types[] = { "c", "b", "u", "p" };

static const char *const clocks[] = { "monotonic", "boottime" };

static const char *const personality_domains[] = { "LINUX", "LINUX32" };

static const char *const seccomp_actions[] = {
  "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
  "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
  "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY",
};

static const char *const seccomp_archs[] = {
  "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",     "SCMP_ARCH_X32",      "SCMP_ARCH_ARM",
  "SCMP_ARCH_AARCH64",  "SCMP_ARCH_MIPS",       "SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",
  "SCMP_ARCH_MIPSEL",   "SCMP_ARCH_MIPSEL64",   "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
  "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",    "SCMP_ARCH_S390",     "SCMP_ARCH_S390X",
  "SCMP_ARCH_PARISC",   "SCMP_ARCH_PARISC64",   "SCMP_ARCH_RISCV64",  "SCMP_ARCH_LOONGARCH64",
  "SCMP_ARCH_M68K",     "SCMP_ARCH_SH",         "SCMP_ARCH_SHEB",
};

static const char *const seccomp_flags[] = {
  "SECCOMP_FILTER_FLAG_TSYNC",
  "SECCOMP_FILTER_FLAG_LOG",
  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

static const char *const seccomp_ops[] = {
  "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
  "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

static int
add_warning (struct json_ctx *c, struct spec *spec, const char *text)
{
  char **grown = realloc (spec->warnings.v, (spec->warnings.n + 2) * sizeof *grown);
  if (!grown)
    return bw_error_set (c->err, ENOMEM, "out of memory");
  spec->warnings.v = grown;
  grown[spec->warnings.n] = strdup (text);
  if (!grown[spec->warnings.n])
    return bw_error_set (c->err, ENOMEM, "out of memory");
  grown[++spec->warnings.n] = NULL;
  return 0;
}

static int
parse_namespaces (struct json_ctx *c, yajl_val arr, struct spec_linux *l)
{
  size_t n = arr->u.array.len;
  TRY (sp_alloc (c, n, sizeof *l->namespaces, &l->namespaces));
  l->n_namespaces = n;
  l->namespaces_set = true;
  for (size_t i = 0; i < n; i++)
    {
      yajl_val o = arr->u.array.values[i];
      struct spec_namespace *ns = &l->namespaces[i];
      json_push_index (c, i);
      TRY (json_as_object (c, o));
      _cleanup_free_ char *type = NULL;
      TRY (sp_enum (c, o, "type", spec_ns_type_names, SPEC_NS_TYPES, "namespace type", true,
                    &type));
      ns->type = (enum spec_ns_type) sp_lookup (type, spec_ns_type_names, SPEC_NS_TYPES);
      for (size_t j = 0; j < i; j++)
        if (l->namespaces[j].type == ns->type)
          {
            json_push_key (c, "type");
            return json_fail (c, "duplicate namespace type \"%s\"", type);
          }
      int r = json_get_string (c, o, "path", &ns->path);
      if (r < 0)
        return r;
      if (r > 0 && ns->path[0] != '/')
        {
          char quoted[JSON_SHOW_MAX * 2 + 16];
          json_quote (ns->path, quoted, sizeof quoted);
          json_push_key (c, "path");
          return json_fail (c, "must be an absolute path, got %s", quoted);
        }
      json_pop (c);
    }
  return 0;
}

static int
parse_time_offsets (struct json_ctx *c, yajl_val obj, struct spec_linux *l)
{
  size_t n = obj->u.object.len;
  _cleanup_free_ bool *last = json_last_keys (obj);
  if (!last)
    return bw_error_set (c->err, ENOMEM, "out of memory");
  TRY (sp_alloc (c, n, sizeof *l->time_offsets, &l->time_offsets));
  l->time_offsets_set = true;
  for (size_t i = 0; i < n; i++)
    {
      if (!last[i])
        continue;
      const char *clock = obj->u.object.keys[i];
      yajl_val o = obj->u.object.values[i];
      json_push_key (c, clock);
      if (sp_lookup (clock, clocks, ARRAY_LEN (clocks)) < 0)
        return sp_unknown (c, "clock", clock);
      TRY (json_as_object (c, o));
      struct spec_time_offset *t = &l->time_offsets[l->n_time_offsets];
      t->clock = strdup (clock);
      if (!t->clock)
        return bw_error_set (c->err, ENOMEM, "out of memory");
      l->n_time_offsets++;
      TRY (json_get_int64 (c, o, "secs", INT64_MIN, INT64_MAX, &t->secs));
      TRY (json_get_uint32 (c, o, "nanosecs", 0, 999999999, &t->nanosecs));
      json_pop (c);
    }
  return 0;
}

static int
parse_devices (struct json_ctx *c, yajl_val arr, struct spec_linux *l)
{
  size_t n = arr->u.array.len;
  TRY (sp_alloc (c, n, sizeof *l->devices, &l->devices));
  l->n_devices = n;
  l->devices_set = true;
  for (size_t i = 0; i < n; i++)
    {
      yajl_val o = arr->u.array.values[i];
      struct spec_device *d = &l->devices[i];
      json_push_index (c, i);
      TRY (json_as_object (c, o));
      TRY (sp_enum (c, o, "type", device_types, ARRAY_LEN (device_types), "device type", true,
                    &d->type));
      int r = json_get_string (c, o, "path", &d->path);
      if (r == 0)
        return json_missing (c, "path");
      if (r < 0)
        return r;
      if (d->path[0] != '/')
        {
          char quoted[JSON_SHOW_MAX * 2 + 16];
          json_quote (d->path, quoted, sizeof quoted);
          json_push_key (c, "path");
          return json_fail (c, "must be an absolute path, got %s", quoted);
        }
      /* A fifo has no device numbers; every other type needs both. */
      bool fifo = strcmp (d->type, "p") == 0;
      r = json_get_int64 (c, o, "major", INT64_MIN, INT64_MAX, &d->major);
      if (r < 0)
        return r;
      if (r == 0 && !fifo)
        return json_missing (c, "major");
      d->major_set = r > 0;
      r = json_get_int64 (c, o, "minor", INT64_MIN, INT64_MAX, &d->minor);
      if (r < 0)
        return r;
      if (r == 0 && !fifo)
        return json_missing (c, "minor");
      d->minor_set = r > 0;
      TRY (sp_opt_u32 (c, o, "fileMode", 0, UINT32_MAX, &d->file_mode));
      TRY (sp_opt_u32 (c, o, "uid", 0, UINT32_MAX, &d->uid));
      TRY (sp_opt_u32 (c, o, "gid", 0, UINT32_MAX, &d->gid));
      json_pop (c);
    }
  return 0;
}

static int
parse_syscall_args (struct json_ctx *c, yajl_val arr, struct spec_seccomp_syscall *sc)
{
  size_t n = arr->u.array.len;
  TRY (sp_alloc (c, n, sizeof *sc->args, &sc->args));
  sc->n_args = n;
  sc->args_set = true;
  for (size_t i = 0; i < n; i++)
    {
      yajl_val o = arr->u.array.values[i];
      struct spec_seccomp_arg *a = &sc->args[i];
      json_push_index (c, i);
      TRY (json_as_object (c, o));
      /* The kernel passes six syscall arguments. */
      int r = json_get_uint32 (c, o, "index", 0, 5, &a->index);
      if (r <= 0)
        return r < 0 ? r : json_missing (c, "index");
      r = json_get_uint64 (c, o, "value", 0, UINT64_MAX, &a->value);
      if (r <= 0)
        return r < 0 ? r : json_missing (c, "value");
      TRY (sp_opt_u64 (c, o, "valueTwo", 0, UINT64_MAX, &a->value_two));
      TRY (sp_enum (c, o, "op", seccomp_ops, ARRAY_LEN (seccomp_ops), "seccomp operator", true,
                    &a->op));
      json_pop (c);
    }
  return 0;
}

static int
parse_syscalls (struct json_ctx *c, yajl_val arr, struct spec_seccomp *s)
{
  size_t n = arr->u.array.len;
  TRY (sp_alloc (c, n, sizeof *s->syscalls, &s->syscalls));
  s->n_syscalls = n;
  s->syscalls_set = true;
  for (size_t i = 0; i < n; i++)
    {
      yajl_val o = arr->u.array.values[i];
      struct spec_seccomp_syscall *sc = &s->syscalls[i];
      json_push_index (c, i);
      TRY (json_as_object (c, o));
      int r = sp_strv (c, o, "names", &sc->names);
      if (r <= 0)
        return r < 0 ? r : json_missing (c, "names");
      TRY (sp_enum (c, o, "action", seccomp_actions, ARRAY_LEN (seccomp_actions),
                    "seccomp action", true, &sc->action));
      TRY (sp_opt_u32 (c, o, "errnoRet", 0, UINT32_MAX, &sc->errno_ret));
      yajl_val args = NULL;
      r = json_get_array (c, o, "args", &args);
      if (r < 0)
        return r;
      if (r > 0)
        {
          json_push_key (c, "args");
          TRY (parse_syscall_args (c, args, sc));
          json_pop (c);
        }
      json_pop (c);
    }
  return 0;
}

int
sp_parse_seccomp (struct json_ctx *c, yajl_val o, struct spec_seccomp *s)
{
  TRY (sp_enum (c, o, "defaultAction", seccomp_actions, ARRAY_LEN (seccomp_actions),
                "seccomp action", true, &s->default_action));
  TRY (sp_opt_u32 (c, o, "defaultErrnoRet", 0, UINT32_MAX, &s->default_errno_ret));
  TRY (sp_enum_strv (c, o, "architectures", seccomp_archs, ARRAY_LEN (seccomp_archs),
                     "architecture", &s->architectures));
  TRY (sp_enum_strv (c, o, "flags", seccomp_flags, ARRAY_LEN (seccomp_flags),
                     "seccomp flag", &s->flags));
  TRY (json_get_string (c, o, "listenerPath", &s->listener_path));
  TRY (json_get_string (c, o, "listenerMetadata", &s->listener_metadata));
  yajl_val syscalls = NULL;
  int r = json_get_array (c, o, "syscalls", &syscalls);
  if (r < 0)
    return r;
  if (r > 0)
    {
      json_push_key (c, "syscalls");
      TRY (parse_syscalls (c, syscalls, s));
      json_pop (c);
    }
  return 0;
}

static int
parse_personality (struct json_ctx *c, yajl_val o, struct spec_personality *p)
{
  TRY (sp_enum (c, o, "domain", personality_domains, ARRAY_LEN (personality_domains),
                "personality domain", true, &p->domain));
  TRY (sp_strv (c, o, "flags", &p->flags));
  return 0;
}

/* An optional array or object member parsed by `parse` at its own path. */
#define MEMBER(kind, c, obj, key, parse)                                      \
  do                                                                          \
    {                                                                         \
      yajl_val _v = NULL;                                                     \
      int _r = json_get_##kind ((c), (obj), (key), &_v);                      \
      if (_r < 0)                                                             \
        return _r;                                                            \
      if (_r > 0)                                                             \
        {                                                                     \
          json_push_key ((c), (key));                                         \
          TRY (parse);                                                        \
          json_pop (c);                                                       \
        }                                                                     \
    }                                                                         \
  while (0)

int
sp_parse_linux (struct json_ctx *c, yajl_val obj, struct spec *spec)
{
  TRY (sp_alloc (c, 1, sizeof *spec->linux, &spec->linux));
  struct spec_linux *l = spec->linux;
  MEMBER (array, c, obj, "namespaces", parse_namespaces (c, _v, l));
  TRY (sp_id_mappings (c, obj, "uidMappings", &l->uid_mappings));
  TRY (sp_id_mappings (c, obj, "gidMappings", &l->gid_mappings));
  MEMBER (object, c, obj, "timeOffsets", parse_time_offsets (c, _v, l));
  MEMBER (array, c, obj, "devices", parse_devices (c, _v, l));
  TRY (json_get_string (c, obj, "cgroupsPath", &l->cgroups_path));
  MEMBER (object, c, obj, "resources",
          (sp_alloc (c, 1, sizeof *l->resources, &l->resources) < 0
             ? -ENOMEM
             : sp_parse_resources (c, _v, l->resources)));
  TRY (sp_map (c, obj, "sysctl", &l->sysctl));
  MEMBER (object, c, obj, "seccomp",
          (sp_alloc (c, 1, sizeof *l->seccomp, &l->seccomp) < 0
             ? -ENOMEM
             : sp_parse_seccomp (c, _v, l->seccomp)));
  TRY (sp_enum (c, obj, "rootfsPropagation", propagations, ARRAY_LEN (propagations),
                "rootfsPropagation", false, &l->rootfs_propagation));
  TRY (sp_strv (c, obj, "maskedPaths", &l->masked_paths));
  TRY (sp_strv (c, obj, "readonlyPaths", &l->readonly_paths));
  TRY (json_get_string (c, obj, "mountLabel", &l->mount_label));
  MEMBER (object, c, obj, "personality",
          (sp_alloc (c, 1, sizeof *l->personality, &l->personality) < 0
             ? -ENOMEM
             : parse_personality (c, _v, l->personality)));
  yajl_val rdt = NULL;
  int r = json_get_object (c, obj, "intelRdt", &rdt);
  if (r < 0)
    return r;
  if (r > 0)
    {
      l->intel_rdt_set = true;
      TRY (add_warning (c, spec, "linux.intelRdt is not supported and is ignored"));
    }
  return 0;
}
