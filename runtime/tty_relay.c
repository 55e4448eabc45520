/* tty_relay: see include/tty_relay.h. The pty is still allocated inside the
 * container and its master sent over a console socket exactly as for a
 * client's --console-socket, so the container side has one code path. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "signals.h"
#include "fdpass.h"
#include "tty_relay.h"

#define SOCKET_NAME "console.sock"

int
tty_relay_listen (struct tty_relay_socket *s, struct bw_error *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  const char *tmp = getenv ("TMPDIR");
  /* The socket path must fit sun_path; a long $TMPDIR falls back to /tmp. */
  if (!tmp || tmp[0] != '/' || strlen (tmp) > 60)
    tmp = "/tmp";
  if (asprintf (&s->dir, "%s/bulwark-tty-XXXXXX", tmp) < 0)
    {
      s->dir = NULL;
      return bw_error_set (err, ENOMEM, "out of memory");
    }
  /* mkdtemp makes it 0700: nobody else can connect in before we do. */
  if (!mkdtemp (s->dir))
    {
      int ret = bw_error_syscall (err, "terminal relay: mkdtemp %s", s->dir);
      free (s->dir);
      s->dir = NULL;
      return ret;
    }
  if (asprintf (&s->path, "%s/" SOCKET_NAME, s->dir) < 0)
    {
      s->path = NULL;
      return bw_error_set (err, ENOMEM, "out of memory");
    }
  strcpy (addr.sun_path, s->path);
  s->listen_fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s->listen_fd < 0)
    return bw_error_syscall (err, "terminal relay: socket");
  if (bind (s->listen_fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return bw_error_syscall (err, "terminal relay: bind %s", s->path);
  if (listen (s->listen_fd, 1) < 0)
    return bw_error_syscall (err, "terminal relay: listen on %s", s->path);
  return 0;
}

int
tty_relay_receive (struct tty_relay_socket *s, int *master, struct bw_error *err)
{
  /* The runtime connected during create/exec and the container side sent
   * the master before they returned: the connection is already queued. */
  _cleanup_close_ int conn = accept4 (s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    return bw_error_syscall (err, "terminal relay: accept the console connection");
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt (conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
    return bw_error_syscall (err, "terminal relay: SO_PEERCRED");
  if (cred.pid != getpid ())
    return bw_error_set (err, EPERM, "terminal relay: console connection from pid %d, not ours",
                         (int) cred.pid);
  /* Bounded: a container side that died without sending must not hang us. */
  struct timeval tv = { .tv_sec = 10 };
  setsockopt (conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int ret = fdpass_recv (conn, master, err);
  if (ret < 0)
    return bw_error_prefix (err, "terminal relay: receive the pty master");
  return 0;
}

void
tty_relay_socket_close (struct tty_relay_socket *s)
{
  if (s->listen_fd >= 0)
    close (s->listen_fd);
  s->listen_fd = -1;
  if (s->path)
    unlink (s->path);
  if (s->dir)
    rmdir (s->dir);
  free (s->path);
  free (s->dir);
  s->path = s->dir = NULL;
}

/* The relay's state while the process runs. */
struct relay
{
  int master;
  bool master_open;     /* false once every slave fd is closed (EIO/HUP) */
  bool stdin_open;      /* false after EOF: nothing more is sent (as runc) */
  bool stdout_open;     /* false after a write error: output is dropped */
  char pending[4096];   /* read from stdin, not yet taken by the master */
  size_t pending_len, pending_off;
};

/* The size of the caller's terminal (the first of stdin, stdout, stderr
 * that is one) onto the pty; nothing when none is a terminal. */
static void
copy_window_size (int master)
{
  struct winsize ws;
  for (int fd = 0; fd <= 2; fd++)
    if (ioctl (fd, TIOCGWINSZ, &ws) == 0)
      {
        ioctl (master, TIOCSWINSZ, &ws);
        return;
      }
}

static void
write_stdout (struct relay *r, const char *buf, size_t len)
{
  while (r->stdout_open && len > 0)
    {
      ssize_t n = write (STDOUT_FILENO, buf, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          r->stdout_open = false;
          return;
        }
      buf += n;
      len -= (size_t) n;
    }
}

/* One read of the master; false when it has nothing more (EAGAIN) or
 * the slave side is gone (EIO). */
static bool
pump_master (struct relay *r)
{
  char buf[8192];
  ssize_t n = read (r->master, buf, sizeof buf);
  if (n > 0)
    {
      write_stdout (r, buf, (size_t) n);
      return true;
    }
  if (n == 0 || (errno != EAGAIN && errno != EINTR))
    r->master_open = false;
  return false;
}

static void
pump_stdin (struct relay *r)
{
  ssize_t n = read (STDIN_FILENO, r->pending, sizeof r->pending);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    {
      r->stdin_open = false;
      return;
    }
  r->pending_len = (size_t) n;
  r->pending_off = 0;
}

static void
pump_pending (struct relay *r)
{
  ssize_t n = write (r->master, r->pending + r->pending_off, r->pending_len - r->pending_off);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n < 0)
    {
      /* The pty is gone: what the process never read is dropped. */
      r->pending_len = r->pending_off = 0;
      return;
    }
  r->pending_off += (size_t) n;
  if (r->pending_off == r->pending_len)
    r->pending_len = r->pending_off = 0;
}

static long long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* After the exit: what the process wrote may still be on its way through
 * the pty. Read until the slave side is gone or the pty stays quiet a
 * moment; bounded, since a process left behind may hold the slave open. */
static void
drain_master (struct relay *r)
{
  long long deadline = now_ms () + 5000;
  while (r->master_open && now_ms () < deadline)
    {
      struct pollfd pfd = { .fd = r->master, .events = POLLIN };
      int n = poll (&pfd, 1, 100);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      if (!pump_master (r) && r->master_open)
        return;
    }
}

/* Signals that arrived: SIGWINCH resizes the pty (the kernel tells the
 * pty's foreground group), the others but SIGCHLD go to the process. */
static int
handle_signals (int sfd, int master, pid_t pid, struct bw_error *err)
{
  for (;;)
    {
      struct signalfd_siginfo si;
      ssize_t n = read (sfd, &si, sizeof si);
      if (n < 0 && errno == EAGAIN)
        return 0;
      if (n < 0 && errno == EINTR)
        continue;
      if (n != sizeof si)
        return bw_error_syscall (err, "terminal relay: read signalfd");
      if (si.ssi_signo == SIGWINCH)
        copy_window_size (master);
      else if (si.ssi_signo != SIGCHLD)
        kill (pid, (int) si.ssi_signo);
    }
}

static int
relay_loop (struct relay *r, int sfd, pid_t pid, struct bw_error *err)
{
  for (;;)
    {
      int status;
      pid_t w = waitpid (pid, &status, WNOHANG);
      if (w == pid)
        {
          drain_master (r);
          return signals_exit_code (status);
        }
      if (w < 0 && errno != EINTR)
        return bw_error_syscall (err, "waitpid %d", (int) pid);

      bool have_pending = r->pending_len > 0;
      struct pollfd pfd[3] = {
        { .fd = sfd, .events = POLLIN },
        { .fd = r->master_open ? r->master : -1,
          .events = POLLIN | (have_pending ? POLLOUT : 0) },
        /* Input is taken only as fast as the process takes it. */
        { .fd = r->stdin_open && !have_pending ? STDIN_FILENO : -1, .events = POLLIN },
      };
      if (poll (pfd, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return bw_error_syscall (err, "terminal relay: poll");
        }
      if (pfd[0].revents & POLLIN)
        {
          int ret = handle_signals (sfd, r->master, pid, err);
          if (ret < 0)
            return ret;
        }
      if (pfd[1].revents & POLLIN)
        pump_master (r);
      else if (pfd[1].revents & (POLLHUP | POLLERR))
        r->master_open = false;
      if (r->master_open && (pfd[1].revents & POLLOUT))
        pump_pending (r);
      if (!r->master_open)
        r->pending_len = r->pending_off = 0;
      if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))
        pump_stdin (r);
    }
}

int
tty_relay_run (int master, pid_t pid, const sigset_t *forward, struct bw_error *err)
{
  struct relay r = { .master = master, .master_open = true, .stdin_open = true,
                     .stdout_open = true };
  struct termios saved;
  bool raw = false;
  _cleanup_close_ int sfd = signalfd (-1, forward, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0)
    return bw_error_syscall (err, "terminal relay: signalfd");
  /* Only the master: stdin's file description is shared with whoever
   * started us, so it stays blocking (it is read only after POLLIN). */
  int flags = fcntl (master, F_GETFL);
  if (flags < 0 || fcntl (master, F_SETFL, flags | O_NONBLOCK) < 0)
    return bw_error_syscall (err, "terminal relay: make the pty master non-blocking");

  copy_window_size (master);
  /* Keys go to the process as typed (^C is a byte for the pty to turn
   * into SIGINT there); the pty does the echo and line editing. */
  if (isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &saved) == 0)
    {
      struct termios rawmode = saved;
      cfmakeraw (&rawmode);
      if (tcsetattr (STDIN_FILENO, TCSANOW, &rawmode) < 0)
        return bw_error_syscall (err, "terminal relay: put the terminal in raw mode");
      raw = true;
    }
  int ret = relay_loop (&r, sfd, pid, err);
  if (raw)
    tcsetattr (STDIN_FILENO, TCSANOW, &saved);
  return ret;
}
