/* Stats parsers and readers against fake cgroupfs directories (v1 and v2
 * file formats as the kernel writes them), and the JSON they become. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "linux_cgroup_stats.h"
#include "unit.h"

static char base[] = "/tmp/bulwark-unit-stats.XXXXXX";

static void
put (const char *dir, const char *file, const char *text)
{
  char path[512];
  snprintf (path, sizeof path, "%s/%s/%s", base, dir, file);
  FILE *f = fopen (path, "w");
  if (!f)
    {
      printf ("# can't write %s\n", path);
      return;
    }
  fputs (text, f);
  fclose (f);
}

static char *
sub (const char *dir)
{
  static char paths[8][512];
  static int next;
  char *p = paths[next++ % 8];
  snprintf (p, 512, "%s/%s", base, dir);
  mkdir (p, 0755);
  return p;
}

/* The number at a yajl path, or -1. */
static long long
num_at (yajl_val root, const char **path)
{
  yajl_val v = yajl_tree_get (root, path, yajl_t_number);
  return v && YAJL_IS_INTEGER (v) ? YAJL_GET_INTEGER (v) : -1;
}

static void
test_parsers (void)
{
  uint64_t v = 0;
  CHECK (cgroup_stats_parse_u64 ("123\n", &v) == 0 && v == 123, "u64: number", "v=%lu", (unsigned long) v);
  CHECK (cgroup_stats_parse_u64 ("max\n", &v) == 0 && v == CGROUP_STATS_UNLIMITED, "u64: max", "x");
  CHECK (cgroup_stats_parse_u64 ("12a\n", &v) == -EINVAL, "u64: junk refused", "x");
  CHECK (cgroup_stats_parse_u64 ("", &v) == -EINVAL, "u64: empty refused", "x");

  struct cgroup_stat_kv *kv = NULL;
  size_t n = 0;
  CHECK (cgroup_stats_parse_kv ("cache 4096\nrss 8192\ntotal_rss 8192\n", &kv, &n) == 0 && n == 3
           && cgroup_stats_kv_get (kv, n, "rss") == 8192
           && cgroup_stats_kv_get (kv, n, "missing") == 0,
         "kv: memory.stat", "n=%zu", n);
  for (size_t i = 0; i < n; i++)
    free (kv[i].key);
  free (kv);
  CHECK (cgroup_stats_parse_kv ("garbage\n", &kv, &n) == -EINVAL, "kv: line without value refused", "x");
  for (size_t i = 0; i < n; i++)
    free (kv[i].key);
  free (kv);

  uint64_t *pc = NULL;
  CHECK (cgroup_stats_parse_percpu ("10 20 30 \n", &pc, &n) == 0 && n == 3 && pc[2] == 30,
         "percpu: three cpus", "n=%zu", n);
  free (pc);

  struct cgroup_blkio_list l = { 0 };
  CHECK (cgroup_stats_parse_blkio_v1 ("8:0 Read 4096\n8:0 Write 512\n8:0 Sync 0\n8:0 Total 4608\nTotal 4608\n", &l) == 0
           && l.n == 4 && l.e[1].major == 8 && strcmp (l.e[1].op, "Write") == 0 && l.e[1].value == 512,
         "blkio v1: entries, Total line skipped", "n=%zu", l.n);
  for (size_t i = 0; i < l.n; i++)
    free (l.e[i].op);
  free (l.e);

  struct cgroup_blkio_list bytes = { 0 }, ios = { 0 };
  CHECK (cgroup_stats_parse_io_stat ("259:0 rbytes=1000 wbytes=2000 rios=3 wios=4 dbytes=0 dios=0\n",
                                     &bytes, &ios) == 0
           && bytes.n == 2 && ios.n == 2 && bytes.e[0].major == 259 && bytes.e[1].value == 2000
           && strcmp (ios.e[0].op, "Read") == 0 && ios.e[1].value == 4,
         "io.stat: bytes and ios", "bytes %zu ios %zu", bytes.n, ios.n);
  for (size_t i = 0; i < bytes.n; i++)
    free (bytes.e[i].op);
  for (size_t i = 0; i < ios.n; i++)
    free (ios.e[i].op);
  free (bytes.e);
  free (ios.e);
}

static void
test_v1 (void)
{
  struct cgroup_stats_v1_dirs d = {
    .cpu = sub ("cpu"), .cpuacct = sub ("cpuacct"), .memory = sub ("memory"),
    .pids = sub ("pids"), .blkio = sub ("blkio"), .hugetlb = sub ("hugetlb"),
  };
  put ("cpuacct", "cpuacct.usage", "3000000000\n");
  put ("cpuacct", "cpuacct.usage_percpu", "1000000000 2000000000 \n");
  put ("cpuacct", "cpuacct.stat", "user 150\nsystem 50\n");
  put ("cpu", "cpu.stat", "nr_periods 10\nnr_throttled 4\nthrottled_time 123456\n");
  put ("memory", "memory.usage_in_bytes", "1048576\n");
  put ("memory", "memory.max_usage_in_bytes", "2097152\n");
  put ("memory", "memory.limit_in_bytes", "9223372036854771712\n");
  put ("memory", "memory.failcnt", "0\n");
  put ("memory", "memory.memsw.usage_in_bytes", "1048576\n");
  put ("memory", "memory.stat", "cache 65536\nrss 983040\n");
  put ("pids", "pids.current", "3\n");
  put ("pids", "pids.max", "max\n");
  put ("blkio", "blkio.throttle.io_service_bytes", "8:0 Read 4096\n8:0 Write 0\nTotal 4096\n");
  put ("blkio", "blkio.throttle.io_serviced", "8:0 Read 1\nTotal 1\n");
  put ("hugetlb", "hugetlb.2MB.usage_in_bytes", "0\n");
  put ("hugetlb", "hugetlb.2MB.max_usage_in_bytes", "0\n");
  put ("hugetlb", "hugetlb.2MB.failcnt", "2\n");
  put ("hugetlb", "hugetlb.2MB.rsvd.usage_in_bytes", "0\n");

  struct cgroup_stats st;
  struct bw_error err = { 0 };
  int ret = cgroup_stats_read_v1 (&d, &st, &err);
  CHECK (ret == 0, "v1: read", "%s", err.msg);
  long hz = sysconf (_SC_CLK_TCK);
  CHECK (st.cpu.total == 3000000000ull && st.cpu.n_percpu == 2
           && st.cpu.user == 150ull * (1000000000ull / (uint64_t) hz),
         "v1: cpu usage, percpu, user ticks to ns", "total %lu", (unsigned long) st.cpu.total);
  CHECK (st.cpu.throttled_periods == 4 && st.cpu.throttled_time == 123456, "v1: throttling", "x");
  CHECK (st.memory.usage.usage == 1048576 && st.memory.usage.max == 2097152
           && st.memory.cache == 65536 && st.memory.n_raw == 2 && st.memory.swap.usage == 1048576,
         "v1: memory", "usage %lu", (unsigned long) st.memory.usage.usage);
  CHECK (st.pids.current == 3 && st.pids.limit == 0, "v1: pids, max is 0", "x");
  CHECK (st.blkio.service_bytes.n == 2 && st.blkio.serviced.n == 1, "v1: blkio throttle files", "x");
  CHECK (st.n_hugetlb == 1 && strcmp (st.hugetlb[0].page_size, "2MB") == 0 && st.hugetlb[0].failcnt == 2,
         "v1: hugetlb 2MB only (rsvd skipped)", "n=%zu", st.n_hugetlb);

  char *json = NULL;
  ret = cgroup_stats_to_json ("c1", &st, &json, &err);
  CHECK (ret == 0 && json, "v1: json", "%s", err.msg);
  char ebuf[256];
  yajl_val root = json ? yajl_tree_parse (json, ebuf, sizeof ebuf) : NULL;
  CHECK (root != NULL, "v1: json parses", "%s", ebuf);
  if (root)
    {
      const char *type[] = { "type", NULL };
      const char *total[] = { "data", "cpu", "usage", "total", NULL };
      const char *kernel[] = { "data", "cpu", "usage", "kernel", NULL };
      const char *mem[] = { "data", "memory", "usage", "usage", NULL };
      const char *limit[] = { "data", "memory", "usage", "limit", NULL };
      const char *cur[] = { "data", "pids", "current", NULL };
      const char *plimit[] = { "data", "pids", "limit", NULL };
      const char *rss[] = { "data", "memory", "raw", "rss", NULL };
      const char *hfail[] = { "data", "hugetlb", "2MB", "failcnt", NULL };
      const char *percpu[] = { "data", "cpu", "usage", "percpu", NULL };
      const char *bytes[] = { "data", "blkio", "ioServiceBytesRecursive", NULL };
      yajl_val t = yajl_tree_get (root, type, yajl_t_string);
      CHECK (t && t->u.string && strcmp (t->u.string, "stats") == 0, "json: type stats", "x");
      CHECK (num_at (root, total) == 3000000000ll, "json: cpu.usage.total", "x");
      CHECK (num_at (root, kernel) > 0, "json: cpu.usage.kernel", "x");
      CHECK (num_at (root, mem) == 1048576, "json: memory.usage.usage", "x");
      CHECK (num_at (root, limit) == 9223372036854771712ll, "json: memory.usage.limit", "x");
      CHECK (num_at (root, cur) == 3, "json: pids.current", "x");
      CHECK (num_at (root, plimit) == -1, "json: pids.limit omitted when unlimited", "x");
      CHECK (num_at (root, rss) == 983040, "json: memory.raw", "x");
      CHECK (num_at (root, hfail) == 2, "json: hugetlb.2MB.failcnt", "x");
      yajl_val a = yajl_tree_get (root, percpu, yajl_t_array);
      CHECK (a && a->u.array.len == 2, "json: percpu array", "x");
      a = yajl_tree_get (root, bytes, yajl_t_array);
      CHECK (a && a->u.array.len == 2, "json: blkio entries", "x");
      yajl_tree_free (root);
    }
  free (json);
  cgroup_stats_clear (&st);
}

static void
test_v2 (void)
{
  char *dir = sub ("unified");
  put ("unified", "cpu.stat", "usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\nnr_periods 7\n"
                              "nr_throttled 2\nthrottled_usec 400\nnr_bursts 0\nburst_usec 0\n");
  put ("unified", "memory.current", "4194304\n");
  put ("unified", "memory.max", "max\n");
  put ("unified", "memory.peak", "8388608\n");
  put ("unified", "memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n");
  put ("unified", "memory.swap.current", "1024\n");
  put ("unified", "memory.swap.max", "max\n");
  put ("unified", "memory.stat", "anon 4096\nfile 8192\n");
  put ("unified", "pids.current", "2\n");
  put ("unified", "pids.max", "100\n");
  put ("unified", "io.stat", "8:0 rbytes=512 wbytes=1024 rios=1 wios=2 dbytes=0 dios=0\n");
  put ("unified", "hugetlb.1GB.current", "0\n");
  put ("unified", "hugetlb.1GB.events", "max 3\n");
  put ("unified", "hugetlb.1GB.rsvd.current", "0\n");
  struct cgroup_stats st;
  struct bw_error err = { 0 };
  int ret = cgroup_stats_read_v2 (dir, &st, &err);
  CHECK (ret == 0, "v2: read", "%s", err.msg);
  CHECK (st.cpu.total == 5000000 && st.cpu.user == 3000000 && st.cpu.kernel == 2000000
           && st.cpu.throttled_time == 400000 && st.cpu.n_percpu == 0,
         "v2: cpu.stat in ns", "total %lu", (unsigned long) st.cpu.total);
  CHECK (st.memory.usage.usage == 4194304 && st.memory.usage.limit == CGROUP_STATS_UNLIMITED
           && st.memory.usage.max == 8388608 && st.memory.usage.failcnt == 5,
         "v2: memory usage/limit/peak/failcnt", "x");
  CHECK (st.memory.swap.usage == 4194304 + 1024 && st.memory.swap.limit == CGROUP_STATS_UNLIMITED,
         "v2: swap as memory+swap", "x");
  CHECK (st.memory.cache == 8192, "v2: cache is file", "x");
  CHECK (st.pids.current == 2 && st.pids.limit == 100, "v2: pids", "x");
  CHECK (st.blkio.service_bytes.n == 2 && st.blkio.serviced.n == 2
           && st.blkio.service_bytes.e[1].value == 1024, "v2: io.stat", "x");
  CHECK (st.n_hugetlb == 1 && st.hugetlb[0].failcnt == 3, "v2: hugetlb events", "n=%zu", st.n_hugetlb);
  char *json = NULL;
  CHECK (cgroup_stats_to_json ("c2", &st, &json, &err) == 0 && strstr (json, "\"limit\":18446744073709551615"),
         "v2: unlimited as max uint64 in json", "%s", json ? json : err.msg);
  free (json);
  cgroup_stats_clear (&st);

  put ("unified", "pids.current", "two\n");
  ret = cgroup_stats_read_v2 (dir, &st, &err);
  CHECK (ret == -EINVAL && strstr (err.msg, "pids.current"), "v2: bad file named in the error", "%s", err.msg);
  cgroup_stats_clear (&st);

  struct cgroup_stats empty;
  char *missing = sub ("empty");
  CHECK (cgroup_stats_read_v2 (missing, &empty, &err) == 0 && empty.memory.usage.usage == 0,
         "v2: missing files are zero", "%s", err.msg);
  cgroup_stats_clear (&empty);
}

/* The v2 OOM watcher on a fake memory.events: inotify works on any file,
 * and the events are the growth of oom_kill. */
static void
test_oom_watch_v2 (void)
{
  char *dir = sub ("oomv2");
  put ("oomv2", "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 2\n");
  struct cgroup_oom_watch w = CGROUP_OOM_WATCH_INIT;
  struct bw_error err = { 0 };
  uint64_t n = 99;
  CHECK (cgroup_oom_watch_open (dir, true, &w, &err) == 0 && w.fd >= 0, "oom v2: watch opened", "%s", err.msg);
  CHECK (cgroup_oom_watch_read (&w, &n, &err) == 0 && n == 0, "oom v2: kills before the watch don't count",
         "n=%lu", (unsigned long) n);
  put ("oomv2", "memory.events", "low 0\nhigh 0\nmax 3\noom 2\noom_kill 4\n");
  struct pollfd p = { .fd = w.fd, .events = POLLIN };
  CHECK (poll (&p, 1, 1000) == 1, "oom v2: fd readable after the file changed", "x");
  CHECK (cgroup_oom_watch_read (&w, &n, &err) == 0 && n == 2, "oom v2: two new kills", "n=%lu", (unsigned long) n);
  CHECK (cgroup_oom_watch_read (&w, &n, &err) == 0 && n == 0, "oom v2: counted once", "n=%lu", (unsigned long) n);
  cgroup_oom_watch_close (&w);
  CHECK (cgroup_oom_watch_open (sub ("nomem"), true, &w, &err) == -ENOENT, "oom v2: no memory controller is ENOENT",
         "%s", err.msg);
  cgroup_oom_watch_close (&w);
  CHECK (cgroup_oom_watch_open (sub ("nomem"), false, &w, &err) == -ENOENT, "oom v1: no memory controller is ENOENT",
         "%s", err.msg);
  cgroup_oom_watch_close (&w);
}

int
main (void)
{
  if (!mkdtemp (base))
    return 1;
  test_parsers ();
  test_v1 ();
  test_v2 ();
  test_oom_watch_v2 ();
  char cmd[600];
  snprintf (cmd, sizeof cmd, "rm -rf %s", base);
  if (system (cmd) != 0)
    printf ("# could not remove %s\n", base);
  return UNIT_EXIT ();
}
