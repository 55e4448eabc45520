/* The ID-range pool: arithmetic and records (pure), then the pool files in
 * a temporary pool directory shared by two temporary state roots (no root
 * needed): concurrent allocations, release, reclaim of stale records,
 * SIGKILLed allocators. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "idpool.h"
#include "state.h"
#include "unit.h"

static void
test_params (void)
{
  struct bw_error err = { 0 };
  struct idpool_params p = { .start = 100000, .range_size = 65536, .n_ranges = 10 };
  CHECK (idpool_params_check (&p, &err) == 0, "params: ordinary pool", "%s", err.msg);
  p.start = 0;
  CHECK (idpool_params_check (&p, &err) == -EINVAL && strstr (err.msg, "host root"),
         "params: start 0 refused", "%s", err.msg);
  p = (struct idpool_params) { .start = 1, .range_size = 0, .n_ranges = 1 };
  CHECK (idpool_params_check (&p, &err) == -EINVAL, "params: empty range refused", "%s", err.msg);
  p = (struct idpool_params) { .start = 1, .range_size = 1, .n_ranges = 0 };
  CHECK (idpool_params_check (&p, &err) == -EINVAL, "params: no ranges refused", "%s", err.msg);
  /* Last ID 4294967294 fits; one more reaches (uid_t) -1. */
  p = (struct idpool_params) { .start = UINT32_MAX - 65536 * 2, .range_size = 65536,
                               .n_ranges = 2 };
  CHECK (idpool_params_check (&p, &err) == 0, "params: pool ending at 4294967294", "%s",
         err.msg);
  p.start++;
  CHECK (idpool_params_check (&p, &err) == -ERANGE, "params: pool reaching 4294967295 refused",
         "%s", err.msg);
  p = (struct idpool_params) { .start = 1, .range_size = 65536, .n_ranges = 70000 };
  CHECK (idpool_params_check (&p, &err) == -ERANGE, "params: overflow refused", "%s", err.msg);

  uint32_t s = 0;
  p = (struct idpool_params) { .start = 100000, .range_size = 65536, .n_ranges = 3 };
  CHECK (idpool_range_start (&p, 0, &s) == 0 && s == 100000, "range 0 starts at start", "%u", s);
  CHECK (idpool_range_start (&p, 2, &s) == 0 && s == 100000 + 2 * 65536, "range 2", "%u", s);
  CHECK (idpool_range_start (&p, 3, &s) == -ERANGE, "range past the pool refused", "%u", s);

  CHECK (!idpool_ranges_overlap (0, 10, 10, 10), "adjacent ranges do not overlap", "overlap");
  CHECK (idpool_ranges_overlap (0, 11, 10, 10), "one shared ID overlaps", "no overlap");
  CHECK (idpool_ranges_overlap (5, 1, 0, 100), "contained range overlaps", "no overlap");
  CHECK (!idpool_ranges_overlap (5, 0, 0, 100), "empty range overlaps nothing", "overlap");
  CHECK (idpool_ranges_overlap (UINT32_MAX - 1, 1, UINT32_MAX - 10, 10), "no wrap at the top",
         "no overlap");
}

static void
test_records (void)
{
  struct idpool_record r = { .host_start = 165536, .size = 65536, .dev = 2049,
                             .ino = 123456789012ULL, .owner = (char *) "/run/x/web-1" };
  char *text = NULL;
  CHECK (idpool_record_format (&r, &text) == 0, "record format", "failed");
  CHECK_STREQ (text, "165536 65536\n2049 123456789012\n/run/x/web-1\n", "record text");
  struct idpool_record back;
  CHECK (idpool_record_parse (text, &back) == 0 && back.host_start == 165536
             && back.size == 65536 && back.dev == 2049 && back.ino == 123456789012ULL
             && back.owner && strcmp (back.owner, "/run/x/web-1") == 0,
         "record round trip", "%s", text);
  idpool_record_clear (&back);
  free (text);

  const char *bad[] = { "", "1 1\n1 1\n", "1 1\n1 1\n/x", "1 1\n1 1\n/x\n/y\n",
                        "-1 1\n1 1\n/x\n", "+1 1\n1 1\n/x\n", "1  1\n1 1\n/x\n",
                        "1 0\n1 1\n/x\n", "4294967295 1\n1 1\n/x\n",
                        "99999999999 1\n1 1\n/x\n", "1 1\n1 1\n\n",
                        "1 1\n18446744073709551616 1\n/x\n",
                        /* owners: relative, not normalised, root itself, a tab */
                        "1 1\n1 1\nx\n", "1 1\n1 1\nrun/x\n", "1 1\n1 1\n/run/../x\n",
                        "1 1\n1 1\n/run/./x\n", "1 1\n1 1\n/run//x\n", "1 1\n1 1\n/run/x/\n",
                        "1 1\n1 1\n/\n", "1 1\n1 1\n/run/a\tb\n", "1 1\n1 1\n/..\n" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      char name[64];
      snprintf (name, sizeof name, "malformed record %zu refused", i);
      CHECK (idpool_record_parse (bad[i], &back) == -EINVAL, name, "parsed \"%s\"", bad[i]);
    }
  CHECK (idpool_owner_path_ok ("/run/containerd/runc/k8s.io/abc") && idpool_owner_path_ok ("/a")
           && idpool_owner_path_ok ("/run/.x/..y/,enc"),
         "plain absolute owner paths accepted", "refused");
  char long_path[PATH_MAX + 2];
  memset (long_path, 'a', sizeof long_path - 1);
  long_path[0] = '/';
  long_path[sizeof long_path - 1] = '\0';
  CHECK (!idpool_owner_path_ok (long_path), "owner path of PATH_MAX bytes refused", "accepted");
}

/* ------------------------------------------------------------ files */

/* Two state roots (as two clients' --root) and the pool they share, made
 * by the first allocation (its parents too). */
static char base[256], root[300], root_b[300], pool[300];

static void
make_container_in (const char *r, const char *id)
{
  struct state_store st = STATE_STORE_INIT;
  struct state_handle h = STATE_HANDLE_INIT;
  struct bw_error err = { 0 };
  if (state_store_open (r, true, &st, &err) < 0 || state_container_create (&st, id, &h, &err) < 0)
    printf ("# make_container %s: %s\n", id, err.msg);
  state_handle_close (&h);
  state_store_close (&st);
}

static void
remove_container_in (const char *r, const char *id)
{
  struct state_store st = STATE_STORE_INIT;
  struct state_handle h = STATE_HANDLE_INIT;
  struct bw_error err = { 0 };
  if (state_store_open (r, false, &st, &err) < 0 || state_container_open (&st, id, &h, &err) < 0
      || state_container_remove (&st, &h, &err) < 0)
    printf ("# remove_container %s: %s\n", id, err.msg);
  state_handle_close (&h);
  state_store_close (&st);
}

static void make_container (const char *id) { make_container_in (root, id); }
static void remove_container (const char *id) { remove_container_in (root, id); }

/* The owner path of container `id` of root `r`: its state directory. A few
 * rotating buffers, so that two may appear in one call. */
static const char *
own_in (const char *r, const char *id)
{
  static char bufs[4][600];
  static int next;
  char *b = bufs[next++ % 4];
  snprintf (b, sizeof bufs[0], "%s/%s", r, id);
  return b;
}

static const char *own (const char *id) { return own_in (root, id); }

/* Names in the pool other than the lock. */
static int
count_pool_files (void)
{
  DIR *d = opendir (pool);
  if (!d)
    return 0;
  int n = 0;
  struct dirent *de;
  while ((de = readdir (d)))
    if (strcmp (de->d_name, ".") && strcmp (de->d_name, "..") && strcmp (de->d_name, ".lock"))
      n++;
  closedir (d);
  return n;
}

static int
cmp_u32 (const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
  return x < y ? -1 : x > y;
}

#define N_CONCURRENT 50

static void
test_concurrent (void)
{
  struct idpool_params p = { .start = 100000, .range_size = 65536, .n_ranges = N_CONCURRENT };
  char id[32];
  for (int i = 0; i < N_CONCURRENT; i++)
    {
      snprintf (id, sizeof id, "c%d", i);
      make_container (id);
    }
  int fds[2];
  if (pipe (fds) < 0)
    return;
  pid_t pids[N_CONCURRENT];
  for (int i = 0; i < N_CONCURRENT; i++)
    {
      pids[i] = fork ();
      if (pids[i] == 0)
        {
          struct bw_error err = { 0 };
          uint32_t start = 0;
          snprintf (id, sizeof id, "c%d", i);
          int ret = idpool_allocate (pool, &p, own (id), &start, &err);
          if (ret < 0)
            dprintf (2, "# allocate %s: %s\n", id, err.msg);
          uint32_t msg[2] = { (uint32_t) i, ret < 0 ? 0 : start };
          _exit (write (fds[1], msg, sizeof msg) == sizeof msg && ret == 0 ? 0 : 1);
        }
    }
  close (fds[1]);
  int failed = 0;
  for (int i = 0; i < N_CONCURRENT; i++)
    {
      int status;
      waitpid (pids[i], &status, 0);
      failed += !(WIFEXITED (status) && WEXITSTATUS (status) == 0);
    }
  uint32_t starts[N_CONCURRENT];
  uint32_t msg[2];
  int got = 0;
  while (got < N_CONCURRENT && read (fds[0], msg, sizeof msg) == sizeof msg)
    starts[got++] = msg[1];
  close (fds[0]);
  CHECK (failed == 0 && got == N_CONCURRENT, "50 concurrent allocations succeed",
         "%d failed, %d answers", failed, got);
  qsort (starts, got, sizeof *starts, cmp_u32);
  bool distinct = true, in_pool = true;
  for (int i = 0; i < got; i++)
    {
      in_pool = in_pool && starts[i] >= p.start && (starts[i] - p.start) % p.range_size == 0
                && starts[i] - p.start < p.range_size * p.n_ranges;
      distinct = distinct && (i == 0 || starts[i] != starts[i - 1]);
    }
  CHECK (distinct, "50 concurrent allocations get 50 distinct ranges", "a range was shared");
  CHECK (in_pool, "every range lies on the pool's grid", "a range is off the grid");
  CHECK (count_pool_files () == N_CONCURRENT, "one record per range", "%d files",
         count_pool_files ());

  /* Idempotent: asking again gives the same range; the pool is full. */
  struct bw_error err = { 0 };
  uint32_t again = 0, first = 0;
  int ret = idpool_allocate (pool, &p, own ("c7"), &first, &err);
  ret = ret == 0 ? idpool_allocate (pool, &p, own ("c7"), &again, &err) : ret;
  CHECK (ret == 0 && first == again, "a container asking twice keeps its range", "%s",
         err.msg);
  make_container ("extra");
  ret = idpool_allocate (pool, &p, own ("extra"), &again, &err);
  CHECK (ret == -ENOSPC && strstr (err.msg, "held by live containers"),
         "a full pool refuses", "ret %d: %s", ret, err.msg);

  unsigned released = 0;
  bool all = true;
  for (int i = 0; i < N_CONCURRENT; i++)
    {
      snprintf (id, sizeof id, "c%d", i);
      all = all && idpool_release (pool, own (id), &released, &err) == 0 && released == 1;
    }
  CHECK (all && count_pool_files () == 0, "release returns every range", "%d left: %s",
         count_pool_files (), err.msg);
  ret = idpool_release (pool, own ("c1"), &released, &err);
  CHECK (ret == 0 && released == 0, "releasing twice is harmless", "%s", err.msg);
  ret = idpool_allocate (pool, &p, own ("extra"), &again, &err);
  CHECK (ret == 0 && again == p.start, "a released range is handed out again", "%u: %s", again,
         err.msg);
  idpool_release (pool, own ("extra"), NULL, &err);
  remove_container ("extra");
  for (int i = 0; i < N_CONCURRENT; i++)
    {
      snprintf (id, sizeof id, "c%d", i);
      remove_container (id);
    }
}

static void
test_stale (void)
{
  struct idpool_params p = { .start = 500000, .range_size = 1000, .n_ranges = 2 };
  struct bw_error err = { 0 };
  uint32_t a = 0, b = 0, c = 0;
  int ret = idpool_allocate (pool, &p, own ("nodir"), &a, &err);
  CHECK (ret == -ENOENT && strstr (err.msg, "state directory must exist"),
         "allocating without a state directory refused", "ret %d: %s", ret, err.msg);
  make_container ("a");
  make_container ("b");
  make_container ("c");
  ret = idpool_allocate (pool, &p, own ("a"), &a, &err);
  ret = ret ? ret : idpool_allocate (pool, &p, own ("b"), &b, &err);
  CHECK (ret == 0 && a != b, "two containers, two ranges", "%s", err.msg);
  /* b crashed and its directory is gone, its record was never released. */
  remove_container ("b");
  ret = idpool_allocate (pool, &p, own ("c"), &c, &err);
  CHECK (ret == 0 && c == b, "a full pool reclaims the range of a vanished container",
         "ret %d c=%u b=%u: %s", ret, c, b, err.msg);
  unsigned n = 9;
  ret = idpool_reclaim_stale (pool, &n, &err);
  CHECK (ret == 0 && n == 0 && count_pool_files () == 2, "live records are never reclaimed",
         "ret %d n=%u files=%d", ret, n, count_pool_files ());

  /* Records made under other parameters still block overlapping ranges. */
  struct idpool_params shifted = { .start = 500500, .range_size = 1000, .n_ranges = 3 };
  make_container ("d");
  uint32_t d = 0;
  ret = idpool_allocate (pool, &shifted, own ("d"), &d, &err);
  CHECK (ret == 0 && d == 502500, "ranges overlapping old records are skipped", "ret %d d=%u",
         ret, d);
  idpool_release (pool, own ("d"), NULL, &err);
  remove_container ("d");

  /* An id reused after a crash: the old record is stale unless the new
   * directory happens to get the same inode (then the same, free, range is
   * simply reused). Either way one range per live container. */
  remove_container ("a");
  make_container ("a");
  n = 0;
  ret = idpool_reclaim_stale (pool, &n, &err);
  uint32_t a2 = 0;
  ret = ret ? ret : idpool_allocate (pool, &p, own ("a"), &a2, &err);
  CHECK (ret == 0 && a2 != c && count_pool_files () == 2,
         "a reused id gets one range, not shared", "ret %d a2=%u c=%u files=%d: %s", ret, a2, c,
         count_pool_files (), err.msg);

  /* A record that does not parse stops allocation instead of being guessed. */
  char path[400];
  snprintf (path, sizeof path, "%s/7", pool);
  FILE *f = fopen (path, "w");
  if (f)
    {
      fputs ("garbage", f);
      fclose (f);
    }
  ret = idpool_allocate (pool, &p, own ("c"), &c, &err);
  CHECK (ret == -EINVAL && strstr (err.msg, "idpool/7 is malformed"), "malformed record refused",
         "ret %d: %s", ret, err.msg);
  unlink (path);
  idpool_release (pool, own ("a"), NULL, &err);
  idpool_release (pool, own ("c"), NULL, &err);
  remove_container ("a");
  remove_container ("c");
  CHECK (count_pool_files () == 0, "pool empty after the stale tests", "%d files",
         count_pool_files ());
}

/* Allocators killed at random points (before, during or after they write
 * their record, maybe holding the lock): every record left is complete and
 * owned, nothing else is left, and the pool keeps working. */
static void
test_sigkill (void)
{
  struct idpool_params p = { .start = 700000, .range_size = 100, .n_ranges = 100 };
  struct bw_error err = { 0 };
  char id[32];
  srand ((unsigned) time (NULL));
  for (int i = 0; i < 40; i++)
    {
      snprintf (id, sizeof id, "k%d", i);
      make_container (id);
      pid_t pid = fork ();
      if (pid == 0)
        {
          uint32_t s;
          struct bw_error e = { 0 };
          for (;;)
            {
              idpool_allocate (pool, &p, own (id), &s, &e);
              idpool_release (pool, own (id), NULL, &e);
            }
        }
      struct timespec ts = { 0, (long) (rand () % 3000) * 1000 };
      nanosleep (&ts, NULL);
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
    }
  /* Each container holds at most one range; nothing half-written. */
  bool ok = true;
  for (int i = 0; i < 40; i++)
    {
      snprintf (id, sizeof id, "k%d", i);
      uint32_t s;
      ok = ok && idpool_allocate (pool, &p, own (id), &s, &err) == 0;
    }
  CHECK (ok, "the pool works after killed allocators", "%s", err.msg);
  CHECK (count_pool_files () == 40, "one range per container after killed allocators",
         "%d files", count_pool_files ());
  for (int i = 0; i < 40; i++)
    {
      snprintf (id, sizeof id, "k%d", i);
      remove_container (id);
    }
  unsigned n = 0;
  int ret = idpool_reclaim_stale (pool, &n, &err);
  CHECK (ret == 0 && n == 40 && count_pool_files () == 0,
         "killed allocators leak no range once their containers are gone",
         "ret %d reclaimed %u left %d: %s", ret, n, count_pool_files (), err.msg);
}

/* Two clients, two --root dirs, one machine-wide pool: the same container
 * id in both gets two ranges, each released by its own owner path, and a
 * vanished container of either root is reclaimed. */
static void
test_two_roots (void)
{
  struct idpool_params p = { .start = 900000, .range_size = 1000, .n_ranges = 2 };
  struct bw_error err = { 0 };
  uint32_t a = 0, b = 0, c = 0;
  make_container_in (root, "same");
  make_container_in (root_b, "same");
  int ret = idpool_allocate (pool, &p, own_in (root, "same"), &a, &err);
  ret = ret ? ret : idpool_allocate (pool, &p, own_in (root_b, "same"), &b, &err);
  CHECK (ret == 0 && a != b && count_pool_files () == 2,
         "two roots, one id, one pool: two distinct ranges", "ret %d a=%u b=%u: %s", ret, a, b,
         err.msg);
  unsigned n = 0;
  ret = idpool_release (pool, own_in (root, "same"), &n, &err);
  CHECK (ret == 0 && n == 1 && count_pool_files () == 1,
         "release drops only the owner's record, not the other root's", "ret %d n=%u files=%d",
         ret, n, count_pool_files ());
  /* root_b's container vanished without release: a full pool takes it back. */
  remove_container_in (root_b, "same");
  make_container_in (root, "other");
  make_container_in (root, "third");
  ret = idpool_allocate (pool, &p, own_in (root, "other"), &c, &err);
  ret = ret ? ret : idpool_allocate (pool, &p, own_in (root, "third"), &c, &err);
  CHECK (ret == 0 && count_pool_files () == 2,
         "another root's vanished container is reclaimed", "ret %d files=%d: %s", ret,
         count_pool_files (), err.msg);
  idpool_release (pool, own_in (root, "other"), NULL, &err);
  idpool_release (pool, own_in (root, "third"), NULL, &err);
  remove_container_in (root, "same");
  remove_container_in (root, "other");
  remove_container_in (root, "third");
  CHECK (count_pool_files () == 0, "pool empty after the two-root tests", "%d files",
         count_pool_files ());
}

/* The pool directory: made on demand (0700, parents too); refused when
 * relative or when others may write it; a missing one releases nothing. */
static void
test_pool_dir (void)
{
  struct idpool_params p = { .start = 100000, .range_size = 10, .n_ranges = 1 };
  struct bw_error err = { 0 };
  struct stat sb;
  char parent[320];
  snprintf (parent, sizeof parent, "%s/run", base);
  CHECK (stat (pool, &sb) == 0 && (sb.st_mode & 07777) == 0700 && stat (parent, &sb) == 0
           && (sb.st_mode & 07777) == 0700,
         "pool and its parents made with mode 0700", "mode %o", (unsigned) sb.st_mode);
  unsigned n = 9;
  char missing[320];
  snprintf (missing, sizeof missing, "%s/nopool", base);
  CHECK (idpool_release (missing, own ("x"), &n, &err) == 0 && n == 0
           && stat (missing, &sb) < 0,
         "release from a missing pool: nothing, nothing made", "%s", err.msg);
  make_container ("p");
  uint32_t s = 0;
  int ret = idpool_allocate ("run/idpool", &p, own ("p"), &s, &err);
  CHECK (ret == -EINVAL && strstr (err.msg, "absolute"), "a relative pool is refused", "%s",
         err.msg);
  ret = idpool_allocate (pool, &p, "relative/p", &s, &err);
  CHECK (ret == -EINVAL && strstr (err.msg, "relative/p"), "a relative owner is refused", "%s",
         err.msg);
  char open_pool[320];
  snprintf (open_pool, sizeof open_pool, "%s/open", base);
  mkdir (open_pool, 0700);
  chmod (open_pool, 0777);
  ret = idpool_allocate (open_pool, &p, own ("p"), &s, &err);
  CHECK (ret == -EPERM && strstr (err.msg, "writable by no one else"),
         "a pool others may write is refused", "ret %d: %s", ret, err.msg);
  remove_container ("p");
}

int
main (void)
{
  test_params ();
  test_records ();
  snprintf (base, sizeof base, "/tmp/bw-idpool-test.XXXXXX");
  if (!mkdtemp (base))
    {
      perror ("mkdtemp");
      return 1;
    }
  snprintf (root, sizeof root, "%s/root-a", base);
  snprintf (root_b, sizeof root_b, "%s/root-b", base);
  snprintf (pool, sizeof pool, "%s/run/bulwark/idpool", base);
  test_concurrent ();
  test_stale ();
  test_sigkill ();
  test_two_roots ();
  test_pool_dir ();
  char cmd[300];
  snprintf (cmd, sizeof cmd, "rm -rf %s", base);
  if (system (cmd) != 0)
    printf ("# could not remove %s\n", base);
  return UNIT_EXIT ();
}
