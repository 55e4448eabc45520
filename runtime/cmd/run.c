/* run: create + start; in the foreground, forward signals, wait, delete. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd.h"

/* Signals a foreground run passes on to the container instead of dying. */
static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
                                 SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE, SIGALRM };

static int
exit_code_of (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

/* Wait for the init (our child), forwarding signals; returns its exit code. */
static int
wait_forwarding (pid_t pid, const sigset_t *set, struct bw_error *err)
{
  _cleanup_close_ int sfd = signalfd (-1, set, SFD_CLOEXEC);
  if (sfd < 0)
    return bw_error_syscall (err, "signalfd");
  for (;;)
    {
      int status;
      pid_t r = waitpid (pid, &status, WNOHANG);
      if (r == pid)
        return exit_code_of (status);
      if (r < 0 && errno != EINTR)
        return bw_error_syscall (err, "waitpid %d", pid);
      struct signalfd_siginfo si;
      ssize_t n = read (sfd, &si, sizeof si);
      if (n < 0 && errno == EINTR)
        continue;
      if (n != sizeof si)
        return bw_error_syscall (err, "read signalfd");
      if (si.ssi_signo != SIGCHLD)
        kill (pid, (int) si.ssi_signo);
    }
}

int
cmd_run (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  struct create_cmd_opts o = { 0 };
  const char *id = NULL;
  bool help = false;
  pid_t pid;
  int ret = cmd_parse_create (cli_find_command ("run"), argc, argv, true, &o, &id, &help, err);
  if (ret < 0 || help)
    return ret;

  /* Block the forwarded signals before the container exists so none is lost
   * between start and the wait loop. */
  sigset_t set, old;
  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
    sigaddset (&set, forwarded[i]);
  if (!o.detach)
    sigprocmask (SIG_BLOCK, &set, &old);

  ret = lifecycle_create (ctx, id, &o.create, &pid, err);
  if (ret < 0)
    return ret;
  ret = lifecycle_start (ctx, id, err);
  if (ret < 0)
    {
      struct bw_error ignored = { 0 };
      lifecycle_delete (ctx, id, true, &ignored);
      return ret;
    }
  if (o.detach)
    return 0;

  int code = wait_forwarding (pid, &set, err);
  if (!o.keep)
    {
      struct bw_error derr = { 0 };
      if (lifecycle_delete (ctx, id, true, &derr) < 0)
        log_msg (&ctx->log, LOG_LEVEL_WARNING, "%s", derr.msg);
    }
  sigprocmask (SIG_SETMASK, &old, NULL);
  return code;
}
