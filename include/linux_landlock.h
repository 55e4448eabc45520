/* linux/landlock: the Landlock ruleset that confines a container where no
 * other LSM does. Owns the opt-in (annotation run.bulwark.landlock=enforce),
 * the kernel's Landlock ABI version, the plan (which paths of the container
 * get which access rights, pure) and applying it in the container's init
 * after pivot_root, so every path is the container's.
 *
 * The rule: read and execute beneath the container's "/"; write (create,
 * remove, rename, truncate, device ioctls) beneath every config mount not
 * mounted read-only, beneath /dev when the runtime makes it, and beneath "/"
 * itself when root.readonly is false. With ABI >= 6 the container may not
 * signal, nor connect to abstract unix sockets of, processes outside its
 * Landlock domain. Network access is not restricted. A confined process
 * can no longer mount, remount or pivot_root, whatever its capabilities.
 *
 * In the init the ruleset is built right after pivot_root (as the
 * container's root, so every destination can be opened) and enforced right
 * after the LSM label step, before the exec fifo wait: the fifo (outside
 * the root) gets a write rule of its own, and startContainer hooks run
 * confined like the workload. Processes started by `bulwark exec` are not
 * confined: they are the operator's, usually run without noNewPrivileges
 * (which enforcing needs), and a domain of their own would keep them from
 * signalling the workload. So the workload cannot signal them; they can
 * signal it. */
#ifndef BULWARK_LINUX_LANDLOCK_H
#define BULWARK_LINUX_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/landlock.h>

#include "error.h"
#include "spec.h"

#define LANDLOCK_ANNOTATION "run.bulwark.landlock"

/* Whether the config opts in: false without the annotation, true with
 * "enforce", an error naming the annotation for any other value. */
int landlock_wanted (const struct spec *spec, bool *wanted, struct bw_error *err);

/* The running kernel's Landlock ABI version; 0 when it has none (not built,
 * or not enabled at boot). */
int landlock_abi (void);

struct landlock_rule
{
  const char *path;    /* absolute, in the container (points into the spec) */
  uint64_t access;     /* LANDLOCK_ACCESS_FS_* allowed beneath it */
};

struct landlock_plan
{
  int abi;
  uint64_t handled_fs;  /* every right the kernel knows: denied unless a rule allows */
  uint64_t scoped;      /* LANDLOCK_SCOPE_* (ABI >= 6), else 0 */
  struct landlock_rule *rules;
  size_t n_rules;
};

/* The rules for `spec` on a kernel of ABI `abi` (pure). ABI 1 is refused:
 * it forbids every rename or link between directories, which breaks
 * ordinary workloads. Free with landlock_plan_clear. */
int landlock_plan (const struct spec *spec, int abi, struct landlock_plan *plan,
                   struct bw_error *err);
void landlock_plan_clear (struct landlock_plan *plan);

/* The part of `access` that applies to a file that is not a directory. */
uint64_t landlock_file_access (uint64_t access);

/* Build the ruleset for `spec` (call after pivot_root, with the rights to
 * open every mount's destination), each rule's path resolved inside
 * `rootfd`, the container's root (rootfs_resolve: no magic links):
 * *ruleset_fd is -1 when the config does not opt in. Needs
 * process.noNewPrivileges: once capabilities are dropped,
 * landlock_restrict_self requires it. */
int landlock_prepare (const struct spec *spec, int rootfd, int *ruleset_fd,
                      struct bw_error *err);

/* Allow `access` on the file behind `fd` (an O_PATH fd; e.g. the exec
 * fifo, which lies outside the container). `what` names it in errors. */
int landlock_allow_fd (int ruleset_fd, int fd, uint64_t access, const char *what,
                       struct bw_error *err);

/* Confine the calling thread with the ruleset and close it. */
int landlock_restrict (int ruleset_fd, struct bw_error *err);

#endif
