#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cleanup.h"
#include "hooks.h"
#include "linux_caps.h"
#include "linux_dev.h"
#include "linux_init.h"
#include "linux_landlock.h"
#include "linux_lsm.h"
#include "linux_mount.h"
#include "linux_process.h"
#include "linux_rootfs.h"
#include "linux_seccomp.h"
#include "linux_seccomp_floor.h"
#include "linux_sync.h"
#include "linux_sysctl.h"
#include "linux_terminal.h"
#include "sys.h"

static int
cmp_int (const void *a, const void *b)
{
  return *(const int *) a - *(const int *) b;
}

int
init_close_fds (int preserve_fds, const int *keep, size_t n)
{
  int sorted[8];
  if (n > sizeof sorted / sizeof sorted[0])
    return -EINVAL;
  memcpy (sorted, keep, n * sizeof *keep);
  qsort (sorted, n, sizeof *sorted, cmp_int);
  unsigned int from = 3 + (unsigned) preserve_fds;
  for (size_t i = 0; i < n; i++)
    {
      if (sorted[i] < 0 || (unsigned) sorted[i] < from)
        continue;
      if ((unsigned) sorted[i] > from && sys_close_range (from, sorted[i] - 1, 0) < 0)
        return -errno;
      from = sorted[i] + 1;
    }
  if (sys_close_range (from, ~0U, 0) < 0)
    return -errno;
  return 0;
}

/* A procfs of the container's pid namespace that no path in the container
 * can redirect: a fresh, detached mount. Without a pid namespace of its own
 * (or the right to mount one) the runtime's /proc, opened before the pivot. */
static int
open_procfs (int *out, struct bw_error *err)
{
  int ret = mount_new_fs ("proc", "proc", NULL, 0,
                          MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, out, err);
  if (ret == 0)
    return 0;
  int fd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct statfs sfs;
  if (fd < 0 || fstatfs (fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
    {
      if (fd >= 0)
        close (fd);
      return bw_error_set (err, ENOENT, "no procfs to use (%s)", err->msg);
    }
  bw_error_clear (err);
  *out = fd;
  return 0;
}

static bool
has_ns (const struct spec *spec, enum spec_ns_type t)
{
  const struct spec_namespace *ns = spec_namespace_find (spec, t);
  return ns != NULL;
}

static int
set_names (const struct spec *spec, struct bw_error *err)
{
  if ((spec->hostname || spec->domainname) && !has_ns (spec, SPEC_NS_UTS))
    return bw_error_set (err, EINVAL, "hostname: setting it needs a uts namespace");
  if (spec->hostname && sethostname (spec->hostname, strlen (spec->hostname)) < 0)
    return bw_error_syscall (err, "hostname: sethostname \"%s\"", spec->hostname);
  if (spec->domainname && setdomainname (spec->domainname, strlen (spec->domainname)) < 0)
    return bw_error_syscall (err, "domainname: setdomainname \"%s\"", spec->domainname);
  return 0;
}

/* Everything done inside the container's mount namespace, before the pivot. */
static int
setup_root (const struct init_ctx *ctx, int procfd, int *rootfd, struct bw_error *err)
{
  const struct spec *spec = ctx->spec;
  int ret = rootfs_prepare (spec, ctx->root_dir, ctx->root_idmapped, rootfd, err);
  if (ret == 0 && !dev_spec_mounts_dev (spec))
    ret = dev_mount_tmpfs (*rootfd, lsm_mount_label (spec), err);
  struct mount_env env = { .rootfd = *rootfd, .bundle = ctx->bundle,
                           .in_userns = ctx->in_userns, .label = lsm_mount_label (spec),
                           .procfd = procfd, .cgroupns = has_ns (spec, SPEC_NS_CGROUP) };
  for (size_t i = 0; ret == 0 && i < spec->n_mounts; i++)
    {
      /* mount_one closes the prepared tree; the rest die with us on error. */
      ret = mount_one (&spec->mounts[i], &env, ctx->mount_fds ? ctx->mount_fds[i] : -1, err);
      if (ret < 0)
        bw_error_prefix (err, "mounts[%zu]", i);
    }
  if (ret == 0)
    ret = dev_populate (spec, *rootfd, ctx->in_userns, err);
  /* After devpts is mounted, before the root turns read-only. */
  if (ret == 0 && spec->process->terminal.value)
    ret = terminal_setup (*rootfd, spec->process, ctx->console_sock, true, err);
  if (ret == 0)
    ret = sysctl_write (spec, procfd, err);
  if (ret == 0)
    ret = process_make_cwd (spec->process, *rootfd, err);
  if (ret == 0)
    ret = rootfs_mask_paths (spec, *rootfd, err);
  if (ret == 0)
    ret = rootfs_readonly_paths (spec, *rootfd, err);
  if (ret == 0)
    ret = set_names (spec, err);
  if (ret == 0 && spec->root->readonly.value)
    ret = rootfs_make_readonly (*rootfd, err);
  return ret;
}

int
init_setup_process (const struct spec_process *p, struct bw_error *err)
{
  /* Scheduling first: a real-time policy or I/O class needs privileges. */
  int ret = process_set_scheduler (p->scheduler, err);
  if (ret == 0)
    ret = process_set_io_priority (p->io_priority, err);
  if (ret == 0)
    ret = caps_drop_bounding (p->capabilities, err);
  if (ret == 0)
    ret = caps_keep_on_setuid (true, err);
  if (ret == 0)
    ret = process_set_user (&p->user, err);
  if (ret == 0)
    ret = caps_keep_on_setuid (false, err);
  if (ret == 0)
    ret = caps_apply (p->capabilities, err);
  if (ret == 0)
    ret = process_finish (p, err);
  return ret;
}

/* Mounts done, before pivot_root: the runtime runs prestart and
 * createRuntime meanwhile, then createContainer runs here, in the
 * container's namespaces. The state for startContainer is kept for later. */
static int
container_hooks (const struct init_ctx *ctx, char **start_state, struct bw_error *err)
{
  _cleanup_free_ char *creating = NULL;
  int ret = sync_send (ctx->sync_fd, SYNC_HOOKS_READY, 0, err);
  if (ret == 0)
    ret = sync_expect (ctx->sync_fd, "runtime", SYNC_HOOKS_DONE, NULL, err);
  if (ret == 0)
    ret = sync_recv_data (ctx->sync_fd, "runtime", &creating, err);
  if (ret == 0)
    ret = sync_recv_data (ctx->sync_fd, "runtime", start_state, err);
  if (ret == 0)
    {
      /* Ours is 0 while we build the root; hooks get the usual one. */
      mode_t saved = umask (022);
      ret = hooks_run (hooks_of (ctx->spec, SPEC_HOOK_CREATE_CONTAINER),
                       SPEC_HOOK_CREATE_CONTAINER, creating, err);
      umask (saved);
    }
  return ret;
}

/* linux.seccomp is loaded as late as it can be while its errors still fail
 * create (as runc does): with no_new_privs, as the last step of setup;
 * without it, loading needs CAP_SYS_ADMIN, so just before
 * init_setup_process gives the capabilities up (the profile must then allow
 * what the init still does: prctl, setresuid, capset, chdir, execve...).
 * The second call finds nothing left to load. */
static int
load_seccomp (const struct init_ctx *ctx, struct seccomp_prepared *filter, pid_t pid,
              struct bw_error *err)
{
  _cleanup_free_ char *state = NULL;
  if (filter->agent_fd >= 0)
    {
      int ret = seccomp_agent_state (ctx->id, "creating", pid, ctx->bundle,
                                     &ctx->spec->annotations, &state, err);
      if (ret < 0)
        return ret;
    }
  return seccomp_prepared_load (filter, pid, state, err);
}

/* The runtime's compiled program when it gave one (loaded once: *prog is
 * cleared), else the filter compiled here. */
static int
load_filter (const struct init_ctx *ctx, const struct seccomp_bpf **prog,
             struct seccomp_prepared *filter, pid_t pid, struct bw_error *err)
{
  if (!*prog)
    return load_seccomp (ctx, filter, pid, err);
  int ret = seccomp_bpf_load (*prog, err);
  *prog = NULL;
  return ret < 0 ? bw_error_prefix (err, "linux.seccomp") : 0;
}

/* The policy's floor (loaded once: *floor is cleared), then the config's
 * filter. Loaded after it, the floor's own seccomp(2) call would be
 * checked by the config's filter, which may not allow it; the kernel
 * applies the strictest answer in either order, so no config can lift the
 * floor. */
static int
load_floor_and_filter (const struct init_ctx *ctx, const struct seccomp_bpf **floor,
                       const struct seccomp_bpf **prog, struct seccomp_prepared *filter,
                       pid_t pid, struct bw_error *err)
{
  if (*floor)
    {
      int ret = seccomp_floor_install (*floor, err);
      *floor = NULL;
      if (ret < 0)
        return ret;
    }
  return load_filter (ctx, prog, filter, pid, err);
}

static int
setup (const struct init_ctx *ctx, int *procfd, char **exec_path, char **start_state,
       struct bw_error *err)
{
  _cleanup_close_ int rootfd = -1;
  _cleanup_close_ int landlock_fd = -1;
  _cleanup_seccomp_prepared_ struct seccomp_prepared filter = SECCOMP_PREPARED_INIT;
  int32_t init_pid = 0;
  int ret = sync_expect (ctx->sync_fd, "runtime", SYNC_GO, &init_pid, err);
  if (ret < 0)
    return ret;
  /* Die with the runtime while it still waits for us. (Had it died before,
   * GO would not have come; our parent is outside our pid namespace, so
   * getppid cannot tell.) */
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    return bw_error_syscall (err, "prctl PR_SET_PDEATHSIG");
  umask (0);
  /* Compiled once; the agent's socket was connected by the setup process
   * with the host's credentials (the container's user may not reach it). */
  const struct seccomp_bpf *prog = ctx->seccomp_prog, *floor = ctx->seccomp_floor;
  ret = seccomp_prepare_agent (ctx->spec->linux && !prog ? ctx->spec->linux->seccomp : NULL,
                               ctx->seccomp_agent_fd, &filter, err);
  if (ret == 0)
    ret = open_procfs (procfd, err);
  if (ret == 0)
    ret = setup_root (ctx, *procfd, &rootfd, err);
  /* Done with it (closed here too: it may sit in the --preserve-fds range). */
  if (ctx->console_sock >= 0)
    close (ctx->console_sock);
  if (ret == 0 && hooks_need_init_step (ctx->spec))
    ret = container_hooks (ctx, start_state, err);
  if (ret == 0)
    ret = rootfs_enter (ctx->spec, rootfd, ctx->no_pivot, err);
  if (ret == 0 && ctx->spec->linux)
    ret = process_set_personality (ctx->spec->linux->personality, err);
  /* Landlock (opt-in): built here, past the pivot so that its paths are
   * the container's, while we may still open every one of them; the exec
   * fifo, outside the root, must stay writable for wait_for_start. */
  if (ret == 0)
    ret = landlock_prepare (ctx->spec, rootfd, &landlock_fd, err);
  if (ret == 0 && landlock_fd >= 0)
    ret = landlock_allow_fd (landlock_fd, ctx->fifo_fd, LANDLOCK_ACCESS_FS_WRITE_FILE,
                             "exec.fifo", err);
  /* Without no_new_privs, loading needs the CAP_SYS_ADMIN we are about to
   * give up: the floor and the filter go in now. */
  if (ret == 0 && !ctx->spec->process->no_new_privileges.value)
    ret = load_floor_and_filter (ctx, &floor, &prog, &filter, init_pid, err);
  if (ret == 0)
    ret = init_setup_process (ctx->spec->process, err);
  if (ret == 0)
    ret = process_find_executable (ctx->spec->process, exec_path, err);
  if (ret == 0)
    ret = process_refuse_runtime_exec (*exec_path, *procfd, err);
  if (ret == 0)
    ret = lsm_set_exec_label (ctx->spec->process, *procfd, err);
  /* After the label: that writes to a procfs outside the root. */
  if (ret == 0 && landlock_fd >= 0)
    ret = landlock_restrict (bw_steal_fd (landlock_fd), err);
  if (ret < 0)
    return ret;

  close (ctx->root_dir);
  int keep[] = { ctx->sync_fd, ctx->fifo_fd, *procfd, filter.agent_fd };
  ret = init_close_fds (ctx->preserve_fds, keep, 4);
  if (ret < 0)
    return bw_error_set (err, -ret, "close_range: %s", strerror (-ret));
  for (int fd = 3; fd < 3 + ctx->preserve_fds; fd++)
    if (fd != ctx->sync_fd && fd != ctx->fifo_fd && fd != *procfd && fd != filter.agent_fd)
      fcntl (fd, F_SETFD, 0);
  return load_floor_and_filter (ctx, &floor, &prog, &filter, init_pid, err);
}

/* Block until `start` opens the fifo for reading, then tell it we go.
 * *started_fd stays open (close-on-exec) so that `start` sees end of file
 * only once the workload runs, or reads why it never will. */
static int
wait_for_start (int procfd, int fifo_fd, int *started_fd)
{
  char path[64];
  snprintf (path, sizeof path, "self/fd/%d", fifo_fd);
  int fd;
  do
    fd = openat (procfd, path, O_WRONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return -errno;
  ssize_t n = write (fd, "0", 1);
  if (n == 1)
    {
      *started_fd = fd;
      return 0;
    }
  int saved = errno;
  close (fd);
  return -saved;
}

/* startContainer, in the container once `start` released us. A failure
 * goes back to `start` over the fifo and the workload never runs. */
static void
run_start_hooks (const struct spec *spec, const char *state, int started_fd)
{
  struct bw_error err = { 0 };
  if (hooks_run (hooks_of (spec, SPEC_HOOK_START_CONTAINER), SPEC_HOOK_START_CONTAINER, state,
                 &err) == 0)
    return;
  size_t len = strlen (err.msg);
  if (write (started_fd, err.msg, len) != (ssize_t) len)
    dprintf (STDERR_FILENO, "bulwark: %s\n", err.msg);
  _exit (1);
}

void
init_main (const struct init_ctx *ctx)
{
  struct bw_error err = { 0 };
  int procfd = -1;
  char *exec_path = NULL, *start_state = NULL;
  if (setup (ctx, &procfd, &exec_path, &start_state, &err) < 0)
    {
      sync_send_error (ctx->sync_fd, &err);
      _exit (1);
    }
  /* The runtime exits once create returns; from here on we outlive it. */
  prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0);
  if (sync_send (ctx->sync_fd, SYNC_READY, 0, &err) < 0)
    _exit (1);
  close (ctx->sync_fd);

  int started_fd = -1;
  int ret = wait_for_start (procfd, ctx->fifo_fd, &started_fd);
  if (ret < 0)
    {
      dprintf (STDERR_FILENO, "bulwark: wait for start on the exec fifo: %s\n", strerror (-ret));
      _exit (1);
    }
  close (procfd);
  close (ctx->fifo_fd);
  if (start_state)
    run_start_hooks (ctx->spec, start_state, started_fd);
  process_exec (ctx->spec->process, exec_path);
}
