/* linux/mount: one entry of config `mounts`: its options turned into mount
 * attributes and filesystem parameters, the filesystem created (fsopen) or
 * the bind source cloned (open_tree), and the result attached with
 * move_mount onto a target resolved inside the root. */
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
};

/* Parse options; `data` points into m->options (free plan->data only). */
int mount_plan_parse (const struct spec_mount *m, struct mount_plan *plan, struct bw_error *err);

/* Mount config entry `m` inside the root. Relative bind sources are taken
 * from the bundle. `in_userns`: sysfs may fall back to a bind of /sys. */
int mount_one (const struct spec_mount *m, int rootfd, const char *bundle, bool in_userns,
               struct bw_error *err);

/* A new filesystem as a detached mount (fsopen + fsconfig + fsmount). */
int mount_new_fs (const char *type, const char *source, const char **data, size_t n_data,
                  unsigned int attr, int *out, struct bw_error *err);

/* Attach detached mount `mntfd` onto the O_PATH `targetfd`. */
int mount_attach (int mntfd, int targetfd, struct bw_error *err);

#endif
