/* cgroup core against a fake cgroupfs (plain directories, no root): the
 * v1 <-> v2 conversions, the resource-to-file mapping for both, layout
 * scanning and placement, the recorded form, creating and removing the
 * directories, writing limits and listing pids. The device rules are the
 * devices module's: here a stub records that cgroup_apply calls it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "spec.h"
#include "unit.h"

static char devices_dir[512];
static int devices_calls;

int
cgroup_devices_apply (const struct spec_resources *r, bool v2, const char *dir,
                      struct bw_error *err)
{
  (void) r, (void) v2, (void) err;
  devices_calls++;
  snprintf (devices_dir, sizeof devices_dir, "%s", dir);
  return 0;
}

static char root[256];

static void
put (const char *rel, const char *text)
{
  char path[512];
  snprintf (path, sizeof path, "%s/%s", root, rel);
  FILE *f = fopen (path, "w");
  if (f)
    {
      fputs (text, f);
      fclose (f);
    }
}

static char *
get (const char *rel)
{
  static char buf[256];
  char path[512];
  snprintf (path, sizeof path, "%s/%s", root, rel);
  FILE *f = fopen (path, "r");
  buf[0] = '\0';
  if (f)
    {
      size_t n = fread (buf, 1, sizeof buf - 1, f);
      buf[n] = '\0';
      fclose (f);
    }
  return buf;
}

static void
mk (const char *rel)
{
  char cmd[600];
  snprintf (cmd, sizeof cmd, "mkdir -p '%s/%s'", root, rel);
  if (system (cmd) != 0)
    printf ("# mkdir %s failed\n", rel);
}

static bool
exists (const char *rel)
{
  char path[512];
  snprintf (path, sizeof path, "%s/%s", root, rel);
  return access (path, F_OK) == 0;
}

static const struct cgroup_write *
find (const struct cgroup_writes *ws, const char *file, size_t nth)
{
  for (size_t i = 0; i < ws->n; i++)
    if (strcmp (ws->w[i].file, file) == 0 && nth-- == 0)
      return &ws->w[i];
  return NULL;
}

#define CHECK_WRITE(ws, file, want, name)                                    \
  do                                                                         \
    {                                                                        \
      const struct cgroup_write *w_ = find (ws, file, 0);                    \
      CHECK_STREQ (w_ ? w_->value : NULL, want, name);                       \
    }                                                                        \
  while (0)

static void
test_conversions (void)
{
  static const unsigned long shares_weight[][2] = {
    /* the values runc >= 1.3.2 and crun >= 1.23 give */
    { 2, 1 }, { 3, 2 }, { 10, 4 }, { 100, 17 }, { 512, 59 }, { 1024, 100 }, { 2048, 174 },
    { 4096, 303 }, { 100000, 4340 }, { 262144, 10000 }, { 1, 1 }, { 1000000, 10000 },
  };
  for (size_t i = 0; i < sizeof shares_weight / sizeof shares_weight[0]; i++)
    {
      char name[64];
      snprintf (name, sizeof name, "shares %lu -> weight %lu", shares_weight[i][0],
                shares_weight[i][1]);
      unsigned long got = (unsigned long) cgroup_shares_to_weight (shares_weight[i][0]);
      CHECK (got == shares_weight[i][1], name, "got %lu", got);
    }
  CHECK (cgroup_shares_to_weight (0) == 0, "shares 0 stays unset", "got %lu",
         (unsigned long) cgroup_shares_to_weight (0));
  static const unsigned long weight_shares[][2] = {
    { 1, 2 }, { 100, 1024 }, { 10000, 262144 },
  };
  for (size_t i = 0; i < sizeof weight_shares / sizeof weight_shares[0]; i++)
    {
      char name[64];
      snprintf (name, sizeof name, "weight %lu -> shares %lu", weight_shares[i][0],
                weight_shares[i][1]);
      unsigned long got = (unsigned long) cgroup_weight_to_shares (weight_shares[i][0]);
      CHECK (got == weight_shares[i][1], name, "got %lu", got);
    }
  bool round_trip = true;
  for (uint64_t w = 1; w <= 10000; w++)
    round_trip = round_trip && cgroup_shares_to_weight (cgroup_weight_to_shares (w)) == w;
  CHECK (round_trip, "weight -> shares -> weight is the identity", "it is not");
  CHECK (cgroup_blkio_to_io_weight (10) == 1, "blkio 10 -> io 1", "got %lu",
         (unsigned long) cgroup_blkio_to_io_weight (10));
  CHECK (cgroup_blkio_to_io_weight (500) == 4950, "blkio 500 -> io 4950", "got %lu",
         (unsigned long) cgroup_blkio_to_io_weight (500));
  CHECK (cgroup_blkio_to_io_weight (1000) == 10000, "blkio 1000 -> io 10000", "got %lu",
         (unsigned long) cgroup_blkio_to_io_weight (1000));
}

static const char full_json[] =
  "{\"memory\": {\"limit\": 67108864, \"swap\": 134217728, \"reservation\": 33554432,"
  "  \"swappiness\": 10, \"disableOOMKiller\": true, \"kernelTCP\": 1048576},"
  " \"cpu\": {\"shares\": 1024, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0-1\","
  "  \"mems\": \"0\", \"realtimeRuntime\": 950, \"realtimePeriod\": 1000, \"burst\": 1000, \"idle\": 1},"
  " \"pids\": {\"limit\": 32},"
  " \"blockIO\": {\"weight\": 500, \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 1024}],"
  "  \"weightDevice\": [{\"major\": 8, \"minor\": 16, \"weight\": 300}]},"
  " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 4194304}],"
  " \"network\": {\"classID\": 1048577, \"priorities\": [{\"name\": \"eth0\", \"priority\": 5}]},"
  " \"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3, \"hcaObjects\": 10000}}}";

static struct spec_resources *
parse (const char *json)
{
  struct spec_resources *r = NULL;
  struct bw_error err = { 0 };
  if (spec_parse_resources (json, strlen (json), &r, &err) < 0)
    printf ("# parse failed: %s\n", err.msg);
  return r;
}

static void
test_v1_mapping (void)
{
  struct spec_resources *r = parse (full_json);
  struct cgroup_writes ws = { 0 };
  struct bw_error err = { 0 };
  CHECK (r && cgroup_v1_writes (r, false, &ws, &err) == 0, "v1: mapping", "%s", err.msg);
  CHECK_WRITE (&ws, "memory.limit_in_bytes", "67108864", "v1: memory.limit");
  CHECK_WRITE (&ws, "memory.memsw.limit_in_bytes", "134217728", "v1: memory.swap is memsw");
  CHECK_WRITE (&ws, "memory.soft_limit_in_bytes", "33554432", "v1: memory.reservation");
  CHECK_WRITE (&ws, "memory.swappiness", "10", "v1: memory.swappiness");
  CHECK_WRITE (&ws, "memory.oom_control", "1", "v1: disableOOMKiller");
  CHECK_WRITE (&ws, "memory.kmem.tcp.limit_in_bytes", "1048576", "v1: kernelTCP");
  CHECK_WRITE (&ws, "cpu.shares", "1024", "v1: cpu.shares as is");
  CHECK_WRITE (&ws, "cpu.cfs_quota_us", "50000", "v1: cpu.quota");
  CHECK_WRITE (&ws, "cpu.cfs_period_us", "100000", "v1: cpu.period");
  CHECK_WRITE (&ws, "cpu.cfs_burst_us", "1000", "v1: cpu.burst");
  CHECK_WRITE (&ws, "cpu.rt_runtime_us", "950", "v1: realtimeRuntime");
  CHECK_WRITE (&ws, "cpu.rt_period_us", "1000", "v1: realtimePeriod");
  CHECK_WRITE (&ws, "cpu.idle", "1", "v1: cpu.idle");
  CHECK_WRITE (&ws, "cpuset.cpus", "0-1", "v1: cpus");
  CHECK_WRITE (&ws, "cpuset.mems", "0", "v1: mems");
  CHECK_WRITE (&ws, "pids.max", "32", "v1: pids");
  CHECK_WRITE (&ws, "blkio.weight", "500", "v1: blkio.weight");
  CHECK_WRITE (&ws, "blkio.weight_device", "8:16 300", "v1: weightDevice");
  CHECK_WRITE (&ws, "blkio.throttle.read_bps_device", "8:0 1024", "v1: throttleReadBpsDevice");
  CHECK_WRITE (&ws, "hugetlb.2MB.limit_in_bytes", "4194304", "v1: hugepageLimits");
  CHECK_WRITE (&ws, "net_cls.classid", "1048577", "v1: network.classID");
  CHECK_WRITE (&ws, "net_prio.ifpriomap", "eth0 5", "v1: network.priorities");
  CHECK_WRITE (&ws, "rdma.max", "mlx5_1 hca_handle=3 hca_object=10000", "v1: rdma");
  const struct cgroup_write *w = find (&ws, "cpu.cfs_period_us", 0);
  const struct cgroup_write *q = find (&ws, "cpu.cfs_quota_us", 0);
  CHECK (w && q && w < q, "v1: period written before quota", "order");
  w = find (&ws, "cpuset.cpus", 0);
  CHECK (w && strcmp (w->controller, "cpuset") == 0 && strcmp (w->field, "linux.resources.cpu.cpus") == 0,
         "v1: write knows its controller and field", "%s %s", w ? w->controller : "", w ? w->field : "");
  cgroup_writes_clear (&ws);
  spec_resources_free (r);

  r = parse ("{\"unified\": {\"memory.high\": \"1G\"}}");
  CHECK (r && cgroup_v1_writes (r, false, &ws, &err) < 0
         && strncmp (err.msg, "linux.resources.unified: ", 25) == 0,
         "v1: unified is an error naming it", "%s", err.msg);
  spec_resources_free (r);
  r = parse ("{\"memory\": {\"limit\": 0}, \"cpu\": {\"shares\": 0, \"quota\": 0}, \"pids\": {\"limit\": 0}}");
  CHECK (r && cgroup_v1_writes (r, true, &ws, &err) == 0 && ws.n == 0, "v1: zeros are unset",
         "%zu writes", ws.n);
  cgroup_writes_clear (&ws);
  spec_resources_free (r);
}

static void
test_v2_mapping (void)
{
  struct spec_resources *r = parse (
    "{\"memory\": {\"limit\": 67108864, \"swap\": 134217728, \"reservation\": 33554432},"
    " \"cpu\": {\"shares\": 1024, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0-1\", \"burst\": 5, \"idle\": 0},"
    " \"pids\": {\"limit\": -1},"
    " \"blockIO\": {\"weight\": 500, \"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 7}]},"
    " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 4194304}],"
    " \"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3}},"
    " \"unified\": {\"memory.high\": \"60000000\", \"pids.max\": \"99\"}}");
  struct cgroup_writes ws = { 0 };
  struct bw_error err = { 0 };
  CHECK (r && cgroup_v2_writes (r, false, &ws, &err) == 0, "v2: mapping", "%s", err.msg);
  CHECK_WRITE (&ws, "memory.max", "67108864", "v2: memory.limit -> memory.max");
  CHECK_WRITE (&ws, "memory.swap.max", "67108864", "v2: swap is swap - limit");
  CHECK_WRITE (&ws, "memory.low", "33554432", "v2: reservation -> memory.low");
  CHECK_WRITE (&ws, "cpu.weight", "100", "v2: shares converted to weight");
  CHECK_WRITE (&ws, "cpu.max", "50000 100000", "v2: quota and period -> cpu.max");
  CHECK_WRITE (&ws, "cpu.max.burst", "5", "v2: burst");
  CHECK_WRITE (&ws, "cpu.idle", "0", "v2: idle");
  CHECK_WRITE (&ws, "cpuset.cpus", "0-1", "v2: cpus");
  CHECK_WRITE (&ws, "pids.max", "max", "v2: pids -1 is max");
  CHECK_WRITE (&ws, "io.bfq.weight", "500", "v2: blkio weight -> io.bfq.weight");
  const struct cgroup_write *w = find (&ws, "io.bfq.weight", 0);
  CHECK (w && w->alt_file && strcmp (w->alt_file, "io.weight") == 0
         && strcmp (w->alt_value, "default 4950") == 0,
         "v2: io.weight converted when there is no BFQ", "%s=%s", w && w->alt_file ? w->alt_file : "",
         w && w->alt_value ? w->alt_value : "");
  CHECK_WRITE (&ws, "io.max", "8:0 wiops=7", "v2: throttle -> io.max");
  CHECK_WRITE (&ws, "hugetlb.2MB.max", "4194304", "v2: hugetlb");
  CHECK_WRITE (&ws, "rdma.max", "mlx5_1 hca_handle=3", "v2: rdma");
  CHECK_WRITE (&ws, "memory.high", "60000000", "v2: unified key as given");
  const struct cgroup_write *p = find (&ws, "pids.max", 1);
  CHECK (p && strcmp (p->value, "99") == 0 && p == &ws.w[ws.n - 1],
         "v2: unified written last, overriding", "%s", p ? p->value : "(none)");
  cgroup_writes_clear (&ws);
  spec_resources_free (r);

  static const struct { const char *json, *prefix, *name; } bad[] = {
    { "{\"memory\": {\"swap\": 100}}", "linux.resources.memory.swap: ", "v2: swap without limit" },
    { "{\"memory\": {\"limit\": 200, \"swap\": 100}}", "linux.resources.memory.swap: ", "v2: swap below limit" },
    { "{\"network\": {\"classID\": 1}}", "linux.resources.network: ", "v2: network refused" },
    { "{\"cpu\": {\"realtimeRuntime\": 5}}", "linux.resources.cpu.realtimeRuntime: ", "v2: realtime refused" },
    { "{\"memory\": {\"swappiness\": 5}}", "linux.resources.memory.swappiness: ", "v2: swappiness refused" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      r = parse (bad[i].json);
      bw_error_clear (&err);
      CHECK (r && cgroup_v2_writes (r, false, &ws, &err) < 0
             && strncmp (err.msg, bad[i].prefix, strlen (bad[i].prefix)) == 0,
             bad[i].name, "%s", err.msg);
      spec_resources_free (r);
    }
  r = parse ("{\"memory\": {\"limit\": 100, \"swap\": -1}, \"cpu\": {\"quota\": -1, \"period\": 20000}}");
  CHECK (r && cgroup_v2_writes (r, false, &ws, &err) == 0, "v2: unlimited values", "%s", err.msg);
  CHECK_WRITE (&ws, "memory.swap.max", "max", "v2: swap -1 is max");
  CHECK_WRITE (&ws, "cpu.max", "max 20000", "v2: quota -1 is max");
  cgroup_writes_clear (&ws);
  spec_resources_free (r);
}

static const char self_cgroup[] = "6:freezer:/f\n5:memory:/m/n\n4:cpu,cpuacct:/c\n3:pids:/\n"
                                  "1:name=systemd:/s\n0::/u\n";

static void
test_placement (void)
{
  struct cgroup_set s = { 0 };
  struct bw_error err = { 0 };
  mk ("freezer");
  mk ("memory");
  mk ("cpu,cpuacct");
  mk ("pids");
  mk ("systemd");
  mk ("unified");
  CHECK (cgroup_detect (root, self_cgroup, CGROUP_LAYOUT_HYBRID, &s, &err) == 0,
         "detect: hybrid fake tree", "%s", err.msg);
  CHECK (s.n == 5, "detect: four controller hierarchies and unified (no named one)", "n=%zu", s.n);
  CHECK (cgroup_place (&s, "x/y", "id1", &err) == 0, "place relative", "%s", err.msg);
  char *dir = NULL;
  CHECK (cgroup_dir (&s, "memory", &dir) == 0 && strstr (dir, "/memory/m/n/x/y")
         && strlen (strstr (dir, "/memory/m/n/x/y")) == strlen ("/memory/m/n/x/y"),
         "relative: under the runtime's memory cgroup", "%s", dir);
  free (dir);
  CHECK (cgroup_dir (&s, "cpuacct", &dir) == 0 && strstr (dir, "/cpu,cpuacct/c/x/y"),
         "relative: co-mounted controllers", "%s", dir);
  free (dir);
  CHECK (cgroup_dir (&s, "pids", &dir) == 0 && strstr (dir, "/pids/x/y"),
         "relative: at the root when the runtime is there", "%s", dir);
  free (dir);
  CHECK (cgroup_dir (&s, NULL, &dir) == 0 && strstr (dir, "/unified/u/x/y"),
         "relative: unified too on hybrid", "%s", dir);
  free (dir);
  CHECK (cgroup_dir (&s, "net_cls", &dir) == -ENOENT, "dir: a missing controller", "found");

  char *rec = NULL;
  CHECK (cgroup_format (&s, &rec, &err) == 0 && strstr (rec, "memory:/m/n/x/y")
         && strstr (rec, "cpu,cpuacct:/c/x/y") && strstr (rec, ";:/u/x/y"),
         "format: per hierarchy when they differ", "%s", rec ? rec : "");
  struct cgroup_set l = { 0 };
  CHECK (cgroup_load (root, CGROUP_LAYOUT_HYBRID, rec, &l, &err) == 0
         && cgroup_dir (&l, "cpu", &dir) == 0 && strstr (dir, "/cpu,cpuacct/c/x/y"),
         "load: the recorded form back", "%s", err.msg);
  free (dir);
  free (rec);
  cgroup_set_clear (&l);

  CHECK (cgroup_place (&s, "/abs/p", "id1", &err) == 0 && cgroup_format (&s, &rec, &err) == 0
         && strcmp (rec, "/abs/p") == 0, "absolute: from the hierarchy root, one path", "%s",
         rec ? rec : err.msg);
  free (rec);
  CHECK (cgroup_place (&s, NULL, "id1", &err) == 0 && cgroup_dir (&s, "memory", &dir) == 0
         && strstr (dir, "/memory/m/n/bulwark/id1"), "empty: bulwark/<id> under the runtime's",
         "%s", dir);
  free (dir);
  CHECK (cgroup_place (&s, "a/../b", "id1", &err) < 0
         && strncmp (err.msg, "linux.cgroupsPath: ", 19) == 0, "place: .. refused", "%s", err.msg);
  CHECK (cgroup_place (&s, "//", "id1", &err) < 0
         && strncmp (err.msg, "linux.cgroupsPath: ", 19) == 0, "place: the root refused", "%s", err.msg);

  /* v2: the runtime's own cgroup holds the runtime, so no domain controller
   * can be enabled below it: relative and default paths go under its
   * parent (as runc); at the root, the root. */
  struct cgroup_set v2 = { 0 };
  char v2dir[300];
  snprintf (v2dir, sizeof v2dir, "%s/v2place", root);
  mk ("v2place");
  CHECK (cgroup_detect (v2dir, "0::/a/b\n", CGROUP_LAYOUT_V2, &v2, &err) == 0
           && cgroup_place (&v2, "x/y", "id1", &err) == 0 && cgroup_format (&v2, &rec, &err) == 0
           && strcmp (rec, "/a/x/y") == 0,
         "v2 relative: under the parent of the runtime's cgroup", "%s", rec ? rec : err.msg);
  free (rec);
  rec = NULL;
  CHECK (cgroup_place (&v2, NULL, "id1", &err) == 0 && cgroup_format (&v2, &rec, &err) == 0
           && strcmp (rec, "/a/bulwark/id1") == 0,
         "v2 empty: bulwark/<id> under that parent", "%s", rec ? rec : err.msg);
  free (rec);
  rec = NULL;
  cgroup_set_clear (&v2);
  CHECK (cgroup_detect (v2dir, "0::/\n", CGROUP_LAYOUT_V2, &v2, &err) == 0
           && cgroup_place (&v2, "x/y", "id1", &err) == 0 && cgroup_format (&v2, &rec, &err) == 0
           && strcmp (rec, "/x/y") == 0,
         "v2 relative from the root: under the root", "%s", rec ? rec : err.msg);
  free (rec);
  rec = NULL;
  cgroup_set_clear (&v2);

  /* create and destroy: directories only (a fake tree has no files). */
  cgroup_place (&s, NULL, "id2", &err);
  CHECK (cgroup_create (&s, NULL, &err) == 0 && exists ("memory/m/n/bulwark/id2")
         && exists ("unified/u/bulwark/id2") && exists ("pids/bulwark/id2"),
         "create: every hierarchy, parents too", "%s", err.msg);
  mk ("pids/bulwark/id2/sub");
  CHECK (cgroup_destroy (&s, &err) == 0 && !exists ("memory/m/n/bulwark/id2")
         && !exists ("pids/bulwark/id2") && !exists ("pids/bulwark"),
         "destroy: descendants, the dir and the empty default parent", "%s", err.msg);
  CHECK (cgroup_destroy (&s, &err) == 0, "destroy: twice is fine", "%s", err.msg);

  /* One hierarchy that can't be removed (a plain file keeps its directory
   * non-empty) must not keep the others. */
  cgroup_place (&s, NULL, "id3", &err);
  cgroup_create (&s, NULL, &err);
  char stuck[1024];
  snprintf (stuck, sizeof stuck, "%s%s/stuck", s.h[0].mount, s.h[0].path);
  FILE *f = fopen (stuck, "w");
  if (f)
    fclose (f);
  int ret = cgroup_destroy (&s, &err);
  bool others_gone = true;
  for (size_t i = 1; i < s.n; i++)
    {
      char d[1024];
      snprintf (d, sizeof d, "%s%s", s.h[i].mount, s.h[i].path);
      others_gone = others_gone && access (d, F_OK) < 0;
    }
  CHECK (ret == -ENOTEMPTY && strstr (err.msg, s.h[0].path) && others_gone,
         "destroy: every hierarchy is tried, the first failure reported", "ret=%d %s", ret, err.msg);
  unlink (stuck);
  CHECK (cgroup_destroy (&s, &err) == 0 && !exists ("pids/bulwark"), "destroy: the rest later",
         "%s", err.msg);
  cgroup_set_clear (&s);
}

static void
test_apply (void)
{
  struct cgroup_set s = { 0 };
  struct bw_error err = { 0 };
  cgroup_detect (root, self_cgroup, CGROUP_LAYOUT_V1, &s, &err);
  cgroup_place (&s, "/app", "id", &err);
  cgroup_create (&s, NULL, &err);
  put ("memory/app/memory.limit_in_bytes", "");
  put ("cpu,cpuacct/app/cpu.shares", "");
  mk ("pids/app/pids.max");  /* a directory: the write fails like a refusal */
  struct spec_resources *r = parse ("{\"memory\": {\"limit\": 1000000}, \"cpu\": {\"shares\": 77}}");
  devices_calls = 0;
  CHECK (cgroup_apply (&s, r, false, &err) == 0, "apply v1: writes", "%s", err.msg);
  CHECK_STREQ (get ("memory/app/memory.limit_in_bytes"), "1000000", "apply v1: memory file");
  CHECK_STREQ (get ("cpu,cpuacct/app/cpu.shares"), "77", "apply v1: cpu file");
  CHECK (devices_calls == 0, "apply v1: no devices hierarchy, no device rules", "%d calls",
         devices_calls);
  spec_resources_free (r);
  r = parse ("{\"pids\": {\"limit\": 5}}");
  CHECK (cgroup_apply (&s, r, true, &err) < 0
         && strcmp (err.msg, "linux.resources.pids.limit: write pids.max: Is a directory") == 0,
         "apply: a refused write names field and file", "%s", err.msg);
  spec_resources_free (r);
  r = parse ("{\"network\": {\"classID\": 5}}");
  CHECK (cgroup_apply (&s, r, true, &err) < 0
         && strstr (err.msg, "linux.resources.network.classID: the net_cls controller is not mounted"),
         "apply: a missing controller names the field", "%s", err.msg);
  spec_resources_free (r);

  /* pids: every cgroup.procs below the container's dir. */
  put ("freezer/app/cgroup.procs", "30\n10\n");
  mk ("freezer/app/sub");
  put ("freezer/app/sub/cgroup.procs", "20\n10\n");
  pid_t *pids = NULL;
  size_t n = 0;
  CHECK (cgroup_pids (&s, &pids, &n, &err) == 0 && n == 3 && pids[0] == 10 && pids[1] == 20
         && pids[2] == 30, "pids: recursive, sorted, once each", "n=%zu", n);
  free (pids);
  cgroup_set_clear (&s);

  /* v2: one directory; io.weight when there is no io.bfq.weight. */
  mk ("v2/app");
  char v2root[300];
  snprintf (v2root, sizeof v2root, "%s/v2", root);
  CHECK (cgroup_detect (v2root, "0::/\n", CGROUP_LAYOUT_V2, &s, &err) == 0 && s.n == 1,
         "detect: v2", "%s", err.msg);
  cgroup_place (&s, "/app", "id", &err);
  put ("v2/app/io.weight", "");
  put ("v2/app/memory.max", "");
  put ("v2/app/memory.high", "");
  r = parse ("{\"blockIO\": {\"weight\": 1000}, \"memory\": {\"limit\": -1}, \"unified\": {\"memory.high\": \"5000\"}}");
  devices_calls = 0;
  CHECK (cgroup_apply (&s, r, false, &err) == 0, "apply v2: writes", "%s", err.msg);
  CHECK_STREQ (get ("v2/app/io.weight"), "default 10000", "apply v2: io.weight fallback");
  CHECK_STREQ (get ("v2/app/memory.max"), "max", "apply v2: memory.max");
  CHECK_STREQ (get ("v2/app/memory.high"), "5000", "apply v2: unified");
  CHECK (devices_calls == 1 && strstr (devices_dir, "/v2/app"), "apply v2: device rules on the dir",
         "%d calls, %s", devices_calls, devices_dir);
  spec_resources_free (r);
  r = parse ("{\"unified\": {\"no.such.file\": \"1\"}}");
  CHECK (cgroup_apply (&s, r, true, &err) < 0
         && strncmp (err.msg, "linux.resources.unified[\"no.such.file\"]: ", 41) == 0,
         "apply v2: an unwritable unified key names it", "%s", err.msg);
  spec_resources_free (r);
  cgroup_set_clear (&s);
}

int
main (void)
{
  snprintf (root, sizeof root, "/tmp/bulwark-test-cgroup-%d", (int) getpid ());
  mkdir (root, 0755);
  test_conversions ();
  test_v1_mapping ();
  test_v2_mapping ();
  test_placement ();
  test_apply ();
  char cmd[300];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", root);
  if (system (cmd) != 0)
    printf ("# could not remove %s\n", root);
  return UNIT_EXIT ();
}
