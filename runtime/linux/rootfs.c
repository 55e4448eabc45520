#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "linux_mount.h"
#include "linux_rootfs.h"
#include "sys.h"

static int
open_in_root (int rootfd, const char *path, int flags, int *out)
{
  while (*path == '/')
    path++;
  struct open_how how = {
    .flags = (uint64_t) (flags | O_CLOEXEC),
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  int fd = sys_openat2 (rootfd, *path ? path : ".", &how, sizeof how);
  if (fd < 0)
    return -errno;
  *out = fd;
  return 0;
}

int
rootfs_open (int rootfd, const char *path, int flags, int *out, struct bw_error *err)
{
  int ret = open_in_root (rootfd, path, flags, out);
  if (ret < 0)
    return bw_error_set (err, -ret, "open %s: %s", path, strerror (-ret));
  return 0;
}

/* Create the last component of `prefix` (length len) in its parent. */
static int
create_component (int rootfd, const char *path, size_t parent_len, size_t len, bool as_file,
                  struct bw_error *err)
{
  size_t start = parent_len;
  while (start < len && path[start] == '/')
    start++;
  _cleanup_free_ char *parent = strndup (path, parent_len);
  _cleanup_free_ char *name = strndup (path + start, len - start);
  _cleanup_close_ int dirfd = -1;
  if (!parent || !name)
    return bw_error_set (err, ENOMEM, "out of memory");
  /* Never an absolute name: it would ignore dirfd. */
  if (!*name || strchr (name, '/'))
    return bw_error_set (err, EINVAL, "bad path component in %s", path);
  int ret = open_in_root (rootfd, parent, O_PATH | O_DIRECTORY, &dirfd);
  if (ret < 0)
    return bw_error_set (err, -ret, "open %s: %s", *parent ? parent : "/", strerror (-ret));
  if (as_file)
    {
      int fd = openat (dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0)
        return bw_error_syscall (err, "create file %s", path);
      close (fd);
    }
  else if (mkdirat (dirfd, name, 0755) < 0)
    return bw_error_syscall (err, "mkdir %.*s", (int) len, path);
  return 0;
}

int
rootfs_resolve (int rootfd, const char *path, enum rootfs_create create, int *out,
                struct bw_error *err)
{
  int ret = open_in_root (rootfd, path, O_PATH, out);
  if (ret == 0 || ret != -ENOENT || create == ROOTFS_NO_CREATE)
    return ret < 0 ? bw_error_set (err, -ret, "open %s: %s", path, strerror (-ret)) : 0;

  /* Walk the components; each prefix is resolved again from the root so a
   * symlink met on the way still cannot point outside it. */
  size_t total = strlen (path);
  size_t parent_len = 0;
  for (size_t i = 0; i <= total; i++)
    {
      if (i < total && path[i] != '/')
        continue;
      if (i == parent_len || (i == parent_len + 1 && path[parent_len] == '/'))
        {
          parent_len = i;
          continue;
        }
      _cleanup_free_ char *prefix = strndup (path, i);
      _cleanup_close_ int fd = -1;
      if (!prefix)
        return bw_error_set (err, ENOMEM, "out of memory");
      ret = open_in_root (rootfd, prefix, O_PATH, &fd);
      if (ret == -ENOENT)
        {
          bool last = i == total;
          ret = create_component (rootfd, path, parent_len, i, last && create == ROOTFS_CREATE_FILE,
                                  err);
          if (ret < 0)
            return ret;
          ret = open_in_root (rootfd, prefix, O_PATH, &fd);
        }
      if (ret < 0)
        return bw_error_set (err, -ret, "open %s: %s", prefix, strerror (-ret));
      parent_len = i;
    }
  ret = open_in_root (rootfd, path, O_PATH, out);
  if (ret < 0)
    return bw_error_set (err, -ret, "open %s: %s", path, strerror (-ret));
  return 0;
}

struct propagation
{
  const char *name;
  unsigned long before;  /* applied to / before the rootfs bind */
  unsigned long after;   /* applied to the new / after pivot (0: none) */
};

/* pivot_root refuses a shared new root or parent, so shared (and
 * unbindable) are set on the new root only after the pivot. */
static const struct propagation propagations[] = {
  { "private", MS_PRIVATE, 0 },           { "rprivate", MS_PRIVATE | MS_REC, 0 },
  { "slave", MS_SLAVE, 0 },               { "rslave", MS_SLAVE | MS_REC, 0 },
  { "shared", MS_SLAVE | MS_REC, MS_SHARED },
  { "rshared", MS_SLAVE | MS_REC, MS_SHARED | MS_REC },
  { "unbindable", MS_PRIVATE | MS_REC, MS_UNBINDABLE },
  { "runbindable", MS_PRIVATE | MS_REC, MS_UNBINDABLE | MS_REC },
};

static int
find_propagation (const struct spec *spec, const struct propagation **out, struct bw_error *err)
{
  const char *name = spec->linux && spec->linux->rootfs_propagation
                       ? spec->linux->rootfs_propagation : "rprivate";
  for (size_t i = 0; i < sizeof propagations / sizeof propagations[0]; i++)
    if (strcmp (propagations[i].name, name) == 0)
      {
        *out = &propagations[i];
        return 0;
      }
  return bw_error_set (err, EINVAL, "linux.rootfsPropagation: unknown value \"%s\"", name);
}

int
rootfs_open_dir (const struct spec *spec, const char *bundle, int *out, struct bw_error *err)
{
  if (!spec->root || !spec->root->path)
    return bw_error_set (err, EINVAL, "root.path: missing");
  _cleanup_free_ char *path = NULL;
  if (spec->root->path[0] == '/')
    path = strdup (spec->root->path);
  else if (asprintf (&path, "%s/%s", bundle, spec->root->path) < 0)
    path = NULL;
  if (!path)
    return bw_error_set (err, ENOMEM, "out of memory");
  *out = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (*out < 0)
    return bw_error_syscall (err, "root.path: open %s", path);
  return 0;
}

int
rootfs_prepare (const struct spec *spec, int root_dir, int *rootfd, struct bw_error *err)
{
  const struct propagation *prop;
  int ret = find_propagation (spec, &prop, err);
  if (ret < 0)
    return ret;
  if (mount (NULL, "/", NULL, prop->before, NULL) < 0)
    return bw_error_syscall (err, "linux.rootfsPropagation: make / %s", prop->name);

  /* The root must be a mount point of its own for pivot_root. */
  _cleanup_close_ int tree = sys_open_tree (root_dir, "", AT_EMPTY_PATH | OPEN_TREE_CLONE
                                                            | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (tree < 0)
    return bw_error_syscall (err, "root.path: bind %s", spec->root->path);
  ret = mount_attach (tree, root_dir, err);
  if (ret < 0)
    return bw_error_prefix (err, "root.path: bind %s", spec->root->path);
  *rootfd = bw_steal_fd (tree);
  return 0;
}

static int
mask_one (int rootfd, const char *path, struct bw_error *err)
{
  _cleanup_close_ int target = -1;
  _cleanup_close_ int mnt = -1;
  struct stat st;
  int ret = open_in_root (rootfd, path, O_PATH, &target);
  if (ret == -ENOENT)
    return 0;
  if (ret < 0)
    return bw_error_set (err, -ret, "open: %s", strerror (-ret));
  if (fstat (target, &st) < 0)
    return bw_error_syscall (err, "stat");
  if (S_ISDIR (st.st_mode))
    {
      ret = mount_new_fs ("tmpfs", "tmpfs", NULL, 0, MOUNT_ATTR_RDONLY, &mnt, err);
      if (ret < 0)
        return ret;
    }
  else
    {
      mnt = sys_open_tree (AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
      if (mnt < 0)
        return bw_error_syscall (err, "open_tree /dev/null");
    }
  return mount_attach (mnt, target, err);
}

int
rootfs_mask_paths (const struct spec *spec, int rootfd, struct bw_error *err)
{
  const struct spec_strv *p = spec->linux ? &spec->linux->masked_paths : NULL;
  for (size_t i = 0; p && i < p->n; i++)
    {
      int ret = mask_one (rootfd, p->v[i], err);
      if (ret < 0)
        return bw_error_prefix (err, "linux.maskedPaths[%zu]: %s", i, p->v[i]);
    }
  return 0;
}

static int
readonly_one (int rootfd, const char *path, struct bw_error *err)
{
  _cleanup_close_ int target = -1;
  int ret = open_in_root (rootfd, path, O_PATH, &target);
  if (ret == -ENOENT)
    return 0;
  if (ret < 0)
    return bw_error_set (err, -ret, "open: %s", strerror (-ret));
  _cleanup_close_ int tree = sys_open_tree (target, "", AT_EMPTY_PATH | OPEN_TREE_CLONE
                                                          | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (tree < 0)
    return bw_error_syscall (err, "open_tree");
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
  if (sys_mount_setattr (tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
    return bw_error_syscall (err, "mount_setattr");
  return mount_attach (tree, target, err);
}

int
rootfs_readonly_paths (const struct spec *spec, int rootfd, struct bw_error *err)
{
  const struct spec_strv *p = spec->linux ? &spec->linux->readonly_paths : NULL;
  for (size_t i = 0; p && i < p->n; i++)
    {
      int ret = readonly_one (rootfd, p->v[i], err);
      if (ret < 0)
        return bw_error_prefix (err, "linux.readonlyPaths[%zu]: %s", i, p->v[i]);
    }
  return 0;
}

int
rootfs_make_readonly (int rootfd, struct bw_error *err)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
  if (sys_mount_setattr (rootfd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    return bw_error_syscall (err, "root.readonly: remount read-only");
  return 0;
}

static int
pivot (int rootfd, struct bw_error *err)
{
  if (fchdir (rootfd) < 0)
    return bw_error_syscall (err, "fchdir to the root");
  /* The old root ends up stacked on "."; detach it without telling the
   * host's mounts about it. */
  if (sys_pivot_root (".", ".") < 0)
    return bw_error_syscall (err, "pivot_root");
  if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return bw_error_syscall (err, "make the old root rslave");
  if (umount2 (".", MNT_DETACH) < 0)
    return bw_error_syscall (err, "unmount the old root");
  return 0;
}

static int
move_and_chroot (int rootfd, struct bw_error *err)
{
  if (fchdir (rootfd) < 0)
    return bw_error_syscall (err, "fchdir to the root");
  if (mount (".", "/", NULL, MS_MOVE, NULL) < 0)
    return bw_error_syscall (err, "move the root to /");
  if (chroot (".") < 0)
    return bw_error_syscall (err, "chroot");
  return 0;
}

int
rootfs_enter (const struct spec *spec, int rootfd, bool no_pivot, struct bw_error *err)
{
  const struct propagation *prop;
  int ret = find_propagation (spec, &prop, err);
  if (ret == 0)
    ret = no_pivot ? move_and_chroot (rootfd, err) : pivot (rootfd, err);
  if (ret < 0)
    return ret;
  if (chdir ("/") < 0)
    return bw_error_syscall (err, "chdir /");
  if (prop->after && mount (NULL, "/", NULL, prop->after, NULL) < 0)
    return bw_error_syscall (err, "linux.rootfsPropagation: make / %s", prop->name);
  return 0;
}
