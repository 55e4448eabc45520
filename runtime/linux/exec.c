/* linux/exec: see include/linux_exec.h. Three processes take part:
 *   runtime  - checks the init, connects the console socket, forks the
 *              helper, then waits for the new process's READY or error;
 *   helper   - a fork of the runtime: non-dumpable; rlimits, scheduling,
 *              the host's procfs and a seccomp filter with notify rules
 *              compiled while still on the host (the runtime brings the
 *              others and the floor from the state root's cache);
 *              setns(init pidfd, every differing namespace);
 *              clone3(CLONE_PARENT) of the process; reports its pid;
 *   process  - in every namespace of the container (its root is the
 *              container's, set by joining the mount namespace): terminal,
 *              user, capabilities, cwd, seccomp, LSM label, fds, execve.
 * All three share one SOCK_SEQPACKET sync channel. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup.h"
#include "cleanup.h"
#include "linux_caps.h"
#include "linux_exec.h"
#include "linux_init.h"
#include "linux_lsm.h"
#include "linux_process.h"
#include "linux_seccomp.h"
#include "linux_seccomp_floor.h"
#include "linux_sync.h"
#include "linux_terminal.h"
#include "sys.h"

/* /proc/PID/ns names and their flags; user first only for readability:
 * setns on a pidfd installs the user namespace before the others. */
static const struct
{
  const char *name;
  int flag;
} ns_kinds[] = {
  { "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS },       { "pid", CLONE_NEWPID },
  { "net", CLONE_NEWNET },   { "ipc", CLONE_NEWIPC },      { "uts", CLONE_NEWUTS },
  { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

int
exec_namespaces_to_join (pid_t pid, int *flags, struct bw_error *err)
{
  *flags = 0;
  for (size_t i = 0; i < sizeof ns_kinds / sizeof ns_kinds[0]; i++)
    {
      char path[64];
      struct stat theirs, ours;
      snprintf (path, sizeof path, "/proc/self/ns/%s", ns_kinds[i].name);
      /* A kernel without this namespace type (time before 5.6). */
      if (stat (path, &ours) < 0)
        {
          if (errno == ENOENT)
            continue;
          return bw_error_syscall (err, "stat %s", path);
        }
      snprintf (path, sizeof path, "/proc/%d/ns/%s", (int) pid, ns_kinds[i].name);
      if (stat (path, &theirs) < 0)
        return bw_error_syscall (err, "stat %s", path);
      if (theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev)
        *flags |= ns_kinds[i].flag;
    }
  return 0;
}

/* A pidfd for the container's init, refused when the pid now names another
 * process: its start time must be the recorded one. Checked after the
 * pidfd is open, so the pidfd refers to the process that was checked. */
static int
open_init (const struct state_record *rec, int *out, struct bw_error *err)
{
  if (rec->pid <= 0)
    return bw_error_set (err, ESRCH, "container \"%s\" has no init process", rec->id);
  _cleanup_close_ int fd = sys_pidfd_open (rec->pid, 0);
  if (fd < 0)
    return bw_error_syscall (err, "pidfd_open the container init (pid %d)", (int) rec->pid);
  uint64_t start = 0;
  struct bw_error ignored = { 0 };
  if (state_pid_start_time (rec->pid, &start, &ignored) < 0 || start != rec->pid_start_time)
    return bw_error_set (err, ESRCH, "container \"%s\" is not running (its init pid %d is gone)",
                         rec->id, (int) rec->pid);
  *out = bw_steal_fd (fd);
  return 0;
}

struct exec_ctx
{
  const struct exec_request *req;
  pid_t runtime_pid;
  int sync_fd;
  int pidfd;
  int ns_flags;
  int console_sock;
  int procfd;                        /* the host's procfs, opened by the helper */
  struct seccomp_prepared *filter;   /* compiled by the helper (notify rules) */
  const struct seccomp_bpf *prog;    /* linux.seccomp from the cache, or NULL */
  const struct seccomp_bpf *floor;   /* the policy's floor filter, or NULL */
};

/* The host's procfs, opened before joining: a /proc the container cannot
 * fake. Its "self" still resolves for a process of a descendant pid
 * namespace. Never reaches the workload (closed before execve). */
static int
open_host_procfs (int *out, struct bw_error *err)
{
  _cleanup_close_ int fd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  struct statfs sfs;
  if (fd < 0 || fstatfs (fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
    return bw_error_set (err, ENOENT, "exec: no procfs on the runtime's /proc");
  *out = bw_steal_fd (fd);
  return 0;
}

/* Loaded as the container init does it (see init.c): without
 * no_new_privs while the capabilities to do so are still held, else last;
 * the floor first (loaded after, its own seccomp(2) call would be checked
 * by the config's filter, which may not allow it). *floor and *prog are
 * cleared once loaded: a second call loads nothing. */
static int
load_seccomp (const struct exec_ctx *c, const struct seccomp_bpf **floor,
              const struct seccomp_bpf **prog, pid_t pid, struct bw_error *err)
{
  int ret = 0;
  if (*floor)
    ret = seccomp_floor_install (*floor, err);
  *floor = NULL;
  if (ret == 0 && *prog && (ret = seccomp_bpf_load (*prog, err)) < 0)
    bw_error_prefix (err, "linux.seccomp");
  *prog = NULL;
  if (ret == 0)
    ret = seccomp_prepared_load (c->filter, pid, c->req->state_json, err);
  return ret;
}

/* The new process, in the container: everything up to the execve. */
static int
process_setup (const struct exec_ctx *c, char **exec_path, struct bw_error *err)
{
  const struct exec_request *req = c->req;
  const struct spec_process *p = req->process;
  const struct seccomp_bpf *floor = c->floor, *prog = c->prog;
  int32_t host_pid = 0;
  int ret = sync_expect (c->sync_fd, "runtime", SYNC_GO, &host_pid, err);
  if (ret < 0)
    return ret;
  if (p->terminal.value)
    {
      _cleanup_close_ int rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (rootfd < 0)
        return bw_error_syscall (err, "open the container's root");
      ret = terminal_setup (rootfd, p, c->console_sock, false, err);
    }
  if (c->console_sock >= 0)
    close (c->console_sock);
  if (ret == 0 && !p->no_new_privileges.value)
    ret = load_seccomp (c, &floor, &prog, host_pid, err);
  if (ret == 0)
    ret = init_setup_process (p, err);
  if (ret == 0)
    ret = process_find_executable (p, exec_path, err);
  if (ret == 0)
    ret = process_refuse_runtime_exec (*exec_path, c->procfd, err);
  if (ret == 0)
    ret = process_set_cpu_affinity (p->exec_cpu_affinity, true, err);
  if (ret == 0)
    ret = lsm_set_exec_label (p, c->procfd, err);
  if (ret < 0)
    return ret;

  close (c->procfd);
  int keep[] = { c->sync_fd, c->filter->agent_fd };
  ret = init_close_fds (req->preserve_fds, keep, 2);
  if (ret < 0)
    return bw_error_set (err, -ret, "close_range: %s", strerror (-ret));
  for (int fd = 3; fd < 3 + req->preserve_fds; fd++)
    if (fd != c->sync_fd && fd != c->filter->agent_fd)
      fcntl (fd, F_SETFD, 0);
  return load_seccomp (c, &floor, &prog, host_pid, err);
}

__attribute__ ((noreturn)) static void
process_main (const struct exec_ctx *c)
{
  struct bw_error err = { 0 };
  char *exec_path = NULL;
  close (c->pidfd);
  if (process_setup (c, &exec_path, &err) < 0)
    {
      sync_send_error (c->sync_fd, &err);
      _exit (1);
    }
  if (sync_send (c->sync_fd, SYNC_READY, 0, &err) < 0)
    _exit (1);
  close (c->sync_fd);
  process_exec (c->req->process, exec_path);
}

/* The helper: join, then clone the process as the runtime's child. */
static int
helper_join (struct exec_ctx *c, pid_t *pid, struct bw_error *err)
{
  const struct spec_process *p = c->req->process;
  const struct spec_linux *l = c->req->config->linux;
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid () != c->runtime_pid)
    return bw_error_set (err, ESRCH, "the runtime went away");
  /* Nothing in the container may ptrace us or read our memory while we
   * hold the runtime's privileges in its namespaces. */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return bw_error_syscall (err, "prctl PR_SET_DUMPABLE");
  int keep[] = { c->sync_fd, c->pidfd, c->console_sock };
  int ret = init_close_fds (c->req->preserve_fds, keep, 3);
  if (ret < 0)
    return bw_error_set (err, -ret, "close_range: %s", strerror (-ret));
  /* While still privileged on the host (raising a hard limit or a
   * real-time priority is not allowed from inside a user namespace); the
   * process inherits them through clone. */
  ret = process_set_rlimits (p, err);
  if (ret == 0)
    ret = process_set_scheduler (p->scheduler, err);
  if (ret == 0)
    ret = process_set_io_priority (p->io_priority, err);
  if (ret == 0)
    ret = process_set_cpu_affinity (p->exec_cpu_affinity, false, err);
  if (ret == 0)
    ret = open_host_procfs (&c->procfd, err);
  /* Inherited too: non-dumpable inside the user namespace, the process
   * could not open its own oom_score_adj. */
  if (ret == 0)
    ret = process_set_oom_score_adj (p, c->procfd, err);
  /* Compiled here, where linux.seccomp.listenerPath (a host path) is
   * reachable, unless the runtime brought it from the cache; the process
   * loads it. */
  if (ret == 0 && !c->prog)
    ret = seccomp_prepare (l ? l->seccomp : NULL, c->filter, err);
  if (ret < 0)
    return ret;
  if (c->ns_flags && setns (c->pidfd, c->ns_flags) < 0)
    return bw_error_syscall (err, "join the namespaces of the container init (setns 0x%x)",
                             c->ns_flags);
  struct clone_args args = { .flags = CLONE_PARENT };
  pid_t child = sys_clone3 (&args, sizeof args);
  if (child < 0)
    return bw_error_syscall (err, "clone3 the exec process");
  if (child == 0)
    process_main (c);
  *pid = child;
  return 0;
}

__attribute__ ((noreturn)) static void
helper_main (struct exec_ctx *c)
{
  struct bw_error err = { 0 };
  pid_t pid = 0;
  /* Into the container's cgroup first, so that the new process is limited,
   * listed by ps, frozen by pause and reached by kill --all like the rest. */
  const char *cgroup = c->req->rec->cgroup_path;
  if (cgroup && *cgroup)
    {
      struct cgroup_set cg = { 0 };
      int ret = cgroup_load (CGROUP_ROOT, -1, cgroup, &cg, &err);
      if (ret == 0)
        ret = cgroup_enter (&cg, 0, &err);
      cgroup_set_clear (&cg);
      if (ret < 0)
        {
          bw_error_prefix (&err, "join the container's cgroup");
          sync_send_error (c->sync_fd, &err);
          _exit (1);
        }
    }
  if (helper_join (c, &pid, &err) < 0)
    {
      sync_send_error (c->sync_fd, &err);
      _exit (1);
    }
  _exit (sync_send (c->sync_fd, SYNC_INIT_PID, pid, &err) < 0 ? 1 : 0);
}

static void
kill_and_reap (pid_t pid)
{
  kill (pid, SIGKILL);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

/* linux.seccomp (when the cache can hold it) and the policy's floor, from
 * the compiled-filter cache in the state root, compiled and stored on a
 * miss: here, with the runtime's credentials, as create does. */
static int
prepare_programs (const struct exec_request *req, struct seccomp_bpf *prog,
                  struct seccomp_bpf *floor, struct bw_error *err)
{
  const struct spec_seccomp *sc = req->config->linux ? req->config->linux->seccomp : NULL;
  bool want_floor = false;
  int ret = 0;
  if (sc && seccomp_cache_usable (sc))
    ret = seccomp_cache_load_or_compile (req->state_root, sc, prog, NULL, err);
  if (ret == 0)
    ret = seccomp_floor_wanted (req->config, &want_floor, err);
  if (ret == 0 && want_floor)
    ret = seccomp_floor_load_or_compile (req->state_root, floor, NULL, err);
  return ret;
}

static int
check_request (const struct exec_request *req, struct bw_error *err)
{
  const struct spec_process *p = req->process;
  /* A foreground exec relays the terminal through a socket of its own
   * (tty_relay); only a detached one gets here without a socket. */
  if (p->terminal.value && !req->console_socket)
    return bw_error_set (err, EINVAL, "process.terminal is true (--tty) but no --console-socket "
                         "was given: cannot allocate a tty for a detached process without one");
  if (!p->terminal.value && req->console_socket)
    return bw_error_set (err, EINVAL, "--console-socket: given but process.terminal is false");
  if (!p->cwd || p->cwd[0] != '/')
    return bw_error_set (err, EINVAL, "process.cwd: must be an absolute path");
  if (p->args.n == 0)
    return bw_error_set (err, EINVAL, "process.args: must not be empty");
  if (req->preserve_fds < 0)
    return bw_error_set (err, EINVAL, "--preserve-fds: must not be negative");
  int ret = caps_validate (p->capabilities, err);
  if (ret == 0)
    ret = process_check_cpu_affinity (p->exec_cpu_affinity, err);
  if (ret < 0)
    return ret;
  struct lsm_host host;
  lsm_detect (&host);
  return lsm_validate_process (p, &host, "process", err);
}

int
exec_spawn (const struct exec_request *req, pid_t *pid, struct bw_error *err)
{
  _cleanup_close_ int pidfd = -1;
  _cleanup_close_ int console_sock = -1;
  int fds[2] = { -1, -1 };
  pid_t helper = 0, child = 0;
  int32_t value = 0;
  int status;
  struct seccomp_prepared filter = SECCOMP_PREPARED_INIT;
  _cleanup_seccomp_bpf_ struct seccomp_bpf prog = SECCOMP_BPF_INIT;
  _cleanup_seccomp_bpf_ struct seccomp_bpf floor = SECCOMP_BPF_INIT;
  struct exec_ctx c = { .req = req, .runtime_pid = getpid (), .console_sock = -1,
                        .procfd = -1, .filter = &filter };
  int ret = check_request (req, err);
  if (ret == 0)
    ret = prepare_programs (req, &prog, &floor, err);
  c.prog = prog.insns ? &prog : NULL;
  c.floor = floor.insns ? &floor : NULL;
  if (ret == 0)
    ret = open_init (req->rec, &pidfd, err);
  if (ret == 0)
    ret = exec_namespaces_to_join (req->rec->pid, &c.ns_flags, err);
  if (ret == 0 && req->process->terminal.value)
    ret = terminal_connect (req->console_socket, &console_sock, err);
  if (ret == 0)
    ret = sync_pair (fds, err);
  if (ret < 0)
    return ret;

  c.sync_fd = fds[1];
  c.pidfd = pidfd;
  c.console_sock = console_sock;
  helper = fork ();
  if (helper < 0)
    {
      ret = bw_error_syscall (err, "fork");
      goto out;
    }
  if (helper == 0)
    {
      close (fds[0]);
      helper_main (&c);
    }
  close (fds[1]);
  fds[1] = -1;

  ret = sync_expect (fds[0], "exec helper process", SYNC_INIT_PID, &value, err);
  if (ret < 0)
    goto out;
  child = value;
  while (waitpid (helper, &status, 0) < 0)
    if (errno != EINTR)
      {
        ret = bw_error_syscall (err, "waitpid the exec helper");
        goto out;
      }
  helper = 0;
  /* The process learns its host pid (for the seccomp agent) with GO. */
  ret = sync_send (fds[0], SYNC_GO, child, err);
  if (ret == 0)
    ret = sync_expect (fds[0], "exec process", SYNC_READY, NULL, err);
  if (ret == 0)
    *pid = child;

out:
  if (ret < 0 && child > 0)
    kill_and_reap (child);
  if (helper > 0)
    kill_and_reap (helper);
  for (int i = 0; i < 2; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  return ret;
}
