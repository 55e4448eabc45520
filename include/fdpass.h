/* fdpass: handing file descriptors to clients over AF_UNIX sockets
 * (SCM_RIGHTS): the --console-socket pty master and the --pidfd-socket pidfd. */
#ifndef BULWARK_FDPASS_H
#define BULWARK_FDPASS_H

#include <stddef.h>

#include "error.h"

/* Connect to the socket at `path` and send `fd` with a one-byte payload
 * naming it (`name`, may be NULL). */
int fdpass_send_to_path (const char *path, int fd, const char *name, struct bw_error *err);

/* Send `fd` over an already connected socket. */
int fdpass_send (int sock, int fd, const char *name, struct bw_error *err);

/* Send `n_fds` fds (at most FDPASS_MAX_FDS) with a payload of `len` bytes
 * (len > 0) over a connected socket: the fds ride on the first sendmsg, the
 * rest of a payload a stream socket did not take at once follows. */
#define FDPASS_MAX_FDS 8
int fdpass_send_payload (int sock, const int *fds, size_t n_fds, const void *payload, size_t len,
                         struct bw_error *err);

/* Receive one fd from a connected socket (tests and exec use it). */
int fdpass_recv (int sock, int *fd, struct bw_error *err);

#endif
