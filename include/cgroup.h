/* cgroup: a container's control groups with the cgroupfs manager. Owns
 * detecting the host's layout (v1, hybrid, unified v2), placing the
 * container's cgroup (linux.cgroupsPath), creating, entering and removing it,
 * turning linux.resources into cgroup files for v1 and v2, and the freezer,
 * kill-all and pid listing built on it. Device rules live in
 * runtime/linux/cgroup_devices.c, stats and events in their own module. */
#ifndef BULWARK_CGROUP_H
#define BULWARK_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

enum cgroup_layout
{
  CGROUP_LAYOUT_V1,      /* every controller in a v1 hierarchy */
  CGROUP_LAYOUT_HYBRID,  /* v1 controllers, cgroup2 at <root>/unified too */
  CGROUP_LAYOUT_V2,      /* cgroup2 at <root> */
};

/* One mounted hierarchy and the container's cgroup in it. */
struct cgroup_hier
{
  char *mount;          /* absolute mount point, e.g. /sys/fs/cgroup/memory */
  char **controllers;   /* NULL-terminated; empty for the unified hierarchy */
  bool unified;         /* cgroup2 */
  char *own;            /* the runtime's own cgroup in it ("/a/b"), "/" at the root */
  char *path;           /* the container's cgroup ("/a/b/c"); NULL until placed */
};

/* The host's hierarchies, and the container's place in each. */
struct cgroup_set
{
  enum cgroup_layout layout;
  struct cgroup_hier *h;
  size_t n;
};

/* Detect the layout under `root` (CGROUP_ROOT on a real host) from the
 * kernel: statfs tells cgroup2 from tmpfs. `self_cgroup` is the text of
 * /proc/self/cgroup (NULL: read it). `force` >= 0 skips the statfs checks
 * and takes that layout (unit tests on a fake tree). */
int cgroup_detect (const char *root, const char *self_cgroup, int force, struct cgroup_set *out,
                   struct bw_error *err);
/* The layout alone, from statfs of `root` and `root`/unified. */
int cgroup_detect_layout (const char *root, enum cgroup_layout *out, struct bw_error *err);
void cgroup_set_clear (struct cgroup_set *s);

/* Place the container: an absolute cgroupsPath is taken from each
 * hierarchy's root, a relative one is nested under the runtime's own
 * cgroup (on v2 under its parent, which unlike the runtime's own can give
 * its children every controller), an empty (NULL) one is bulwark/<id>
 * there. */
int cgroup_place (struct cgroup_set *s, const char *cgroups_path, const char *id,
                  struct bw_error *err);

/* The placement as one line for state.json: "/a/b" when it is the same in
 * every hierarchy, else "ctrl,ctrl:/a/b;ctrl:/c/d;:/e" (":" alone is the
 * unified hierarchy). cgroup_load parses it back onto a detected set. */
int cgroup_format (const struct cgroup_set *s, char **out, struct bw_error *err);
int cgroup_load (const char *root, int force, const char *recorded, struct cgroup_set *out,
                 struct bw_error *err);
/* Container `id`'s cgroups from its recorded placement (state.json's
 * cgroupPath) on this host; ENOTSUP naming the container when it has none
 * (NULL or "": created with --cgroup-manager disabled). */
int cgroup_load_recorded (const char *id, const char *recorded, struct cgroup_set *out,
                          struct bw_error *err);

/* The container's directory in the hierarchy holding `controller` ("" or
 * NULL: the unified one; on v2 every controller is in that one), malloc'd;
 * -ENOENT when there is none, -ENOMEM. */
int cgroup_dir (const struct cgroup_set *s, const char *controller, char **out);

/* Refuse a placement whose directory already holds processes (another
 * container with the same id under another --root, say): deleting either
 * would kill the other's. */
int cgroup_check_unused (const struct cgroup_set *s, struct bw_error *err);

/* Make the directories (parents too; on v2 enable the controllers down to
 * the parent; on v1 give new cpuset directories their parent's cpus/mems,
 * and new parents the realtime budget `r` asks for, since a child's can't
 * exceed its parent's). `r` may be NULL. */
int cgroup_create (const struct cgroup_set *s, const struct spec_resources *r,
                   struct bw_error *err);

/* Move `pid` (0: the caller) into the container's cgroup everywhere. */
int cgroup_enter (const struct cgroup_set *s, pid_t pid, struct bw_error *err);

/* Write linux.resources. `update` (the update command) changes only the
 * fields given and treats 0 as unset where runc does. Errors name the field
 * and the file: "linux.resources.memory.limit: write memory.max: Invalid
 * argument". */
int cgroup_apply (const struct cgroup_set *s, const struct spec_resources *r, bool update,
                  struct bw_error *err);

/* Freezer: v1 freezer.state, v2 cgroup.freeze; both wait until frozen. */
int cgroup_freeze (const struct cgroup_set *s, bool frozen, struct bw_error *err);

/* The pids of the container's cgroup and its descendants, sorted. */
int cgroup_pids (const struct cgroup_set *s, pid_t **pids, size_t *n, struct bw_error *err);

/* Signal every process of the container: cgroup.kill for SIGKILL on v2
 * where present, else freeze, signal each pid, thaw (no fork escapes). */
int cgroup_kill_all (const struct cgroup_set *s, int signo, struct bw_error *err);

/* Remove the container's directories (descendants first), retrying while
 * the kernel says busy (exiting processes) for a bounded time; the default
 * parent bulwark/ goes too when empty. Missing directories are fine. */
int cgroup_destroy (const struct cgroup_set *s, struct bw_error *err);

/* ---- pure conversions (runc and crun agree on these) ---- */
/* cpu.shares (2..262144) to cpu.weight (1..10000), and back. */
uint64_t cgroup_shares_to_weight (uint64_t shares);
uint64_t cgroup_weight_to_shares (uint64_t weight);
/* blkio.weight (10..1000) to io.bfq.weight / io.weight (1..10000). */
uint64_t cgroup_blkio_to_io_weight (uint64_t blkio);

/* One write the mapping asks for: file `file` of controller `controller`'s
 * directory gets `value`; `field` names the config field for errors. When
 * `file` does not exist and `alt_file` is set, that one gets `alt_value`
 * (io.bfq.weight or else io.weight). */
struct cgroup_write
{
  const char *controller;   /* v1 controller name; "" for cgroup2 unified keys */
  char *file;
  char *value;
  char *field;
  char *alt_file, *alt_value;
};
struct cgroup_writes { struct cgroup_write *w; size_t n; };
void cgroup_writes_clear (struct cgroup_writes *ws);

/* The mapping of linux.resources (devices excepted) to files, in the order
 * they are written, for v1 and for v2. 0 means unset for the limits (as
 * runc). Errors name fields the layout can't express. */
int cgroup_v1_writes (const struct spec_resources *r, bool update, struct cgroup_writes *ws,
                      struct bw_error *err);
int cgroup_v2_writes (const struct spec_resources *r, bool update, struct cgroup_writes *ws,
                      struct bw_error *err);

/* Device rules, implemented in runtime/linux/cgroup_devices.c by its owner.
 * `r` may be NULL (no linux.resources: the default rules still apply).
 * `v2` false: `dir` is the container's directory in the v1 devices hierarchy
 * (devices.deny / devices.allow). `v2` true: `dir` is its cgroup2 directory,
 * which gets a BPF_PROG_TYPE_CGROUP_DEVICE program built from the rules.
 * Called by cgroup_apply after the other resources, on create only (runc's
 * update takes no device rules). */
int cgroup_devices_apply (const struct spec_resources *r, bool v2, const char *dir,
                          struct bw_error *err);

#endif
