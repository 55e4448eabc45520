/* state: ids, the state root, claiming / locking / removing container
 * directories, and listing them. Small-file I/O lives in state_io.c,
 * state.json in state_json.c, the `state` output in state_output.c, process
 * liveness in state_proc.c. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "state.h"
#include "state_internal.h"

/* Ids that cannot be used as a directory name as they are (longer than
 * NAME_MAX, or starting with '.', which list and our temporary names use) are
 * stored under ENCODED_PREFIX + a hash, with the real id in ID_FILE. '@' is
 * not an id character, so an encoded name never equals a plain id. */
#define ENCODED_PREFIX '@'
#define ID_FILE "id"
#define DIR_NAME_MAX (NAME_MAX + 1)
/* Deeper trees are not ours: a container dir holds a handful of files. */
#define REMOVE_MAX_DEPTH 16

static bool
id_char_ok (unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
         || c == '.' || c == '+' || c == '-';
}


int
state_validate_id (const char *id, struct bw_error *err)
{
  if (id == NULL || id[0] == '\0')
    return bw_error_set (err, EINVAL, "container id is empty");

  size_t len = 0;
  bool ok = true;
  for (const char *p = id; *p && ok; p++, len++)
    ok = id_char_ok ((unsigned char) *p) && len < STATE_ID_MAX;
  if (ok && (strcmp (id, ".") == 0 || strcmp (id, "..") == 0))
    ok = false;
  if (!ok)
    {
      char q[300];
      bw_quote (id, 64, q, sizeof q);
      return bw_error_set (err, EINVAL,
                           "invalid container id %s: use 1 to %d characters of A-Z a-z 0-9 _ . + -",
                           q, STATE_ID_MAX);
    }
  return 0;
}

/* FNV-1a, 128 bits. Not a cryptographic hash: the real id is kept in ID_FILE
 * and compared on open, so a collision is refused, never confused. */
static void
encoded_dir_name (const char *id, char out[DIR_NAME_MAX])
{
  const unsigned __int128 prime = ((unsigned __int128) 0x1000000ULL << 64) | 0x13bULL;
  unsigned __int128 h = ((unsigned __int128) 0x6c62272e07bb0142ULL << 64) | 0x62b821756295c58dULL;
  for (const unsigned char *p = (const unsigned char *) id; *p; p++)
    {
      h ^= *p;
      h *= prime;
    }
  snprintf (out, DIR_NAME_MAX, "%c%016llx%016llx", ENCODED_PREFIX,
            (unsigned long long) (h >> 64), (unsigned long long) h);
}

static bool
id_is_encoded (const char *id)
{
  return id[0] == '.' || strlen (id) > NAME_MAX;
}

static void
dir_name_for (const char *id, char out[DIR_NAME_MAX])
{
  if (id_is_encoded (id))
    encoded_dir_name (id, out);
  else
    snprintf (out, DIR_NAME_MAX, "%s", id);
}

static int
flock_retry (int fd, int op)
{
  int ret;
  do
    ret = flock (fd, op);
  while (ret < 0 && errno == EINTR);
  return ret;
}

/* ------------------------------------------------------------ the root */

/* mkdir -p, each missing component with mode 0700. */
static int
mkdir_parents (const char *path, struct bw_error *err)
{
  _cleanup_free_ char *copy = strdup (path);
  if (!copy)
    return bw_error_set (err, ENOMEM, "out of memory");
  for (char *p = copy + 1;; p++)
    {
      if (*p != '/' && *p != '\0')
        continue;
      char saved = *p;
      *p = '\0';
      if (mkdir (copy, 0700) < 0 && errno != EEXIST)
        return bw_error_syscall (err, "create state root: mkdir %s", copy);
      *p = saved;
      if (saved == '\0')
        break;
    }
  return 0;
}

static char *
absolute_path (const char *path)
{
  if (path[0] == '/')
    return strdup (path);
  _cleanup_free_ char *cwd = getcwd (NULL, 0);
  return cwd ? state_path_join (cwd, path) : NULL;
}

int
state_store_open (const char *root, bool create, struct state_store *st, struct bw_error *err)
{
  st->root = NULL;
  st->root_fd = -1;
  if (root == NULL || root[0] == '\0')
    return bw_error_set (err, EINVAL, "state root is empty");

  _cleanup_free_ char *abs = absolute_path (root);
  if (!abs)
    return bw_error_syscall (err, "state root %s", root);
  if (create)
    {
      int ret = mkdir_parents (abs, err);
      if (ret < 0)
        return ret;
    }

  char *real = realpath (abs, NULL);
  if (!real)
    {
      /* Without `create`, a missing root is an empty store: nothing exists
       * in it, and read-only commands must not create it. */
      if (errno == ENOENT && !create)
        {
          st->root = bw_steal_ptr (abs);
          return 0;
        }
      return bw_error_syscall (err, "state root %s", abs);
    }
  st->root = real;
  st->root_fd = open (real, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (st->root_fd < 0)
    {
      int ret = bw_error_syscall (err, "open state root %s", real);
      state_store_close (st);
      return ret;
    }
  return 0;
}

void
state_store_close (struct state_store *st)
{
  if (!st)
    return;
  if (st->root_fd >= 0)
    close (st->root_fd);
  st->root_fd = -1;
  free (st->root);
  st->root = NULL;
}

/* ------------------------------------------------------------ containers */

static void
handle_reset (struct state_handle *h)
{
  h->id = NULL;
  h->dir = NULL;
  h->dir_fd = -1;
}

void
state_handle_close (struct state_handle *h)
{
  if (!h)
    return;
  if (h->dir_fd >= 0)
    close (h->dir_fd);
  free (h->id);
  free (h->dir);
  handle_reset (h);
}

static int
handle_fill (struct state_store *st, const char *id, const char *name, int fd,
             struct state_handle *h, struct bw_error *err)
{
  h->id = strdup (id);
  h->dir = state_path_join (st->root, name);
  h->dir_fd = fd;
  if (!h->id || !h->dir)
    {
      state_handle_close (h);
      return bw_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

static int
not_exist (const char *id, struct bw_error *err)
{
  char q[300];
  bw_quote (id, 64, q, sizeof q);
  return bw_error_set (err, ENOENT, "container %s does not exist", q);
}

static int
rename_noreplace (int dirfd, const char *from, const char *to)
{
  return (int) syscall (SYS_renameat2, dirfd, from, dirfd, to, 1 /* RENAME_NOREPLACE */);
}

static int remove_tree_at (int dirfd, const char *shown, int depth, struct bw_error *err);

/* The real id of an encoded directory, written before the directory gets
 * its name. */
static int
write_id_file (int dirfd, const char *id, struct bw_error *err)
{
  _cleanup_close_ int fd = openat (dirfd, ID_FILE, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW
                                   | O_CLOEXEC, 0600);
  if (fd < 0 || state_write_all (fd, id, strlen (id)) < 0)
    return bw_error_syscall (err, "write the id file of container %.64s...", id);
  return 0;
}

/* Whether an encoded directory holds `id` (and not a colliding one). */
static bool
id_file_matches (int dirfd, const char *id)
{
  _cleanup_free_ char *stored = NULL;
  if (state_read_file_at (dirfd, ID_FILE, ID_FILE, STATE_ID_MAX, &stored, NULL, NULL) < 0)
    return false;
  return strcmp (stored, id) == 0;
}

/* Remove a directory entry of the root and everything below it. */
static int
remove_dir_entry (int root_fd, const char *name, const char *shown, struct bw_error *err)
{
  int fd = openat (root_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : bw_error_syscall (err, "open %s", shown);
  int ret = remove_tree_at (fd, shown, 0, err);
  close (fd);
  if (ret == 0 && unlinkat (root_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    ret = bw_error_syscall (err, "remove %s", shown);
  return ret;
}

/* Fallback for filesystems without renameat2: mkdir is atomic too, but the
 * directory is visible for a moment before it is locked. */
static int
create_plain (struct state_store *st, const char *id, const char *name, struct state_handle *h,
              struct bw_error *err)
{
  if (mkdirat (st->root_fd, name, 0700) < 0)
    {
      if (errno == EEXIST)
        return bw_error_set (err, EEXIST, "container with id exists: %s", id);
      return bw_error_syscall (err, "create %s/%s", st->root, name);
    }
  int fd = openat (st->root_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || flock_retry (fd, LOCK_EX) < 0)
    {
      int ret = bw_error_syscall (err, "open %s/%s", st->root, name);
      if (fd >= 0)
        close (fd);
      unlinkat (st->root_fd, name, AT_REMOVEDIR);
      return ret;
    }
  int ret = id_is_encoded (id) ? write_id_file (fd, id, err) : 0;
  if (ret < 0)
    {
      close (fd);
      remove_dir_entry (st->root_fd, name, name, NULL);
      return ret;
    }
  return handle_fill (st, id, name, fd, h, err);
}

/* A leftover of a runtime killed halfway through a create (".new-") or a
 * remove (".del-") is swept when it is old and nobody holds its lock (a
 * live create or remove holds it from the start, so the age only covers
 * the instant between mkdir and flock). Best effort: what can't be removed
 * (a mount left inside) stays. */
#define LEFTOVER_MIN_AGE 60

static void
sweep_leftovers (struct state_store *st)
{
  int fd = openat (st->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  if (!d)
    {
      if (fd >= 0)
        close (fd);
      return;
    }
  time_t now = time (NULL);
  struct dirent *e;
  while ((e = readdir (d)) != NULL)
    {
      const char *n = e->d_name;
      struct stat sb;
      if ((strncmp (n, ".new-", 5) != 0 && strncmp (n, ".del-", 5) != 0)
          || fstatat (st->root_fd, n, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR (sb.st_mode)
          || now - sb.st_mtime < LEFTOVER_MIN_AGE)
        continue;
      _cleanup_close_ int dir = openat (st->root_fd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW
                                                          | O_CLOEXEC);
      if (dir < 0 || flock (dir, LOCK_EX | LOCK_NB) < 0)
        continue;
      struct bw_error ignored = { 0 };
      if (remove_tree_at (dir, n, 0, &ignored) == 0)
        unlinkat (st->root_fd, n, AT_REMOVEDIR);
    }
  closedir (d);
}

int
state_container_create (struct state_store *st, const char *id, struct state_handle *h,
                        struct bw_error *err)
{
  handle_reset (h);
  int ret = state_validate_id (id, err);
  if (ret < 0)
    return ret;
  if (st->root_fd < 0)
    return bw_error_set (err, ENOENT, "state root %s does not exist", st->root);

  sweep_leftovers (st);
  char name[DIR_NAME_MAX], tmp[64];
  dir_name_for (id, name);
  ret = state_random_name (".new-", tmp, sizeof tmp, err);
  if (ret < 0)
    return ret;

  /* Prepare the directory under a private name, locked, then give it its
   * name in one step: it is never visible unlocked or half made, and of two
   * concurrent creates exactly one rename succeeds. */
  if (mkdirat (st->root_fd, tmp, 0700) < 0)
    return bw_error_syscall (err, "create %s/%s", st->root, tmp);
  int fd = openat (st->root_fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    ret = bw_error_syscall (err, "open %s/%s", st->root, tmp);
  else if (fchmod (fd, 0700) < 0)
    ret = bw_error_syscall (err, "chmod %s/%s", st->root, tmp);
  else if (flock_retry (fd, LOCK_EX) < 0)
    ret = bw_error_syscall (err, "lock %s/%s", st->root, tmp);
  else if (id_is_encoded (id))
    ret = write_id_file (fd, id, err);
  if (ret == 0 && rename_noreplace (st->root_fd, tmp, name) == 0)
    return handle_fill (st, id, name, fd, h, err);

  int saved = errno;
  if (fd >= 0)
    close (fd);
  remove_dir_entry (st->root_fd, tmp, tmp, NULL);
  if (ret < 0)
    return ret;
  if (saved == EEXIST)
    return bw_error_set (err, EEXIST, "container with id exists: %s", id);
  if (saved == EINVAL || saved == ENOSYS)
    return create_plain (st, id, name, h, err);
  errno = saved;
  return bw_error_syscall (err, "rename %s/%s to %s", st->root, tmp, name);
}

static int open_container (struct state_store *st, const char *id, bool lock,
                           struct state_handle *h, struct bw_error *err);

int
state_container_open (struct state_store *st, const char *id, struct state_handle *h,
                      struct bw_error *err)
{
  return open_container (st, id, true, h, err);
}

int
state_container_open_unlocked (struct state_store *st, const char *id, struct state_handle *h,
                               struct bw_error *err)
{
  return open_container (st, id, false, h, err);
}

static int
open_container (struct state_store *st, const char *id, bool lock, struct state_handle *h,
                struct bw_error *err)
{
  handle_reset (h);
  int ret = state_validate_id (id, err);
  if (ret < 0)
    return ret;
  if (st->root_fd < 0)
    return not_exist (id, err);

  char name[DIR_NAME_MAX];
  dir_name_for (id, name);
  /* Retried only when the container was deleted and created again while we
   * waited for the lock; a few rounds are plenty. */
  for (int attempt = 0; attempt < 8; attempt++)
    {
      _cleanup_close_ int fd = openat (st->root_fd, name,
                                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT)
        return not_exist (id, err);
      if (fd < 0)
        return bw_error_syscall (err, "open %s/%s", st->root, name);
      if (lock && flock_retry (fd, LOCK_EX) < 0)
        return bw_error_syscall (err, "lock %s/%s", st->root, name);

      /* A delete may have run while we waited: the name must still lead to
       * the directory we locked. */
      struct stat locked, current;
      if (fstat (fd, &locked) < 0)
        return bw_error_syscall (err, "stat %s/%s", st->root, name);
      if (fstatat (st->root_fd, name, &current, AT_SYMLINK_NOFOLLOW) < 0)
        {
          if (errno == ENOENT)
            return not_exist (id, err);
          return bw_error_syscall (err, "stat %s/%s", st->root, name);
        }
      if (locked.st_dev != current.st_dev || locked.st_ino != current.st_ino)
        continue;
      if (id_is_encoded (id) && !id_file_matches (fd, id))
        return not_exist (id, err);
      return handle_fill (st, id, name, bw_steal_fd (fd), h, err);
    }
  char q[300];
  bw_quote (id, 64, q, sizeof q);
  return bw_error_set (err, EAGAIN, "container %s keeps being replaced; try again", q);
}

int
state_container_remove (struct state_store *st, struct state_handle *h, struct bw_error *err)
{
  if (h->dir_fd < 0 || h->id == NULL)
    return bw_error_set (err, EBADF, "remove container: the handle is not open");
  if (st->root_fd < 0)
    {
      state_handle_close (h);
      return bw_error_set (err, ENOENT, "state root %s does not exist", st->root);
    }

  char name[DIR_NAME_MAX], grave[64];
  dir_name_for (h->id, name);
  int ret = state_random_name (".del-", grave, sizeof grave, err);
  /* Hide the directory first: processes waiting for the lock then find the
   * container gone, and a crash halfway leaves nothing that looks like a
   * half-removed container. */
  if (ret == 0 && renameat (st->root_fd, name, st->root_fd, grave) < 0)
    ret = bw_error_syscall (err, "rename %s", h->dir);
  if (ret == 0)
    {
      ret = remove_tree_at (h->dir_fd, h->dir, 0, err);
      if (ret == 0 && unlinkat (st->root_fd, grave, AT_REMOVEDIR) < 0)
        ret = bw_error_syscall (err, "remove %s", h->dir);
      /* Could not empty it (a mount inside?): put it back so that delete
       * can be retried. */
      if (ret < 0)
        rename_noreplace (st->root_fd, grave, name);
    }
  state_handle_close (h);
  return ret;
}

static int
remove_tree_at (int dirfd, const char *shown, int depth, struct bw_error *err)
{
  if (depth > REMOVE_MAX_DEPTH)
    return bw_error_set (err, ELOOP, "remove %s: nested too deeply", shown);
  /* A new open file description: readdir must not move the offset of the
   * caller's fd (which may hold the container's lock). */
  int fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return bw_error_syscall (err, "open %s", shown);
  DIR *d = fdopendir (fd);
  if (!d)
    {
      int ret = bw_error_syscall (err, "open %s", shown);
      close (fd);
      return ret;
    }
  int ret = 0;
  struct dirent *e;
  while (ret == 0 && (errno = 0, e = readdir (d)) != NULL)
    {
      const char *n = e->d_name;
      if (strcmp (n, ".") == 0 || strcmp (n, "..") == 0)
        continue;
      if (unlinkat (dirfd, n, 0) == 0 || errno == ENOENT)
        continue;
      _cleanup_free_ char *sub_shown = state_path_join (shown, n);
      if (errno != EISDIR)
        {
          ret = bw_error_syscall (err, "remove %s", sub_shown ? sub_shown : n);
          break;
        }
      int sub = openat (dirfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0)
        {
          ret = bw_error_syscall (err, "open %s", sub_shown ? sub_shown : n);
          break;
        }
      ret = remove_tree_at (sub, sub_shown ? sub_shown : n, depth + 1, err);
      close (sub);
      if (ret == 0 && unlinkat (dirfd, n, AT_REMOVEDIR) < 0)
        ret = bw_error_syscall (err, "remove %s", sub_shown ? sub_shown : n);
    }
  if (ret == 0 && errno != 0 && e == NULL)
    ret = bw_error_syscall (err, "read directory %s", shown);
  closedir (d);
  return ret;
}

/* ------------------------------------------------------------ listing */

/* The id stored under directory entry `name`, or NULL when the entry is not
 * a container (a foreign file, a leftover temporary, a corrupt id file). */
static char *
entry_id (int root_fd, const char *name)
{
  struct stat sb;
  if (name[0] == '.' || fstatat (root_fd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0
      || !S_ISDIR (sb.st_mode))
    return NULL;
  if (name[0] != ENCODED_PREFIX)
    return state_validate_id (name, NULL) == 0 ? strdup (name) : NULL;

  _cleanup_close_ int fd = openat (root_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  _cleanup_free_ char *id = NULL;
  char expected[DIR_NAME_MAX];
  if (fd < 0 || state_read_file_at (fd, ID_FILE, ID_FILE, STATE_ID_MAX, &id, NULL, NULL) < 0
      || state_validate_id (id, NULL) < 0 || !id_is_encoded (id))
    return NULL;
  encoded_dir_name (id, expected);
  return strcmp (expected, name) == 0 ? bw_steal_ptr (id) : NULL;
}

static int
compare_ids (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
state_list (struct state_store *st, char ***ids, struct bw_error *err)
{
  *ids = NULL;
  size_t n = 0, cap = 16;
  _cleanup_strv_ char **v = calloc (cap, sizeof *v);
  if (!v)
    return bw_error_set (err, ENOMEM, "out of memory");
  if (st->root_fd < 0)
    {
      *ids = bw_steal_ptr (v);
      return 0;
    }

  int fd = openat (st->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return bw_error_syscall (err, "open state root %s", st->root);
  DIR *d = fdopendir (fd);
  if (!d)
    {
      int ret = bw_error_syscall (err, "open state root %s", st->root);
      close (fd);
      return ret;
    }
  int ret = 0;
  struct dirent *e;
  while ((errno = 0, e = readdir (d)) != NULL)
    {
      char *id = entry_id (st->root_fd, e->d_name);
      if (!id)
        continue;
      if (n + 1 >= cap)
        {
          char **bigger = realloc (v, cap * 2 * sizeof *v);
          if (!bigger)
            {
              free (id);
              ret = bw_error_set (err, ENOMEM, "out of memory");
              break;
            }
          v = bigger;
          cap *= 2;
        }
      v[n++] = id;
      v[n] = NULL;
    }
  if (ret == 0 && e == NULL && errno != 0)
    ret = bw_error_syscall (err, "read state root %s", st->root);
  closedir (d);
  if (ret < 0)
    return ret;
  qsort (v, n, sizeof *v, compare_ids);
  *ids = bw_steal_ptr (v);
  return 0;
}
