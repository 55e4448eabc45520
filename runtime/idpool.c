/* idpool: see include/idpool.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "idpool.h"

#define LOCK_NAME ".lock"
#define TMP_PREFIX ".new-"
/* Two lines of numbers and an owner path of at most PATH_MAX - 1 bytes. */
#define RECORD_MAX (PATH_MAX + 64)

/* ------------------------------------------------------------ pure */

int
idpool_params_check (const struct idpool_params *p, struct bw_error *err)
{
  if (p->start == 0)
    return bw_error_set (err, EINVAL, "idpool start: 0 would hand out host root");
  if (p->range_size == 0)
    return bw_error_set (err, EINVAL, "idpool range size: must be at least 1");
  if (p->n_ranges == 0)
    return bw_error_set (err, EINVAL, "idpool ranges: must be at least 1");
  /* The last ID must stay below 4294967295, which means "no ID". */
  uint64_t end = (uint64_t) p->start + (uint64_t) p->range_size * p->n_ranges;
  if (end > UINT32_MAX)
    return bw_error_set (err, ERANGE,
                         "idpool: %" PRIu32 " ranges of %" PRIu32 " IDs from %" PRIu32
                         " end past 4294967294",
                         p->n_ranges, p->range_size, p->start);
  return 0;
}

int
idpool_range_start (const struct idpool_params *p, uint32_t index, uint32_t *out)
{
  if (index >= p->n_ranges)
    return -ERANGE;
  *out = p->start + index * p->range_size;
  return 0;
}

bool
idpool_ranges_overlap (uint32_t a, uint32_t a_size, uint32_t b, uint32_t b_size)
{
  if (a_size == 0 || b_size == 0)
    return false;
  return (uint64_t) a < (uint64_t) b + b_size && (uint64_t) b < (uint64_t) a + a_size;
}

int
idpool_record_format (const struct idpool_record *rec, char **out)
{
  if (asprintf (out, "%" PRIu32 " %" PRIu32 "\n%" PRIu64 " %" PRIu64 "\n%s\n", rec->host_start,
                rec->size, rec->dev, rec->ino, rec->owner)
      < 0)
    return -ENOMEM;
  return 0;
}

/* A decimal number without sign, leading '+', spaces or overflow, ended by
 * `end`. */
static int
parse_u64 (const char **s, char end, uint64_t max, uint64_t *out)
{
  const char *p = *s;
  uint64_t v = 0;
  if (*p < '0' || *p > '9')
    return -EINVAL;
  for (; *p >= '0' && *p <= '9'; p++)
    {
      if (v > (max - (uint64_t) (*p - '0')) / 10)
        return -EINVAL;
      v = v * 10 + (uint64_t) (*p - '0');
    }
  if (*p != end)
    return -EINVAL;
  *s = p + 1;
  *out = v;
  return 0;
}

bool
idpool_owner_path_ok (const char *path)
{
  size_t len = strlen (path);
  if (path[0] != '/' || len < 2 || len >= PATH_MAX || path[len - 1] == '/')
    return false;
  for (const char *c = path; *c; c++)
    if ((unsigned char) *c < 0x20 || *c == 0x7f)
      return false;
  /* Every component: not empty, not ".", not "..". */
  for (const char *c = path; *c; )
    {
      const char *next = strchr (c + 1, '/');
      size_t n = next ? (size_t) (next - c - 1) : strlen (c + 1);
      if (n == 0 || (n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.'))
        return false;
      c = next ? next : c + 1 + n;
    }
  return true;
}

int
idpool_record_parse (const char *text, struct idpool_record *rec)
{
  uint64_t start, size, dev, ino;
  const char *p = text;
  memset (rec, 0, sizeof *rec);
  if (parse_u64 (&p, ' ', UINT32_MAX, &start) < 0 || parse_u64 (&p, '\n', UINT32_MAX, &size) < 0
      || parse_u64 (&p, ' ', UINT64_MAX, &dev) < 0 || parse_u64 (&p, '\n', UINT64_MAX, &ino) < 0)
    return -EINVAL;
  const char *nl = strchr (p, '\n');
  if (!nl || nl == p || nl[1] != '\0' || size == 0 || start + size > UINT32_MAX)
    return -EINVAL;
  char *owner = strndup (p, (size_t) (nl - p));
  if (!owner)
    return -ENOMEM;
  if (!idpool_owner_path_ok (owner))
    {
      free (owner);
      return -EINVAL;
    }
  *rec = (struct idpool_record) { .host_start = (uint32_t) start, .size = (uint32_t) size,
                                  .dev = dev, .ino = ino, .owner = owner };
  return 0;
}

void
idpool_record_clear (struct idpool_record *rec)
{
  free (rec->owner);
  rec->owner = NULL;
}

/* ------------------------------------------------------------ files */

/* mkdir -p with mode 0700 for what it creates. */
static int
make_dirs (const char *path, struct bw_error *err)
{
  _cleanup_free_ char *copy = strdup (path);
  if (!copy)
    return bw_error_set (err, ENOMEM, "out of memory");
  for (char *slash = strchr (copy + 1, '/');; slash = strchr (slash + 1, '/'))
    {
      if (slash)
        *slash = '\0';
      if (mkdir (copy, 0700) < 0 && errno != EEXIST)
        return bw_error_syscall (err, "idpool: create %s", copy);
      if (!slash)
        return 0;
      *slash = '/';
    }
}

/* The pool directory (made on first use with `create`) and its lock, held
 * exclusively until `*lock_fd` is closed. Without `create`, a missing pool
 * leaves both fds at -1 and is not an error. */
static int
pool_open_locked (const char *pool_dir, bool create, int *dir_fd, int *lock_fd,
                  struct bw_error *err)
{
  *dir_fd = *lock_fd = -1;
  if (pool_dir[0] != '/')
    return bw_error_set (err, EINVAL, "idpool: pool directory \"%s\" is not an absolute path",
                         pool_dir);
  if (create)
    {
      int ret = make_dirs (pool_dir, err);
      if (ret < 0)
        return ret;
    }
  _cleanup_close_ int dir = open (pool_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir < 0)
    {
      if (errno == ENOENT && !create)
        return 0;
      return bw_error_syscall (err, "idpool: open %s", pool_dir);
    }
  struct stat sb;
  if (fstat (dir, &sb) < 0)
    return bw_error_syscall (err, "idpool: stat %s", pool_dir);
  /* Anyone else who may write here could plant or remove records. */
  if (sb.st_uid != geteuid () || (sb.st_mode & 022))
    return bw_error_set (err, EPERM,
                         "idpool: %s must be owned by uid %ld and writable by no one else "
                         "(owner %ld, mode %04o)",
                         pool_dir, (long) geteuid (), (long) sb.st_uid,
                         (unsigned) (sb.st_mode & 07777));
  int lock = openat (dir, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (lock < 0)
    return bw_error_syscall (err, "idpool: open %s/%s", pool_dir, LOCK_NAME);
  int ret;
  do
    ret = flock (lock, LOCK_EX);
  while (ret < 0 && errno == EINTR);
  if (ret < 0)
    {
      int saved = errno;
      close (lock);
      errno = saved;
      return bw_error_syscall (err, "idpool: lock %s/%s", pool_dir, LOCK_NAME);
    }
  *lock_fd = lock;
  *dir_fd = bw_steal_fd (dir);
  return 0;
}

struct record_list
{
  struct idpool_record *items;
  char **names;
  size_t n;
};

static void
record_list_clear (struct record_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    {
      idpool_record_clear (&l->items[i]);
      free (l->names[i]);
    }
  free (l->items);
  free (l->names);
  *l = (struct record_list) { 0 };
}

static int
read_record (int dir_fd, const char *pool, const char *name, struct idpool_record *rec,
             struct bw_error *err)
{
  _cleanup_close_ int fd = openat (dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return bw_error_syscall (err, "idpool: open record %s/%s", pool, name);
  char buf[RECORD_MAX + 1];
  ssize_t n = read (fd, buf, RECORD_MAX + 1);
  if (n < 0)
    return bw_error_syscall (err, "idpool: read record %s/%s", pool, name);
  if (n > RECORD_MAX)
    return bw_error_set (err, EINVAL, "idpool: record %s/%s is too large", pool, name);
  buf[n] = '\0';
  char expect[16];
  if (idpool_record_parse (buf, rec) < 0)
    return bw_error_set (err, EINVAL, "idpool: record %s/%s is malformed; remove it by hand "
                                      "once no container uses that range", pool, name);
  snprintf (expect, sizeof expect, "%" PRIu32, rec->host_start);
  if (strcmp (expect, name) != 0)
    {
      idpool_record_clear (rec);
      return bw_error_set (err, EINVAL, "idpool: record %s/%s names range %s", pool, name, expect);
    }
  return 0;
}

/* Every record, and every leftover temporary file's name in *tmp (may be
 * NULL). A malformed record is an error: refusing beats guessing. */
static int
read_records (int dir_fd, const char *pool, struct record_list *out, char ***tmp, size_t *n_tmp,
              struct bw_error *err)
{
  int dup_fd = openat (dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup_fd < 0)
    return bw_error_syscall (err, "idpool: open directory");
  DIR *d = fdopendir (dup_fd);
  if (!d)
    {
      close (dup_fd);
      return bw_error_syscall (err, "idpool: read directory");
    }
  int ret = 0;
  struct dirent *de;
  while (ret == 0 && (errno = 0, de = readdir (d)))
    {
      const char *name = de->d_name;
      if (strncmp (name, TMP_PREFIX, strlen (TMP_PREFIX)) == 0 && tmp)
        {
          char **v = realloc (*tmp, (*n_tmp + 1) * sizeof *v);
          if (!v || !(v[*n_tmp] = strdup (name)))
            ret = bw_error_set (err, ENOMEM, "out of memory");
          if (v)
            *tmp = v;
          if (ret == 0)
            (*n_tmp)++;
          continue;
        }
      if (name[0] == '.')
        continue;
      struct idpool_record *items = realloc (out->items, (out->n + 1) * sizeof *items);
      char **names = items ? realloc (out->names, (out->n + 1) * sizeof *names) : NULL;
      if (items)
        out->items = items;
      if (names)
        out->names = names;
      if (!items || !names || !(names[out->n] = strdup (name)))
        {
          ret = bw_error_set (err, ENOMEM, "out of memory");
          break;
        }
      ret = read_record (dir_fd, pool, name, &out->items[out->n], err);
      if (ret < 0)
        free (names[out->n]);
      else
        out->n++;
    }
  if (ret == 0 && errno != 0)
    ret = bw_error_syscall (err, "idpool: read directory");
  closedir (d);
  return ret;
}

/* The liveness rule of idpool.h: stale only when the owner path is gone
 * (ENOENT, ENOTDIR) or is not the recorded directory now. lstat: a symlink
 * put in its place is not the directory either. */
static bool
record_is_stale (const struct idpool_record *rec)
{
  struct stat sb;
  if (lstat (rec->owner, &sb) < 0)
    return errno == ENOENT || errno == ENOTDIR;
  return !S_ISDIR (sb.st_mode) || (uint64_t) sb.st_dev != rec->dev
         || (uint64_t) sb.st_ino != rec->ino;
}

/* read_records, and the temporary files removed: they only exist while
 * their allocator holds the lock we hold now, so these are from a killed
 * allocator, never a range. */
static int
read_records_tidy (int dir_fd, const char *pool, struct record_list *l, struct bw_error *err)
{
  char **tmp = NULL;
  size_t n_tmp = 0;
  int ret = read_records (dir_fd, pool, l, &tmp, &n_tmp, err);
  for (size_t i = 0; i < n_tmp; i++)
    {
      if (ret == 0)
        unlinkat (dir_fd, tmp[i], 0);
      free (tmp[i]);
    }
  free (tmp);
  return ret;
}

static int
reclaim_locked (int dir_fd, const char *pool, unsigned *reclaimed, struct bw_error *err)
{
  struct record_list l = { 0 };
  int ret = read_records_tidy (dir_fd, pool, &l, err);
  for (size_t i = 0; ret == 0 && i < l.n; i++)
    if (record_is_stale (&l.items[i]))
      {
        if (unlinkat (dir_fd, l.names[i], 0) < 0 && errno != ENOENT)
          ret = bw_error_syscall (err, "idpool: remove record %s", l.names[i]);
        else if (reclaimed)
          (*reclaimed)++;
      }
  record_list_clear (&l);
  return ret;
}

/* Write the record to an unnamed file and give it its name in one step:
 * the name never exists without its full content (EEXIST when taken). */
static int
record_create (int dir_fd, const struct idpool_record *rec, struct bw_error *err)
{
  _cleanup_free_ char *text = NULL;
  if (idpool_record_format (rec, &text) < 0)
    return bw_error_set (err, ENOMEM, "out of memory");
  char name[16], tmp_name[64] = "";
  snprintf (name, sizeof name, "%" PRIu32, rec->host_start);
  _cleanup_close_ int fd = openat (dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL))
    {
      /* No O_TMPFILE here: a named temporary file, removed below or by the
       * next reclaim if we are killed first. */
      snprintf (tmp_name, sizeof tmp_name, TMP_PREFIX "%ld", (long) getpid ());
      unlinkat (dir_fd, tmp_name, 0);
      fd = openat (dir_fd, tmp_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
  if (fd < 0)
    return bw_error_syscall (err, "idpool: create record %s", name);
  size_t len = strlen (text);
  if (write (fd, text, len) != (ssize_t) len || fsync (fd) < 0)
    {
      int ret = bw_error_syscall (err, "idpool: write record %s", name);
      if (tmp_name[0])
        unlinkat (dir_fd, tmp_name, 0);
      return ret;
    }
  int ret;
  if (tmp_name[0])
    {
      ret = linkat (dir_fd, tmp_name, dir_fd, name, 0);
      int saved = errno;
      unlinkat (dir_fd, tmp_name, 0);
      errno = saved;
    }
  else
    {
      char proc_path[64];
      snprintf (proc_path, sizeof proc_path, "/proc/self/fd/%d", fd);
      ret = linkat (AT_FDCWD, proc_path, dir_fd, name, AT_SYMLINK_FOLLOW);
    }
  if (ret < 0)
    {
      if (errno == EEXIST)
        return -EEXIST;
      return bw_error_syscall (err, "idpool: record range %s", name);
    }
  fsync (dir_fd);
  return 0;
}

/* One pass over the pool: the caller's own live range, else the first
 * free one. -ENOSPC when none is free. */
static int
allocate_pass (int dir_fd, const char *pool, const struct idpool_params *p, const struct idpool_record *want,
               uint32_t *host_start, struct bw_error *err)
{
  struct record_list l = { 0 };
  int ret = read_records_tidy (dir_fd, pool, &l, err);
  for (size_t i = 0; ret == 0 && i < l.n; i++)
    if (strcmp (l.items[i].owner, want->owner) == 0 && l.items[i].dev == want->dev
        && l.items[i].ino == want->ino)
      {
        *host_start = l.items[i].host_start;
        record_list_clear (&l);
        return 0;
      }
  ret = ret < 0 ? ret : -ENOSPC;
  for (uint32_t index = 0; ret == -ENOSPC && index < p->n_ranges; index++)
    {
      struct idpool_record rec = *want;
      idpool_range_start (p, index, &rec.host_start);
      rec.size = p->range_size;
      bool taken = false;
      /* Records made under other pool parameters count too. */
      for (size_t i = 0; !taken && i < l.n; i++)
        taken = idpool_ranges_overlap (rec.host_start, rec.size, l.items[i].host_start,
                                       l.items[i].size);
      if (taken)
        continue;
      int r = record_create (dir_fd, &rec, err);
      if (r == 0)
        *host_start = rec.host_start;
      if (r != -EEXIST)
        ret = r;
    }
  record_list_clear (&l);
  return ret;
}

int
idpool_allocate (const char *pool_dir, const struct idpool_params *p, const char *owner_dir,
                 uint32_t *host_start, struct bw_error *err)
{
  int ret = idpool_params_check (p, err);
  if (ret < 0)
    return ret;
  if (!idpool_owner_path_ok (owner_dir))
    return bw_error_set (err, EINVAL, "idpool: owner \"%s\" is not a plain absolute path",
                         owner_dir);
  struct stat sb;
  int r = lstat (owner_dir, &sb);
  if (r == 0 && !S_ISDIR (sb.st_mode))
    {
      r = -1;
      errno = ENOTDIR;
    }
  if (r < 0)
    return bw_error_syscall (err, "idpool: the container's state directory must exist: %s",
                             owner_dir);
  struct idpool_record want = { .owner = (char *) owner_dir, .dev = sb.st_dev,
                                .ino = sb.st_ino };
  _cleanup_close_ int dir_fd = -1;
  _cleanup_close_ int lock_fd = -1;
  ret = pool_open_locked (pool_dir, true, &dir_fd, &lock_fd, err);
  if (ret == 0)
    ret = allocate_pass (dir_fd, pool_dir, p, &want, host_start, err);
  if (ret == -ENOSPC)
    {
      ret = reclaim_locked (dir_fd, pool_dir, NULL, err);
      if (ret == 0)
        ret = allocate_pass (dir_fd, pool_dir, p, &want, host_start, err);
    }
  if (ret == -ENOSPC)
    ret = bw_error_set (err, ENOSPC,
                        "idpool: all %" PRIu32 " ranges of %" PRIu32 " IDs from %" PRIu32
                        " in %s are held by live containers",
                        p->n_ranges, p->range_size, p->start, pool_dir);
  return ret;
}

int
idpool_release (const char *pool_dir, const char *owner_dir, unsigned *released,
                struct bw_error *err)
{
  if (released)
    *released = 0;
  _cleanup_close_ int dir_fd = -1;
  _cleanup_close_ int lock_fd = -1;
  int ret = pool_open_locked (pool_dir, false, &dir_fd, &lock_fd, err);
  if (ret < 0 || dir_fd < 0)
    return ret;
  struct record_list l = { 0 };
  ret = read_records (dir_fd, pool_dir, &l, NULL, NULL, err);
  for (size_t i = 0; ret == 0 && i < l.n; i++)
    if (strcmp (l.items[i].owner, owner_dir) == 0)
      {
        if (unlinkat (dir_fd, l.names[i], 0) < 0 && errno != ENOENT)
          ret = bw_error_syscall (err, "idpool: remove record %s/%s", pool_dir, l.names[i]);
        else if (released)
          (*released)++;
      }
  record_list_clear (&l);
  return ret;
}

int
idpool_reclaim_stale (const char *pool_dir, unsigned *reclaimed, struct bw_error *err)
{
  if (reclaimed)
    *reclaimed = 0;
  _cleanup_close_ int dir_fd = -1;
  _cleanup_close_ int lock_fd = -1;
  int ret = pool_open_locked (pool_dir, false, &dir_fd, &lock_fd, err);
  if (ret == 0 && dir_fd >= 0)
    ret = reclaim_locked (dir_fd, pool_dir, reclaimed, err);
  return ret;
}
