/* linux/sync: the channel between the runtime and the processes it clones
 * (a SOCK_SEQPACKET socketpair, so each message arrives whole). Carries the
 * handshake steps and, from the child side, errors as struct bw_error. */
#ifndef BULWARK_LINUX_SYNC_H
#define BULWARK_LINUX_SYNC_H

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

#endif
