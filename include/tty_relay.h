/* tty_relay: a foreground `exec -t` / `run` with process.terminal and no
 * --console-socket, as runc and crun do it: the runtime is its own console
 * socket client (a private socket it listens on receives the pty master the
 * container side sends as usual), then relays its stdin to the master and
 * the master to its stdout until the process exits. Its own terminal, when
 * stdin is one, is raw meanwhile and its size follows to the pty. */
#ifndef BULWARK_TTY_RELAY_H
#define BULWARK_TTY_RELAY_H

#include <signal.h>
#include <sys/types.h>

#include "error.h"

/* A listening AF_UNIX socket in a private (0700) temporary directory. */
struct tty_relay_socket
{
  int listen_fd;
  char *dir;
  char *path;   /* what to pass where --console-socket's path would go */
};
#define TTY_RELAY_SOCKET_INIT { .listen_fd = -1 }

int tty_relay_listen (struct tty_relay_socket *s, struct bw_error *err);

/* The master sent over the connection the runtime itself made to s->path
 * (a connection from any other process is refused). */
int tty_relay_receive (struct tty_relay_socket *s, int *master, struct bw_error *err);

/* Remove the socket and its directory; safe on a never-opened socket. */
void tty_relay_socket_close (struct tty_relay_socket *s);

/* Relay between the caller's stdio and `master` while `pid` (a child of
 * the caller) runs, forwarding the signals of `forward` (blocked by the
 * caller; SIGCHLD and SIGWINCH are handled, not forwarded). The caller's
 * terminal settings are restored before returning. Returns the process's
 * exit code (128+N when killed by signal N) or a negative errno. */
int tty_relay_run (int master, pid_t pid, const sigset_t *forward, struct bw_error *err);

#endif
