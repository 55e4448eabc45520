/* events: a container's resource usage and OOM events as runc prints them,
 * one JSON object per line. With --stats, one stats object; without, stats
 * every --interval and an "oom" object per OOM kill, until the container's
 * init exits. The state lock is released before streaming so that other
 * commands (kill, delete) are not blocked by a watcher. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cmd.h"
#include "linux_cgroup_stats.h"
#include "sys.h"

enum
{
  OPT_STATS = 256,
  OPT_INTERVAL,
};

static const struct option events_options[] = {
  { "stats", no_argument, NULL, OPT_STATS },
  { "interval", required_argument, NULL, OPT_INTERVAL },
  { NULL, 0, NULL, 0 },
};

struct events_opts
{
  bool stats_once;
  long long interval_ms;       /* runc's default is 5s */
};

/* A Go-style duration ("5s", "100ms", "1m30s", "1.5s"): must be positive. */
static int
parse_duration (const char *arg, long long *out_ms, struct bw_error *err)
{
  const char *p = arg;
  double total_ms = 0;
  if (!*p)
    goto bad;
  while (*p)
    {
      char *end;
      double v = strtod (p, &end);
      if (end == p || v < 0)
        goto bad;
      p = end;
      double unit;
      if (strncmp (p, "ms", 2) == 0)
        unit = 1, p += 2;
      else if (strncmp (p, "us", 2) == 0)
        unit = 0.001, p += 2;
      else if (strncmp (p, "ns", 2) == 0)
        unit = 0.000001, p += 2;
      else if (*p == 's')
        unit = 1000, p++;
      else if (*p == 'm')
        unit = 60000, p++;
      else if (*p == 'h')
        unit = 3600000, p++;
      else
        goto bad;
      total_ms += v * unit;
    }
  if (total_ms <= 0 || total_ms > 1e12)
    goto bad;
  /* poll() counts in milliseconds; shorter intervals round up to 1 ms. */
  *out_ms = total_ms < 1 ? 1 : (long long) total_ms;
  return 0;
bad:
  return cli_usage_error (err, "events", "--interval: expected a positive duration such as 5s, got \"%s\"",
                          arg);
}

static int
on_events_option (int opt, const char *arg, void *data, struct bw_error *err)
{
  struct events_opts *o = data;
  if (opt == OPT_STATS)
    o->stats_once = true;
  else if (opt == OPT_INTERVAL)
    return parse_duration (arg, &o->interval_ms, err);
  return 0;
}

/* What the watcher needs once the state lock is gone. */
struct events_target
{
  char *id;
  struct cgroup_set cgroups;
  bool v2;
};

static int
print_stats (const struct events_target *t, struct bw_error *err)
{
  struct cgroup_stats st;
  int ret;
  if (t->v2)
    {
      _cleanup_free_ char *dir = NULL;
      if (cgroup_dir (&t->cgroups, NULL, &dir) < 0)
        return bw_error_set (err, ENOENT, "events: the container has no cgroup2 directory");
      ret = cgroup_stats_read_v2 (dir, &st, err);
    }
  else
    {
      static const char *const names[] = { "cpu", "cpuacct", "memory", "pids", "blkio", "hugetlb" };
      char *dirs[6] = { NULL };
      ret = 0;
      /* A controller the host lacks (-ENOENT) leaves its stats at zero. */
      for (size_t i = 0; i < 6; i++)
        if (cgroup_dir (&t->cgroups, names[i], &dirs[i]) == -ENOMEM)
          ret = bw_error_set (err, ENOMEM, "out of memory");
      struct cgroup_stats_v1_dirs d = { dirs[0], dirs[1], dirs[2], dirs[3], dirs[4], dirs[5] };
      if (ret == 0)
        ret = cgroup_stats_read_v1 (&d, &st, err);
      else
        memset (&st, 0, sizeof st);
      for (size_t i = 0; i < 6; i++)
        free (dirs[i]);
    }
  _cleanup_free_ char *json = NULL;
  if (ret == 0)
    ret = cgroup_stats_to_json (t->id, &st, &json, err);
  cgroup_stats_clear (&st);
  if (ret < 0)
    return bw_error_prefix (err, "events");
  printf ("%s\n", json);
  fflush (stdout);
  return 0;
}

static void
print_oom (const struct events_target *t)
{
  /* Ids are [A-Za-z0-9_.+-] (state_validate_id): nothing to escape. */
  printf ("{\"type\":\"oom\",\"id\":\"%s\"}\n", t->id);
  fflush (stdout);
}

static long long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
report_ooms (const struct events_target *t, struct cgroup_oom_watch *w, struct bw_error *err)
{
  uint64_t n = 0;
  int ret = cgroup_oom_watch_read (w, &n, err);
  if (ret < 0)
    return bw_error_prefix (err, "events");
  for (uint64_t i = 0; i < n; i++)
    print_oom (t);
  return 0;
}

static int
stream (const struct events_target *t, int init_pidfd, long long interval_ms, struct bw_error *err)
{
  struct cgroup_oom_watch w = CGROUP_OOM_WATCH_INIT;
  _cleanup_free_ char *memory_dir = NULL;
  int ret = 0;
  if (cgroup_dir (&t->cgroups, t->v2 ? NULL : "memory", &memory_dir) == 0)
    {
      ret = cgroup_oom_watch_open (memory_dir, t->v2, &w, err);
      if (ret < 0)
        cgroup_oom_watch_close (&w);
      /* Without a memory controller there are no OOM events to report:
       * stats only. */
      if (ret == -ENOENT)
        bw_error_clear (err), ret = 0;
      if (ret < 0)
        return bw_error_prefix (err, "events");
    }
  long long next = now_ms () + interval_ms;
  for (;;)
    {
      struct pollfd fds[2] = { { .fd = init_pidfd, .events = POLLIN }, { .fd = w.fd, .events = POLLIN } };
      long long wait = next - now_ms ();
      int n = poll (fds, w.fd >= 0 ? 2 : 1, wait < 0 ? 0 : (int) (wait > 60000 ? 60000 : wait));
      if (n < 0 && errno != EINTR)
        {
          ret = bw_error_syscall (err, "events: poll");
          break;
        }
      if (n > 0 && (fds[1].revents & POLLIN))
        {
          ret = report_ooms (t, &w, err);
          if (ret < 0)
            break;
        }
      if (n > 0 && fds[0].revents)
        {
          /* The init is gone. An OOM kill of the init itself is counted
           * before the process dies, but the v2 file notification can lag:
           * read the counter once more. */
          if (w.fd >= 0)
            ret = report_ooms (t, &w, err);
          break;
        }
      if (now_ms () >= next)
        {
          ret = print_stats (t, err);
          if (ret < 0)
            break;
          next += interval_ms;
          if (next < now_ms ())
            next = now_ms () + interval_ms;
        }
    }
  cgroup_oom_watch_close (&w);
  return ret;
}

/* Load the container and its cgroups; then let go of the state lock. The
 * init's pidfd (when streaming) is opened while the lock is held and the
 * pid known to be the container's. */
static int
open_target (struct cli_ctx *ctx, const char *id, bool want_pidfd, struct events_target *t,
             int *pidfd, struct bw_error *err)
{
  struct state_store st = { .root_fd = -1 };
  struct state_handle h = { .dir_fd = -1 };
  struct state_record rec = { 0 };
  /* As runc: any container but a stopped one (a created one can be
   * watched from before `start`). */
  int ret = lifecycle_open (ctx, id, &st, &h, &rec, err);
  if (ret < 0)
    return ret;
  if (state_current_status (&rec) == STATUS_STOPPED)
    ret = bw_error_set (err, EINVAL, "container \"%s\" is not running", id);
  if (ret == 0)
    ret = cgroup_load_recorded (id, rec.cgroup_path, &t->cgroups, err);
  if (ret == 0)
    {
      t->v2 = t->cgroups.layout == CGROUP_LAYOUT_V2;
      t->id = strdup (id);
      if (!t->id)
        ret = bw_error_set (err, ENOMEM, "out of memory");
    }
  if (ret == 0 && want_pidfd)
    {
      *pidfd = sys_pidfd_open (rec.pid, 0);
      /* The pid could have been reused between the status check and the
       * open: check again now that the pidfd pins the process. */
      if (*pidfd < 0)
        ret = bw_error_syscall (err, "events: pidfd_open %d", (int) rec.pid);
      else if (state_current_status (&rec) == STATUS_STOPPED)
        ret = bw_error_set (err, EINVAL, "container \"%s\" is not running", id);
    }
  cmd_close (&st, &h, &rec);
  return ret;
}

int
cmd_events (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const struct cli_command *cmd = cli_find_command ("events");
  struct events_opts o = { .interval_ms = 5000 };
  bool help = false;
  int first = 0;
  int ret = cli_parse_options (cmd, argc, argv, "", events_options, false, on_events_option, &o,
                               &first, &help, err);
  if (ret < 0 || help)
    return ret;
  ret = cli_expect_operands (cmd->name, argc, argv, first, 1, 1, err);
  if (ret < 0)
    return ret;
  struct events_target t = { 0 };
  _cleanup_close_ int pidfd = -1;
  ret = open_target (ctx, argv[first], !o.stats_once, &t, &pidfd, err);
  if (ret == 0)
    ret = o.stats_once ? print_stats (&t, err) : stream (&t, pidfd, o.interval_ms, err);
  free (t.id);
  cgroup_set_clear (&t.cgroups);
  return ret;
}
