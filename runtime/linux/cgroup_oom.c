/* OOM notifications for `events`. v1 has a notification API of its own
 * (an eventfd tied to memory.oom_control); v2 only counts, in
 * memory.events, and signals changes of the file through inotify. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "cleanup.h"
#include "linux_cgroup_stats.h"

/* The oom_kill counter of memory.events (0 when the file is gone). */
static int
read_oom_kills (const char *dir, uint64_t *out, struct bw_error *err)
{
  struct cgroup_stat_kv *kv = NULL;
  size_t n = 0;
  int ret = cgroup_stats_read_kv (dir, "memory.events", &kv, &n, err);
  *out = ret == 0 ? cgroup_stats_kv_get (kv, n, "oom_kill") : 0;
  cgroup_stats_kv_free (kv, n);
  return ret;
}

int
cgroup_oom_watch_open (const char *memory_dir, bool v2, struct cgroup_oom_watch *w,
                       struct bw_error *err)
{
  *w = (struct cgroup_oom_watch) { .v2 = v2, .fd = -1, .dir = strdup (memory_dir) };
  if (!w->dir)
    return bw_error_set (err, ENOMEM, "out of memory");
  char path[4096];
  if (v2)
    {
      _cleanup_close_ int fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
      if (fd < 0)
        return bw_error_syscall (err, "inotify_init1");
      snprintf (path, sizeof path, "%s/memory.events", memory_dir);
      if (inotify_add_watch (fd, path, IN_MODIFY) < 0)
        return errno == ENOENT ? bw_error_set (err, ENOENT, "%s: no memory controller", path)
                               : bw_error_syscall (err, "inotify_add_watch %s", path);
      int ret = read_oom_kills (memory_dir, &w->oom_kills, err);
      if (ret < 0)
        return ret;
      w->fd = bw_steal_fd (fd);
      return 0;
    }
  _cleanup_close_ int efd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (efd < 0)
    return bw_error_syscall (err, "eventfd");
  snprintf (path, sizeof path, "%s/memory.oom_control", memory_dir);
  _cleanup_close_ int ofd = open (path, O_RDONLY | O_CLOEXEC);
  if (ofd < 0)
    return errno == ENOENT ? bw_error_set (err, ENOENT, "%s: no memory controller", path)
                           : bw_error_syscall (err, "open %s", path);
  snprintf (path, sizeof path, "%s/cgroup.event_control", memory_dir);
  _cleanup_close_ int cfd = open (path, O_WRONLY | O_CLOEXEC);
  if (cfd < 0)
    return bw_error_syscall (err, "open %s", path);
  char line[32];
  int len = snprintf (line, sizeof line, "%d %d", efd, ofd);
  if (write (cfd, line, (size_t) len) < 0)
    return bw_error_syscall (err, "write %s", path);
  /* The registration lives until the eventfd is closed or the cgroup is
   * removed; oom_control may be closed now. */
  w->fd = bw_steal_fd (efd);
  return 0;
}

int
cgroup_oom_watch_read (struct cgroup_oom_watch *w, uint64_t *events, struct bw_error *err)
{
  *events = 0;
  if (w->v2)
    {
      char buf[4096];
      while (read (w->fd, buf, sizeof buf) > 0)
        ;                        /* drain: the counter says how many */
      uint64_t now = 0;
      int ret = read_oom_kills (w->dir, &now, err);
      if (ret < 0)
        return ret;
      if (now > w->oom_kills)
        *events = now - w->oom_kills;
      if (now)
        w->oom_kills = now;
      return 0;
    }
  uint64_t count;
  if (read (w->fd, &count, sizeof count) == sizeof count)
    {
      /* The eventfd also fires when the cgroup is removed: that is no OOM. */
      char path[4096];
      snprintf (path, sizeof path, "%s/memory.oom_control", w->dir);
      if (access (path, F_OK) == 0)
        *events = count;
    }
  else if (errno != EAGAIN)
    return bw_error_syscall (err, "read the OOM eventfd");
  return 0;
}

void
cgroup_oom_watch_close (struct cgroup_oom_watch *w)
{
  if (w->fd >= 0)
    close (w->fd);
  free (w->dir);
  *w = (struct cgroup_oom_watch) { .fd = -1 };
}
