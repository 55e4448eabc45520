/* Reading a container's usage from its cgroup files, v1 and v2, into
 * struct cgroup_stats. The conversions follow runc so that `events --stats`
 * means the same thing under either runtime: CPU times in nanoseconds, v1
 * cpuacct.stat ticks converted with USER_HZ, v2 swap reported as
 * memory+swap like v1's memsw. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "cleanup.h"
#include "linux_cgroup_stats.h"

/* Read dir/file; *text NULL (and 0 returned) when there is no value: no
 * directory (the controller is missing), no file, or nothing to read (some
 * v1 files, memory.kmem.* without kmem accounting, exist but the kernel has
 * no value to give). */
static int
read_file (const char *dir, const char *file, char **text, struct bw_error *err)
{
  *text = NULL;
  if (!dir)
    return 0;
  int ret = cgroup_read_file (dir, file, text);
  if (ret == -ENOENT)
    return 0;
  if (ret < 0)
    return bw_error_set (err, -ret, "read %s/%s: %s", dir, file, strerror (-ret));
  if (!**text)
    {
      free (*text);
      *text = NULL;
    }
  return 0;
}

int
cgroup_stats_parse_u64 (const char *text, uint64_t *out)
{
  while (*text == ' ' || *text == '\t')
    text++;
  if (strncmp (text, "max", 3) == 0)
    {
      *out = CGROUP_STATS_UNLIMITED;
      text += 3;
    }
  else
    {
      char *end;
      if (*text < '0' || *text > '9')
        return -EINVAL;
      errno = 0;
      unsigned long long v = strtoull (text, &end, 10);
      if (errno)
        return -EINVAL;
      *out = v;
      text = end;
    }
  while (*text == ' ' || *text == '\n')
    text++;
  return *text ? -EINVAL : 0;
}

int
cgroup_stats_parse_kv (const char *text, struct cgroup_stat_kv **out, size_t *n)
{
  *out = NULL;
  *n = 0;
  for (const char *line = text; line && *line;)
    {
      const char *nl = strchr (line, '\n');
      size_t len = nl ? (size_t) (nl - line) : strlen (line);
      const char *sp = memchr (line, ' ', len);
      if (sp && sp > line)
        {
          char value[32];
          size_t vlen = len - (size_t) (sp + 1 - line);
          uint64_t v;
          if (vlen >= sizeof value)
            return -EINVAL;
          memcpy (value, sp + 1, vlen);
          value[vlen] = '\0';
          /* Signed values exist (v1 memory.stat on old kernels, some
           * counters can go negative transiently): those count as 0. */
          if (value[0] == '-')
            v = 0;
          else if (cgroup_stats_parse_u64 (value, &v) < 0)
            return -EINVAL;
          struct cgroup_stat_kv *p = realloc (*out, (*n + 1) * sizeof **out);
          if (!p)
            return -ENOMEM;
          *out = p;
          p[*n].key = strndup (line, (size_t) (sp - line));
          if (!p[*n].key)
            return -ENOMEM;
          p[(*n)++].value = v;
        }
      else if (len)
        return -EINVAL;
      line = nl ? nl + 1 : NULL;
    }
  return 0;
}

uint64_t
cgroup_stats_kv_get (const struct cgroup_stat_kv *kv, size_t n, const char *key)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (kv[i].key, key) == 0)
      return kv[i].value;
  return 0;
}

void
cgroup_stats_kv_free (struct cgroup_stat_kv *kv, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free (kv[i].key);
  free (kv);
}

static int
blkio_add (struct cgroup_blkio_list *l, uint64_t major, uint64_t minor, const char *op,
           size_t op_len, uint64_t value)
{
  struct cgroup_blkio_entry *p = realloc (l->e, (l->n + 1) * sizeof *p);
  if (!p)
    return -ENOMEM;
  l->e = p;
  p[l->n] = (struct cgroup_blkio_entry) { major, minor, strndup (op, op_len), value };
  if (!p[l->n].op)
    return -ENOMEM;
  l->n++;
  return 0;
}

int
cgroup_stats_parse_blkio_v1 (const char *text, struct cgroup_blkio_list *out)
{
  for (const char *line = text; line && *line;)
    {
      const char *nl = strchr (line, '\n');
      unsigned long long major, minor, value;
      char op[16];
      if (sscanf (line, "%llu:%llu %15s %llu", &major, &minor, op, &value) == 4)
        {
          int ret = blkio_add (out, major, minor, op, strlen (op), value);
          if (ret < 0)
            return ret;
        }
      else if (strncmp (line, "Total", 5) != 0 && line[0] != '\n')
        return -EINVAL;
      line = nl ? nl + 1 : NULL;
    }
  return 0;
}

int
cgroup_stats_parse_io_stat (const char *text, struct cgroup_blkio_list *bytes,
                            struct cgroup_blkio_list *ios)
{
  static const struct { const char *key; const char *op; bool is_bytes; } fields[] = {
    { "rbytes=", "Read", true }, { "wbytes=", "Write", true },
    { "rios=", "Read", false },  { "wios=", "Write", false },
  };
  for (const char *line = text; line && *line;)
    {
      const char *nl = strchr (line, '\n');
      size_t len = nl ? (size_t) (nl - line) : strlen (line);
      unsigned long long major, minor;
      int used = 0;
      if (len && sscanf (line, "%llu:%llu%n", &major, &minor, &used) != 2)
        return -EINVAL;
      for (const char *p = line + used; len && p < line + len;)
        {
          while (*p == ' ')
            p++;
          for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
            if (strncmp (p, fields[f].key, strlen (fields[f].key)) == 0)
              {
                uint64_t v = strtoull (p + strlen (fields[f].key), NULL, 10);
                int ret = blkio_add (fields[f].is_bytes ? bytes : ios, major, minor, fields[f].op,
                                     strlen (fields[f].op), v);
                if (ret < 0)
                  return ret;
              }
          const char *sp = memchr (p, ' ', (size_t) (line + len - p));
          p = sp ? sp : line + len;
        }
      line = nl ? nl + 1 : NULL;
    }
  return 0;
}

int
cgroup_stats_parse_percpu (const char *text, uint64_t **out, size_t *n)
{
  *out = NULL;
  *n = 0;
  for (const char *p = text; *p;)
    {
      char *end;
      while (*p == ' ' || *p == '\n')
        p++;
      if (!*p)
        break;
      if (*p < '0' || *p > '9')
        return -EINVAL;
      uint64_t v = strtoull (p, &end, 10);
      uint64_t *a = realloc (*out, (*n + 1) * sizeof *a);
      if (!a)
        return -ENOMEM;
      *out = a;
      a[(*n)++] = v;
      p = end;
    }
  return 0;
}

/* Read a single-number file into *v (unchanged when missing). */
static int
read_u64 (const char *dir, const char *file, uint64_t *v, struct bw_error *err)
{
  _cleanup_free_ char *text = NULL;
  int ret = read_file (dir, file, &text, err);
  if (ret < 0 || !text)
    return ret;
  if (cgroup_stats_parse_u64 (text, v) < 0)
    return bw_error_set (err, EINVAL, "%s/%s: expected a number", dir, file);
  return 0;
}

int
cgroup_stats_read_kv (const char *dir, const char *file, struct cgroup_stat_kv **kv, size_t *n,
                      struct bw_error *err)
{
  _cleanup_free_ char *text = NULL;
  *kv = NULL;
  *n = 0;
  int ret = read_file (dir, file, &text, err);
  if (ret < 0 || !text)
    return ret;
  ret = cgroup_stats_parse_kv (text, kv, n);
  if (ret < 0)
    {
      cgroup_stats_kv_free (*kv, *n);
      *kv = NULL, *n = 0;
      return bw_error_set (err, -ret, "%s/%s: expected \"key value\" lines", dir, file);
    }
  return 0;
}

static int
read_blkio (const char *dir, const char *file, struct cgroup_blkio_list *l, struct bw_error *err)
{
  _cleanup_free_ char *text = NULL;
  int ret = read_file (dir, file, &text, err);
  if (ret < 0 || !text)
    return ret;
  if (cgroup_stats_parse_blkio_v1 (text, l) < 0)
    return bw_error_set (err, EINVAL, "%s/%s: expected \"MAJ:MIN Op value\" lines", dir, file);
  return 0;
}

/* Run a list of reads, stopping at the first error. */

static int
memory_entry_v1 (const char *dir, const char *prefix, struct cgroup_mem_entry *e,
                 struct bw_error *err)
{
  char f[64];
  snprintf (f, sizeof f, "%s.usage_in_bytes", prefix);
  TRY (read_u64 (dir, f, &e->usage, err));
  snprintf (f, sizeof f, "%s.max_usage_in_bytes", prefix);
  TRY (read_u64 (dir, f, &e->max, err));
  snprintf (f, sizeof f, "%s.failcnt", prefix);
  TRY (read_u64 (dir, f, &e->failcnt, err));
  snprintf (f, sizeof f, "%s.limit_in_bytes", prefix);
  return read_u64 (dir, f, &e->limit, err);
}

/* hugetlb.<size>.<suffix> files: one entry per page size. */
static int
read_hugetlb (const char *dir, bool v2, struct cgroup_stats *st, struct bw_error *err)
{
  if (!dir)
    return 0;
  const char *usage_suffix = v2 ? ".current" : ".usage_in_bytes";
  DIR *d = opendir (dir);
  if (!d)
    return errno == ENOENT ? 0 : bw_error_syscall (err, "opendir %s", dir);
  int ret = 0;
  struct dirent *de;
  while (ret == 0 && (de = readdir (d)))
    {
      size_t len = strlen (de->d_name), slen = strlen (usage_suffix);
      if (strncmp (de->d_name, "hugetlb.", 8) != 0 || len <= 8 + slen
          || strcmp (de->d_name + len - slen, usage_suffix) != 0
          || memchr (de->d_name + 8, '.', len - 8 - slen))   /* .rsvd.current and such */
        continue;
      struct cgroup_hugetlb_stat *p = realloc (st->hugetlb, (st->n_hugetlb + 1) * sizeof *p);
      if (!p)
        {
          ret = bw_error_set (err, ENOMEM, "hugetlb: out of memory");
          break;
        }
      st->hugetlb = p;
      struct cgroup_hugetlb_stat *h = &p[st->n_hugetlb];
      *h = (struct cgroup_hugetlb_stat) { .page_size = strndup (de->d_name + 8, len - 8 - slen) };
      if (!h->page_size)
        {
          ret = bw_error_set (err, ENOMEM, "hugetlb: out of memory");
          break;
        }
      st->n_hugetlb++;
      char f[300];
      snprintf (f, sizeof f, "hugetlb.%s%s", h->page_size, usage_suffix);
      ret = read_u64 (dir, f, &h->usage, err);
      if (v2)
        {
          struct cgroup_stat_kv *kv = NULL;
          size_t n = 0;
          snprintf (f, sizeof f, "hugetlb.%s.events", h->page_size);
          if (ret == 0)
            ret = cgroup_stats_read_kv (dir, f, &kv, &n, err);
          h->failcnt = cgroup_stats_kv_get (kv, n, "max");
          cgroup_stats_kv_free (kv, n);
        }
      else
        {
          snprintf (f, sizeof f, "hugetlb.%s.max_usage_in_bytes", h->page_size);
          if (ret == 0)
            ret = read_u64 (dir, f, &h->max, err);
          snprintf (f, sizeof f, "hugetlb.%s.failcnt", h->page_size);
          if (ret == 0)
            ret = read_u64 (dir, f, &h->failcnt, err);
        }
    }
  closedir (d);
  return ret;
}

static int
pids_limit (const char *dir, struct cgroup_stats *st, struct bw_error *err)
{
  uint64_t limit = 0;
  TRY (read_u64 (dir, "pids.max", &limit, err));
  st->pids.limit = limit == CGROUP_STATS_UNLIMITED ? 0 : limit;   /* runc: 0 is no limit */
  return 0;
}

int
cgroup_stats_read_v1 (const struct cgroup_stats_v1_dirs *d, struct cgroup_stats *st,
                      struct bw_error *err)
{
  _cleanup_free_ char *percpu = NULL;
  struct cgroup_stat_kv *kv = NULL;
  size_t n = 0;
  long hz = sysconf (_SC_CLK_TCK);
  memset (st, 0, sizeof *st);
  TRY (read_u64 (d->cpuacct, "cpuacct.usage", &st->cpu.total, err));
  TRY (read_file (d->cpuacct, "cpuacct.usage_percpu", &percpu, err));
  if (percpu && cgroup_stats_parse_percpu (percpu, &st->cpu.percpu, &st->cpu.n_percpu) < 0)
    return bw_error_set (err, EINVAL, "%s/cpuacct.usage_percpu: expected numbers", d->cpuacct);
  TRY (cgroup_stats_read_kv (d->cpuacct, "cpuacct.stat", &kv, &n, err));
  if (hz <= 0)
    hz = 100;
  st->cpu.user = cgroup_stats_kv_get (kv, n, "user") * (1000000000 / (uint64_t) hz);
  st->cpu.kernel = cgroup_stats_kv_get (kv, n, "system") * (1000000000 / (uint64_t) hz);
  cgroup_stats_kv_free (kv, n);
  TRY (cgroup_stats_read_kv (d->cpu, "cpu.stat", &kv, &n, err));
  st->cpu.periods = cgroup_stats_kv_get (kv, n, "nr_periods");
  st->cpu.throttled_periods = cgroup_stats_kv_get (kv, n, "nr_throttled");
  st->cpu.throttled_time = cgroup_stats_kv_get (kv, n, "throttled_time");
  cgroup_stats_kv_free (kv, n);

  TRY (memory_entry_v1 (d->memory, "memory", &st->memory.usage, err));
  TRY (memory_entry_v1 (d->memory, "memory.memsw", &st->memory.swap, err));
  TRY (memory_entry_v1 (d->memory, "memory.kmem", &st->memory.kernel, err));
  TRY (memory_entry_v1 (d->memory, "memory.kmem.tcp", &st->memory.kernel_tcp, err));
  TRY (cgroup_stats_read_kv (d->memory, "memory.stat", &st->memory.raw, &st->memory.n_raw, err));
  st->memory.cache = cgroup_stats_kv_get (st->memory.raw, st->memory.n_raw, "cache");

  TRY (read_u64 (d->pids, "pids.current", &st->pids.current, err));
  TRY (pids_limit (d->pids, st, err));

  /* The _recursive files are only filled by the CFQ/BFQ schedulers; the
   * throttle ones always are (runc reads them the same way). */
  TRY (read_blkio (d->blkio, "blkio.io_service_bytes_recursive", &st->blkio.service_bytes, err));
  if (st->blkio.service_bytes.n == 0)
    TRY (read_blkio (d->blkio, "blkio.throttle.io_service_bytes", &st->blkio.service_bytes, err));
  TRY (read_blkio (d->blkio, "blkio.io_serviced_recursive", &st->blkio.serviced, err));
  if (st->blkio.serviced.n == 0)
    TRY (read_blkio (d->blkio, "blkio.throttle.io_serviced", &st->blkio.serviced, err));
  return read_hugetlb (d->hugetlb, false, st, err);
}

int
cgroup_stats_read_v2 (const char *dir, struct cgroup_stats *st, struct bw_error *err)
{
  struct cgroup_stat_kv *kv = NULL;
  size_t n = 0;
  memset (st, 0, sizeof *st);
  TRY (cgroup_stats_read_kv (dir, "cpu.stat", &kv, &n, err));
  st->cpu.total = cgroup_stats_kv_get (kv, n, "usage_usec") * 1000;
  st->cpu.user = cgroup_stats_kv_get (kv, n, "user_usec") * 1000;
  st->cpu.kernel = cgroup_stats_kv_get (kv, n, "system_usec") * 1000;
  st->cpu.periods = cgroup_stats_kv_get (kv, n, "nr_periods");
  st->cpu.throttled_periods = cgroup_stats_kv_get (kv, n, "nr_throttled");
  st->cpu.throttled_time = cgroup_stats_kv_get (kv, n, "throttled_usec") * 1000;
  cgroup_stats_kv_free (kv, n);

  struct cgroup_mem_entry *u = &st->memory.usage, *s = &st->memory.swap;
  TRY (read_u64 (dir, "memory.current", &u->usage, err));
  TRY (read_u64 (dir, "memory.max", &u->limit, err));
  TRY (read_u64 (dir, "memory.peak", &u->max, err));
  TRY (cgroup_stats_read_kv (dir, "memory.events", &kv, &n, err));
  u->failcnt = cgroup_stats_kv_get (kv, n, "max");
  cgroup_stats_kv_free (kv, n);
  TRY (read_u64 (dir, "memory.swap.current", &s->usage, err));
  TRY (read_u64 (dir, "memory.swap.max", &s->limit, err));
  TRY (read_u64 (dir, "memory.swap.peak", &s->max, err));
  /* v1's memsw counts memory and swap together; runc reports v2 the same
   * way so that clients need one formula. */
  s->usage += u->usage;
  if (s->max)
    s->max += u->max;
  if (s->limit != CGROUP_STATS_UNLIMITED && u->limit != CGROUP_STATS_UNLIMITED)
    s->limit += u->limit;
  else
    s->limit = CGROUP_STATS_UNLIMITED;
  TRY (cgroup_stats_read_kv (dir, "memory.stat", &st->memory.raw, &st->memory.n_raw, err));
  st->memory.cache = cgroup_stats_kv_get (st->memory.raw, st->memory.n_raw, "file");

  TRY (read_u64 (dir, "pids.current", &st->pids.current, err));
  TRY (pids_limit (dir, st, err));

  _cleanup_free_ char *io = NULL;
  TRY (read_file (dir, "io.stat", &io, err));
  if (io && cgroup_stats_parse_io_stat (io, &st->blkio.service_bytes, &st->blkio.serviced) < 0)
    return bw_error_set (err, EINVAL, "%s/io.stat: expected \"MAJ:MIN key=value...\" lines", dir);
  return read_hugetlb (dir, true, st, err);
}

static void
blkio_clear (struct cgroup_blkio_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    free (l->e[i].op);
  free (l->e);
  l->e = NULL;
  l->n = 0;
}

void
cgroup_stats_clear (struct cgroup_stats *st)
{
  free (st->cpu.percpu);
  cgroup_stats_kv_free (st->memory.raw, st->memory.n_raw);
  blkio_clear (&st->blkio.service_bytes);
  blkio_clear (&st->blkio.serviced);
  for (size_t i = 0; i < st->n_hugetlb; i++)
    free (st->hugetlb[i].page_size);
  free (st->hugetlb);
  memset (st, 0, sizeof *st);
}
