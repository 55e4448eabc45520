/* An idmapped overlayfs root. Docker, containerd and podman hand the
 * runtime an overlay mount as root.path, and the kernel cannot idmap an
 * overlay mount (overlayfs lacks FS_ALLOW_IDMAP); it does take idmapped
 * layers. So the same layers, read from the mount's options, are cloned,
 * each idmapped with the container's maps, and a new overlay is made of
 * them: files keep their owners as seen inside, and what container root
 * writes lands on disk as host root, as with the original mount. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "linux_mount.h"
#include "linux_rootfs.h"
#include "sys.h"

#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif
#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

/* The overlay options carried over to the new mount; the rest (index,
 * xino, uuid, ...) keep the kernel's defaults. Not "volatile": it marks
 * the work dir so that no later mount may use it (see OWN_WORKDIR). */
static const char *const kept_options[] = { "metacopy", "userxattr", NULL };

/* The new overlay's work dir, inside the client's: a work dir serves one
 * mount at a time, and the client's own mount (still there) holds the
 * client's. Reused at the next create of the same container (the kernel
 * empties its work/ at each mount); it goes when the client removes the
 * container's layer. */
#define OWN_WORKDIR "bulwark"

struct overlay_layers
{
  char **lower;   /* top first, as in lowerdir= */
  size_t n_lower;
  char *upper;    /* NULL: a read-only overlay */
  char *work;
  char *kept[3];  /* "key=value" or "key" of kept_options present */
};

static void
layers_clear (struct overlay_layers *l)
{
  for (size_t i = 0; i < l->n_lower; i++)
    free (l->lower[i]);
  free (l->lower);
  free (l->upper);
  free (l->work);
  for (size_t i = 0; i < ARRAY_LEN (l->kept); i++)
    free (l->kept[i]);
  memset (l, 0, sizeof *l);
}

static void
cleanup_layers (struct overlay_layers *l)
{
  layers_clear (l);
}
#define _cleanup_layers_ __attribute__ ((cleanup (cleanup_layers)))

bool
rootfs_is_overlay (int dir)
{
  struct statfs fs;
  struct statx sx;
  if (fstatfs (dir, &fs) < 0 || fs.f_type != OVERLAYFS_SUPER_MAGIC)
    return false;
  if (statx (dir, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) < 0)
    return false;
  return (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
         && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

static int
unsupported (struct bw_error *err, const char *what, const char *why)
{
  return bw_error_set (err, ENOTSUP, "the overlay at %s cannot be idmapped: %s", what, why);
}

/* An option's value from the mount's superblock options; NULL if absent. */
static int
get_option (const char *opts, const char *name, char **out, struct bw_error *err)
{
  char *v = NULL;
  size_t len = 0;
  *out = NULL;
  int r = mnt_optstr_get_option (opts, name, &v, &len);
  if (r < 0)
    return bw_error_set (err, EINVAL, "overlay options: cannot parse %s", name);
  if (r > 0)
    return 0;
  *out = strndup (v ? v : "", len);
  return *out ? 0 : bw_error_set (err, ENOMEM, "out of memory");
}

/* A layer must be named by an absolute path we can open again: a relative
 * one is relative to the mounter's working directory, and escaped ':' or
 * data-only layers ("::") are not worth guessing at. */
static bool
plain_absolute (const char *p)
{
  return p[0] == '/' && !strchr (p, '\\');
}

static int
parse_lowers (const char *lowerdir, const char *what, struct overlay_layers *l,
              struct bw_error *err)
{
  if (strstr (lowerdir, "::"))
    return unsupported (err, what, "it has data-only layers");
  size_t n = 1;
  for (const char *c = lowerdir; *c; c++)
    n += *c == ':';
  l->lower = calloc (n, sizeof *l->lower);
  if (!l->lower)
    return bw_error_set (err, ENOMEM, "out of memory");
  _cleanup_free_ char *copy = strdup (lowerdir);
  if (!copy)
    return bw_error_set (err, ENOMEM, "out of memory");
  char *save = NULL;
  for (char *tok = strtok_r (copy, ":", &save); tok; tok = strtok_r (NULL, ":", &save))
    {
      if (!plain_absolute (tok))
        return unsupported (err, what, "a lower layer is not an absolute path");
      l->lower[l->n_lower] = strdup (tok);
      if (!l->lower[l->n_lower++])
        return bw_error_set (err, ENOMEM, "out of memory");
    }
  return l->n_lower ? 0 : unsupported (err, what, "no lower layer");
}

/* The layers of the overlay mounted at `dir` (rootfs_is_overlay), from
 * /proc/self/mountinfo, found by mount id. */
static int
layers_of (int dir, const char *what, struct overlay_layers *l, struct bw_error *err)
{
  struct statx sx;
  if (statx (dir, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) < 0 || !(sx.stx_mask & STATX_MNT_ID))
    return bw_error_syscall (err, "statx %s (mount id)", what);
  struct libmnt_table *tb = mnt_new_table_from_file ("/proc/self/mountinfo");
  if (!tb)
    return bw_error_set (err, EIO, "cannot read /proc/self/mountinfo");
  int ret = 0;
  struct libmnt_iter *it = mnt_new_iter (MNT_ITER_FORWARD);
  struct libmnt_fs *fs = NULL;
  while (it && mnt_table_next_fs (tb, it, &fs) == 0 && mnt_fs_get_id (fs) != (int) sx.stx_mnt_id)
    fs = NULL;
  mnt_free_iter (it);
  const char *opts = fs ? mnt_fs_get_fs_options (fs) : NULL;
  _cleanup_free_ char *lowerdir = NULL, *lowerplus = NULL;
  if (!opts)
    ret = unsupported (err, what, "its mount is not in /proc/self/mountinfo");
  if (ret == 0)
    ret = get_option (opts, "lowerdir", &lowerdir, err);
  if (ret == 0)
    ret = get_option (opts, "lowerdir+", &lowerplus, err);
  if (ret == 0 && (!lowerdir || lowerplus))
    ret = unsupported (err, what, "its layers are not given as lowerdir=");
  if (ret == 0)
    ret = parse_lowers (lowerdir, what, l, err);
  if (ret == 0)
    ret = get_option (opts, "upperdir", &l->upper, err);
  if (ret == 0)
    ret = get_option (opts, "workdir", &l->work, err);
  if (ret == 0 && (!l->upper) != (!l->work))
    ret = unsupported (err, what, "it has an upperdir without a workdir");
  if (ret == 0 && l->upper && (!plain_absolute (l->upper) || !plain_absolute (l->work)))
    ret = unsupported (err, what, "its upper layer is not an absolute path");
  for (size_t i = 0; ret == 0 && kept_options[i]; i++)
    {
      char *v = NULL;
      ret = get_option (opts, kept_options[i], &v, err);
      if (ret == 0 && v && asprintf (&l->kept[i], *v ? "%s=%s" : "%s", kept_options[i], v) < 0)
        ret = bw_error_set (err, ENOMEM, "out of memory");
      free (v);
    }
  mnt_unref_table (tb);
  return ret;
}

/* A detached clone of `path`, idmapped with `userns`. */
static int
idmapped_clone (const char *path, int userns, int *out, struct bw_error *err)
{
  _cleanup_close_ int tree = sys_open_tree (AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0)
    return bw_error_syscall (err, "overlay layer %s: open_tree", path);
  int ret = mount_idmap_apply (tree, userns, false, path, err);
  if (ret < 0)
    return ret;
  *out = bw_steal_fd (tree);
  return 0;
}

static int
set_string (int fsfd, const char *key, const char *value, struct bw_error *err)
{
  if (sys_fsconfig (fsfd, FSCONFIG_SET_STRING, key, value, 0) < 0)
    return bw_error_syscall (err, "overlay option %s=%s", key, value);
  return 0;
}

/* The lower layers, top first: one "lowerdir+" each where the kernel has
 * it (6.8+), else one "lowerdir" list (fsconfig strings stop at 256 bytes,
 * so a deep image needs the former). */
static int
set_lowers (int fsfd, const int *fds, size_t n, struct bw_error *err)
{
  char path[32];
  snprintf (path, sizeof path, "/proc/self/fd/%d", fds[0]);
  if (sys_fsconfig (fsfd, FSCONFIG_SET_STRING, "lowerdir+", path, 0) == 0)
    {
      for (size_t i = 1; i < n; i++)
        {
          snprintf (path, sizeof path, "/proc/self/fd/%d", fds[i]);
          int ret = set_string (fsfd, "lowerdir+", path, err);
          if (ret < 0)
            return ret;
        }
      return 0;
    }
  char list[256];
  size_t len = 0;
  for (size_t i = 0; i < n; i++)
    {
      int w = snprintf (list + len, sizeof list - len, "%s/proc/self/fd/%d", i ? ":" : "", fds[i]);
      if (w < 0 || (size_t) w >= sizeof list - len)
        return bw_error_set (err, E2BIG, "overlay: %zu layers are too many for this kernel "
                             "(no lowerdir+)", n);
      len += w;
    }
  return set_string (fsfd, "lowerdir", list, err);
}

/* The host IDs container root maps to. */
static int
root_host_ids (const struct spec_id_mappings *uids, const struct spec_id_mappings *gids,
               uid_t *uid, gid_t *gid, struct bw_error *err)
{
  bool have_uid = false, have_gid = false;
  for (size_t i = 0; i < uids->n; i++)
    if (uids->items[i].container_id == 0 && uids->items[i].size > 0)
      *uid = uids->items[i].host_id, have_uid = true;
  for (size_t i = 0; i < gids->n; i++)
    if (gids->items[i].container_id == 0 && gids->items[i].size > 0)
      *gid = gids->items[i].host_id, have_gid = true;
  if (!have_uid || !have_gid)
    return bw_error_set (err, EINVAL, "a writable idmapped overlay needs container root mapped");
  return 0;
}

/* overlayfs copies up with its mounter's credentials: they must be mapped
 * in the idmapped upper layer, or the kernel makes the overlay read-only.
 * So the mount is created with the filesystem IDs of container root (the
 * capabilities setfsuid drops from the effective set are raised again: the
 * copy-up still chowns), then put back. */
static int
create_as (int fsfd, uid_t uid, gid_t gid, struct bw_error *err)
{
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
  struct __user_cap_data_struct caps[2];
  if (syscall (SYS_capget, &hdr, caps) < 0)
    return bw_error_syscall (err, "capget");
  setfsgid (gid);
  setfsuid (uid);
  int ret = 0;
  if ((uid_t) setfsuid ((uid_t) -1) != uid || (gid_t) setfsgid ((gid_t) -1) != gid)
    ret = bw_error_set (err, EPERM, "overlay: setfsuid to container root (host %u) refused",
                        (unsigned) uid);
  struct __user_cap_data_struct raised[2] = { caps[0], caps[1] };
  raised[0].effective = caps[0].permitted;
  raised[1].effective = caps[1].permitted;
  if (ret == 0 && syscall (SYS_capset, &hdr, raised) < 0)
    ret = bw_error_syscall (err, "capset");
  if (ret == 0 && sys_fsconfig (fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    ret = bw_error_syscall (err, "overlay: create");
  setfsuid (0);
  setfsgid (0);
  if (syscall (SYS_capset, &hdr, caps) < 0 && ret == 0)
    ret = bw_error_syscall (err, "capset");
  return ret;
}

static int
make_own_workdir (const char *work, struct bw_error *err)
{
  _cleanup_close_ int dir = open (work, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir < 0)
    return bw_error_syscall (err, "overlay: open workdir %s", work);
  if (mkdirat (dir, OWN_WORKDIR, 0700) < 0 && errno != EEXIST)
    return bw_error_syscall (err, "overlay: mkdir %s/" OWN_WORKDIR, work);
  return 0;
}

static int
assemble (const struct overlay_layers *l, int userns, uid_t uid, gid_t gid, bool writable,
          int *out, struct bw_error *err)
{
  /* Read-only: the upper layer becomes the top lower one. */
  size_t n = l->n_lower + (l->upper && !writable ? 1 : 0);
  _cleanup_free_ int *fds = calloc (n, sizeof *fds);
  if (!fds)
    return bw_error_set (err, ENOMEM, "out of memory");
  /* A slot counts only once filled: the cleanup below must not close
   * an unfilled (zeroed) one, i.e. the runtime's stdin. */
  size_t opened = 0;
  int ret = 0;
  _cleanup_close_ int upper_parent = -1;
  if (l->upper && !writable && (ret = idmapped_clone (l->upper, userns, &fds[opened], err)) == 0)
    opened++;
  for (size_t i = 0; ret == 0 && i < l->n_lower; i++)
    if ((ret = idmapped_clone (l->lower[i], userns, &fds[opened], err)) == 0)
      opened++;
  _cleanup_free_ char *upper_dir = NULL, *work_dir = NULL;
  if (ret == 0 && writable)
    {
      /* overlayfs wants upperdir and workdir on one mount: clone their
       * common parent. */
      _cleanup_free_ char *pu = strdup (l->upper), *pw = strdup (l->work);
      char *su = pu ? strrchr (pu, '/') : NULL, *sw = pw ? strrchr (pw, '/') : NULL;
      if (!su || !sw)
        ret = bw_error_set (err, ENOMEM, "out of memory");
      else if (su - pu != sw - pw || strncmp (pu, pw, su - pu) != 0 || su == pu)
        ret = unsupported (err, l->upper, "upperdir and workdir are not siblings");
      else
        {
          *su = '\0';
          ret = make_own_workdir (l->work, err);
          if (ret == 0)
            ret = idmapped_clone (pu, userns, &upper_parent, err);
          if (ret == 0 && (asprintf (&upper_dir, "/proc/self/fd/%d/%s", upper_parent, su + 1) < 0
                           || asprintf (&work_dir, "/proc/self/fd/%d/%s/" OWN_WORKDIR,
                                        upper_parent, sw + 1) < 0))
            ret = bw_error_set (err, ENOMEM, "out of memory");
        }
    }
  _cleanup_close_ int fsfd = -1;
  if (ret == 0)
    {
      fsfd = sys_fsopen ("overlay", FSOPEN_CLOEXEC);
      if (fsfd < 0)
        ret = bw_error_syscall (err, "fsopen overlay");
    }
  if (ret == 0)
    ret = set_string (fsfd, "source", "overlay", err);
  if (ret == 0)
    ret = set_lowers (fsfd, fds, n, err);
  if (ret == 0 && writable)
    {
      ret = set_string (fsfd, "upperdir", upper_dir, err);
      if (ret == 0)
        ret = set_string (fsfd, "workdir", work_dir, err);
    }
  for (size_t i = 0; ret == 0 && i < ARRAY_LEN (l->kept); i++)
    {
      const char *o = l->kept[i];
      if (!o)
        continue;
      char *eq = strchr (o, '=');
      if (!eq && sys_fsconfig (fsfd, FSCONFIG_SET_FLAG, o, NULL, 0) < 0)
        ret = bw_error_syscall (err, "overlay option %s", o);
      else if (eq)
        {
          _cleanup_free_ char *key = strndup (o, eq - o);
          ret = key ? set_string (fsfd, key, eq + 1, err) : bw_error_set (err, ENOMEM, "out of memory");
        }
    }
  if (ret == 0 && writable)
    ret = create_as (fsfd, uid, gid, err);
  else if (ret == 0 && sys_fsconfig (fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    ret = bw_error_syscall (err, "overlay: create");
  if (ret == 0)
    {
      *out = sys_fsmount (fsfd, FSMOUNT_CLOEXEC, writable ? 0 : MOUNT_ATTR_RDONLY);
      if (*out < 0)
        ret = bw_error_syscall (err, "overlay: fsmount");
    }
  for (size_t i = 0; i < opened; i++)
    close (fds[i]);
  return ret;
}

int
rootfs_overlay_idmap (int dir, const char *what, const struct spec_id_mappings *uids,
                      const struct spec_id_mappings *gids, bool writable, int *out,
                      struct bw_error *err)
{
  _cleanup_layers_ struct overlay_layers l = { 0 };
  int ret = layers_of (dir, what, &l, err);
  if (ret < 0)
    return ret;
  uid_t uid = 0;
  gid_t gid = 0;
  writable = writable && l.upper;
  if (writable)
    {
      ret = root_host_ids (uids, gids, &uid, &gid, err);
      if (ret < 0)
        return ret;
    }
  _cleanup_close_ int userns = -1;
  ret = mount_idmap_userns (uids, gids, &userns, err);
  if (ret < 0)
    return ret;
  return assemble (&l, userns, uid, gid, writable, out, err);
}
