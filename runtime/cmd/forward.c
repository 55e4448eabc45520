#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "signals.h"
#include "forward.h"

/* Signals a foreground command passes on instead of dying of them. */
static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
                                 SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE, SIGALRM };

void
forward_signal_set (sigset_t *set)
{
  sigemptyset (set);
  sigaddset (set, SIGCHLD);
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
    sigaddset (set, forwarded[i]);
}

int
forward_wait (pid_t pid, const sigset_t *set, struct bw_error *err)
{
  _cleanup_close_ int sfd = signalfd (-1, set, SFD_CLOEXEC);
  if (sfd < 0)
    return bw_error_syscall (err, "signalfd");
  for (;;)
    {
      int status;
      pid_t r = waitpid (pid, &status, WNOHANG);
      if (r == pid)
        return signals_exit_code (status);
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
