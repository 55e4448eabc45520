/* spec_parse_resources: linux.resources, shared by config.json and
 * `update --resources` (where absent or zero fields mean "unchanged": the
 * model keeps exactly what the document said). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "spec_parse.h"

static const char *const cgroup_device_types[] = { "a", "c", "b" };

static int
required_i64 (struct json_ctx *c, yajl_val o, const char *key, int64_t *out)
{
  int r = json_get_int64 (c, o, key, INT64_MIN, INT64_MAX, out);
  return r == 0 ? json_missing (c, key) : r;
}

static int
required_u64 (struct json_ctx *c, yajl_val o, const char *key, uint64_t *out)
{
  int r = json_get_uint64 (c, o, key, 0, UINT64_MAX, out);
  return r == 0 ? json_missing (c, key) : r;
}

static int
parse_device_rules (struct json_ctx *c, yajl_val arr, struct spec_resources *r)
{
  size_t n = arr->u.array.len;
  TRY (sp_alloc (c, n, sizeof *r->devices, &r->devices));
  r->n_devices = n;
  r->devices_set = true;
  for (size_t i = 0; i < n; i++)
    {
      yajl_val o = arr->u.array.values[i];
      struct spec_device_cgroup *d = &r->devices[i];
      json_push_index (c, i);
      TRY (json_as_object (c, o));
      int got = json_get_bool (c, o, "allow", &d->allow);
      if (got <= 0)
        return got < 0 ? got : json_missing (c, "allow");
      TRY (sp_enum (c, o, "type", cgroup_device_types, ARRAY_LEN (cgroup_device_types),
                    "device type", false, &d->type));
      TRY (sp_opt_i64 (c, o, "major", &d->major));
      TRY (sp_opt_i64 (c, o, "minor", &d->minor));
      got = json_get_string (c, o, "access", &d->access);
      if (got < 0)
        return got;
      if (got > 0 && d->access[strspn (d->access, "rwm")] != '\0')
        {
          char quoted[JSON_SHOW_MAX * 2 + 16];
          json_quote (d->access, quoted, sizeof quoted);
          json_push_key (c, "access");
          return json_fail (c, "invalid access %s (only r, w and m are allowed)", quoted);
        }
      json_pop (c);
    }
  return 0;
}

static int
parse_memory (struct json_ctx *c, yajl_val o, struct spec_memory *m)
{
  TRY (sp_opt_i64 (c, o, "limit", &m->limit));
  TRY (sp_opt_i64 (c, o, "reservation", &m->reservation));
  TRY (sp_opt_i64 (c, o, "swap", &m->swap));
  TRY (sp_opt_i64 (c, o, "kernel", &m->kernel));
  TRY (sp_opt_i64 (c, o, "kernelTCP", &m->kernel_tcp));
  TRY (sp_opt_u64 (c, o, "swappiness", 0, 100, &m->swappiness));
  TRY (sp_opt_bool (c, o, "disableOOMKiller", &m->disable_oom_killer));
  TRY (sp_opt_bool (c, o, "useHierarchy", &m->use_hierarchy));
  TRY (sp_opt_bool (c, o, "checkBeforeUpdate", &m->check_before_update));
  return 0;
}

static int
parse_cpu (struct json_ctx *c, yajl_val o, struct spec_cpu *cpu)
{
  TRY (sp_opt_u64 (c, o, "shares", 0, UINT64_MAX, &cpu->shares));
  TRY (sp_opt_i64 (c, o, "quota", &cpu->quota));
  TRY (sp_opt_u64 (c, o, "burst", 0, UINT64_MAX, &cpu->burst));
  TRY (sp_opt_u64 (c, o, "period", 0, UINT64_MAX, &cpu->period));
  TRY (sp_opt_i64 (c, o, "realtimeRuntime", &cpu->realtime_runtime));
  TRY (sp_opt_u64 (c, o, "realtimePeriod", 0, UINT64_MAX, &cpu->realtime_period));
  TRY (json_get_string (c, o, "cpus", &cpu->cpus));
  TRY (json_get_string (c, o, "mems", &cpu->mems));
  TRY (sp_opt_i64 (c, o, "idle", &cpu->idle));
  return 0;
}

static int
parse_pids (struct json_ctx *c, yajl_val o, struct spec_pids *p)
{
  return sp_opt_i64 (c, o, "limit", &p->limit);
}

/* The cgroup blkio weight range (runtime-spec: 10 to 1000). */
#define WEIGHT_MIN 10
#define WEIGHT_MAX 1000

/* A blkio weight: 10..1000, or 0, which runc and Docker's `update` use for
 * "leave it as it is". */
static int
opt_weight (struct json_ctx *c, yajl_val o, const char *key, opt_u32 *out)
{
  TRY (sp_opt_u32 (c, o, key, 0, WEIGHT_MAX, out));
  if (out->set && out->value != 0 && out->value < WEIGHT_MIN)
    {
      json_push_key (c, key);
      return json_fail (c, "%u is out of range (%d..%d, or 0 for unchanged)", out->value,
                        WEIGHT_MIN, WEIGHT_MAX);
    }
  return 0;
}

static int
parse_weight_devices (struct json_ctx *c, yajl_val arr, struct spec_block_io *b)
{
  size_t n = arr->u.array.len;
  TRY (sp_alloc (c, n, sizeof *b->weight_device, &b->weight_device));
  b->n_weight_device = n;
  b->weight_device_set = true;
  for (size_t i = 0; i < n; i++)
    {
      yajl_val o = arr->u.array.values[i];
      struct spec_weight_device *w = &b->weight_device[i];
      json_push_index (c, i);
      TRY (json_as_object (c, o));
      TRY (required_i64 (c, o, "major", &w->major));
      TRY (required_i64 (c, o, "minor", &w->minor));
      TRY (opt_weight (c, o, "weight", &w->weight));
      TRY (opt_weight (c, o, "leafWeight", &w->leaf_weight));
      json_pop (c);
    }
  return 0;
}

static int
parse_throttle (struct json_ctx *c, yajl_val arr, struct spec_throttle_list *l)
{
  size_t n = arr->u.array.len;
  TRY (sp_alloc (c, n, sizeof *l->items, &l->items));
  l->n = n;
  l->set = true;
  for (size_t i = 0; i < n; i++)
    {
      yajl_val o = arr->u.array.values[i];
      struct spec_throttle_device *t = &l->items[i];
      json_push_index (c, i);
      TRY (json_as_object (c, o));
      TRY (required_i64 (c, o, "major", &t->major));
      TRY (required_i64 (c, o, "minor", &t->minor));
      TRY (required_u64 (c, o, "rate", &t->rate));
      json_pop (c);
    }
  return 0;
}

/* An optional array member parsed by `parse` at its own path. */
#define ARRAY_MEMBER(c, obj, key, parse)                                      \
  do                                                                          \
    {                                                                         \
      yajl_val _v = NULL;                                                     \
      int _r = json_get_array ((c), (obj), (key), &_v);                       \
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

static int
parse_block_io (struct json_ctx *c, yajl_val o, struct spec_block_io *b)
{
  TRY (opt_weight (c, o, "weight", &b->weight));
  TRY (opt_weight (c, o, "leafWeight", &b->leaf_weight));
  ARRAY_MEMBER (c, o, "weightDevice", parse_weight_devices (c, _v, b));
  ARRAY_MEMBER (c, o, "throttleReadBpsDevice", parse_throttle (c, _v, &b->throttle_read_bps));
  ARRAY_MEMBER (c, o, "throttleWriteBpsDevice",
                parse_throttle (c, _v, &b->throttle_write_bps));
  ARRAY_MEMBER (c, o, "throttleReadIOPSDevice",
                parse_throttle (c, _v, &b->throttle_read_iops));
  ARRAY_MEMBER (c, o, "throttleWriteIOPSDevice",
                parse_throttle (c, _v, &b->throttle_write_iops));
  return 0;
}

/* pageSize becomes part of a file name (hugetlb.<size>.max): only the
 * kernel's form, so that it can't name another file or be cut short. */
static int
check_page_size (struct json_ctx *c, const char *size)
{
  size_t digits = strspn (size, "0123456789");
  if (digits == 0 || digits > 12 || size[digits] == '\0' || !strchr ("KMG", size[digits])
      || strcmp (size + digits + 1, "B") != 0)
    {
      char quoted[JSON_SHOW_MAX * 2 + 16];
      json_quote (size, quoted, sizeof quoted);
      json_push_key (c, "pageSize");
      return json_fail (c, "invalid page size %s (expected digits and KB, MB or GB, e.g. 2MB)",
                        quoted);
    }
  return 0;
}

static int
parse_hugepages (struct json_ctx *c, yajl_val arr, struct spec_resources *r)
{
  size_t n = arr->u.array.len;
  TRY (sp_alloc (c, n, sizeof *r->hugepage_limits, &r->hugepage_limits));
  r->n_hugepage_limits = n;
  r->hugepage_limits_set = true;
  for (size_t i = 0; i < n; i++)
    {
      yajl_val o = arr->u.array.values[i];
      struct spec_hugepage_limit *h = &r->hugepage_limits[i];
      json_push_index (c, i);
      TRY (json_as_object (c, o));
      int got = json_get_string (c, o, "pageSize", &h->page_size);
      if (got <= 0)
        return got < 0 ? got : json_missing (c, "pageSize");
      TRY (check_page_size (c, h->page_size));
      TRY (required_u64 (c, o, "limit", &h->limit));
      json_pop (c);
    }
  return 0;
}

static int
parse_priorities (struct json_ctx *c, yajl_val arr, struct spec_network *net)
{
  size_t n = arr->u.array.len;
  TRY (sp_alloc (c, n, sizeof *net->priorities, &net->priorities));
  net->n_priorities = n;
  net->priorities_set = true;
  for (size_t i = 0; i < n; i++)
    {
      yajl_val o = arr->u.array.values[i];
      struct spec_net_priority *p = &net->priorities[i];
      json_push_index (c, i);
      TRY (json_as_object (c, o));
      int got = json_get_string (c, o, "name", &p->name);
      if (got <= 0)
        return got < 0 ? got : json_missing (c, "name");
      got = json_get_uint32 (c, o, "priority", 0, UINT32_MAX, &p->priority);
      if (got <= 0)
        return got < 0 ? got : json_missing (c, "priority");
      json_pop (c);
    }
  return 0;
}

static int
parse_network (struct json_ctx *c, yajl_val o, struct spec_network *net)
{
  TRY (sp_opt_u32 (c, o, "classID", 0, UINT32_MAX, &net->class_id));
  ARRAY_MEMBER (c, o, "priorities", parse_priorities (c, _v, net));
  return 0;
}

/* rdma is an object keyed by device name. */
static int
parse_rdma (struct json_ctx *c, yajl_val obj, struct spec_resources *r)
{
  size_t n = obj->u.object.len;
  _cleanup_free_ bool *last = json_last_keys (obj);
  if (!last)
    return bw_error_set (c->err, ENOMEM, "out of memory");
  TRY (sp_alloc (c, n, sizeof *r->rdma, &r->rdma));
  r->rdma_set = true;
  for (size_t i = 0; i < n; i++)
    {
      if (!last[i])
        continue;
      yajl_val o = obj->u.object.values[i];
      json_push_key (c, obj->u.object.keys[i]);
      TRY (json_as_object (c, o));
      struct spec_rdma_entry *e = &r->rdma[r->n_rdma];
      e->device = strdup (obj->u.object.keys[i]);
      if (!e->device)
        return bw_error_set (c->err, ENOMEM, "out of memory");
      r->n_rdma++;
      TRY (sp_opt_u32 (c, o, "hcaHandles", 0, UINT32_MAX, &e->hca_handles));
      TRY (sp_opt_u32 (c, o, "hcaObjects", 0, UINT32_MAX, &e->hca_objects));
      json_pop (c);
    }
  return 0;
}

/* An optional sub-object allocated into `field` and parsed at its path. */
#define OBJECT_MEMBER(c, obj, key, field, parse)                              \
  do                                                                          \
    {                                                                         \
      yajl_val _v = NULL;                                                     \
      int _r = json_get_object ((c), (obj), (key), &_v);                      \
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

/* A unified key is a file of the container's cgroup. The cgroup.* core
 * files move processes (cgroup.procs could pull in any host process, which
 * kill --all then kills), enable controllers or freeze: only the two
 * limits among them are resources. */
static int
check_unified_key (struct json_ctx *c, const char *key)
{
  static const char *const core_limits[] = { "cgroup.max.depth", "cgroup.max.descendants" };
  const char *why = NULL;
  if (!*key || strchr (key, '/') || key[0] == '.')
    why = "not a cgroup file name";
  else if (strncmp (key, "cgroup.", 7) == 0 && strcmp (key, core_limits[0]) != 0
           && strcmp (key, core_limits[1]) != 0)
    why = "a cgroup core file, not a resource limit (of those only cgroup.max.depth and "
          "cgroup.max.descendants may be set)";
  if (!why)
    return 0;
  char quoted[JSON_SHOW_MAX * 2 + 16];
  json_quote (key, quoted, sizeof quoted);
  /* Named as the cgroup code names unified keys: unified["<file>"]. */
  return bw_error_set (c->err, EINVAL, "%s%sunified[%s]: %s", c->path, c->len ? "." : "", quoted,
                       why);
}

int
sp_parse_resources (struct json_ctx *c, yajl_val obj, struct spec_resources *r)
{
  ARRAY_MEMBER (c, obj, "devices", parse_device_rules (c, _v, r));
  OBJECT_MEMBER (c, obj, "memory", r->memory, parse_memory (c, _v, r->memory));
  OBJECT_MEMBER (c, obj, "cpu", r->cpu, parse_cpu (c, _v, r->cpu));
  OBJECT_MEMBER (c, obj, "pids", r->pids, parse_pids (c, _v, r->pids));
  OBJECT_MEMBER (c, obj, "blockIO", r->block_io, parse_block_io (c, _v, r->block_io));
  ARRAY_MEMBER (c, obj, "hugepageLimits", parse_hugepages (c, _v, r));
  OBJECT_MEMBER (c, obj, "network", r->network, parse_network (c, _v, r->network));
  yajl_val rdma = NULL;
  int got = json_get_object (c, obj, "rdma", &rdma);
  if (got < 0)
    return got;
  if (got > 0)
    {
      json_push_key (c, "rdma");
      TRY (parse_rdma (c, rdma, r));
      json_pop (c);
    }
  TRY (sp_map (c, obj, "unified", &r->unified));
  for (size_t i = 0; i < r->unified.n; i++)
    TRY (check_unified_key (c, r->unified.items[i].key));
  return 0;
}
