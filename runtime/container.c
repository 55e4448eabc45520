/* container: orchestration of create/start/kill/destroy. The runtime forks a
 * setup process that joins and creates the namespaces (its user namespace
 * gets its id maps from the runtime), then clones the init as the runtime's
 * own child (CLONE_PARENT) so that `run` can wait for it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "container.h"
#include "hooks.h"
#include "linux_caps.h"
#include "linux_init.h"
#include "linux_lsm.h"
#include "linux_mount.h"
#include "linux_ns.h"
#include "linux_process.h"
#include "linux_rootfs.h"
#include "linux_seccomp_cache.h"
#include "linux_seccomp_floor.h"
#include "linux_seccomp.h"
#include "linux_sync.h"
#include "linux_terminal.h"
#include "sys.h"

#define EXEC_FIFO "exec.fifo"

/* Config parts whose module does not exist yet: refuse rather than run a
 * container without what the config asked for. */
static int
refuse_unsupported (const struct spec *spec, const struct container_create_opts *opts,
                    struct bw_error *err)
{
  const struct spec_process *p = spec->process;
  const char *what = NULL;
  if (p->terminal.value && !opts->console_socket)
    return bw_error_set (err, EINVAL, "process.terminal is true but no --console-socket was given");
  if (!p->terminal.value && opts->console_socket)
    return bw_error_set (err, EINVAL, "--console-socket: given but process.terminal is false");
  /* LSM labels: the lsm module decides, from the kernel. */
  int ret = lsm_validate (spec, err);
  if (ret == 0)
    ret = process_check_cpu_affinity (p->exec_cpu_affinity, err);
  if (ret < 0)
    return ret;
  if (what)
    return bw_error_set (err, ENOTSUP, "%s is not supported yet", what);
  return 0;
}

/* The host id that container id `id` maps to (itself without a mapping). */
static int
host_id (const struct spec_id_mappings *m, uint32_t id, uint32_t *out)
{
  if (m->n == 0)
    {
      *out = id;
      return 0;
    }
  for (size_t i = 0; i < m->n; i++)
    if (id >= m->items[i].container_id && id - m->items[i].container_id < m->items[i].size)
      {
        *out = m->items[i].host_id + (id - m->items[i].container_id);
        return 0;
      }
  return -1;
}

/* The fifo is opened by the init after it became the container user: owned
 * by that user on the host, so that mode 0600 still lets it in. */
static int
make_exec_fifo (const struct spec *spec, int dir_fd, int *fifo_fd, struct bw_error *err)
{
  uint32_t uid, gid;
  const struct spec_user *u = &spec->process->user;
  bool userns = ns_has_user (spec);
  static const struct spec_id_mappings none = { 0 };
  if (host_id (userns ? &spec->linux->uid_mappings : &none, u->uid, &uid) < 0)
    return bw_error_set (err, EINVAL, "process.user.uid: %u is not mapped in linux.uidMappings",
                         u->uid);
  if (host_id (userns ? &spec->linux->gid_mappings : &none, u->gid, &gid) < 0)
    return bw_error_set (err, EINVAL, "process.user.gid: %u is not mapped in linux.gidMappings",
                         u->gid);
  if (mkfifoat (dir_fd, EXEC_FIFO, 0600) < 0)
    return bw_error_syscall (err, "create %s", EXEC_FIFO);
  if (fchownat (dir_fd, EXEC_FIFO, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
    return bw_error_syscall (err, "chown %s", EXEC_FIFO);
  *fifo_fd = openat (dir_fd, EXEC_FIFO, O_PATH | O_CLOEXEC | O_NOFOLLOW);
  if (*fifo_fd < 0)
    return bw_error_syscall (err, "open %s", EXEC_FIFO);
  return 0;
}

struct stage_ctx
{
  const struct spec *spec;
  const struct container_create_opts *opts;
  pid_t runtime_pid;
  int sync_fd;
  int fifo_fd;
  int console_sock;  /* -1 without process.terminal */
  const struct seccomp_bpf *seccomp_prog;  /* NULL: the init compiles */
  const struct seccomp_bpf *seccomp_floor; /* NULL: no floor */
};

/* The setup process: namespaces, then the init. Runs in a fork of the
 * runtime with the host's privileges. */
static int
stage_namespaces (const struct stage_ctx *c, pid_t *init_pid, struct bw_error *err)
{
  const struct spec *spec = c->spec;
  int ret;
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid () != c->runtime_pid)
    return bw_error_set (err, ESRCH, "the runtime went away");
  /* No one may ptrace or read our memory while we work in the container. */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return bw_error_syscall (err, "prctl PR_SET_DUMPABLE");
  int keep[] = { c->sync_fd, c->fifo_fd, c->console_sock };
  ret = init_close_fds (c->opts->preserve_fds, keep, 3);
  if (ret < 0)
    return bw_error_set (err, -ret, "close_range: %s", strerror (-ret));
  /* Into the container's cgroup before anything else: the init, cloned
   * below, starts there, and a new cgroup namespace is rooted there. */
  ret = c->opts->cgroup ? cgroup_enter (c->opts->cgroup, 0, err) : 0;
  if (ret < 0)
    return ret;

  /* The seccomp agent's socket, reached as the runtime is: inside the
   * container's user namespace the path may be out of reach. */
  _cleanup_close_ int agent_fd = -1;
  const struct spec_seccomp *sc = spec->linux ? spec->linux->seccomp : NULL;
  if (seccomp_wants_agent (sc) && seccomp_agent_connect (sc->listener_path, &agent_fd, err) < 0)
    return bw_error_prefix (err, "linux.seccomp.listenerPath");

  /* While still privileged on the host: above the runtime's hard limit
   * would be refused inside a user namespace. */
  ret = process_set_rlimits (spec->process, err);
  /* Here too: the init, non-dumpable in a user namespace, may not open its
   * own oom_score_adj; the value is inherited. */
  if (ret == 0)
    {
      _cleanup_close_ int proc = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
      ret = process_set_oom_score_adj (spec->process, proc, err);
    }
  if (ret == 0)
    ret = ns_join_paths (spec, err);
  if (ret < 0)
    return ret;
  /* Bind sources (idmapped ones need the host's CAP_SYS_ADMIN) are cloned
   * before the user namespace and attached by the init. */
  _cleanup_free_ int *mount_fds = calloc (spec->n_mounts + 1, sizeof *mount_fds);
  if (!mount_fds)
    return bw_error_set (err, ENOMEM, "out of memory");
  ret = mount_prepare_binds (spec, c->opts->bundle, mount_fds, err);
  if (ret < 0)
    return ret;
  /* The idmapped root too: idmapping the host's filesystem needs the
   * host's CAP_SYS_ADMIN. */
  _cleanup_close_ int root_idmapped = -1;
  ret = rootfs_prepare_idmap (spec, c->opts->bundle, &root_idmapped, err);
  if (ret < 0)
    return ret;

  bool joined_user;
  ret = ns_join_user (spec, &joined_user, err);
  if (ret < 0)
    return ret;
  if (!joined_user && ns_has_user (spec))
    {
      if (unshare (CLONE_NEWUSER) < 0)
        return bw_error_syscall (err, "unshare user namespace");
      ret = sync_send (c->sync_fd, SYNC_USERNS_READY, 0, err);
      if (ret == 0)
        ret = sync_expect (c->sync_fd, "runtime", SYNC_MAPS_DONE, NULL, err);
      if (ret < 0)
        return ret;
    }
  int flags = ns_new_flags (spec);
  if (flags && unshare (flags) < 0)
    return bw_error_syscall (err, "unshare namespaces (flags 0x%x)", flags);
  if ((flags & CLONE_NEWTIME) && spec->linux->n_time_offsets > 0)
    {
      ret = sync_send (c->sync_fd, SYNC_TIMENS_READY, 0, err);
      if (ret == 0)
        ret = sync_expect (c->sync_fd, "runtime", SYNC_TIMENS_DONE, NULL, err);
      if (ret < 0)
        return ret;
    }

  /* Opened in the new mount namespace but still with the host uid: the
   * bundle may lie below directories only host root can enter (so may
   * the mount holding it, isolated from the host's here). */
  _cleanup_close_ int root_dir = -1;
  ret = rootfs_open_dir (spec, c->opts->bundle, &root_dir, err);
  if (ret == 0)
    ret = rootfs_isolate_mount (spec, root_dir, err);
  if (ret < 0)
    return ret;

  if (ns_has_user (spec))
    {
      /* Become the namespace's root so that what we create is owned by a
       * mapped id. A mapping without 0 keeps us as we are. */
      if (setresgid (0, 0, 0) < 0 && errno != EINVAL)
        return bw_error_syscall (err, "setresgid 0 in the user namespace");
      if (setresuid (0, 0, 0) < 0 && errno != EINVAL)
        return bw_error_syscall (err, "setresuid 0 in the user namespace");
    }

  /* With CLONE_PARENT the exit signal is ours (SIGCHLD); clone3 wants 0 here. */
  struct clone_args args = { .flags = CLONE_PARENT };
  pid_t pid = sys_clone3 (&args, sizeof args);
  if (pid < 0)
    return bw_error_syscall (err, "clone3 the container init");
  if (pid == 0)
    {
      struct init_ctx ictx = {
        .spec = spec,
        .bundle = c->opts->bundle,
        .no_pivot = c->opts->no_pivot,
        .in_userns = ns_has_user (spec),
        .preserve_fds = c->opts->preserve_fds,
        .sync_fd = c->sync_fd,
        .fifo_fd = c->fifo_fd,
        .root_dir = root_dir,
        .mount_fds = mount_fds,
        .root_idmapped = root_idmapped,
        .console_sock = c->console_sock,
        .id = c->opts->id,
        .seccomp_agent_fd = agent_fd,
        .seccomp_prog = c->seccomp_prog,
        .seccomp_floor = c->seccomp_floor,
      };
      init_main (&ictx);
    }
  *init_pid = pid;
  return 0;
}

__attribute__ ((noreturn)) static void
stage_main (const struct stage_ctx *c)
{
  struct bw_error err = { 0 };
  pid_t init_pid = 0;
  if (stage_namespaces (c, &init_pid, &err) < 0)
    {
      sync_send_error (c->sync_fd, &err);
      _exit (1);
    }
  _exit (sync_send (c->sync_fd, SYNC_INIT_PID, init_pid, &err) < 0 ? 1 : 0);
}

static void
reap (pid_t pid)
{
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

/* The init waits before pivot_root, mounts done: prestart then
 * createRuntime run here, in the runtime's namespaces (runtime-spec
 * lifecycle). The init then gets the state documents its own hooks need. */
static int
runtime_hooks (const struct spec *spec, struct state_handle *state, pid_t init_pid, int sync_fd,
               struct bw_error *err)
{
  struct state_record rec = { 0 };
  _cleanup_free_ char *creating = NULL, *created = NULL;
  int ret = sync_expect (sync_fd, "container init", SYNC_HOOKS_READY, NULL, err);
  if (ret == 0)
    ret = state_read (state, &rec, err);
  if (ret == 0)
    {
      rec.pid = init_pid;
      ret = state_to_json (&rec, STATUS_CREATING, &creating, err);
      if (ret == 0)
        ret = state_to_json (&rec, STATUS_CREATED, &created, err);
      state_record_clear (&rec);
    }
  if (ret == 0)
    ret = hooks_run (hooks_of (spec, SPEC_HOOK_PRESTART), SPEC_HOOK_PRESTART, creating, err);
  if (ret == 0)
    ret = hooks_run (hooks_of (spec, SPEC_HOOK_CREATE_RUNTIME), SPEC_HOOK_CREATE_RUNTIME,
                     creating, err);
  if (ret == 0)
    ret = sync_send (sync_fd, SYNC_HOOKS_DONE, 0, err);
  if (ret == 0)
    ret = sync_send_data (sync_fd, creating, strlen (creating), err);
  if (ret == 0)
    ret = sync_send_data (sync_fd, created, strlen (created), err);
  return ret;
}

/* The init's pid in the record, before SYNC_GO lets it go on: from then on
 * it outlives a killed runtime (waiting on the exec fifo), and a later
 * `delete --force` finds it by this pid. Before GO it exits when the
 * runtime's end of the sync socket closes. */
static int
record_init_pid (struct state_handle *state, pid_t pid, struct bw_error *err)
{
  struct state_record rec = { 0 };
  int ret = state_read (state, &rec, err);
  if (ret == 0)
    {
      rec.pid = pid;
      ret = state_pid_start_time (pid, &rec.pid_start_time, err);
    }
  if (ret == 0)
    ret = state_write (state, &rec, err);
  state_record_clear (&rec);
  return ret;
}

/* Runtime side of the handshake; *stage_pid is zeroed once reaped. */
static int
handshake (const struct spec *spec, struct state_handle *state, int sync_fd, pid_t *stage_pid,
           pid_t *init_pid, struct bw_error *err)
{
  struct sync_msg msg;
  int ret, status;
  while (*init_pid == 0)
    {
      ret = sync_recv (sync_fd, "container setup process", &msg, err);
      if (ret < 0)
        return ret;
      if (msg.type == SYNC_USERNS_READY)
        {
          ret = ns_write_id_maps (*stage_pid, spec->linux, err);
          if (ret == 0)
            ret = sync_send (sync_fd, SYNC_MAPS_DONE, 0, err);
          if (ret < 0)
            return ret;
        }
      else if (msg.type == SYNC_TIMENS_READY)
        {
          ret = ns_write_time_offsets (*stage_pid, spec->linux, err);
          if (ret == 0)
            ret = sync_send (sync_fd, SYNC_TIMENS_DONE, 0, err);
          if (ret < 0)
            return ret;
        }
      else if (msg.type == SYNC_INIT_PID && msg.value > 0)
        *init_pid = msg.value;
      else
        return bw_error_set (err, EPROTO, "sync: unexpected message %u", msg.type);
    }
  while (waitpid (*stage_pid, &status, 0) < 0)
    if (errno != EINTR)
      return bw_error_syscall (err, "waitpid setup process");
  *stage_pid = 0;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return bw_error_set (err, EIO, "container setup process failed (status 0x%x)", status);
  ret = record_init_pid (state, *init_pid, err);
  if (ret < 0)
    return ret;
  /* The init's pid as we see it: the seccomp agent is told it. */
  ret = sync_send (sync_fd, SYNC_GO, *init_pid, err);
  if (ret == 0 && hooks_need_init_step (spec))
    ret = runtime_hooks (spec, state, *init_pid, sync_fd, err);
  if (ret == 0)
    ret = sync_expect (sync_fd, "container init", SYNC_READY, NULL, err);
  return ret;
}

/* linux.seccomp as a BPF program from the compiled-filter cache in the
 * state root, compiled and stored on a miss. Done here, with the runtime's
 * credentials: the init may be in a user namespace that cannot reach the
 * state root. Filters with notify rules stay with libseccomp in the init
 * (the listener fd comes from its load). */
static int
prepare_seccomp (const struct spec *spec, const struct container_create_opts *opts,
                 struct seccomp_bpf *prog, struct bw_error *err)
{
  const struct spec_seccomp *sc = spec->linux ? spec->linux->seccomp : NULL;
  if (!sc || !seccomp_cache_usable (sc))
    return 0;
  return seccomp_cache_load_or_compile (opts->state_root, sc, prog, NULL, err);
}

/* The policy's floor filter (annotation SECCOMP_FLOOR_ANNOTATION), from
 * the same cache. */
static int
prepare_floor (const struct spec *spec, const struct container_create_opts *opts,
               struct seccomp_bpf *prog, struct bw_error *err)
{
  bool wanted;
  int ret = seccomp_floor_wanted (spec, &wanted, err);
  if (ret < 0 || !wanted)
    return ret;
  return seccomp_floor_load_or_compile (opts->state_root, prog, NULL, err);
}

int
container_create (const struct spec *spec, const struct container_create_opts *opts,
                  pid_t *init_pid, struct bw_error *err)
{
  _cleanup_close_ int fifo_fd = -1;
  _cleanup_close_ int console_sock = -1;
  _cleanup_seccomp_bpf_ struct seccomp_bpf seccomp_prog = SECCOMP_BPF_INIT;
  _cleanup_seccomp_bpf_ struct seccomp_bpf floor_prog = SECCOMP_BPF_INIT;
  int fds[2] = { -1, -1 };
  pid_t stage_pid = 0, pid = 0;
  struct stage_ctx sctx = { .spec = spec, .opts = opts, .runtime_pid = getpid () };
  int ret;

  if (!spec->process)
    return bw_error_set (err, EINVAL, "process: missing");
  if (!spec->root || !spec->root->path)
    return bw_error_set (err, EINVAL, "root.path: missing");
  ret = refuse_unsupported (spec, opts, err);
  if (ret == 0)
    ret = ns_validate (spec, err);
  if (ret == 0)
    ret = caps_validate (spec->process->capabilities, err);
  if (ret < 0)
    return ret;

  if (opts->cgroup)
    {
      const struct spec_resources *r = spec->linux ? spec->linux->resources : NULL;
      ret = cgroup_create (opts->cgroup, r, err);
      if (ret == 0)
        ret = cgroup_apply (opts->cgroup, r, false, err);
      if (ret < 0)
        goto fail;
    }
  ret = make_exec_fifo (spec, opts->state->dir_fd, &fifo_fd, err);
  if (ret == 0)
    ret = prepare_seccomp (spec, opts, &seccomp_prog, err);
  if (ret == 0)
    ret = prepare_floor (spec, opts, &floor_prog, err);
  if (ret < 0)
    goto fail;
  sctx.seccomp_prog = seccomp_prog.insns ? &seccomp_prog : NULL;
  sctx.seccomp_floor = floor_prog.insns ? &floor_prog : NULL;
  /* Connected here, on the host; the init sends the pty master over it. */
  if (spec->process->terminal.value)
    ret = terminal_connect (opts->console_socket, &console_sock, err);
  if (ret < 0)
    goto fail;
  ret = sync_pair (fds, err);
  if (ret < 0)
    goto fail;

  sctx.sync_fd = fds[1];
  sctx.fifo_fd = fifo_fd;
  sctx.console_sock = console_sock;
  stage_pid = fork ();
  if (stage_pid < 0)
    {
      ret = bw_error_syscall (err, "fork");
      goto fail;
    }
  if (stage_pid == 0)
    {
      close (fds[0]);
      stage_main (&sctx);
    }
  close (fds[1]);
  fds[1] = -1;

  ret = handshake (spec, opts->state, fds[0], &stage_pid, &pid, err);
  if (ret < 0)
    goto fail;
  close (fds[0]);
  *init_pid = pid;
  return 0;

fail:
  /* Both are our children (the init through CLONE_PARENT); their mounts die
   * with their mount namespace. */
  if (pid > 0)
    {
      kill (pid, SIGKILL);
      reap (pid);
    }
  if (stage_pid > 0)
    {
      kill (stage_pid, SIGKILL);
      reap (stage_pid);
    }
  for (int i = 0; i < 2; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  unlinkat (opts->state->dir_fd, EXEC_FIFO, 0);
  if (opts->cgroup)
    {
      /* An init the setup process cloned before it died is ours to kill. */
      struct bw_error ignored = { 0 };
      cgroup_kill_all (opts->cgroup, SIGKILL, &ignored);
      cgroup_destroy (opts->cgroup, &ignored);
    }
  return ret;
}

/* The init keeps its end of the fifo open (close-on-exec) until the
 * workload runs; what it writes before is why it never will (a failed
 * startContainer hook). So `start` returns once the workload started, and
 * poststart hooks run after it, as the runtime-spec orders them. */
static int
wait_workload_started (int fd, struct bw_error *err)
{
  char msg[BW_ERROR_MAX];
  size_t len = 0;
  while (len < sizeof msg - 1)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      if (poll (&pfd, 1, -1) < 0 && errno != EINTR)
        return bw_error_syscall (err, "poll %s", EXEC_FIFO);
      ssize_t n = read (fd, msg + len, sizeof msg - 1 - len);
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        continue;
      if (n < 0)
        return bw_error_syscall (err, "read %s", EXEC_FIFO);
      if (n == 0)
        break;
      len += (size_t) n;
    }
  msg[len] = '\0';
  return len ? bw_error_set (err, EIO, "%s", msg) : 0;
}

int
container_start (struct state_handle *h, struct bw_error *err)
{
  _cleanup_close_ int fd = openat (h->dir_fd, EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC
                                                           | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT)
    return bw_error_set (err, EINVAL, "container is not in created state");
  if (fd < 0)
    return bw_error_syscall (err, "open %s", EXEC_FIFO);
  struct stat st;
  if (fstat (fd, &st) < 0 || !S_ISFIFO (st.st_mode))
    return bw_error_set (err, EINVAL, "%s is not a fifo", EXEC_FIFO);

  /* Opening the read end released the init's open; its byte follows. */
  struct pollfd pfd = { .fd = fd, .events = POLLIN };
  int n;
  do
    n = poll (&pfd, 1, 5000);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return bw_error_syscall (err, "poll %s", EXEC_FIFO);
  char byte;
  if (n == 0 || read (fd, &byte, 1) != 1)
    return bw_error_set (err, EINVAL, "container is not in created state (its init is not waiting)");
  if (unlinkat (h->dir_fd, EXEC_FIFO, 0) < 0 && errno != ENOENT)
    return bw_error_syscall (err, "remove %s", EXEC_FIFO);
  return wait_workload_started (fd, err);
}

/* A pidfd for the record's init, or -ESRCH when it is gone or its pid was
 * reused (start time differs). */
static int
open_init (const struct state_record *rec, int *out)
{
  if (rec->pid <= 0)
    return -ESRCH;
  _cleanup_close_ int fd = sys_pidfd_open (rec->pid, 0);
  if (fd < 0)
    return -errno;
  if (rec->pid_start_time)
    {
      /* Checked with the pidfd held: the pid cannot be reused meanwhile. */
      struct bw_error ignored = { 0 };
      uint64_t start = 0;
      if (state_pid_start_time (rec->pid, &start, &ignored) < 0 || start != rec->pid_start_time)
        return -ESRCH;
    }
  *out = bw_steal_fd (fd);
  return 0;
}

/* Without cgroups, the container's processes are those in the init's pid
 * namespace. */
static int
signal_pid_namespace (pid_t init, int signo, struct bw_error *err)
{
  char path[64];
  struct stat init_ns, own_ns, st;
  snprintf (path, sizeof path, "/proc/%d/ns/pid", (int) init);
  if (stat (path, &init_ns) < 0)
    return bw_error_syscall (err, "stat %s", path);
  if (stat ("/proc/self/ns/pid", &own_ns) < 0)
    return bw_error_syscall (err, "stat /proc/self/ns/pid");
  if (init_ns.st_ino == own_ns.st_ino && init_ns.st_dev == own_ns.st_dev)
    return bw_error_set (err, ENOTSUP,
                         "kill --all: the container shares the runtime's pid namespace and "
                         "cgroup support is not there yet to find its processes");
  DIR *d = opendir ("/proc");
  if (!d)
    return bw_error_syscall (err, "opendir /proc");
  struct dirent *de;
  while ((de = readdir (d)))
    {
      char *end;
      long pid = strtol (de->d_name, &end, 10);
      if (*end || pid <= 0 || pid == init)
        continue;
      snprintf (path, sizeof path, "%ld/ns/pid", pid);
      if (fstatat (dirfd (d), path, &st, 0) < 0 || st.st_ino != init_ns.st_ino
          || st.st_dev != init_ns.st_dev)
        continue;
      int fd = sys_pidfd_open (pid, 0);
      if (fd < 0)
        continue;
      sys_pidfd_send_signal (fd, signo, NULL, 0);
      close (fd);
    }
  closedir (d);
  return 0;
}

/* The container's recorded cgroups; 1 when it has some, 0 without. */
static int
load_cgroup (const struct state_record *rec, struct cgroup_set *cg, struct bw_error *err)
{
  if (!rec || !rec->cgroup_path || !*rec->cgroup_path)
    return 0;
  int ret = cgroup_load (CGROUP_ROOT, -1, rec->cgroup_path, cg, err);
  return ret < 0 ? ret : 1;
}

int
container_kill (const struct state_record *rec, int signo, bool all, struct bw_error *err)
{
  _cleanup_close_ int pidfd = -1;
  int ret = open_init (rec, &pidfd);
  if (ret < 0)
    return bw_error_set (err, ESRCH, "container init (pid %d) is not running", (int) rec->pid);
  struct cgroup_set cg = { 0 };
  if (all && (ret = load_cgroup (rec, &cg, err)) != 0)
    {
      if (ret > 0)
        ret = cgroup_kill_all (&cg, signo, err);
      cgroup_set_clear (&cg);
      if (ret < 0)
        return ret;
    }
  else if (all)
    {
      ret = signal_pid_namespace (rec->pid, signo, err);
      if (ret < 0)
        return ret;
    }
  if (sys_pidfd_send_signal (pidfd, signo, NULL, 0) < 0)
    {
      if (errno == ESRCH)
        return bw_error_set (err, ESRCH, "container init (pid %d) is not running", (int) rec->pid);
      return bw_error_syscall (err, "send signal %d to pid %d", signo, (int) rec->pid);
    }
  return 0;
}

int
container_destroy (const struct state_record *rec, struct state_handle *h, bool force,
                   struct bw_error *err)
{
  _cleanup_close_ int pidfd = -1;
  struct cgroup_set cg = { 0 };
  int has_cgroup = load_cgroup (rec, &cg, err);
  if (has_cgroup < 0)
    return has_cgroup;
  /* Every process, the init too, and thawed if paused: a frozen v1 task
   * dies only once thawed. */
  if (has_cgroup && force && cgroup_kill_all (&cg, SIGKILL, err) < 0)
    {
      cgroup_set_clear (&cg);
      return bw_error_prefix (err, "delete");
    }
  if (force && rec && open_init (rec, &pidfd) == 0)
    {
      if (sys_pidfd_send_signal (pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
        return bw_error_syscall (err, "kill pid %d", (int) rec->pid);
      /* A pidfd turns readable when the process has exited. */
      struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
      int n;
      do
        n = poll (&pfd, 1, 10000);
      while (n < 0 && errno == EINTR);
      if (n <= 0)
        {
          cgroup_set_clear (&cg);
          return bw_error_set (err, ETIMEDOUT, "container init (pid %d) did not exit after SIGKILL",
                               (int) rec->pid);
        }
      /* Reap it when it is ours (run, or a failed create). */
      waitpid (rec->pid, NULL, WNOHANG);
    }
  if (has_cgroup)
    {
      /* A stopped container without its own pid namespace may leave
       * processes behind: they go with it, as with runc. */
      int ret = force ? 0 : cgroup_kill_all (&cg, SIGKILL, err);
      if (ret == 0)
        ret = cgroup_destroy (&cg, err);
      cgroup_set_clear (&cg);
      if (ret < 0)
        return ret;
    }
  if (h && h->dir_fd >= 0 && unlinkat (h->dir_fd, EXEC_FIFO, 0) < 0 && errno != ENOENT)
    return bw_error_syscall (err, "remove %s", EXEC_FIFO);
  return 0;
}
