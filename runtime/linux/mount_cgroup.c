/* Config mounts of type "cgroup", made the way runc makes them on each host
 * layout. On a cgroup v2 host: one cgroup2 mount at the destination. On a
 * v1 or hybrid host: a tmpfs at the destination holding one mount per
 * hierarchy the init is in (<dest>/<name>, name as the host's mount point:
 * cpu, memory, "cpu,cpuacct" with cpu and cpuacct symlinks, systemd,
 * unified).
 *
 * Each hierarchy shows only the container's own cgroup. In a cgroup
 * namespace of its own the container gets fresh mounts, which the kernel
 * roots at the namespace's root (allowed in a user namespace that owns the
 * cgroup namespace). Without one, a fresh mount would show the host's whole
 * tree (and a v1 one may not be made in a user namespace at all), so the
 * host's directory of the init's cgroup is bind mounted instead.
 *
 * Runs in the init before the pivot: its mount namespace is still a copy of
 * the host's, /proc/self/cgroup gives its current cgroup (the one it entered
 * before the mounts) and /proc/self/mountinfo the host's hierarchies, both
 * in the same cgroup namespace view. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup.h"
#include "cleanup.h"
#include "linux_mount.h"
#include "linux_rootfs.h"
#include "sys.h"

void
mount_cgroup_hierarchies_free (struct cgroup_hierarchy *h, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (h[i].controllers);
      free (h[i].path);
      free (h[i].name);
      free (h[i].source);
    }
  free (h);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void
unescape (char *s)
{
  char *out = s;
  while (*s)
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
          && s[3] <= '7')
        {
          *out++ = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
          s += 4;
        }
      else
        *out++ = *s++;
    }
  *out = '\0';
}

/* Whether every item of comma list `want` is an item of comma list `have`. */
static bool
list_contains_all (const char *have, const char *want)
{
  while (*want)
    {
      size_t len = strcspn (want, ",");
      bool found = false;
      for (const char *h = have; *h && !found;)
        {
          size_t hlen = strcspn (h, ",");
          found = hlen == len && strncmp (h, want, len) == 0;
          h += hlen + (h[hlen] == ',');
        }
      if (!found)
        return false;
      want += len + (want[len] == ',');
    }
  return true;
}

/* The host's mount of hierarchy `h` below /sys/fs/cgroup (or at it, for a
 * v2 host): sets h->name and, when `path` lies below the mount's root,
 * h->source. 0 when found, -ENOENT when the host has none. */
static int
find_host_mount (int procfd, struct cgroup_hierarchy *h)
{
  _cleanup_close_ int fd = openat (procfd, "self/mountinfo", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  _cleanup_fclose_ FILE *f = fdopen (fd, "r");
  if (!f)
    return -errno;
  fd = -1;
  _cleanup_free_ char *line = NULL;
  size_t size = 0;
  while (getline (&line, &size, f) > 0)
    {
      /* id parent dev root mountpoint options [optional...] - type source super */
      char *sep = strstr (line, " - ");
      if (!sep)
        continue;
      *sep = '\0';
      char *save = NULL, *fields[5];
      int n = 0;
      for (char *t = strtok_r (line, " ", &save); t; t = strtok_r (NULL, " ", &save))
        if (n < 5)
          fields[n++] = t;
      save = NULL;
      char *type = strtok_r (sep + 3, " \n", &save);
      char *source = type ? strtok_r (NULL, " \n", &save) : NULL;
      char *super = source ? strtok_r (NULL, " \n", &save) : NULL;
      if (n < 5)
        continue;
      if (!super || strcmp (type, h->v2 ? "cgroup2" : "cgroup") != 0)
        continue;
      char *root = fields[3], *mountpoint = fields[4];
      unescape (root);
      unescape (mountpoint);
      if (strncmp (mountpoint, CGROUP_ROOT, strlen (CGROUP_ROOT)) != 0
          || (mountpoint[strlen (CGROUP_ROOT)] != '/' && mountpoint[strlen (CGROUP_ROOT)] != '\0'))
        continue;
      if (!h->v2 && !list_contains_all (super, h->controllers))
        continue;
      const char *base = strrchr (mountpoint, '/') + 1;
      h->name = strdup (base);
      /* The init's cgroup relative to the mount's root: both paths are in
       * our cgroup namespace's view. */
      size_t rlen = strcmp (root, "/") == 0 ? 0 : strlen (root);
      /* A ".." (a cgroup outside our cgroup namespace) would climb out of
       * the mount point: no source then. */
      bool climbs = strstr (h->path, "/..") != NULL;
      if (!climbs && strncmp (h->path, root, rlen) == 0
          && (h->path[rlen] == '/' || h->path[rlen] == '\0'))
        {
          if (asprintf (&h->source, "%s%s", mountpoint, h->path + rlen) < 0)
            h->source = NULL;
          if (!h->source)
            return -ENOMEM;
        }
      return h->name ? 0 : -ENOMEM;
    }
  return -ENOENT;
}

int
mount_cgroup_hierarchies (int procfd, bool v2_host, struct cgroup_hierarchy **out,
                          size_t *n_out, struct bw_error *err)
{
  _cleanup_close_ int fd = openat (procfd, "self/cgroup", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return bw_error_syscall (err, "open /proc/self/cgroup");
  _cleanup_fclose_ FILE *f = fdopen (fd, "r");
  if (!f)
    return bw_error_syscall (err, "fdopen /proc/self/cgroup");
  fd = -1;
  struct cgroup_hierarchy *list = NULL;
  size_t n = 0;
  _cleanup_free_ char *line = NULL;
  size_t size = 0;
  int ret = 0;
  while (ret == 0 && getline (&line, &size, f) > 0)
    {
      line[strcspn (line, "\n")] = '\0';
      char *controllers = strchr (line, ':');
      char *path = controllers ? strchr (controllers + 1, ':') : NULL;
      if (!path)
        continue;
      *controllers++ = '\0';
      *path++ = '\0';
      bool v2 = strcmp (line, "0") == 0 && !*controllers;
      /* A v2 host shows only its unified line; v1 lines there are stale. */
      if (v2_host && !v2)
        continue;
      struct cgroup_hierarchy *grown = realloc (list, (n + 1) * sizeof *list);
      if (!grown)
        {
          ret = bw_error_set (err, ENOMEM, "out of memory");
          break;
        }
      list = grown;
      struct cgroup_hierarchy *h = &list[n++];
      memset (h, 0, sizeof *h);
      h->v2 = v2;
      h->controllers = strdup (controllers);
      h->path = strdup (path);
      if (!h->controllers || !h->path)
        ret = bw_error_set (err, ENOMEM, "out of memory");
      int r = ret == 0 ? find_host_mount (procfd, h) : 0;
      if (r == -ENOENT)
        {
          /* Not mounted on the host: nothing to show the container. */
          free (h->controllers);
          free (h->path);
          n--;
        }
      else if (r < 0)
        ret = bw_error_set (err, -r, "read /proc/self/mountinfo: %s", strerror (-r));
    }
  if (ret < 0)
    {
      mount_cgroup_hierarchies_free (list, n);
      return ret;
    }
  *out = list;
  *n_out = n;
  return 0;
}

static int
set_attrs (int mntfd, unsigned int attr, bool recursive, struct bw_error *err)
{
  struct mount_attr a = { .attr_set = attr };
  if (attr && sys_mount_setattr (mntfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a,
                                 sizeof a) < 0)
    return bw_error_syscall (err, "mount_setattr");
  return 0;
}

/* A detached mount showing the container's cgroup in hierarchy `h`. */
static int
make_hierarchy (const struct cgroup_hierarchy *h, bool cgroupns, unsigned int attr, int *out,
                struct bw_error *err)
{
  if (cgroupns)
    {
      if (h->v2)
        return mount_new_fs ("cgroup2", "cgroup2", NULL, 0, attr, out, err);
      /* Each controller (or name=...) is a parameter of cgroup v1. */
      _cleanup_free_ char *copy = strdup (h->controllers);
      const char *params[16];
      size_t n = 0;
      if (!copy)
        return bw_error_set (err, ENOMEM, "out of memory");
      char *save = NULL;
      for (char *t = strtok_r (copy, ",", &save); t && n < 16; t = strtok_r (NULL, ",", &save))
        params[n++] = t;
      return mount_new_fs ("cgroup", "cgroup", params, n, attr, out, err);
    }
  if (!h->source)
    return bw_error_set (err, ENOENT, "the init's cgroup %s is outside the host's mount of %s",
                         h->path, h->v2 ? "cgroup2" : h->controllers);
  _cleanup_close_ int fd = sys_open_tree (AT_FDCWD, h->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (fd < 0)
    return bw_error_syscall (err, "open_tree %s", h->source);
  int ret = set_attrs (fd, attr, false, err);
  if (ret < 0)
    return ret;
  *out = bw_steal_fd (fd);
  return 0;
}

/* Attach `mntfd` onto `target` and keep host mounts from propagating in. */
static int
attach_private (int mntfd, int target, struct bw_error *err)
{
  int ret = mount_attach (mntfd, target, err);
  struct mount_attr a = { .propagation = MS_PRIVATE };
  if (ret == 0 && sys_mount_setattr (mntfd, "", AT_EMPTY_PATH, &a, sizeof a) < 0)
    ret = bw_error_syscall (err, "mount_setattr private");
  return ret;
}

/* <dest>/<name> for one v1-host hierarchy, and symlinks for comounted
 * controllers (cpu -> cpu,cpuacct). */
static int
add_hierarchy (int tmpfs, const struct cgroup_hierarchy *h, bool cgroupns, unsigned int attr,
               struct bw_error *err)
{
  _cleanup_close_ int mntfd = -1;
  _cleanup_close_ int target = -1;
  int ret = make_hierarchy (h, cgroupns, attr, &mntfd, err);
  if (ret < 0)
    return bw_error_prefix (err, "%s", h->name);
  if (mkdirat (tmpfs, h->name, 0755) < 0)
    return bw_error_syscall (err, "mkdir %s", h->name);
  target = openat (tmpfs, h->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0)
    return bw_error_syscall (err, "open %s", h->name);
  ret = attach_private (mntfd, target, err);
  if (ret < 0)
    return bw_error_prefix (err, "%s", h->name);
  for (const char *c = h->controllers; *c;)
    {
      size_t len = strcspn (c, ",");
      _cleanup_free_ char *one = strndup (c, len);
      if (!one)
        return bw_error_set (err, ENOMEM, "out of memory");
      if (!strchr (one, '=') && strcmp (one, h->name) != 0 && symlinkat (h->name, tmpfs, one) < 0
          && errno != EEXIST)
        return bw_error_syscall (err, "symlink %s -> %s", one, h->name);
      c += len + (c[len] == ',');
    }
  return 0;
}

static int
mount_v1_layout (const struct mount_env *env, int target,
                 const struct cgroup_hierarchy *list, size_t n, unsigned int attr, bool ro,
                 struct bw_error *err)
{
  _cleanup_close_ int tmpfs = -1;
  _cleanup_free_ char *context = NULL;
  const char *data[2] = { "mode=755", NULL };
  size_t n_data = 1;
  if (env->label)
    {
      if (asprintf (&context, "context=%s", env->label) < 0)
        return bw_error_set (err, ENOMEM, "out of memory");
      data[n_data++] = context;
    }
  /* Writable until its entries exist. */
  int ret = mount_new_fs ("tmpfs", "tmpfs", data, n_data, attr & ~MOUNT_ATTR_RDONLY, &tmpfs, err);
  if (ret == 0)
    ret = attach_private (tmpfs, target, err);
  for (size_t i = 0; ret == 0 && i < n; i++)
    ret = add_hierarchy (tmpfs, &list[i], env->cgroupns, attr, err);
  if (ret == 0 && ro)
    ret = set_attrs (tmpfs, MOUNT_ATTR_RDONLY, false, err);
  return ret;
}

int
mount_cgroup (const struct spec_mount *m, const struct mount_plan *plan,
              const struct mount_env *env, struct bw_error *err)
{
  if (plan->idmap)
    return bw_error_set (err, EINVAL, "idmapped mounts are only supported for bind mounts");
  if (plan->n_data)
    return bw_error_set (err, EINVAL, "option %s is not supported for a cgroup mount",
                         plan->data[0]);
  /* Read-only unless the options ask for "rw": a writable cgroup mount
   * lets the container's root change its own limits. */
  uint64_t all = plan->attr_set | plan->rattr_set;
  bool ro = (all & MOUNT_ATTR_RDONLY) || !(plan->attr_clr & MOUNT_ATTR_RDONLY);
  unsigned int attr = (unsigned int) (all & ~(uint64_t) (MOUNT_ATTR_RDONLY | MOUNT_ATTR_IDMAP))
                      | (ro ? MOUNT_ATTR_RDONLY : 0);

  enum cgroup_layout layout;
  int ret = cgroup_detect_layout (CGROUP_ROOT, &layout, err);
  if (ret < 0)
    return ret;
  bool v2_host = layout == CGROUP_LAYOUT_V2;
  struct cgroup_hierarchy *list = NULL;
  size_t n = 0;
  ret = mount_cgroup_hierarchies (env->procfd, v2_host, &list, &n, err);
  if (ret < 0)
    return ret;
  _cleanup_close_ int target = -1;
  ret = rootfs_resolve (env->rootfd, m->destination, ROOTFS_CREATE_DIR, &target, err);
  if (ret == 0 && v2_host)
    {
      _cleanup_close_ int mntfd = -1;
      if (n != 1)
        ret = bw_error_set (err, ENOENT, "no cgroup2 line in /proc/self/cgroup");
      if (ret == 0)
        ret = make_hierarchy (&list[0], env->cgroupns, attr, &mntfd, err);
      if (ret == 0)
        ret = attach_private (mntfd, target, err);
    }
  else if (ret == 0)
    ret = mount_v1_layout (env, target, list, n, attr, ro, err);
  mount_cgroup_hierarchies_free (list, n);
  return ret;
}
