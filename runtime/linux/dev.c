#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "linux_dev.h"
#include "linux_mount.h"
#include "linux_rootfs.h"
#include "sys.h"

struct dev_node
{
  const char *path;
  mode_t type;     /* S_IFCHR, S_IFBLK, S_IFIFO */
  unsigned major, minor;
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

static const struct dev_node default_nodes[] = {
  { "/dev/null", S_IFCHR, 1, 3, 0666, 0, 0 },    { "/dev/zero", S_IFCHR, 1, 5, 0666, 0, 0 },
  { "/dev/full", S_IFCHR, 1, 7, 0666, 0, 0 },    { "/dev/random", S_IFCHR, 1, 8, 0666, 0, 0 },
  { "/dev/urandom", S_IFCHR, 1, 9, 0666, 0, 0 }, { "/dev/tty", S_IFCHR, 5, 0, 0666, 0, 0 },
};

static const struct { const char *target, *name; } default_links[] = {
  { "/proc/self/fd", "fd" },       { "/proc/self/fd/0", "stdin" },
  { "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
  { "pts/ptmx", "ptmx" },          { "/proc/kcore", "core" },
};

bool
dev_spec_mounts_dev (const struct spec *spec)
{
  for (size_t i = 0; i < spec->n_mounts; i++)
    {
      const char *d = spec->mounts[i].destination;
      if (!d)
        continue;
      while (*d == '/')
        d++;
      if (strncmp (d, "dev", 3) == 0 && (d[3] == '\0' || strspn (d + 3, "/") == strlen (d + 3)))
        return true;
    }
  return false;
}

int
dev_mount_tmpfs (int rootfd, const char *label, struct bw_error *err)
{
  _cleanup_free_ char *context = NULL;
  const char *data[] = { "mode=755", "size=65536k", NULL };
  if (label && asprintf (&context, "context=%s", label) < 0)
    return bw_error_set (err, ENOMEM, "out of memory");
  data[2] = context;
  _cleanup_close_ int mnt = -1;
  _cleanup_close_ int target = -1;
  int ret = mount_new_fs ("tmpfs", "tmpfs", data, context ? 3 : 2,
                          MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_STRICTATIME, &mnt,
                          err);
  if (ret == 0)
    ret = rootfs_resolve (rootfd, "/dev", ROOTFS_CREATE_DIR, &target, err);
  if (ret == 0)
    ret = mount_attach (mnt, target, err);
  if (ret < 0)
    return bw_error_prefix (err, "mount tmpfs to /dev");
  return 0;
}

/* Split "/a/b/c" into the parent fd (created if missing) and "c". */
static int
open_parent (int rootfd, const char *path, int *dirfd, const char **name, struct bw_error *err)
{
  const char *slash = strrchr (path, '/');
  *name = slash ? slash + 1 : path;
  if (**name == '\0')
    return bw_error_set (err, EINVAL, "not a file path");
  _cleanup_free_ char *parent = strndup (path, slash ? (size_t) (slash - path) : 0);
  if (!parent)
    return bw_error_set (err, ENOMEM, "out of memory");
  return rootfs_resolve (rootfd, *parent ? parent : "/", ROOTFS_CREATE_DIR, dirfd, err);
}

/* In a user namespace mknod is refused: bind the host's node over an empty
 * file instead. */
static int
bind_host_node (int rootfd, const struct dev_node *d, struct bw_error *err)
{
  _cleanup_close_ int target = -1;
  _cleanup_close_ int tree = sys_open_tree (AT_FDCWD, d->path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0)
    return bw_error_syscall (err, "bind from the host");
  int ret = rootfs_resolve (rootfd, d->path, ROOTFS_CREATE_FILE, &target, err);
  if (ret < 0)
    return ret;
  return mount_attach (tree, target, err);
}

static int
make_node (int rootfd, const struct dev_node *d, bool in_userns, struct bw_error *err)
{
  _cleanup_close_ int dirfd = -1;
  const char *name;
  int ret = open_parent (rootfd, d->path, &dirfd, &name, err);
  if (ret < 0)
    return ret;
  /* A node the config asks for replaces whatever the image has there. */
  if (unlinkat (dirfd, name, 0) < 0 && errno != ENOENT)
    return bw_error_syscall (err, "remove the existing file");
  if (in_userns)
    return bind_host_node (rootfd, d, err);
  if (mknodat (dirfd, name, d->type | (d->mode & 07777), makedev (d->major, d->minor)) < 0)
    return bw_error_syscall (err, "mknod");
  if (fchownat (dirfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
    return bw_error_syscall (err, "chown");
  return 0;
}

static int
spec_device_node (const struct spec_device *s, size_t i, struct dev_node *d, struct bw_error *err)
{
  if (!s->path || s->path[0] != '/')
    return bw_error_set (err, EINVAL, "linux.devices[%zu].path: must be absolute", i);
  if (!s->type || strlen (s->type) != 1 || !strchr ("cubp", s->type[0]))
    return bw_error_set (err, EINVAL, "linux.devices[%zu].type: must be c, u, b or p", i);
  d->path = s->path;
  d->type = s->type[0] == 'b' ? S_IFBLK : s->type[0] == 'p' ? S_IFIFO : S_IFCHR;
  d->major = s->major;
  d->minor = s->minor;
  d->mode = s->file_mode.set ? s->file_mode.value : 0666;
  d->uid = s->uid.set ? s->uid.value : 0;
  d->gid = s->gid.set ? s->gid.value : 0;
  return 0;
}

int
dev_populate (const struct spec *spec, int rootfd, bool in_userns, struct bw_error *err)
{
  int ret;
  for (size_t i = 0; i < sizeof default_nodes / sizeof default_nodes[0]; i++)
    {
      ret = make_node (rootfd, &default_nodes[i], in_userns, err);
      if (ret < 0)
        return bw_error_prefix (err, "create %s", default_nodes[i].path);
    }
  for (size_t i = 0; spec->linux && i < spec->linux->n_devices; i++)
    {
      struct dev_node d;
      ret = spec_device_node (&spec->linux->devices[i], i, &d, err);
      if (ret < 0)
        return ret;
      ret = make_node (rootfd, &d, in_userns, err);
      if (ret < 0)
        return bw_error_prefix (err, "linux.devices[%zu]: create %s", i, d.path);
    }

  _cleanup_close_ int devfd = -1;
  ret = rootfs_resolve (rootfd, "/dev", ROOTFS_CREATE_DIR, &devfd, err);
  if (ret < 0)
    return ret;
  for (size_t i = 0; i < sizeof default_links / sizeof default_links[0]; i++)
    {
      if (strcmp (default_links[i].name, "core") == 0 && access ("/proc/kcore", F_OK) < 0)
        continue;
      if (symlinkat (default_links[i].target, devfd, default_links[i].name) < 0
          && errno != EEXIST)
        return bw_error_syscall (err, "symlink /dev/%s", default_links[i].name);
    }
  for (const char *const *dir = (const char *const[]) { "shm", "pts", NULL }; *dir; dir++)
    if (mkdirat (devfd, *dir, 0755) < 0 && errno != EEXIST)
      return bw_error_syscall (err, "mkdir /dev/%s", *dir);
  return 0;
}
