/* state_io: small files in the state dirs: atomic writes (temp file,
 * rename) and bounded reads that never follow symlinks or block on a fifo.
 * No fsync: state describes processes, which a machine crash ends anyway
 * (and /run does not survive a reboot); against a killed runtime the
 * rename alone is atomic. The fsyncs cost about a millisecond per file on
 * a disk-backed /run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "state.h"
#include "state_internal.h"

/* "<prefix><16 random hex digits>": names for temporary entries. */
int
state_random_name (const char *prefix, char *out, size_t size, struct bw_error *err)
{
  unsigned long long r;
  ssize_t n;
  do
    n = getrandom (&r, sizeof r, 0);
  while (n < 0 && errno == EINTR);
  if (n != (ssize_t) sizeof r)
    return bw_error_syscall (err, "getrandom");
  snprintf (out, size, "%s%016llx", prefix, r);
  return 0;
}

char *
state_path_join (const char *a, const char *b)
{
  char *p = NULL;
  if (asprintf (&p, "%s/%s", a, b) < 0)
    return NULL;
  return p;
}

/* ------------------------------------------------------------ small files */

int
state_write_all (int fd, const void *data, size_t len)
{
  const char *p = data;
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

/* Read a regular file (no symlink) of at most `max` bytes, NUL-terminated.
 * `shown` names it in errors. */
int
state_read_file_at (int dirfd, const char *name, const char *shown, size_t max, char **out, size_t *len,
              struct bw_error *err)
{
  _cleanup_close_ int fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return bw_error_syscall (err, "open %s", shown);
  struct stat sb;
  if (fstat (fd, &sb) < 0)
    return bw_error_syscall (err, "stat %s", shown);
  if (!S_ISREG (sb.st_mode))
    return bw_error_set (err, EINVAL, "%s: not a regular file", shown);
  if ((uint64_t) sb.st_size > max)
    return bw_error_set (err, EFBIG, "%s: larger than %zu bytes", shown, max);

  size_t cap = (size_t) sb.st_size + 1, used = 0;
  _cleanup_free_ char *buf = malloc (cap);
  if (!buf)
    return bw_error_set (err, ENOMEM, "out of memory");
  for (;;)
    {
      if (used + 1 >= cap)
        {
          /* The file grew since fstat: allow up to max, no further. */
          if (cap > max)
            return bw_error_set (err, EFBIG, "%s: larger than %zu bytes", shown, max);
          char *bigger = realloc (buf, cap * 2);
          if (!bigger)
            return bw_error_set (err, ENOMEM, "out of memory");
          buf = bigger;
          cap *= 2;
        }
      ssize_t n = read (fd, buf + used, cap - used - 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return bw_error_syscall (err, "read %s", shown);
      if (n == 0)
        break;
      used += (size_t) n;
    }
  buf[used] = '\0';
  *out = bw_steal_ptr (buf);
  if (len)
    *len = used;
  return 0;
}

static int
check_file_name (const char *name, struct bw_error *err)
{
  if (!name || !name[0] || strchr (name, '/') || strcmp (name, ".") == 0
      || strcmp (name, "..") == 0 || strlen (name) > NAME_MAX)
    return bw_error_set (err, EINVAL, "invalid state file name \"%s\"", name ? name : "");
  return 0;
}

int
state_write_file (struct state_handle *h, const char *name, const void *data, size_t len,
                  struct bw_error *err)
{
  int ret = check_file_name (name, err);
  if (ret < 0)
    return ret;
  char tmp[64];
  ret = state_random_name (".tmp-", tmp, sizeof tmp, err);
  if (ret < 0)
    return ret;

  int fd = openat (h->dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return bw_error_syscall (err, "create %s/%s", h->dir, tmp);
  /* The mode must not depend on the caller's umask. */
  if (fchmod (fd, 0600) < 0)
    ret = bw_error_syscall (err, "chmod %s/%s", h->dir, tmp);
  else if (state_write_all (fd, data, len) < 0)
    ret = bw_error_syscall (err, "write %s/%s", h->dir, tmp);
  if (close (fd) < 0 && ret == 0)
    ret = bw_error_syscall (err, "close %s/%s", h->dir, tmp);
  if (ret == 0 && renameat (h->dir_fd, tmp, h->dir_fd, name) < 0)
    ret = bw_error_syscall (err, "rename %s/%s to %s", h->dir, tmp, name);
  if (ret < 0)
    {
      unlinkat (h->dir_fd, tmp, 0);
      return ret;
    }
  return 0;
}

int
state_read_file (struct state_handle *h, const char *name, size_t max, char **out, size_t *len,
                 struct bw_error *err)
{
  int ret = check_file_name (name, err);
  if (ret < 0)
    return ret;
  _cleanup_free_ char *shown = state_path_join (h->dir, name);
  if (!shown)
    return bw_error_set (err, ENOMEM, "out of memory");
  return state_read_file_at (h->dir_fd, name, shown, max, out, len, err);
}
