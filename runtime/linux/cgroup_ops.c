/* cgroup_ops: what commands do to a running container through its cgroup:
 * freeze and thaw, list its pids, signal all of them. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_internal.h"
#include "cleanup.h"

static void
sleep_ms (long ms)
{
  nanosleep (&(struct timespec) { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 }, NULL);
}

/* v1: FREEZING lasts until every task stopped; a task forked meanwhile can
 * keep it there, so the request is repeated while waiting (as runc does). */
static int
freeze_v1 (const char *dir, bool frozen, struct bw_error *err)
{
  const char *want = frozen ? "FROZEN" : "THAWED";
  for (int i = 0; i < 1000; i++)
    {
      int ret = cgroup_write_file (dir, "freezer.state", want);
      if (ret < 0)
        return bw_error_set (err, -ret, "cgroup: write %s/freezer.state: %s", dir, strerror (-ret));
      _cleanup_free_ char *state = NULL;
      ret = cgroup_read_file (dir, "freezer.state", &state);
      if (ret < 0)
        return bw_error_set (err, -ret, "cgroup: read %s/freezer.state: %s", dir, strerror (-ret));
      if (strncmp (state, want, strlen (want)) == 0)
        return 0;
      sleep_ms (10);
    }
  return bw_error_set (err, ETIMEDOUT, "cgroup: %s/freezer.state did not become %s", dir, want);
}

static int
freeze_v2 (const char *dir, bool frozen, struct bw_error *err)
{
  int ret = cgroup_write_file (dir, "cgroup.freeze", frozen ? "1" : "0");
  if (ret < 0)
    return bw_error_set (err, -ret, "cgroup: write %s/cgroup.freeze: %s", dir, strerror (-ret));
  const char *want = frozen ? "frozen 1" : "frozen 0";
  for (int i = 0; i < 1000; i++)
    {
      _cleanup_free_ char *events = NULL;
      ret = cgroup_read_file (dir, "cgroup.events", &events);
      if (ret < 0)
        return bw_error_set (err, -ret, "cgroup: read %s/cgroup.events: %s", dir, strerror (-ret));
      if (strstr (events, want))
        return 0;
      sleep_ms (10);
    }
  return bw_error_set (err, ETIMEDOUT, "cgroup: %s/cgroup.events did not say %s", dir, want);
}

int
cgroup_freeze (const struct cgroup_set *s, bool frozen, struct bw_error *err)
{
  _cleanup_free_ char *dir = NULL;
  bool v2 = s->layout == CGROUP_LAYOUT_V2;
  int ret = cgroup_dir (s, v2 ? NULL : "freezer", &dir);
  if (ret == -ENOENT)
    return bw_error_set (err, ENOTSUP, "cgroup: the freezer controller is not mounted on this host");
  if (ret < 0)
    return bw_error_set (err, -ret, "cgroup: out of memory");
  return v2 ? freeze_v2 (dir, frozen, err) : freeze_v1 (dir, frozen, err);
}

struct pid_list { pid_t *v; size_t n, cap; };

static int
collect (const char *dir, struct pid_list *l)
{
  _cleanup_free_ char *procs = NULL;
  int ret = cgroup_read_file (dir, "cgroup.procs", &procs);
  if (ret < 0)
    return ret == -ENOENT ? 0 : ret;
  for (char *p = procs; *p;)
    {
      char *end;
      long pid = strtol (p, &end, 10);
      if (end == p)
        break;
      if (l->n == l->cap)
        {
          size_t cap = l->cap ? l->cap * 2 : 64;
          pid_t *v = realloc (l->v, cap * sizeof *v);
          if (!v)
            return -ENOMEM;
          l->v = v;
          l->cap = cap;
        }
      l->v[l->n++] = (pid_t) pid;
      p = end;
    }
  /* Gone meanwhile (the last process left and the cgroup was removed) is
   * fine; children that can't be listed would be pids missed. */
  DIR *d = opendir (dir);
  if (!d)
    return errno == ENOENT ? 0 : -errno;
  struct dirent *de;
  while (ret == 0 && (de = readdir (d)))
    {
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      _cleanup_free_ char *child = NULL;
      ret = asprintf (&child, "%s/%s", dir, de->d_name) < 0 ? -ENOMEM : collect (child, l);
    }
  closedir (d);
  return ret;
}

static int
cmp_pid (const void *a, const void *b)
{
  pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
  return (x > y) - (x < y);
}

/* The hierarchy that best holds every process: the freezer's (kill-all
 * freezes it), else any. */
static int
procs_dir (const struct cgroup_set *s, char **dir)
{
  static const char *const prefer[] = { "freezer", "pids", "memory", "cpu", NULL };
  if (s->layout == CGROUP_LAYOUT_V2)
    return cgroup_dir (s, NULL, dir);
  for (const char *const *c = prefer; *c; c++)
    if (cgroup_dir (s, *c, dir) == 0)
      return 0;
  return cgroup_dir (s, NULL, dir);
}

int
cgroup_pids (const struct cgroup_set *s, pid_t **pids, size_t *n, struct bw_error *err)
{
  _cleanup_free_ char *dir = NULL;
  struct pid_list l = { 0 };
  *pids = NULL;
  *n = 0;
  int ret = procs_dir (s, &dir);
  if (ret < 0)
    return bw_error_set (err, -ret, "cgroup: no hierarchy holds the container");
  ret = collect (dir, &l);
  if (ret < 0)
    {
      free (l.v);
      return bw_error_set (err, -ret, "cgroup: read the pids of %s: %s", dir, strerror (-ret));
    }
  if (l.n)
    qsort (l.v, l.n, sizeof *l.v, cmp_pid);
  size_t out = 0;
  for (size_t i = 0; i < l.n; i++)
    if (out == 0 || l.v[out - 1] != l.v[i])
      l.v[out++] = l.v[i];
  *pids = l.v;
  *n = out;
  return 0;
}

int
cgroup_kill_all (const struct cgroup_set *s, int signo, struct bw_error *err)
{
  if (s->layout == CGROUP_LAYOUT_V2 && signo == SIGKILL)
    {
      _cleanup_free_ char *dir = NULL;
      if (cgroup_dir (s, NULL, &dir) < 0)
        return bw_error_set (err, ENOMEM, "cgroup: out of memory");
      int ret = cgroup_write_file (dir, "cgroup.kill", "1");
      if (ret == 0 || ret == -ENOENT)
        {
          if (ret == 0)
            return 0;
        }
      else
        return bw_error_set (err, -ret, "cgroup: write %s/cgroup.kill: %s", dir, strerror (-ret));
    }
  /* An empty cgroup (delete after the workload exited) needs no freeze:
   * nothing in it can fork. */
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  int ret = cgroup_pids (s, &pids, &n, err);
  if (ret < 0 || n == 0)
    return ret;
  free (bw_steal_ptr (pids));
  /* Frozen, no process can fork a child we would miss; signals are
   * delivered at the thaw (SIGKILL even to a frozen task). */
  struct bw_error ferr = { 0 };
  bool frozen = cgroup_freeze (s, true, &ferr) == 0;
  ret = cgroup_pids (s, &pids, &n, err);
  for (size_t i = 0; ret == 0 && i < n; i++)
    if (kill (pids[i], signo) < 0 && errno != ESRCH)
      ret = bw_error_syscall (err, "kill %d", (int) pids[i]);
  if (frozen && cgroup_freeze (s, false, &ferr) < 0 && ret == 0)
    ret = bw_error_set (err, ferr.code, "%s", ferr.msg);
  return ret;
}
