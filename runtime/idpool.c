#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "idpool.h"
#include "state.h"

#define LOCK_NAME ".lock"
#define TMP_PREFIX ".new-"
#define RECORD_MAX 2048

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
                rec->size, rec->dev, rec->ino, rec->id)
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
  struct bw_error ignored = { 0 };
  char *id = strndup (p, (size_t) (nl - p));
  if (!id)
    return -ENOMEM;
  if (state_validate_id (id, &ignored) < 0)
    {
      free (id);
      return -EINVAL;
    }
  *rec = (struct idpool_record) { .host_start = (uint32_t) start, .size = (uint32_t) size,
                                  .dev = dev, .ino = ino, .id = id };
  return 0;
}

void
idpool_record_clear (struct idpool_record *rec)
{
  free (rec->id);
  rec->id = NULL;
}

/* ------------------------------------------------------------ files */

/* The pool directory (made on first use) and its lock, held exclusively
 * until `*lock_fd` is closed. */
static int
pool_open_locked (const char *state_root, bool create, int *dir_fd, int *lock_fd,
                  struct bw_error *err)
{
  *dir_fd = *lock_fd = -1;
  _cleanup_close_ int root = open (state_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return bw_error_syscall (err, "idpool: open state root %s", state_root);
  if (create && mkdirat (root, IDPOOL_DIR, 0700) < 0 && errno != EEXIST)
    return bw_error_syscall (err, "idpool: create %s/%s", state_root, IDPOOL_DIR);
  _cleanup_close_ int dir = openat (root, IDPOOL_DIR,
                                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir < 0)
    {
      if (errno == ENOENT && !create)
        return 0;
      return bw_error_syscall (err, "idpool: open %s/%s", state_root, IDPOOL_DIR);
    }
  int lock = openat (dir, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (lock < 0)
    return bw_error_syscall (err, "idpool: open %s/%s/%s", state_root, IDPOOL_DIR, LOCK_NAME);
  int ret;
  do
    ret = flock (lock, LOCK_EX);
  while (ret < 0 && errno == EINTR);
  if (ret < 0)
    {
      int saved = errno;
      close (lock);
      errno = saved;
      return bw_error_syscall (err, "idpool: lock %s/%s/%s", state_root, IDPOOL_DIR, LOCK_NAME);
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
read_record (int dir_fd, const char *name, struct idpool_record *rec, struct bw_error *err)
{
  _cleanup_close_ int fd = openat (dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return bw_error_syscall (err, "idpool: open record %s", name);
  char buf[RECORD_MAX + 1];
  ssize_t n = read (fd, buf, RECORD_MAX + 1);
  if (n < 0)
    return bw_error_syscall (err, "idpool: read record %s", name);
  if (n > RECORD_MAX)
    return bw_error_set (err, EINVAL, "idpool: record %s is too large", name);
  buf[n] = '\0';
  char expect[16];
  if (idpool_record_parse (buf, rec) < 0)
    return bw_error_set (err, EINVAL, "idpool: record %s is malformed; remove it by hand "
                                      "once no container uses that range", name);
  snprintf (expect, sizeof expect, "%" PRIu32, rec->host_start);
  if (strcmp (expect, name) != 0)
    {
      idpool_record_clear (rec);
      return bw_error_set (err, EINVAL, "idpool: record %s names range %s", name, expect);
    }
  return 0;
}

/* Every record, and every leftover temporary file's name in *tmp (may be
 * NULL). A malformed record is an error: refusing beats guessing. */
static int
read_records (int dir_fd, struct record_list *out, char ***tmp, size_t *n_tmp,
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
      ret = read_record (dir_fd, name, &out->items[out->n], err);
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

/* dev:ino of the container's state directory; -ENOENT when it has none. */
static int
owner_dir (struct state_store *st, const char *id, uint64_t *dev, uint64_t *ino,
           struct bw_error *err)
{
  struct state_handle h = STATE_HANDLE_INIT;
  int ret = state_container_open_unlocked (st, id, &h, err);
  if (ret < 0)
    return ret;
  struct stat sb;
  if (fstat (h.dir_fd, &sb) < 0)
    ret = bw_error_syscall (err, "idpool: stat %s", h.dir);
  else
    {
      *dev = sb.st_dev;
      *ino = sb.st_ino;
    }
  state_handle_close (&h);
  return ret;
}

/* The liveness rule of idpool.h: stale only when the owner's directory is
 * gone (ENOENT) or is another directory now. */
static bool
record_is_stale (struct state_store *st, const struct idpool_record *rec)
{
  struct bw_error ignored = { 0 };
  uint64_t dev, ino;
  int ret = owner_dir (st, rec->id, &dev, &ino, &ignored);
  if (ret == -ENOENT)
    return true;
  return ret == 0 && (dev != rec->dev || ino != rec->ino);
}

/* read_records, and the temporary files removed: they only exist while
 * their allocator holds the lock we hold now, so these are from a killed
 * allocator, never a range. */
static int
read_records_tidy (int dir_fd, struct record_list *l, struct bw_error *err)
{
  char **tmp = NULL;
  size_t n_tmp = 0;
  int ret = read_records (dir_fd, l, &tmp, &n_tmp, err);
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
reclaim_locked (int dir_fd, struct state_store *st, unsigned *reclaimed, struct bw_error *err)
{
  struct record_list l = { 0 };
  int ret = read_records_tidy (dir_fd, &l, err);
  for (size_t i = 0; ret == 0 && i < l.n; i++)
    if (record_is_stale (st, &l.items[i]))
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
allocate_pass (int dir_fd, const struct idpool_params *p, const struct idpool_record *want,
               uint32_t *host_start, struct bw_error *err)
{
  struct record_list l = { 0 };
  int ret = read_records_tidy (dir_fd, &l, err);
  for (size_t i = 0; ret == 0 && i < l.n; i++)
    if (strcmp (l.items[i].id, want->id) == 0 && l.items[i].dev == want->dev
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
idpool_allocate (const char *state_root, const struct idpool_params *p,
                 const char *container_id, uint32_t *host_start, struct bw_error *err)
{
  int ret = idpool_params_check (p, err);
  if (ret < 0)
    return ret;
  struct state_store st = STATE_STORE_INIT;
  ret = state_store_open (state_root, false, &st, err);
  if (ret < 0)
    return ret;
  struct idpool_record want = { .id = (char *) container_id };
  ret = owner_dir (&st, container_id, &want.dev, &want.ino, err);
  if (ret < 0)
    {
      state_store_close (&st);
      return bw_error_prefix (err, "idpool: the container's state directory must exist");
    }
  _cleanup_close_ int dir_fd = -1;
  _cleanup_close_ int lock_fd = -1;
  ret = pool_open_locked (st.root, true, &dir_fd, &lock_fd, err);
  if (ret == 0)
    ret = allocate_pass (dir_fd, p, &want, host_start, err);
  if (ret == -ENOSPC)
    {
      ret = reclaim_locked (dir_fd, &st, NULL, err);
      if (ret == 0)
        ret = allocate_pass (dir_fd, p, &want, host_start, err);
    }
  if (ret == -ENOSPC)
    ret = bw_error_set (err, ENOSPC,
                        "idpool: all %" PRIu32 " ranges of %" PRIu32 " IDs from %" PRIu32
                        " are held by live containers",
                        p->n_ranges, p->range_size, p->start);
  state_store_close (&st);
  return ret;
}

int
idpool_release (const char *state_root, const char *container_id, unsigned *released,
                struct bw_error *err)
{
  if (released)
    *released = 0;
  _cleanup_close_ int dir_fd = -1;
  _cleanup_close_ int lock_fd = -1;
  int ret = pool_open_locked (state_root, false, &dir_fd, &lock_fd, err);
  if (ret < 0 || dir_fd < 0)
    return ret;
  struct record_list l = { 0 };
  ret = read_records (dir_fd, &l, NULL, NULL, err);
  for (size_t i = 0; ret == 0 && i < l.n; i++)
    if (strcmp (l.items[i].id, container_id) == 0)
      {
        if (unlinkat (dir_fd, l.names[i], 0) < 0 && errno != ENOENT)
          ret = bw_error_syscall (err, "idpool: remove record %s", l.names[i]);
        else if (released)
          (*released)++;
      }
  record_list_clear (&l);
  return ret;
}

int
idpool_reclaim_stale (const char *state_root, unsigned *reclaimed, struct bw_error *err)
{
  if (reclaimed)
    *reclaimed = 0;
  struct state_store st = STATE_STORE_INIT;
  int ret = state_store_open (state_root, false, &st, err);
  if (ret < 0)
    return ret;
  _cleanup_close_ int dir_fd = -1;
  _cleanup_close_ int lock_fd = -1;
  ret = pool_open_locked (state_root, false, &dir_fd, &lock_fd, err);
  if (ret == 0 && dir_fd >= 0)
    ret = reclaim_locked (dir_fd, &st, reclaimed, err);
  state_store_close (&st);
  return ret;
}
