#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "linux_mount_copyup.h"
#include "sys.h"

/* The last "key=..." among the filesystem options, or NULL. */
static const char *
find_data (const struct mount_plan *plan, const char *key)
{
  size_t len = strlen (key);
  const char *found = NULL;
  for (size_t i = 0; i < plan->n_data; i++)
    if (strncmp (plan->data[i], key, len) == 0 && plan->data[i][len] == '=')
      found = plan->data[i] + len + 1;
  return found;
}

/* A tmpfs size: a number with an optional k/m/g/t/p/e suffix, or a
 * percentage of RAM (mm/shmem.c reads it so). */
static int
parse_size (const char *value, uint64_t ram_bytes, uint64_t *out)
{
  char *end;
  errno = 0;
  if (!*value || *value == '-')
    return -EINVAL;
  unsigned long long n = strtoull (value, &end, 0);
  if (errno || end == value)
    return -EINVAL;
  if (*end == '%' && end[1] == '\0')
    {
      if (n > 100)
        return -EINVAL;
      *out = ram_bytes / 100 * n;
      return 0;
    }
  static const char suffixes[] = "kmgtpe";
  unsigned int shift = 0;
  if (*end)
    {
      const char *s = strchr (suffixes, *end | 0x20);
      if (!s || end[1] != '\0')
        return -EINVAL;
      shift = 10 * (unsigned int) (s - suffixes + 1);
    }
  if (shift && n > (UINT64_MAX >> shift))
    return -ERANGE;
  *out = (uint64_t) n << shift;
  return 0;
}

int
mount_copyup_limits (const struct mount_plan *plan, uint64_t ram_bytes,
                     struct copyup_limits *out, struct bw_error *err)
{
  *out = (struct copyup_limits) { .max_bytes = COPYUP_DEFAULT_MAX_BYTES,
                                  .max_entries = COPYUP_MAX_ENTRIES,
                                  .max_depth = COPYUP_MAX_DEPTH };
  const char *size = find_data (plan, "size");
  if (!size)
    return 0;
  uint64_t bytes;
  if (parse_size (size, ram_bytes, &bytes) < 0)
    return bw_error_set (err, EINVAL, "option size=%s: not a size", size);
  if (bytes > 0)   /* size=0: an unlimited tmpfs; the default bound stays */
    out->max_bytes = bytes;
  return 0;
}

struct copy
{
  struct copyup_limits lim;
  uint64_t bytes;
  size_t entries;
  const char *dest;
  char rel[PATH_MAX];       /* "/a/b" below dest, for messages */
  size_t rel_len;
  char *buf;
  struct bw_error *err;
};

enum { COPY_BUF = 64 * 1024 };

/* One line naming the path, quoted: the names come from the image.
 * `why` defaults to strerror (errnum). */
static int
fail_why (struct copy *c, int errnum, const char *what, const char *why)
{
  char path[PATH_MAX + 64], quoted[600];
  snprintf (path, sizeof path, "%s%s", c->dest, c->rel);
  bw_quote (path, 256, quoted, sizeof quoted);
  return bw_error_set (c->err, errnum, "tmpcopyup: %s %s: %s", what, quoted,
                       why ? why : strerror (errnum));
}

static int
fail (struct copy *c, int errnum, const char *what)
{
  return fail_why (c, errnum, what, NULL);
}

static int
push (struct copy *c, const char *name)
{
  size_t n = strlen (name);
  if (c->rel_len + 1 + n >= sizeof c->rel)
    return fail (c, ENAMETOOLONG, "copy");
  c->rel[c->rel_len] = '/';
  memcpy (c->rel + c->rel_len + 1, name, n + 1);
  c->rel_len += 1 + n;
  return 0;
}

static void
pop (struct copy *c)
{
  while (c->rel_len > 0 && c->rel[c->rel_len - 1] != '/')
    c->rel_len--;
  if (c->rel_len > 0)
    c->rel_len--;
  c->rel[c->rel_len] = '\0';
}

/* An owner the user namespace does not map (shown as the overflow id)
 * cannot be given: the copy keeps the container root's. */
static int
chown_result (struct copy *c, int ret)
{
  if (ret < 0 && errno != EINVAL)
    return fail (c, errno, "chown");
  return 0;
}

/* Owner, then mode (chown drops set-id bits), then times. */
static int
set_meta_fd (struct copy *c, int fd, const struct stat *st)
{
  const struct timespec times[2] = { st->st_atim, st->st_mtim };
  TRY (chown_result (c, fchown (fd, st->st_uid, st->st_gid)));
  if (fchmod (fd, st->st_mode & 07777) < 0)
    return fail (c, errno, "chmod");
  if (futimens (fd, times) < 0)
    return fail (c, errno, "set times of");
  return 0;
}

static int
set_meta_at (struct copy *c, int dir, const char *name, const struct stat *st)
{
  const struct timespec times[2] = { st->st_atim, st->st_mtim };
  TRY (chown_result (c, fchownat (dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW)));
  if (!S_ISLNK (st->st_mode) && fchmodat (dir, name, st->st_mode & 07777, 0) < 0)
    return fail (c, errno, "chmod");
  if (utimensat (dir, name, times, AT_SYMLINK_NOFOLLOW) < 0)
    return fail (c, errno, "set times of");
  return 0;
}

/* Open `name` in `dir` without following a symlink and check it is the
 * entry fstatat saw (nothing swapped it in between). */
static int
open_same (struct copy *c, int dir, const char *name, int flags, const struct stat *seen,
           int *out)
{
  int fd = openat (dir, name, flags | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return fail (c, errno, "open");
  struct stat st;
  if (fstat (fd, &st) < 0 || st.st_dev != seen->st_dev || st.st_ino != seen->st_ino
      || (st.st_mode & S_IFMT) != (seen->st_mode & S_IFMT))
    {
      close (fd);
      return fail_why (c, EAGAIN, "open", "changed during the copy");
    }
  *out = fd;
  return 0;
}

static int
copy_file (struct copy *c, int src, int dst, const char *name, const struct stat *st)
{
  _cleanup_close_ int in = -1;
  _cleanup_close_ int out = -1;
  TRY (open_same (c, src, name, O_RDONLY | O_NONBLOCK, st, &in));
  /* Checked before reading: a sparse file may claim terabytes. */
  if ((uint64_t) st->st_size > c->lim.max_bytes - c->bytes)
    {
      char why[96];
      snprintf (why, sizeof why, "more than %llu bytes to copy (the tmpfs size= or the default bound)",
                (unsigned long long) c->lim.max_bytes);
      return fail_why (c, EFBIG, "copy", why);
    }
  out = openat (dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return fail (c, errno, "create");
  /* At most the size seen: a file growing meanwhile stops there. */
  uint64_t left = (uint64_t) st->st_size;
  while (left > 0)
    {
      ssize_t n = read (in, c->buf, left < COPY_BUF ? (size_t) left : COPY_BUF);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fail (c, errno, "read");
      if (n == 0)
        break;
      for (ssize_t done = 0; done < n;)
        {
          ssize_t w = write (out, c->buf + done, (size_t) (n - done));
          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            return fail (c, errno, "write");
          done += w;
        }
      left -= (uint64_t) n;
      c->bytes += (uint64_t) n;
    }
  return set_meta_fd (c, out, st);
}

static int
copy_symlink (struct copy *c, int src, int dst, const char *name, const struct stat *st)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat (src, name, target, sizeof target);
  if (n < 0)
    return fail (c, errno, "readlink");
  if ((size_t) n >= sizeof target)
    return fail (c, ENAMETOOLONG, "readlink");
  target[n] = '\0';
  /* Copied as text, never resolved: it is taken inside the root later. */
  if (symlinkat (target, dst, name) < 0)
    return fail (c, errno, "symlink");
  return set_meta_at (c, dst, name, st);
}

/* Fifos are made again; device nodes where the kernel lets us (not in a
 * user namespace: skipped there, as the container could not make them);
 * sockets are skipped (no listener comes with them). */
static int
copy_special (struct copy *c, int dst, const char *name, const struct stat *st)
{
  if (S_ISSOCK (st->st_mode))
    return 0;
  dev_t dev = S_ISFIFO (st->st_mode) ? 0 : st->st_rdev;
  if (mknodat (dst, name, (st->st_mode & S_IFMT) | 0600, dev) < 0)
    {
      if (errno == EPERM && !S_ISFIFO (st->st_mode))
        return 0;
      return fail (c, errno, "mknod");
    }
  return set_meta_at (c, dst, name, st);
}

static int copy_entries (struct copy *c, int src, int dst, unsigned int depth);

static int
copy_dir (struct copy *c, int src, int dst, const char *name, const struct stat *st,
          unsigned int depth)
{
  if (depth + 1 > c->lim.max_depth)
    {
      char why[64];
      snprintf (why, sizeof why, "nested deeper than %u directories", c->lim.max_depth);
      return fail_why (c, ELOOP, "copy", why);
    }
  _cleanup_close_ int from = -1;
  _cleanup_close_ int to = -1;
  TRY (open_same (c, src, name, O_RDONLY | O_DIRECTORY, st, &from));
  /* Owner-only until filled: its final mode may forbid writing into it. */
  if (mkdirat (dst, name, 0700) < 0)
    return fail (c, errno, "mkdir");
  to = openat (dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (to < 0)
    return fail (c, errno, "open");
  TRY (copy_entries (c, from, to, depth + 1));
  return set_meta_fd (c, to, st);
}

static int
copy_entry (struct copy *c, int src, int dst, const char *name, unsigned int depth)
{
  if (++c->entries > c->lim.max_entries)
    {
      char why[64];
      snprintf (why, sizeof why, "more than %zu entries to copy", c->lim.max_entries);
      return fail_why (c, E2BIG, "copy", why);
    }
  TRY (push (c, name));
  struct stat st;
  int ret;
  if (fstatat (src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    ret = fail (c, errno, "stat");
  else if (S_ISDIR (st.st_mode))
    ret = copy_dir (c, src, dst, name, &st, depth);
  else if (S_ISREG (st.st_mode))
    ret = copy_file (c, src, dst, name, &st);
  else if (S_ISLNK (st.st_mode))
    ret = copy_symlink (c, src, dst, name, &st);
  else
    ret = copy_special (c, dst, name, &st);
  if (ret == 0)
    pop (c);
  return ret;
}

static int
copy_entries (struct copy *c, int src, int dst, unsigned int depth)
{
  int fd = fcntl (src, F_DUPFD_CLOEXEC, 0);
  if (fd < 0)
    return fail (c, errno, "open");
  DIR *dir = fdopendir (fd);
  if (!dir)
    {
      close (fd);
      return fail (c, errno, "open");
    }
  int ret = 0;
  for (;;)
    {
      errno = 0;
      struct dirent *e = readdir (dir);
      if (!e)
        {
          if (errno)
            ret = fail (c, errno, "read directory");
          break;
        }
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      ret = copy_entry (c, src, dst, e->d_name, depth);
      if (ret < 0)
        break;
    }
  closedir (dir);
  return ret;
}

int
mount_copyup (int target, int mntfd, const char *dest, const struct mount_plan *plan,
              struct bw_error *err)
{
  struct sysinfo si;
  uint64_t ram = sysinfo (&si) == 0 ? (uint64_t) si.totalram * si.mem_unit : 0;
  struct copy c = { .dest = dest, .err = err };
  TRY (mount_copyup_limits (plan, ram, &c.lim, err));
  /* The directory the tmpfs covers, as rootfs_resolve found it in the root. */
  struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                          .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS
                                     | RESOLVE_NO_MAGICLINKS };
  _cleanup_close_ int src = sys_openat2 (target, ".", &how, sizeof how);
  if (src < 0)
    return errno == ENOTDIR ? bw_error_set (err, ENOTDIR, "tmpcopyup: %s is not a directory", dest)
                            : bw_error_syscall (err, "tmpcopyup: open %s", dest);
  _cleanup_close_ int dst = openat (mntfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dst < 0)
    return bw_error_syscall (err, "tmpcopyup: open the new tmpfs");
  _cleanup_free_ char *buf = malloc (COPY_BUF);
  if (!buf)
    return bw_error_set (err, ENOMEM, "out of memory");
  c.buf = buf;
  TRY (copy_entries (&c, src, dst, 0));

  /* The tmpfs root looks like the directory it covers, unless asked. */
  struct stat st;
  if (fstat (src, &st) < 0)
    return bw_error_syscall (err, "tmpcopyup: stat %s", dest);
  bool own_uid = !find_data (plan, "uid"), own_gid = !find_data (plan, "gid");
  if ((own_uid || own_gid)
      && chown_result (&c, fchown (dst, own_uid ? st.st_uid : (uid_t) -1,
                                   own_gid ? st.st_gid : (gid_t) -1)) < 0)
    return -err->code;
  if (!find_data (plan, "mode") && fchmod (dst, st.st_mode & 07777) < 0)
    return fail (&c, errno, "chmod");
  const struct timespec times[2] = { st.st_atim, st.st_mtim };
  if (futimens (dst, times) < 0)
    return fail (&c, errno, "set times of");
  return 0;
}
