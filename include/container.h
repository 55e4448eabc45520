/* container: the Linux side of the lifecycle. Turns a (hardened) spec into a
 * container init that waits, blocked, for `start`; releases it; signals and
 * tears it down. Never re-reads config.json and never decides policy: the
 * spec it is given is the one to set up. The per-concern work lives in
 * runtime/linux/ (namespaces, rootfs, dev, process, caps, ...). */
#ifndef BULWARK_CONTAINER_H
#define BULWARK_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"
#include "spec.h"
#include "state.h"

struct container_create_opts
{
  const char *id;
  const char *bundle;          /* absolute; root.path is relative to it */
  struct state_handle *state;  /* the locked container dir (exec fifo lives here) */
  const char *state_root;      /* the store's root: its compiled-filter cache
                                  (linux_seccomp_cache.h); NULL: compile without */
  const char *console_socket;  /* NULL: no console socket */
  int preserve_fds;            /* fds 3 .. 3+N-1 pass to the workload */
  bool no_pivot;
  bool no_new_keyring;
  /* Placed, not yet created; NULL: no cgroups (--cgroup-manager disabled). */
  const struct cgroup_set *cgroup;
  /* The policy's plan: confine with Landlock (lifecycle also sets the
   * run.bulwark.landlock annotation in the hardened spec, which the init
   * reads; kept here for the record). */
  bool landlock;
};

/* Set everything up and leave the init blocked until container_start. On
 * failure, undo all that was done (no process, no mount left) and return the
 * error. *init_pid is the init's pid on the host. */
int container_create (const struct spec *spec, const struct container_create_opts *opts,
                      pid_t *init_pid, struct bw_error *err);

/* Release a created container's init to exec its workload. */
int container_start (struct state_handle *h, struct bw_error *err);

/* Send a signal to the init, or with `all` to every process of the container. */
int container_kill (const struct state_record *rec, int signo, bool all, struct bw_error *err);

/* Release what a container owned outside its state dir (its processes when
 * `force`, mounts, cgroups). Safe to call on a half-created container. */
int container_destroy (const struct state_record *rec, struct state_handle *h, bool force,
                       struct bw_error *err);

#endif
