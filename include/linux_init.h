/* linux/init: the container init's side of create. Runs in the clone of the
 * runtime that becomes the container's first process: sets up the root,
 * /dev, sysctls and the process, reports success or the error to the
 * runtime, then blocks on the exec fifo until `start` and execs the workload. */
#ifndef BULWARK_LINUX_INIT_H
#define BULWARK_LINUX_INIT_H

#include <stdbool.h>
#include <sys/types.h>

#include "linux_seccomp_cache.h"
#include "spec.h"

struct init_ctx
{
  const struct spec *spec;
  const char *bundle;
  bool no_pivot;
  bool in_userns;
  int preserve_fds;    /* fds 3 .. 3+N-1 stay open for the workload */
  int sync_fd;         /* child end of the sync socketpair */
  int fifo_fd;         /* O_PATH fd of exec.fifo */
  int root_dir;        /* O_PATH fd of root.path, opened with the host uid */
  const int *mount_fds; /* per config mount: a prepared (idmapped) tree or -1 */
  int root_idmapped;   /* root.path idmapped (rootfs_prepare_idmap) or -1 */
  int console_sock;    /* connected --console-socket when process.terminal, else -1 */
  const char *id;      /* the container's id (for the seccomp agent's state) */
  int seccomp_agent_fd; /* connected to linux.seccomp.listenerPath, else -1 */
  /* linux.seccomp compiled (or taken from the cache) by the runtime; NULL:
   * compile it here with libseccomp (filters with notify rules). */
  const struct seccomp_bpf *seccomp_prog;
  /* The policy's floor filter, stacked last; NULL: none. */
  const struct seccomp_bpf *seccomp_floor;
};

/* Never returns: execs the workload or exits non-zero (after sending the
 * error over sync_fd while create is still waiting for it). */
__attribute__ ((noreturn)) void init_main (const struct init_ctx *ctx);

/* The process attributes applied in the container, once the root is /:
 * bounding set, user and groups, the other capability sets, umask, cwd,
 * no_new_privileges. Shared with exec. */
int init_setup_process (const struct spec_process *p, struct bw_error *err);

/* Close every fd >= 3 except the preserved ones and `keep` (n entries). */
int init_close_fds (int preserve_fds, const int *keep, size_t n);

#endif
