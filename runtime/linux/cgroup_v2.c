/* cgroup_v2: linux.resources as cgroup v2 files, the v1 -> v2 value
 * conversions (as runc and crun do them), and what both mappings share. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "cgroup_internal.h"

/* Small float helpers: the build does not link libm for two formulas. */
static double
ln (double x)   /* x > 0 */
{
  int k = 0;
  while (x >= 2)
    x /= 2, k++;
  while (x < 1)
    x *= 2, k--;
  /* ln x = 2 atanh ((x-1)/(x+1)), |z| <= 1/3 here: the series is quick. */
  double z = (x - 1) / (x + 1), z2 = z * z, term = z, sum = 0;
  for (int n = 1; n < 60; n += 2, term *= z2)
    sum += term / n;
  return 2 * sum + k * 0.69314718055994530942;
}

static double
expo (double y)
{
  int k = 0;
  while (y > 0.5)
    y -= 0.69314718055994530942, k++;
  while (y < -0.5)
    y += 0.69314718055994530942, k--;
  double term = 1, sum = 1;
  for (int n = 1; n < 30; n++)
    sum += term *= y / n;
  for (; k > 0; k--)
    sum *= 2;
  for (; k < 0; k++)
    sum /= 2;
  return sum;
}

static double
square_root (double x)
{
  double r = x > 1 ? x : 1;
  for (int i = 0; i < 100; i++)
    r = (r + x / r) / 2;
  return r;
}

/* The map runc (1.3.2+) and crun (1.23+) use, after the old linear one
 * gave the default 1024 shares a weight of 39 instead of cgroup v2's
 * default 100: with l = log2 (shares), weight = ceil (10^((l^2 + 125 l)
 * / 612 - 7/34)). The ends still meet: 2 -> 1, 1024 -> 100, 262144 ->
 * 10000. */
uint64_t
cgroup_shares_to_weight (uint64_t shares)
{
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  double l = ln ((double) shares) / 0.69314718055994530942;
  double e = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  double w = expo (e * 2.30258509299404568402);
  /* ceil, with room for the rounding of the series (1024 must give 100). */
  uint64_t out = (uint64_t) w;
  if (w - (double) out > 1e-6)
    out++;
  return out < 1 ? 1 : out > 10000 ? 10000 : out;
}

/* Its inverse: l solves l^2 + 125 l = 612 (log10 weight + 7/34). */
uint64_t
cgroup_weight_to_shares (uint64_t weight)
{
  if (weight == 0)
    return 0;
  if (weight > 10000)
    weight = 10000;
  double e = ln ((double) weight) / 2.30258509299404568402 + 7.0 / 34.0;
  double l = (-125 + square_root (125.0 * 125 + 4 * 612 * e)) / 2;
  uint64_t out = (uint64_t) (expo (l * 0.69314718055994530942) + 0.5);
  out = out < 2 ? 2 : out > 262144 ? 262144 : out;
  /* The largest shares that map back to `weight` (ceil blurs the edge):
   * 100 gives 1024, the defaults of both. */
  while (out > 2 && cgroup_shares_to_weight (out) > weight)
    out--;
  while (out < 262144 && cgroup_shares_to_weight (out + 1) <= weight)
    out++;
  return out;
}

uint64_t
cgroup_blkio_to_io_weight (uint64_t blkio)
{
  if (blkio == 0)
    return 0;
  if (blkio < 10)
    blkio = 10;
  if (blkio > 1000)
    blkio = 1000;
  return 1 + ((blkio - 10) * 9999) / 990;
}

void
cgroup_writes_clear (struct cgroup_writes *ws)
{
  for (size_t i = 0; i < ws->n; i++)
    {
      free (ws->w[i].file);
      free (ws->w[i].value);
      free (ws->w[i].field);
      free (ws->w[i].alt_file);
      free (ws->w[i].alt_value);
    }
  free (ws->w);
  *ws = (struct cgroup_writes) { 0 };
}

int
cgroup_add (struct cgroup_writes *ws, const char *controller, const char *file, const char *field,
            const char *fmt, ...)
{
  struct cgroup_write *w = realloc (ws->w, (ws->n + 1) * sizeof *w);
  if (!w)
    return -ENOMEM;
  ws->w = w;
  w = &ws->w[ws->n];
  *w = (struct cgroup_write) { .controller = controller };
  va_list ap;
  va_start (ap, fmt);
  int n = vasprintf (&w->value, fmt, ap);
  va_end (ap);
  w->file = strdup (file);
  w->field = strdup (field);
  if (n < 0 || !w->file || !w->field)
    {
      if (n >= 0)
        free (w->value);
      free (w->file);
      free (w->field);
      return -ENOMEM;
    }
  ws->n++;
  return 0;
}

int
cgroup_add_alt (struct cgroup_writes *ws, const char *file, const char *fmt, ...)
{
  struct cgroup_write *w = &ws->w[ws->n - 1];
  va_list ap;
  va_start (ap, fmt);
  int n = vasprintf (&w->alt_value, fmt, ap);
  va_end (ap);
  if (n < 0)
    {
      w->alt_value = NULL;
      return -ENOMEM;
    }
  return (w->alt_file = strdup (file)) ? 0 : -ENOMEM;
}

int
cgroup_common_writes (const struct spec_resources *r, bool v2, struct cgroup_writes *ws)
{
  const struct spec_cpu *c = r->cpu;
  if (c && c->idle.set)
    TRY_ALLOC (cgroup_add (ws, "cpu", "cpu.idle", "linux.resources.cpu.idle", "%" PRId64,
                           c->idle.value));
  if (c && c->cpus && *c->cpus)
    TRY_ALLOC (cgroup_add (ws, "cpuset", "cpuset.cpus", "linux.resources.cpu.cpus", "%s", c->cpus));
  if (c && c->mems && *c->mems)
    TRY_ALLOC (cgroup_add (ws, "cpuset", "cpuset.mems", "linux.resources.cpu.mems", "%s", c->mems));
  if (r->pids && r->pids->limit.set && r->pids->limit.value != 0)
    {
      if (r->pids->limit.value > 0)
        TRY_ALLOC (cgroup_add (ws, "pids", "pids.max", "linux.resources.pids.limit", "%" PRId64,
                         r->pids->limit.value));
      else
        TRY_ALLOC (cgroup_add (ws, "pids", "pids.max", "linux.resources.pids.limit", "max"));
    }
  /* pageSize is checked at parse time ([0-9]+[KMG]B): it fits and stays
   * one file name. */
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    {
      char file[96], field[64];
      snprintf (file, sizeof file, v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes",
                r->hugepage_limits[i].page_size);
      snprintf (field, sizeof field, "linux.resources.hugepageLimits[%zu]", i);
      TRY_ALLOC (cgroup_add (ws, "hugetlb", file, field, "%" PRIu64, r->hugepage_limits[i].limit));
    }
  for (size_t i = 0; i < r->n_rdma; i++)
    {
      const struct spec_rdma_entry *e = &r->rdma[i];
      char field[64], handles[32] = "", objects[32] = "";
      snprintf (field, sizeof field, "linux.resources.rdma[\"%.32s\"]", e->device);
      if (e->hca_handles.set)
        snprintf (handles, sizeof handles, " hca_handle=%" PRIu32, e->hca_handles.value);
      if (e->hca_objects.set)
        snprintf (objects, sizeof objects, " hca_object=%" PRIu32, e->hca_objects.value);
      if (*handles || *objects)
        TRY_ALLOC (cgroup_add (ws, "rdma", "rdma.max", field, "%s%s%s", e->device, handles, objects));
    }
  return 0;
nomem:
  return -ENOMEM;
}

int
cgroup_throttle_writes (const struct spec_throttle_list *l, const char *file, const char *prefix,
                        const char *field, struct cgroup_writes *ws)
{
  for (size_t i = 0; i < l->n; i++)
    {
      char name[96];
      snprintf (name, sizeof name, "linux.resources.blockIO.%s[%zu]", field, i);
      TRY_ALLOC (cgroup_add (ws, "blkio", file, name, "%" PRId64 ":%" PRId64 " %s%" PRIu64,
                             l->items[i].major, l->items[i].minor, prefix, l->items[i].rate));
    }
  return 0;
nomem:
  return -ENOMEM;
}

/* runtime-spec memory.swap is memory+swap (v1's memsw); v2 limits swap
 * alone: swap - limit, as runc converts it. */
static int
swap_value (const struct spec_memory *m, char *buf, size_t size, struct bw_error *err)
{
  int64_t swap = m->swap.value, limit = m->limit.set ? m->limit.value : 0;
  if (swap == -1)
    snprintf (buf, size, "max");
  else if (limit <= 0)
    return bw_error_set (err, EINVAL, "linux.resources.memory.swap: cgroup v2 needs "
                         "linux.resources.memory.limit to be set with it");
  else if (swap < limit)
    return bw_error_set (err, EINVAL, "linux.resources.memory.swap: %" PRId64 " is below "
                         "linux.resources.memory.limit (%" PRId64 "): it counts memory+swap",
                         swap, limit);
  else
    snprintf (buf, size, "%" PRId64, swap - limit);
  return 0;
}

static int
max_or (struct cgroup_writes *ws, const char *ctl, const char *file, const char *field, int64_t v)
{
  return v < 0 ? cgroup_add (ws, ctl, file, field, "max")
               : cgroup_add (ws, ctl, file, field, "%" PRId64, v);
}

static int
memory_writes (const struct spec_memory *m, struct cgroup_writes *ws, struct bw_error *err)
{
  if (m->kernel_tcp.set && m->kernel_tcp.value)
    return bw_error_set (err, ENOTSUP, "linux.resources.memory.kernelTCP: cgroup v2 has no "
                         "kernel TCP limit");
  if (m->swappiness.set && m->swappiness.value <= 100)
    return bw_error_set (err, ENOTSUP, "linux.resources.memory.swappiness: cgroup v2 has no "
                         "per-cgroup swappiness");
  if (m->disable_oom_killer.set && m->disable_oom_killer.value)
    return bw_error_set (err, ENOTSUP, "linux.resources.memory.disableOOMKiller: cgroup v2 "
                         "cannot disable the OOM killer");
  if (m->use_hierarchy.set && !m->use_hierarchy.value)
    return bw_error_set (err, ENOTSUP, "linux.resources.memory.useHierarchy: cgroup v2 is "
                         "always hierarchical");
  char swap[32];
  if (m->swap.set && m->swap.value && swap_value (m, swap, sizeof swap, err) < 0)
    return -EINVAL;
  if (m->limit.set && m->limit.value)
    TRY_ALLOC (max_or (ws, "memory", "memory.max", "linux.resources.memory.limit", m->limit.value));
  if (m->swap.set && m->swap.value)
    TRY_ALLOC (cgroup_add (ws, "memory", "memory.swap.max", "linux.resources.memory.swap", "%s", swap));
  if (m->reservation.set && m->reservation.value)
    TRY_ALLOC (max_or (ws, "memory", "memory.low", "linux.resources.memory.reservation",
                 m->reservation.value));
  return 0;
nomem:
  return bw_error_set (err, ENOMEM, "cgroup: out of memory");
}

static int
cpu_writes (const struct spec_cpu *c, struct cgroup_writes *ws, struct bw_error *err)
{
  if ((c->realtime_period.set && c->realtime_period.value)
      || (c->realtime_runtime.set && c->realtime_runtime.value))
    return bw_error_set (err, ENOTSUP, "linux.resources.cpu.%s: cgroup v2 has no realtime "
                         "group scheduling", c->realtime_period.set ? "realtimePeriod"
                                                                    : "realtimeRuntime");
  bool quota = c->quota.set && c->quota.value, period = c->period.set && c->period.value;
  if (c->shares.set && c->shares.value)
    TRY_ALLOC (cgroup_add (ws, "cpu", "cpu.weight", "linux.resources.cpu.shares", "%" PRIu64,
                     cgroup_shares_to_weight (c->shares.value)));
  if (quota || period)
    {
      char q[32] = "max";
      if (quota && c->quota.value > 0)
        snprintf (q, sizeof q, "%" PRId64, c->quota.value);
      /* Without a period the kernel keeps its own: "max" alone is valid. */
      if (period)
        TRY_ALLOC (cgroup_add (ws, "cpu", "cpu.max", quota ? "linux.resources.cpu.quota"
                                                     : "linux.resources.cpu.period",
                         "%s %" PRIu64, q, c->period.value));
      else
        TRY_ALLOC (cgroup_add (ws, "cpu", "cpu.max", "linux.resources.cpu.quota", "%s", q));
    }
  if (c->burst.set)
    TRY_ALLOC (cgroup_add (ws, "cpu", "cpu.max.burst", "linux.resources.cpu.burst", "%" PRIu64,
                     c->burst.value));
  return 0;
nomem:
  return bw_error_set (err, ENOMEM, "cgroup: out of memory");
}

/* io.bfq.weight takes blkio's 1..1000 as is; without BFQ, io.weight gets
 * the converted value. */
static int
io_writes (const struct spec_block_io *b, struct cgroup_writes *ws, struct bw_error *err)
{
  if (b->leaf_weight.set && b->leaf_weight.value)
    return bw_error_set (err, ENOTSUP, "linux.resources.blockIO.leafWeight: cgroup v2 has no "
                         "leaf weight");
  if (b->weight.set && b->weight.value)
    {
      TRY_ALLOC (cgroup_add (ws, "blkio", "io.bfq.weight", "linux.resources.blockIO.weight",
                       "%" PRIu32, b->weight.value));
      TRY_ALLOC (cgroup_add_alt (ws, "io.weight", "default %" PRIu64,
                           cgroup_blkio_to_io_weight (b->weight.value)));
    }
  for (size_t i = 0; i < b->n_weight_device; i++)
    {
      const struct spec_weight_device *d = &b->weight_device[i];
      char name[96];
      snprintf (name, sizeof name, "linux.resources.blockIO.weightDevice[%zu]", i);
      if (!d->weight.set)
        continue;
      TRY_ALLOC (cgroup_add (ws, "blkio", "io.bfq.weight", name, "%" PRId64 ":%" PRId64 " %" PRIu32,
                       d->major, d->minor, d->weight.value));
      TRY_ALLOC (cgroup_add_alt (ws, "io.weight", "%" PRId64 ":%" PRId64 " %" PRIu64, d->major,
                           d->minor, cgroup_blkio_to_io_weight (d->weight.value)));
    }
  TRY_ALLOC (cgroup_throttle_writes (&b->throttle_read_bps, "io.max", "rbps=",
                                     "throttleReadBpsDevice", ws));
  TRY_ALLOC (cgroup_throttle_writes (&b->throttle_write_bps, "io.max", "wbps=",
                                     "throttleWriteBpsDevice", ws));
  TRY_ALLOC (cgroup_throttle_writes (&b->throttle_read_iops, "io.max", "riops=",
                                     "throttleReadIOPSDevice", ws));
  TRY_ALLOC (cgroup_throttle_writes (&b->throttle_write_iops, "io.max", "wiops=",
                                     "throttleWriteIOPSDevice", ws));
  return 0;
nomem:
  return bw_error_set (err, ENOMEM, "cgroup: out of memory");
}

int
cgroup_v2_writes (const struct spec_resources *r, bool update, struct cgroup_writes *ws,
                  struct bw_error *err)
{
  (void) update;
  *ws = (struct cgroup_writes) { 0 };
  if (!r)
    return 0;
  int ret = 0;
  if (r->network && (r->network->class_id.set || r->network->n_priorities))
    ret = bw_error_set (err, ENOTSUP, "linux.resources.network: cgroup v2 has no net_cls or "
                        "net_prio controller");
  if (ret == 0 && r->memory)
    ret = memory_writes (r->memory, ws, err);
  if (ret == 0 && r->cpu)
    ret = cpu_writes (r->cpu, ws, err);
  if (ret == 0 && r->block_io)
    ret = io_writes (r->block_io, ws, err);
  if (ret == 0 && cgroup_common_writes (r, true, ws) < 0)
    ret = bw_error_set (err, ENOMEM, "cgroup: out of memory");
  /* unified last: its keys override what the mapping wrote. The keys were
   * checked at parse time (one file of this cgroup, no cgroup.* core file
   * but the two limits). */
  for (size_t i = 0; ret == 0 && i < r->unified.n; i++)
    {
      const struct spec_kv *kv = &r->unified.items[i];
      char field[128];
      snprintf (field, sizeof field, "linux.resources.unified[\"%.80s\"]", kv->key);
      if (cgroup_add (ws, "", kv->key, field, "%s", kv->value) < 0)
        ret = bw_error_set (err, ENOMEM, "cgroup: out of memory");
    }
  if (ret < 0)
    cgroup_writes_clear (ws);
  return ret;
}
