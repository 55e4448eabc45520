/* lifecycle: the steps the commands share — load and check a bundle, claim
 * the state dir, create/start/delete a container through the container
 * module, keep state.json and the pid file true. Undoes its own work on
 * failure so nothing is left behind. */
#ifndef BULWARK_LIFECYCLE_H
#define BULWARK_LIFECYCLE_H

#include <stdbool.h>
#include <sys/types.h>

#include "cli.h"
#include "error.h"
#include "state.h"
#include "tty_relay.h"

struct lifecycle_create_opts
{
  const char *bundle;          /* NULL: the current directory */
  const char *pid_file;
  const char *console_socket;
  const char *pidfd_socket;
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;
  /* run in the foreground: when the config asks for a terminal and no
   * console socket is given, listen on this one (tty_relay) and pass it;
   * the caller receives the master. NULL: such a config is refused. */
  struct tty_relay_socket *relay;
};

/* Everything of `create`; *pid receives the init's host pid. */
int lifecycle_create (struct cli_ctx *ctx, const char *id, const struct lifecycle_create_opts *o,
                      pid_t *pid, struct bw_error *err);

/* Release a created container. */
int lifecycle_start (struct cli_ctx *ctx, const char *id, struct bw_error *err);

/* Delete a container; `force` kills it first when it is not stopped. */
int lifecycle_delete (struct cli_ctx *ctx, const char *id, bool force, struct bw_error *err);

/* Open an existing container: validate the id, open the store and the
 * container (locked), read its record. On success the caller closes `h`,
 * `st` and clears `rec`. */
int lifecycle_open (struct cli_ctx *ctx, const char *id, struct state_store *st,
                    struct state_handle *h, struct state_record *rec, struct bw_error *err);

/* The same without taking the container's lock: for read-only commands,
 * which must answer even while a create (and its hooks) holds it. */
int lifecycle_peek (struct cli_ctx *ctx, const char *id, struct state_store *st,
                    struct state_handle *h, struct state_record *rec, struct bw_error *err);

/* Write `pid` to `path` atomically (temp file + rename), as runc does. */
int lifecycle_write_pid_file (const char *path, pid_t pid, struct bw_error *err);

#endif
