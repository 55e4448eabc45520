/* linux/mount: one entry of config `mounts`: its options turned into mount
 * attributes and filesystem parameters, the filesystem created (fsopen) or
 * the bind source cloned (open_tree, idmapped when asked: mount_idmap.c),
 * and the result attached with move_mount onto a target resolved inside the
 * root. */
#ifndef BULWARK_LINUX_MOUNT_H
#define BULWARK_LINUX_MOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "spec.h"

struct mount_plan
{
  bool bind;
  bool recursive;           /* rbind */
  uint64_t attr_set, attr_clr;          /* MOUNT_ATTR_*, top mount */
  uint64_t rattr_set, rattr_clr;        /* MOUNT_ATTR_*, every mount (rro, ...) */
  uint64_t propagation;     /* MS_PRIVATE, MS_SHARED, ... or 0 */
  bool propagation_recursive;
  const char **data;        /* "key=value" or "flag" for the filesystem */
  size_t n_data;
  bool idmap;               /* idmap, ridmap, or uidMappings/gidMappings given */
  bool idmap_recursive;     /* ridmap */
  bool copyup;              /* tmpcopyup: tmpfs only (mount_copyup.c) */
};

/* Where and how config mounts are made. */
struct mount_env
{
  int rootfd;               /* the container's root (mount targets resolve in it) */
  const char *bundle;       /* relative bind sources are taken from here */
  bool in_userns;           /* sysfs may fall back to a bind of /sys */
  const char *label;        /* linux.mountLabel (SELinux context=), or NULL */
  int procfd;               /* procfs: the init's /proc/self/{cgroup,mountinfo} */
  bool cgroupns;            /* the container has a cgroup namespace */
};

/* Parse options; `data` points into m->options (free plan->data only). */
int mount_plan_parse (const struct spec_mount *m, struct mount_plan *plan, struct bw_error *err);

/* Mount config entry `m` inside the root. `prepared`: a detached tree made
 * for it beforehand (a bind source, from mount_prepare_binds) or -1;
 * mount_one closes it. */
int mount_one (const struct spec_mount *m, const struct mount_env *env, int prepared,
               struct bw_error *err);

/* One cgroup hierarchy the init is in, as mount_cgroup shows it. */
struct cgroup_hierarchy
{
  bool v2;
  char *controllers;  /* "cpu,cpuacct", "name=systemd"; "" for cgroup2 */
  char *path;         /* the init's cgroup in it, as /proc/self/cgroup says */
  char *name;         /* entry under the destination (v1 hosts): the host's
                       * mount point's last component */
  char *source;       /* host directory of that cgroup, or NULL when it lies
                       * outside the host's mount */
};

/* The hierarchies of `procfd`/self/cgroup that the host has mounted below
 * /sys/fs/cgroup (self/mountinfo); on a v2 host only the unified one. */
int mount_cgroup_hierarchies (int procfd, bool v2_host, struct cgroup_hierarchy **out,
                              size_t *n_out, struct bw_error *err);
void mount_cgroup_hierarchies_free (struct cgroup_hierarchy *h, size_t n);

/* A config mount of type "cgroup" at m->destination, laid out as the host's
 * hierarchies are (mount_cgroup.c). */
int mount_cgroup (const struct spec_mount *m, const struct mount_plan *plan,
                  const struct mount_env *env, struct bw_error *err);

/* Every bind mount's source cloned as a detached tree into fds[i] (-1 for
 * other mounts; fds has spec->n_mounts entries), idmapped (MOUNT_ATTR_IDMAP)
 * when the mount asks (idmap/ridmap option or uidMappings/gidMappings;
 * mappings default to the container's linux.uidMappings/gidMappings), and
 * every bind when MOUNTS_IDMAP_ANNOTATION says so.
 * Runs with the host's privileges, before the runtime enters a user
 * namespace: the source may lie below directories only host root can
 * enter, and idmapping a host filesystem needs CAP_SYS_ADMIN in the user
 * namespace that owns it. On error every fd is closed. */
int mount_prepare_binds (const struct spec *spec, const char *bundle, int *fds,
                         struct bw_error *err);

/* Idmap the detached tree `tree` (MOUNT_ATTR_IDMAP; every mount in it
 * when `recursive`) with `uids`/`gids`: a file owned by host id H shows as
 * the id that maps to H, the same direction as a user namespace's maps.
 * Needs the host's CAP_SYS_ADMIN (see mount_prepare_binds). `what` names
 * the tree's source in errors. */
int mount_idmap_tree (int tree, const struct spec_id_mappings *uids,
                      const struct spec_id_mappings *gids, bool recursive, const char *what,
                      struct bw_error *err);

/* The same in two steps, for several trees idmapped alike: a user
 * namespace fd carrying `uids`/`gids` (made by a child that exits at once),
 * then the idmap of one tree with it. */
int mount_idmap_userns (const struct spec_id_mappings *uids, const struct spec_id_mappings *gids,
                        int *out, struct bw_error *err);
int mount_idmap_apply (int tree, int userns, bool recursive, const char *what,
                       struct bw_error *err);

/* The annotation by which the hardening step asks mount_prepare_binds to
 * idmap every bind mount with the container's own maps, as the root is:
 * "required" (a filesystem that can't be idmapped is an error naming the
 * mount) or "best-effort" (such a bind is mounted as it is: the policy's
 * idmapFallback). Without it only the mounts that ask are idmapped. */
#define MOUNTS_IDMAP_ANNOTATION "run.bulwark.mounts.idmap"

/* The annotation by which the hardening step (enforce mode) passes the
 * transform's deny list for bind sources (the policy's mounts.deny and the
 * runtime's state root), as a JSON array of absolute paths: a source whose
 * real path (symlinks followed) one of them denies is refused. */
#define MOUNTS_DENY_ANNOTATION "run.bulwark.mounts.deny"

/* Clone m->source (absolute, or relative to `bundle`) as a detached tree,
 * refused when `spec`'s MOUNTS_DENY_ANNOTATION denies where it resolves
 * (spec NULL: no check). */
int mount_clone_source (const struct spec *spec, const struct spec_mount *m, const char *bundle,
                        bool recursive, int *out, struct bw_error *err);

/* A new filesystem as a detached mount (fsopen + fsconfig + fsmount). */
int mount_new_fs (const char *type, const char *source, const char **data, size_t n_data,
                  unsigned int attr, int *out, struct bw_error *err);

/* Attach detached mount `mntfd` onto the O_PATH `targetfd`. */
int mount_attach (int mntfd, int targetfd, struct bw_error *err);

#endif
