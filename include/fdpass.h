/* fdpass: handing file descriptors to clients over AF_UNIX sockets
 * (SCM_RIGHTS): the --console-socket pty master and the --pidfd-socket pidfd. */
#ifndef BULWARK_FDPASS_H
#define BULWARK_FDPASS_H

#include "error.h"

/* Connect to the socket at `path` and send `fd` with a one-byte payload
 * naming it (`name`, may be NULL). */
int fdpass_send_to_path (const char *path, int fd, const char *name, struct bw_error *err);

/* Send `fd` over an already connected socket. */
int fdpass_send (int sock, int fd, const char *name, struct bw_error *err);

/* Receive one fd from a connected socket (tests and exec use it). */
int fdpass_recv (int sock, int *fd, struct bw_error *err);

#endif
