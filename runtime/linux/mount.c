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
#include "linux_mount_copyup.h"
#include "linux_rootfs.h"
#include "sys.h"

enum opt_kind { SET, CLR, RSET, RCLR, ATIME, PROP, RPROP, BIND, RBIND, IDMAP, RIDMAP, COPYUP,
                IGNORE };

struct mount_opt
{
  const char *name;
  enum opt_kind kind;
  uint64_t value;
};

static const struct mount_opt options[] = {
  { "ro", SET, MOUNT_ATTR_RDONLY },         { "rw", CLR, MOUNT_ATTR_RDONLY },
  { "nosuid", SET, MOUNT_ATTR_NOSUID },     { "suid", CLR, MOUNT_ATTR_NOSUID },
  { "nodev", SET, MOUNT_ATTR_NODEV },       { "dev", CLR, MOUNT_ATTR_NODEV },
  { "noexec", SET, MOUNT_ATTR_NOEXEC },     { "exec", CLR, MOUNT_ATTR_NOEXEC },
  { "nodiratime", SET, MOUNT_ATTR_NODIRATIME }, { "diratime", CLR, MOUNT_ATTR_NODIRATIME },
  { "rro", RSET, MOUNT_ATTR_RDONLY },       { "rrw", RCLR, MOUNT_ATTR_RDONLY },
  { "rnosuid", RSET, MOUNT_ATTR_NOSUID },   { "rsuid", RCLR, MOUNT_ATTR_NOSUID },
  { "rnodev", RSET, MOUNT_ATTR_NODEV },     { "rdev", RCLR, MOUNT_ATTR_NODEV },
  { "rnoexec", RSET, MOUNT_ATTR_NOEXEC },   { "rexec", RCLR, MOUNT_ATTR_NOEXEC },
  { "noatime", ATIME, MOUNT_ATTR_NOATIME }, { "relatime", ATIME, MOUNT_ATTR_RELATIME },
  { "strictatime", ATIME, MOUNT_ATTR_STRICTATIME },
  { "private", PROP, MS_PRIVATE },          { "rprivate", RPROP, MS_PRIVATE },
  { "shared", PROP, MS_SHARED },            { "rshared", RPROP, MS_SHARED },
  { "slave", PROP, MS_SLAVE },              { "rslave", RPROP, MS_SLAVE },
  { "unbindable", PROP, MS_UNBINDABLE },    { "runbindable", RPROP, MS_UNBINDABLE },
  { "bind", BIND, 0 },                      { "rbind", RBIND, 0 },
  { "idmap", IDMAP, 0 },                    { "ridmap", RIDMAP, 0 },
  { "tmpcopyup", COPYUP, 0 },
  /* Defaults of a new mount, or superblock flags the kernel gets by default. */
  { "defaults", IGNORE, 0 },                { "async", IGNORE, 0 },
  { "loud", IGNORE, 0 },                    { "nomand", IGNORE, 0 },
};

int
mount_plan_parse (const struct spec_mount *m, struct mount_plan *plan, struct bw_error *err)
{
  memset (plan, 0, sizeof *plan);
  plan->bind = m->type && strcmp (m->type, "bind") == 0;
  plan->data = calloc (m->options.n + 1, sizeof *plan->data);
  if (!plan->data)
    return bw_error_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < m->options.n; i++)
    {
      const char *o = m->options.v[i];
      const struct mount_opt *found = NULL;
      for (size_t k = 0; k < sizeof options / sizeof options[0]; k++)
        if (strcmp (options[k].name, o) == 0)
          found = &options[k];
      if (!found)
        {
          plan->data[plan->n_data++] = o;
          continue;
        }
      switch (found->kind)
        {
        case SET: plan->attr_set |= found->value; plan->attr_clr &= ~found->value; break;
        case CLR: plan->attr_clr |= found->value; plan->attr_set &= ~found->value; break;
        case RSET: plan->rattr_set |= found->value; plan->rattr_clr &= ~found->value; break;
        case RCLR: plan->rattr_clr |= found->value; plan->rattr_set &= ~found->value; break;
        case ATIME:
          plan->attr_clr |= MOUNT_ATTR__ATIME;
          plan->attr_set = (plan->attr_set & ~MOUNT_ATTR__ATIME) | found->value;
          break;
        case PROP: plan->propagation = found->value; plan->propagation_recursive = false; break;
        case RPROP: plan->propagation = found->value; plan->propagation_recursive = true; break;
        case BIND: plan->bind = true; break;
        case RBIND: plan->bind = true; plan->recursive = true; break;
        case IDMAP: plan->idmap = true; plan->idmap_recursive = false; break;
        case RIDMAP: plan->idmap = true; plan->idmap_recursive = true; break;
        case COPYUP: plan->copyup = true; break;
        case IGNORE: break;
        }
    }
  if (m->uid_mappings.n || m->gid_mappings.n)
    plan->idmap = true;
  if (plan->copyup && (plan->bind || !m->type || strcmp (m->type, "tmpfs") != 0))
    return bw_error_set (err, EINVAL, "option tmpcopyup is only valid for a tmpfs mount");
  if (plan->bind && plan->n_data > 0)
    return bw_error_set (err, EINVAL, "option %s is not valid for a bind mount", plan->data[0]);
  return 0;
}

int
mount_new_fs (const char *type, const char *source, const char **data, size_t n_data,
              unsigned int attr, int *out, struct bw_error *err)
{
  _cleanup_close_ int fsfd = sys_fsopen (type, FSOPEN_CLOEXEC);
  if (fsfd < 0)
    {
      if (errno == ENODEV)
        return bw_error_set (err, ENODEV, "unknown filesystem type %s", type);
      return bw_error_syscall (err, "fsopen %s", type);
    }
  if (source && sys_fsconfig (fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
    return bw_error_syscall (err, "source %s", source);
  for (size_t i = 0; i < n_data; i++)
    {
      _cleanup_free_ char *key = strdup (data[i]);
      if (!key)
        return bw_error_set (err, ENOMEM, "out of memory");
      char *value = strchr (key, '=');
      int ret;
      if (value)
        {
          *value++ = '\0';
          ret = sys_fsconfig (fsfd, FSCONFIG_SET_STRING, key, value, 0);
        }
      else
        ret = sys_fsconfig (fsfd, FSCONFIG_SET_FLAG, key, NULL, 0);
      if (ret < 0)
        return bw_error_syscall (err, "option %s", data[i]);
    }
  if (sys_fsconfig (fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return bw_error_syscall (err, "create %s", type);
  int mntfd = sys_fsmount (fsfd, FSMOUNT_CLOEXEC, attr);
  if (mntfd < 0)
    return bw_error_syscall (err, "fsmount %s", type);
  *out = mntfd;
  return 0;
}

int
mount_attach (int mntfd, int targetfd, struct bw_error *err)
{
  if (sys_move_mount (mntfd, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
      < 0)
    return bw_error_syscall (err, "move_mount");
  return 0;
}

static int
set_attr (int mntfd, bool recursive, uint64_t set, uint64_t clr, uint64_t propagation,
          struct bw_error *err)
{
  if (!set && !clr && !propagation)
    return 0;
  struct mount_attr attr = { .attr_set = set, .attr_clr = clr, .propagation = propagation };
  if (sys_mount_setattr (mntfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                         sizeof attr) < 0)
    return bw_error_syscall (err, "mount_setattr");
  return 0;
}

static char *
bind_source (const struct spec_mount *m, const char *bundle)
{
  char *s = NULL;
  if (m->source[0] == '/')
    return strdup (m->source);
  if (asprintf (&s, "%s/%s", bundle, m->source) < 0)
    return NULL;
  return s;
}

/* Clone `path` below `dirfd` ("": dirfd itself) as a detached tree; `what`
 * names it in errors. */
static int
clone_tree (int dirfd, const char *path, bool recursive, const char *what, int *out,
            struct bw_error *err)
{
  int fd = sys_open_tree (dirfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC
                                         | (path[0] ? 0 : AT_EMPTY_PATH)
                                         | (recursive ? AT_RECURSIVE : 0));
  if (fd < 0)
    return bw_error_syscall (err, "open_tree %s", what);
  *out = fd;
  return 0;
}

/* Whether the policy denies the real path of `fd` (what the source
 * resolved to, symlinks followed) by the list MOUNTS_DENY_ANNOTATION
 * carries: the transform only saw the source's text. */
static int
check_denied (const struct spec *spec, const struct spec_mount *m, int fd, struct bw_error *err)
{
  _cleanup_strv_ char **deny = NULL;
  size_t n = 0;
  int ret = spec_annotation_strv (spec, MOUNTS_DENY_ANNOTATION, &deny, &n, err);
  if (ret < 0 || n == 0)
    return ret;
  char link[64], real[PATH_MAX];
  snprintf (link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t len = readlink (link, real, sizeof real);
  if (len < 0)
    return bw_error_syscall (err, "%s: read its real path", m->source);
  if ((size_t) len >= sizeof real)
    return bw_error_set (err, ENAMETOOLONG, "%s: real path too long", m->source);
  real[len] = '\0';
  for (size_t k = 0; k < n; k++)
    if (spec_path_denied (real, deny[k]))
      return bw_error_set (err, EPERM, "%s resolves to %s, which the policy denies (mounts.deny)",
                           m->source, real);
  return 0;
}

int
mount_clone_source (const struct spec *spec, const struct spec_mount *m, const char *bundle,
                    bool recursive, int *out, struct bw_error *err)
{
  if (!m->source)
    return bw_error_set (err, EINVAL, "bind mount without a source");
  _cleanup_free_ char *src = bind_source (m, bundle);
  if (!src)
    return bw_error_set (err, ENOMEM, "out of memory");
  /* Resolved once: the path checked is the one cloned. */
  _cleanup_close_ int fd = open (src, O_PATH | O_CLOEXEC);
  if (fd < 0)
    return bw_error_syscall (err, "open %s", src);
  int ret = spec ? check_denied (spec, m, fd, err) : 0;
  if (ret < 0)
    return ret;
  return clone_tree (fd, "", recursive, src, out, err);
}

static bool
is_type (const struct spec_mount *m, const char *type)
{
  return m->type && strcmp (m->type, type) == 0;
}

static int
make_mount (const struct spec_mount *m, const struct mount_plan *plan, const char *bundle,
            bool in_userns, const char *label, int *mntfd, bool *is_dir, bool *attrs_done,
            struct bw_error *err)
{
  *is_dir = true;
  *attrs_done = false;
  if (plan->bind)
    {
      /* (Binds come prepared by mount_prepare_binds, which checks them.) */
      int ret = *mntfd >= 0 ? 0 : mount_clone_source (NULL, m, bundle, plan->recursive, mntfd,
                                                      err);
      if (ret < 0)
        return ret;
      struct stat st;
      if (fstat (*mntfd, &st) == 0)
        *is_dir = S_ISDIR (st.st_mode);
      return 0;
    }
  if (!m->type)
    return bw_error_set (err, EINVAL, "no type and not a bind mount");
  if (plan->idmap)
    return bw_error_set (err, EINVAL, "idmapped mounts are only supported for bind mounts");
  const char *type = m->type;
  unsigned int attr = (plan->attr_set | plan->rattr_set) & ~(uint64_t) MOUNT_ATTR_IDMAP;
  /* A read-only tmpfs is filled first (mount_one sets ro after the copy). */
  if (plan->copyup)
    attr &= ~(unsigned int) MOUNT_ATTR_RDONLY;
  /* The SELinux context of filesystems that take one (not proc, sysfs, cgroup). */
  const char **data = plan->data;
  size_t n_data = plan->n_data;
  _cleanup_free_ char *context = NULL;
  if (label && (is_type (m, "tmpfs") || is_type (m, "devpts") || is_type (m, "mqueue")))
    {
      if (asprintf (&context, "context=%s", label) < 0)
        return bw_error_set (err, ENOMEM, "out of memory");
      data[n_data++] = context;
    }
  /* Until cgroup2 mounts follow the layout (mount_cgroup.c does "cgroup"
   * ones) the container only gets to look. */
  if (is_type (m, "cgroup2"))
    attr |= MOUNT_ATTR_RDONLY;
  int ret = mount_new_fs (type, m->source, data, n_data, attr, mntfd, err);
  if (ret == -EPERM && in_userns && is_type (m, "sysfs"))
    {
      /* A user namespace that does not own its network namespace may not
       * mount sysfs: give the container the host's, as runc does. */
      ret = clone_tree (AT_FDCWD, "/sys", true, "/sys", mntfd, err);
      if (ret == 0)
        {
          ret = set_attr (*mntfd, true, plan->attr_set | plan->rattr_set, 0, 0, err);
          *attrs_done = true;
        }
      return ret;
    }
  if (ret == 0)
    *attrs_done = true;
  return ret;
}

int
mount_one (const struct spec_mount *m, const struct mount_env *env, int prepared,
           struct bw_error *err)
{
  struct mount_plan plan;
  _cleanup_close_ int mntfd = prepared;
  _cleanup_close_ int target = -1;
  bool is_dir, attrs_done;
  const char *what = m->source ? m->source : m->type ? m->type : "none";

  if (!m->destination || m->destination[0] != '/')
    return bw_error_set (err, EINVAL, "mount %s: destination must be an absolute path", what);
  int ret = mount_plan_parse (m, &plan, err);
  if (ret == 0 && is_type (m, "cgroup"))
    {
      ret = mount_cgroup (m, &plan, env, err);
      free (plan.data);
      return ret < 0 ? bw_error_prefix (err, "mount %s to %s", what, m->destination) : 0;
    }
  if (ret == 0)
    ret = make_mount (m, &plan, env->bundle, env->in_userns, env->label, &mntfd, &is_dir,
                      &attrs_done, err);
  if (ret == 0 && !attrs_done)
    {
      ret = set_attr (mntfd, false, plan.attr_set, plan.attr_clr, 0, err);
      if (ret == 0)
        ret = set_attr (mntfd, true, plan.rattr_set, plan.rattr_clr, 0, err);
    }
  if (ret == 0)
    ret = rootfs_resolve (env->rootfd, m->destination,
                          is_dir ? ROOTFS_CREATE_DIR : ROOTFS_CREATE_FILE, &target, err);
  if (ret == 0 && plan.copyup)
    ret = mount_copyup (target, mntfd, m->destination, &plan, err);
  if (ret == 0 && plan.copyup && ((plan.attr_set | plan.rattr_set) & MOUNT_ATTR_RDONLY))
    ret = set_attr (mntfd, false, MOUNT_ATTR_RDONLY, 0, 0, err);
  /* A bind clone joins its source's peer group: a peer of a host mount
   * would take every mount made on or below it to the host. Unless the
   * mount asks to be shared, it only receives. */
  if (ret == 0 && plan.bind && plan.propagation != MS_SHARED)
    ret = set_attr (mntfd, true, 0, 0, MS_SLAVE, err);
  if (ret == 0)
    ret = mount_attach (mntfd, target, err);
  /* Propagation of the attached mount: a detached one has no peers yet. */
  if (ret == 0)
    ret = set_attr (mntfd, plan.propagation_recursive, 0, 0, plan.propagation, err);
  free (plan.data);
  if (ret < 0)
    return bw_error_prefix (err, "mount %s to %s", what, m->destination);
  return 0;
}
