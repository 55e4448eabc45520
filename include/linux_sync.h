/* linux/sync: the channel between the runtime and the processes it clones
 * (a SOCK_SEQPACKET socketpair, so each message arrives whole). Carries the
 * handshake steps and, from the child side, errors as struct bw_error. */
#ifndef BULWARK_LINUX_SYNC_H
#define BULWARK_LINUX_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum sync_type
{
  SYNC_USERNS_READY = 1,  /* child -> parent: write my id maps */
  SYNC_MAPS_DONE,         /* parent -> child */
  SYNC_TIMENS_READY,      /* child -> parent: write my time namespace's offsets */
  SYNC_TIMENS_DONE,       /* parent -> child */
  SYNC_INIT_PID,          /* child -> parent: value is the init's pid */
  SYNC_GO,                /* parent -> init: start the setup */
  SYNC_READY,             /* init -> parent: set up, waiting on the exec fifo */
  SYNC_ERROR,             /* child -> parent: code + message */
  SYNC_HOOKS_READY,       /* init -> parent: mounts done, before pivot_root: run
                             prestart and createRuntime */
  SYNC_HOOKS_DONE,        /* parent -> init: then two data messages, the state as
                             "creating" (createContainer) and "created" (startContainer) */
};

struct sync_msg
{
  uint32_t type;
  int32_t value;
  struct bw_error error;
};

/* Both ends close-on-exec. */
int sync_pair (int fds[2], struct bw_error *err);

int sync_send (int fd, enum sync_type type, int32_t value, struct bw_error *err);

/* Best effort: report `e` to the other side (used on the way out of a child). */
void sync_send_error (int fd, const struct bw_error *e);

/* Receive the next message. A SYNC_ERROR is returned as an error (its code and
 * message copied into *err); end of stream is an error naming `peer`. */
int sync_recv (int fd, const char *peer, struct sync_msg *msg, struct bw_error *err);

/* Receive and require a message of `type`; *value may be NULL. */
int sync_expect (int fd, const char *peer, enum sync_type type, int32_t *value,
                 struct bw_error *err);

/* A payload of any size up to the socket's buffer (the state JSON), sent
 * as one message of its own. */
int sync_send_data (int fd, const char *data, size_t len, struct bw_error *err);

/* Receive such a payload as a malloc'd NUL-terminated string. */
int sync_recv_data (int fd, const char *peer, char **out, struct bw_error *err);

#endif
