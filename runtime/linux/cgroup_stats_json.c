/* struct cgroup_stats as runc's `events` JSON. Field names and which fields
 * are left out when zero follow the json tags (and omitempty) of runc's
 * types/events.go, so that clients parsing runc's output parse ours. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "linux_cgroup_stats.h"

static void
key (yajl_gen g, const char *k)
{
  yajl_gen_string (g, (const unsigned char *) k, strlen (k));
}

/* uint64 through yajl_gen_number: yajl_gen_integer is signed. */
static void
num (yajl_gen g, uint64_t v)
{
  char buf[24];
  int len = snprintf (buf, sizeof buf, "%" PRIu64, v);
  yajl_gen_number (g, buf, (size_t) len);
}

static void
field (yajl_gen g, const char *k, uint64_t v)
{
  key (g, k);
  num (g, v);
}

/* A Go `json:",omitempty"` number. */
static void
field_omit (yajl_gen g, const char *k, uint64_t v)
{
  if (v)
    field (g, k, v);
}

static void
memory_entry (yajl_gen g, const char *k, const struct cgroup_mem_entry *e)
{
  key (g, k);
  yajl_gen_map_open (g);
  field (g, "limit", e->limit);
  field_omit (g, "usage", e->usage);
  field_omit (g, "max", e->max);
  field (g, "failcnt", e->failcnt);
  yajl_gen_map_close (g);
}

static void
blkio_list (yajl_gen g, const char *k, const struct cgroup_blkio_list *l)
{
  if (l->n == 0)
    return;
  key (g, k);
  yajl_gen_array_open (g);
  for (size_t i = 0; i < l->n; i++)
    {
      const struct cgroup_blkio_entry *e = &l->e[i];
      yajl_gen_map_open (g);
      field_omit (g, "major", e->major);
      field_omit (g, "minor", e->minor);
      if (e->op && *e->op)
        {
          key (g, "op");
          key (g, e->op);
        }
      field_omit (g, "value", e->value);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
}

static void
cpu (yajl_gen g, const struct cgroup_stats *st)
{
  key (g, "cpu");
  yajl_gen_map_open (g);
  key (g, "usage");
  yajl_gen_map_open (g);
  field_omit (g, "total", st->cpu.total);
  if (st->cpu.n_percpu)
    {
      key (g, "percpu");
      yajl_gen_array_open (g);
      for (size_t i = 0; i < st->cpu.n_percpu; i++)
        num (g, st->cpu.percpu[i]);
      yajl_gen_array_close (g);
    }
  field (g, "kernel", st->cpu.kernel);
  field (g, "user", st->cpu.user);
  yajl_gen_map_close (g);
  key (g, "throttling");
  yajl_gen_map_open (g);
  field_omit (g, "periods", st->cpu.periods);
  field_omit (g, "throttledPeriods", st->cpu.throttled_periods);
  field_omit (g, "throttledTime", st->cpu.throttled_time);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

static void
memory (yajl_gen g, const struct cgroup_stats *st)
{
  key (g, "memory");
  yajl_gen_map_open (g);
  field_omit (g, "cache", st->memory.cache);
  memory_entry (g, "usage", &st->memory.usage);
  memory_entry (g, "swap", &st->memory.swap);
  memory_entry (g, "kernel", &st->memory.kernel);
  memory_entry (g, "kernelTCP", &st->memory.kernel_tcp);
  if (st->memory.n_raw)
    {
      key (g, "raw");
      yajl_gen_map_open (g);
      for (size_t i = 0; i < st->memory.n_raw; i++)
        field (g, st->memory.raw[i].key, st->memory.raw[i].value);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
}

int
cgroup_stats_to_json (const char *id, const struct cgroup_stats *st, char **out,
                      struct bw_error *err)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  if (!g)
    return bw_error_set (err, ENOMEM, "stats: out of memory");
  yajl_gen_map_open (g);
  key (g, "type");
  key (g, "stats");
  key (g, "id");
  key (g, id);
  key (g, "data");
  yajl_gen_map_open (g);
  cpu (g, st);
  /* runc always has these two; bulwark reads no cpuset or RDT stats. */
  key (g, "cpuset");
  yajl_gen_map_open (g);
  yajl_gen_map_close (g);
  memory (g, st);
  key (g, "pids");
  yajl_gen_map_open (g);
  field_omit (g, "current", st->pids.current);
  field_omit (g, "limit", st->pids.limit);
  yajl_gen_map_close (g);
  key (g, "blkio");
  yajl_gen_map_open (g);
  blkio_list (g, "ioServiceBytesRecursive", &st->blkio.service_bytes);
  blkio_list (g, "ioServicedRecursive", &st->blkio.serviced);
  yajl_gen_map_close (g);
  key (g, "hugetlb");
  yajl_gen_map_open (g);
  for (size_t i = 0; i < st->n_hugetlb; i++)
    {
      key (g, st->hugetlb[i].page_size);
      yajl_gen_map_open (g);
      field_omit (g, "usage", st->hugetlb[i].usage);
      field_omit (g, "max", st->hugetlb[i].max);
      field (g, "failcnt", st->hugetlb[i].failcnt);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  key (g, "intel_rdt");
  yajl_gen_map_open (g);
  yajl_gen_map_close (g);
  key (g, "network_interfaces");
  yajl_gen_null (g);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);

  const unsigned char *buf;
  size_t len;
  int ret = 0;
  if (yajl_gen_get_buf (g, &buf, &len) != yajl_gen_status_ok)
    ret = bw_error_set (err, EINVAL, "stats: could not generate JSON");
  else if (!(*out = strndup ((const char *) buf, len)))
    ret = bw_error_set (err, ENOMEM, "stats: out of memory");
  yajl_gen_free (g);
  return ret;
}
