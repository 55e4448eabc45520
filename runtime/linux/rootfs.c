#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* The symlink at `path` up to `len` (its parent: the first `parent_len`
 * bytes) points at a missing target: the path to create instead, the
 * link's target (taken inside the root) followed by the rest of `path`.
 * -EEXIST when it is not a symlink. */
static int
follow_dangling (int rootfd, const char *path, size_t parent_len, size_t len, char **out)
{
  _cleanup_free_ char *parent = strndup (path, parent_len);
  _cleanup_close_ int dirfd = -1;
  char target[PATH_MAX];
  if (!parent)
    return -ENOMEM;
  size_t start = parent_len;
  while (start < len && path[start] == '/')
    start++;
  _cleanup_free_ char *name = strndup (path + start, len - start);
  if (!name)
    return -ENOMEM;
  int ret = open_in_root (rootfd, parent, O_PATH | O_DIRECTORY, &dirfd);
  if (ret < 0)
    return ret;
  ssize_t n = readlinkat (dirfd, name, target, sizeof target - 1);
  if (n < 0)
    return errno == EINVAL ? -EEXIST : -errno;
  target[n] = '\0';
  /* Relative targets are taken from the link's directory; absolute ones
   * from the root (open_in_root strips the leading slashes). */
  int r = target[0] == '/' ? asprintf (out, "%s%s", target, path + len)
                           : asprintf (out, "%s/%s%s", parent, target, path + len);
  return r < 0 ? -ENOMEM : 0;
}

static int
resolve_depth (int rootfd, const char *path, enum rootfs_create create, int *out, int depth,
               struct bw_error *err);

int
rootfs_resolve (int rootfd, const char *path, enum rootfs_create create, int *out,
                struct bw_error *err)
{
  return resolve_depth (rootfd, path, create, out, 0, err);
}

static int
resolve_depth (int rootfd, const char *path, enum rootfs_create create, int *out, int depth,
               struct bw_error *err)
{
  if (depth > 40)
    return bw_error_set (err, ELOOP, "open %s: %s", path, strerror (ELOOP));
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
          if (ret == -EEXIST)
            {
              /* A dangling symlink: create its target, inside the root. */
              _cleanup_free_ char *redirected = NULL;
              int r = follow_dangling (rootfd, path, parent_len, i, &redirected);
              if (r == -EEXIST)
                return ret;
              if (r < 0)
                return bw_error_set (err, -r, "open %s: %s", prefix, strerror (-r));
              return resolve_depth (rootfd, redirected, create, out, depth + 1, err);
            }
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
  /* Applied to / before the rootfs bind; without MS_REC, also to the mount
   * holding root.path (rootfs_isolate_mount says why). */
  unsigned long before;
  unsigned long after;   /* applied to the new / after pivot (0: none) */
};

/* pivot_root refuses a shared new root or parent, so shared (and
 * unbindable) are set on the new root only after the pivot. Shared ones
 * start as slaves: the root then still receives the host's mounts but
 * sends nothing back (its peer group is a new one). */
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

/* The root of the mount that `dir` lies in (the top one on that path), as
 * an O_PATH fd: walk up until a mount root. ".." never leaves a mount
 * before its root is reached, and stops at the process's root. */
static int
open_mount_root (int dir, int *out, struct bw_error *err)
{
  _cleanup_close_ int cur = openat (dir, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cur < 0)
    return bw_error_syscall (err, "open");
  for (int depth = 0; depth < PATH_MAX / 2; depth++)
    {
      struct statx here, up_st;
      if (statx (cur, "", AT_EMPTY_PATH, STATX_INO, &here) < 0)
        return bw_error_syscall (err, "statx");
      if (!(here.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
        return bw_error_set (err, ENOTSUP, "statx: the kernel does not report mount roots");
      if (here.stx_attributes & STATX_ATTR_MOUNT_ROOT)
        {
          *out = bw_steal_fd (cur);
          return 0;
        }
      _cleanup_close_ int up = openat (cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (up < 0)
        return bw_error_syscall (err, "open ..");
      if (statx (up, "", AT_EMPTY_PATH, STATX_INO, &up_st) < 0)
        return bw_error_syscall (err, "statx ..");
      if (up_st.stx_ino == here.stx_ino && up_st.stx_dev_major == here.stx_dev_major
          && up_st.stx_dev_minor == here.stx_dev_minor)
        {
          /* A chroot that is not a mount root: no mount above it to see. */
          *out = bw_steal_fd (cur);
          return 0;
        }
      close (cur);
      cur = bw_steal_fd (up);
    }
  return bw_error_set (err, ELOOP, "no mount root above it");
}

int
rootfs_isolate_mount (const struct spec *spec, int root_dir, struct bw_error *err)
{
  /* Without MS_REC on /, the mount holding root.path may still be a peer
   * of a host mount (a shared bind of the bundle, or / itself on systemd
   * hosts): the rootfs bind, attached on it, would propagate to the host
   * with every mount made in the container, and pivot_root refuses a
   * shared parent. This mount namespace is the container's own copy, so
   * changing it leaves the host's mount as it is. Private or slave as /
   * is made: a slave rootfs must still receive the host's mounts. */
  const struct propagation *prop;
  _cleanup_close_ int holder = -1;
  int ret = find_propagation (spec, &prop, err);
  if (ret < 0)
    return ret;
  ret = open_mount_root (root_dir, &holder, err);
  if (ret < 0)
    return bw_error_prefix (err, "root.path: find the mount holding %s", spec->root->path);
  struct mount_attr attr = { .propagation = prop->before & ~MS_REC };
  if (sys_mount_setattr (holder, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    return bw_error_syscall (err, "linux.rootfsPropagation: make the mount holding %s %s",
                             spec->root->path, prop->before & MS_SLAVE ? "slave" : "private");
  return 0;
}

int
rootfs_idmap_wanted (const struct spec *spec, bool *wanted, struct bw_error *err)
{
  return spec_annotation_bool (spec, ROOTFS_IDMAP_ANNOTATION, wanted, err);
}

int
rootfs_prepare_idmap (const struct spec *spec, const char *bundle, int *out,
                      struct bw_error *err)
{
  bool wanted;
  *out = -1;
  int ret = rootfs_idmap_wanted (spec, &wanted, err);
  if (ret < 0 || !wanted)
    return ret;
  /* The mount shows the files as the container's user namespace sees
   * them: its maps are the mount's. Joined namespaces bring none. */
  if (!spec->linux || spec->linux->uid_mappings.n == 0 || spec->linux->gid_mappings.n == 0)
    return bw_error_set (err, EINVAL, "annotations." ROOTFS_IDMAP_ANNOTATION ": an idmapped "
                         "root needs linux.uidMappings and linux.gidMappings");
  _cleanup_close_ int dir = -1;
  ret = rootfs_open_dir (spec, bundle, &dir, err);
  if (ret < 0)
    return ret;
  if (rootfs_is_overlay (dir))
    {
      /* Writable even for a read-only root: mount points are made in the
       * upper layer, as runc makes them; root.readonly applies later. */
      ret = rootfs_overlay_idmap (dir, spec->root->path, &spec->linux->uid_mappings,
                                  &spec->linux->gid_mappings, true, out, err);
      return ret < 0 ? bw_error_prefix (err, "root.path: idmap (annotation "
                                        ROOTFS_IDMAP_ANNOTATION "=true)") : 0;
    }
  /* Recursive both ways: a mount below root.path left unmapped would show
   * every file there as nobody. */
  _cleanup_close_ int tree = sys_open_tree (dir, "", AT_EMPTY_PATH | OPEN_TREE_CLONE
                                                       | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (tree < 0)
    return bw_error_syscall (err, "root.path: clone %s", spec->root->path);
  ret = mount_idmap_tree (tree, &spec->linux->uid_mappings, &spec->linux->gid_mappings, true,
                          spec->root->path, err);
  if (ret < 0)
    return bw_error_prefix (err, "root.path: idmap (annotation " ROOTFS_IDMAP_ANNOTATION
                            "=true)");
  *out = bw_steal_fd (tree);
  return 0;
}

int
rootfs_prepare (const struct spec *spec, int root_dir, int idmapped, int *rootfd,
                struct bw_error *err)
{
  /* Ours whatever happens. */
  _cleanup_close_ int tree = idmapped;
  const struct propagation *prop;
  int ret = find_propagation (spec, &prop, err);
  if (ret < 0)
    return ret;
  if (mount (NULL, "/", NULL, prop->before, NULL) < 0)
    return bw_error_syscall (err, "linux.rootfsPropagation: make / %s", prop->name);

  /* The root must be a mount point of its own for pivot_root. */
  if (tree < 0)
    tree = sys_open_tree (root_dir, "", AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC
                                          | AT_RECURSIVE);
  if (tree < 0)
    return bw_error_syscall (err, "root.path: bind %s", spec->root->path);
  /* A clone joins its source's peer group: mounts below root.path that are
   * peers of host mounts would take the container's mounts to the host.
   * As slaves they still receive the host's (private ones stay private). */
  struct mount_attr tree_attr = { .propagation = MS_SLAVE };
  if (sys_mount_setattr (tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &tree_attr, sizeof tree_attr) < 0)
    return bw_error_syscall (err, "root.path: make the mounts below %s slaves", spec->root->path);
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
  /* The old root ends up stacked on "."; detach it without telling the
   * host's mounts about it. It is made rslave through an fd: a path (".")
   * would name the new root below it, and turn the container's shared
   * mounts into private ones. */
  _cleanup_close_ int old_root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (old_root < 0)
    return bw_error_syscall (err, "open the old root");
  if (fchdir (rootfd) < 0)
    return bw_error_syscall (err, "fchdir to the root");
  if (sys_pivot_root (".", ".") < 0)
    return bw_error_syscall (err, "pivot_root");
  struct mount_attr attr = { .propagation = MS_SLAVE };
  if (sys_mount_setattr (old_root, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
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
