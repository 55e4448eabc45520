/* linux/terminal: process.terminal. A pty allocated from the container's own
 * devpts (never the host's), its slave made the controlling terminal and the
 * stdio of the process (and bound onto /dev/console for the init), its
 * master handed to the --console-socket client (containerd's shim, conmon). */
#ifndef BULWARK_LINUX_TERMINAL_H
#define BULWARK_LINUX_TERMINAL_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

/* Runtime side, on the host: connect to the --console-socket path. Done
 * before any process is cloned so that a bad path fails early and the
 * container side never needs to see the host's filesystem. */
int terminal_connect (const char *path, int *sock, struct bw_error *err);

/* Allocate a pty inside the root `rootfd` (/dev/ptmx resolved in it) and
 * check that it belongs to the devpts mounted on the root's /dev/pts.
 * Apply `size` (may be NULL). */
int terminal_open_pty (int rootfd, const struct spec_console_size *size, int *master,
                       int *slave, struct bw_error *err);

/* Bind the slave onto /dev/console inside the root (created if missing). */
int terminal_bind_console (int rootfd, int slave, struct bw_error *err);

/* Make the slave the calling process's controlling terminal (new session)
 * and its stdin, stdout and stderr. Closes `slave` when it is above 2. */
int terminal_make_controlling (int slave, struct bw_error *err);

/* Everything a process with process.terminal needs, in the process itself:
 * pty, optional /dev/console bind, controlling terminal, and the master
 * sent over `console_sock` (which the caller then closes). */
int terminal_setup (int rootfd, const struct spec_process *p, int console_sock,
                    bool bind_console, struct bw_error *err);

#endif
