/* hooks: fork+exec one hook at a time, feed it the state, wait for it with a
 * pidfd so that its timeout can be enforced without signals or threads. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "hooks.h"
#include "sys.h"

const struct spec_hook_list *
hooks_of (const struct spec *spec, enum spec_hook_kind kind)
{
  if (!spec || !spec->hooks || kind < 0 || kind >= SPEC_HOOK_KINDS)
    return NULL;
  const struct spec_hook_list *l = &spec->hooks->kinds[kind];
  return l->n > 0 ? l : NULL;
}

bool
hooks_need_init_step (const struct spec *spec)
{
  return hooks_of (spec, SPEC_HOOK_PRESTART) || hooks_of (spec, SPEC_HOOK_CREATE_RUNTIME)
         || hooks_of (spec, SPEC_HOOK_CREATE_CONTAINER)
         || hooks_of (spec, SPEC_HOOK_START_CONTAINER);
}

static int64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child: stdin from the state pipe, stdout onto stderr, nothing else
 * inherited (the init may hold the workload's preserved fds), no signal
 * blocked or ignored that the runtime blocked for itself. */
__attribute__ ((noreturn)) static void
exec_hook (const struct spec_hook *h, int stdin_fd, int report_fd)
{
  char *empty[] = { NULL };
  char *path_only[] = { h->path, NULL };
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL);
  if (stdin_fd == STDIN_FILENO)
    fcntl (stdin_fd, F_SETFD, 0);
  else
    dup2 (stdin_fd, STDIN_FILENO);
  dup2 (STDERR_FILENO, STDOUT_FILENO);
  /* report_fd is close-on-exec already: it only speaks if execve fails. */
  sys_close_range (3, ~0U, CLOSE_RANGE_CLOEXEC);
  execve (h->path, h->args.v && h->args.n ? h->args.v : path_only, h->env.v ? h->env.v : empty);
  int e = errno;
  (void) !write (report_fd, &e, sizeof e);
  _exit (127);
}

/* Feed the state to the hook and wait for it to exit, both within
 * `deadline` (-1: none). The pipe is non-blocking and polled together with
 * the pidfd, so a hook that never reads stdin (or exits early) cannot block
 * us. Returns 0 once it exited, -ETIMEDOUT at the deadline. */
static int
feed_and_wait (int pidfd, int *in_fd, const char *state, int64_t deadline,
               struct bw_error *err)
{
  size_t len = strlen (state), done = 0;
  for (;;)
    {
      struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN },
                             { .fd = *in_fd, .events = POLLOUT } };
      int timeout_ms = -1;
      if (deadline >= 0)
        {
          int64_t left = deadline - now_ms ();
          if (left <= 0)
            return -ETIMEDOUT;
          timeout_ms = left > INT32_MAX ? INT32_MAX : (int) left;
        }
      int n = poll (p, *in_fd >= 0 ? 2 : 1, timeout_ms);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return bw_error_syscall (err, "poll");
      if (n == 0)
        continue;   /* the deadline check above decides */
      if (p[0].revents)
        return 0;
      if (*in_fd >= 0 && p[1].revents)
        {
          ssize_t w = write (*in_fd, state + done, len - done);
          if (w < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
          if (w > 0)
            done += (size_t) w;
          /* Written, or the hook closed its stdin (EPIPE): no more to say. */
          if (w <= 0 || done == len)
            {
              close (*in_fd);
              *in_fd = -1;
            }
        }
    }
}

static int
wait_status (pid_t pid, int *status, struct bw_error *err)
{
  while (waitpid (pid, status, 0) < 0)
    if (errno != EINTR)
      return bw_error_syscall (err, "waitpid %d", (int) pid);
  return 0;
}

/* Run one hook; errors are not yet prefixed with the hook's name. */
static int
run_one (const struct spec_hook *h, const char *state, struct bw_error *err)
{
  _cleanup_close_ int in_r = -1, in_w = -1, report_r = -1, report_w = -1, pidfd = -1;
  int fds[2], status, ret;

  if (!h->path || h->path[0] != '/')
    return bw_error_set (err, EINVAL, "path: must be absolute, got \"%s\"",
                         h->path ? h->path : "");
  if (h->timeout.set && h->timeout.value <= 0)
    return bw_error_set (err, EINVAL, "timeout: must be greater than zero, got %d",
                         (int) h->timeout.value);
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return bw_error_syscall (err, "pipe");
  in_r = fds[0];
  in_w = fds[1];
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return bw_error_syscall (err, "pipe");
  report_r = fds[0];
  report_w = fds[1];

  pid_t pid = fork ();
  if (pid < 0)
    return bw_error_syscall (err, "fork");
  if (pid == 0)
    exec_hook (h, in_r, report_w);
  close (bw_steal_fd (in_r));
  close (bw_steal_fd (report_w));

  int64_t deadline = h->timeout.set ? now_ms () + (int64_t) h->timeout.value * 1000 : -1;
  pidfd = sys_pidfd_open (pid, 0);
  if (pidfd < 0)
    ret = bw_error_syscall (err, "pidfd_open %d", (int) pid);
  else if (fcntl (in_w, F_SETFL, O_NONBLOCK) < 0)
    ret = bw_error_syscall (err, "fcntl O_NONBLOCK");
  else
    ret = feed_and_wait (pidfd, &in_w, state, deadline, err);
  if (ret < 0)
    {
      /* Ours and not yet reaped: the pid still names it. */
      kill (pid, SIGKILL);
      wait_status (pid, &status, err);
      if (ret == -ETIMEDOUT)
        return bw_error_set (err, ETIMEDOUT, "%s timed out after %ds", h->path,
                             (int) h->timeout.value);
      return ret;
    }
  ret = wait_status (pid, &status, err);
  if (ret < 0)
    return ret;

  int exec_errno;
  if (read (report_r, &exec_errno, sizeof exec_errno) == (ssize_t) sizeof exec_errno)
    return bw_error_set (err, exec_errno, "exec %s: %s", h->path, strerror (exec_errno));
  if (WIFSIGNALED (status))
    return bw_error_set (err, EIO, "%s killed by signal %d", h->path, WTERMSIG (status));
  if (WIFEXITED (status) && WEXITSTATUS (status) != 0)
    return bw_error_set (err, EIO, "%s exited with status %d", h->path, WEXITSTATUS (status));
  return 0;
}

/* SIGPIPE is ignored while hooks run: writing the state to a hook that has
 * already exited must be an EPIPE, not the runtime's death. */
static int
run_list (const struct spec_hook_list *list, enum spec_hook_kind kind, const char *state_json,
          void (*warn) (void *, const char *), void *data, struct bw_error *err)
{
  struct sigaction ignore = { .sa_handler = SIG_IGN }, saved;
  int first_error = 0;
  if (!list || list->n == 0)
    return 0;
  sigemptyset (&ignore.sa_mask);
  sigaction (SIGPIPE, &ignore, &saved);
  for (size_t i = 0; i < list->n; i++)
    {
      struct bw_error e = { 0 };
      int ret = run_one (&list->items[i], state_json, &e);
      if (ret == 0)
        continue;
      bw_error_prefix (&e, "hooks.%s[%zu]", spec_hook_kind_names[kind], i);
      if (!warn)
        {
          *err = e;
          first_error = ret;
          break;
        }
      warn (data, e.msg);
    }
  sigaction (SIGPIPE, &saved, NULL);
  return first_error;
}

int
hooks_run (const struct spec_hook_list *list, enum spec_hook_kind kind, const char *state_json,
           struct bw_error *err)
{
  return run_list (list, kind, state_json, NULL, NULL, err);
}

void
hooks_run_all (const struct spec_hook_list *list, enum spec_hook_kind kind,
               const char *state_json, void (*warn) (void *data, const char *msg), void *data)
{
  run_list (list, kind, state_json, warn, data, NULL);
}
