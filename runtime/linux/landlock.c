#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/landlock.h>

#include "cleanup.h"
#include "linux_landlock.h"
#include "linux_mount.h"
#include "linux_rootfs.h"
#include "sys.h"

/* Rights and flags of newer ABIs than the uapi header may know. */
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* struct landlock_ruleset_attr as of ABI 6; older kernels get the prefix
 * their ABI knows (fields: 8 bytes up to ABI 3, 16 from ABI 4). */
struct ruleset_attr
{
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

/* As struct landlock_path_beneath_attr, which is packed. */
struct path_beneath_attr
{
  uint64_t allowed_access;
  int32_t parent_fd;
} __attribute__ ((packed));

#define ACCESS_READ                                                                      \
  (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)

#define ACCESS_WRITE_ABI1                                                                \
  (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR                         \
   | LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR                       \
   | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG                           \
   | LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO                         \
   | LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)

#define ACCESS_FILE                                                                      \
  (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE                            \
   | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE                          \
   | LANDLOCK_ACCESS_FS_IOCTL_DEV)

#define LANDLOCK_ABI_MIN 2

int
landlock_wanted (const struct spec *spec, bool *wanted, struct bw_error *err)
{
  const char *v = spec_annotation (spec, LANDLOCK_ANNOTATION);
  *wanted = false;
  if (!v)
    return 0;
  if (strcmp (v, "enforce") != 0)
    {
      char q[80];
      bw_quote (v, 32, q, sizeof q);
      return bw_error_set (err, EINVAL,
                           "annotations." LANDLOCK_ANNOTATION ": unknown value %s (only "
                           "\"enforce\" is known)",
                           q);
    }
  *wanted = true;
  return 0;
}

int
landlock_abi (void)
{
  int abi = sys_landlock_create_ruleset (NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  /* ENOSYS: not built; EOPNOTSUPP: built but not enabled at boot. */
  return abi > 0 ? abi : 0;
}

/* Write rights: what changes the tree beneath a path, per ABI. REFER (2)
 * is the right to move files between directories, TRUNCATE (3) to shorten
 * them, IOCTL_DEV (5) to use ioctls on device files (/dev lives in a
 * writable mount). */
static uint64_t
write_access (int abi)
{
  uint64_t a = ACCESS_WRITE_ABI1;
  if (abi >= 2)
    a |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3)
    a |= LANDLOCK_ACCESS_FS_TRUNCATE;
  if (abi >= 5)
    a |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
  return a;
}

uint64_t
landlock_file_access (uint64_t access)
{
  return access & ACCESS_FILE;
}

static int
mount_is_readonly (const struct spec_mount *m, bool *ro, struct bw_error *err)
{
  struct mount_plan plan;
  int ret = mount_plan_parse (m, &plan, err);
  free (plan.data);
  if (ret < 0)
    return ret;
  /* mount.c makes cgroup2 read-only whatever the options say. */
  *ro = ((plan.attr_set | plan.rattr_set) & MOUNT_ATTR_RDONLY)
        || (m->type && strcmp (m->type, "cgroup2") == 0);
  return 0;
}

static int
add_rule (struct landlock_plan *plan, const char *path, uint64_t access, struct bw_error *err)
{
  struct landlock_rule *r = realloc (plan->rules, (plan->n_rules + 1) * sizeof *r);
  if (!r)
    return bw_error_set (err, ENOMEM, "out of memory");
  plan->rules = r;
  r[plan->n_rules++] = (struct landlock_rule) { .path = path, .access = access };
  return 0;
}

/* The runtime mounts a tmpfs at /dev when no config mount is at /dev (see
 * dev.c); that one is writable. */
static bool
config_mounts_dev (const struct spec *spec)
{
  for (size_t i = 0; i < spec->n_mounts; i++)
    {
      const char *d = spec->mounts[i].destination;
      if (!d)
        continue;
      d += strspn (d, "/");
      if (strncmp (d, "dev", 3) == 0 && strspn (d + 3, "/") == strlen (d + 3))
        return true;
    }
  return false;
}

int
landlock_plan (const struct spec *spec, int abi, struct landlock_plan *plan,
               struct bw_error *err)
{
  memset (plan, 0, sizeof *plan);
  if (abi < LANDLOCK_ABI_MIN)
    return bw_error_set (err, EOPNOTSUPP,
                         "annotations." LANDLOCK_ANNOTATION ": the kernel's Landlock ABI is %d; "
                         "%d (Linux 5.19) is needed, as ABI 1 forbids every rename between "
                         "directories",
                         abi, LANDLOCK_ABI_MIN);
  plan->abi = abi;
  uint64_t write = write_access (abi);
  plan->handled_fs = ACCESS_READ | write;
  if (abi >= 6)
    plan->scoped = LANDLOCK_SCOPE_SIGNAL | LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;

  /* After pivot_root "/" is the container's root: granting reads beneath
   * it and nothing else is what keeps the container from everything
   * outside its rootfs (a leaked fd, a magic link to a host file). */
  bool root_writable = !spec->root || !spec->root->readonly.value;
  int ret = add_rule (plan, "/", ACCESS_READ | (root_writable ? write : 0), err);
  if (ret == 0 && !config_mounts_dev (spec))
    ret = add_rule (plan, "/dev", write, err);
  for (size_t i = 0; ret == 0 && i < spec->n_mounts; i++)
    {
      const struct spec_mount *m = &spec->mounts[i];
      bool ro = false;
      ret = mount_is_readonly (m, &ro, err);
      if (ret < 0)
        bw_error_prefix (err, "mounts[%zu]", i);
      else if (!ro && m->destination)
        ret = add_rule (plan, m->destination, write, err);
    }
  if (ret < 0)
    landlock_plan_clear (plan);
  return ret;
}

void
landlock_plan_clear (struct landlock_plan *plan)
{
  free (plan->rules);
  plan->rules = NULL;
  plan->n_rules = 0;
}

int
landlock_allow_fd (int ruleset_fd, int fd, uint64_t access, const char *what,
                   struct bw_error *err)
{
  struct stat sb;
  if (fstat (fd, &sb) < 0)
    return bw_error_syscall (err, "landlock: stat %s", what);
  struct path_beneath_attr attr = {
    .allowed_access = S_ISDIR (sb.st_mode) ? access : landlock_file_access (access),
    .parent_fd = fd,
  };
  if (attr.allowed_access == 0)
    return 0;
  if (sys_landlock_add_rule (ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) < 0)
    return bw_error_syscall (err, "landlock_add_rule %s", what);
  return 0;
}

static size_t
attr_size (int abi)
{
  if (abi >= 6)
    return sizeof (struct ruleset_attr);
  if (abi >= 4)
    return 2 * sizeof (uint64_t);
  return sizeof (uint64_t);
}

int
landlock_prepare (const struct spec *spec, int rootfd, int *ruleset_fd, struct bw_error *err)
{
  *ruleset_fd = -1;
  bool wanted;
  int ret = landlock_wanted (spec, &wanted, err);
  if (ret < 0 || !wanted)
    return ret;
  /* The restriction happens after the capabilities are dropped; then the
   * kernel accepts it only with no_new_privs. */
  if (!spec->process->no_new_privileges.value)
    return bw_error_set (err, EINVAL,
                         "annotations." LANDLOCK_ANNOTATION ": enforce needs "
                         "process.noNewPrivileges: true");
  int abi = landlock_abi ();
  if (abi == 0)
    return bw_error_set (err, EOPNOTSUPP,
                         "annotations." LANDLOCK_ANNOTATION ": the kernel has no Landlock "
                         "(not built in, or not in the lsm= boot list)");
  struct landlock_plan plan;
  ret = landlock_plan (spec, abi, &plan, err);
  if (ret < 0)
    return ret;
  struct ruleset_attr attr = { .handled_access_fs = plan.handled_fs, .scoped = plan.scoped };
  _cleanup_close_ int fd = sys_landlock_create_ruleset (&attr, attr_size (abi), 0);
  if (fd < 0)
    ret = bw_error_syscall (err, "landlock_create_ruleset");
  for (size_t i = 0; ret == 0 && i < plan.n_rules; i++)
    {
      /* Paths of the container, resolved in its root: a symlink swapped in
       * since the mount, or a magic link, must not put a rule outside. */
      _cleanup_close_ int path_fd = -1;
      ret = rootfs_resolve (rootfd, plan.rules[i].path, ROOTFS_NO_CREATE, &path_fd, err);
      if (ret < 0)
        bw_error_prefix (err, "annotations." LANDLOCK_ANNOTATION ": rule for %s",
                         plan.rules[i].path);
      else
        ret = landlock_allow_fd (fd, path_fd, plan.rules[i].access, plan.rules[i].path, err);
    }
  landlock_plan_clear (&plan);
  if (ret < 0)
    return ret;
  *ruleset_fd = bw_steal_fd (fd);
  return 0;
}

int
landlock_restrict (int ruleset_fd, struct bw_error *err)
{
  int ret = 0;
  if (sys_landlock_restrict_self (ruleset_fd, 0) < 0)
    ret = bw_error_syscall (err, "landlock_restrict_self");
  close (ruleset_fd);
  return ret;
}
