/* forward: how a command running a container process in the foreground
 * (run, exec) waits for it: the signals it receives pass on to the process,
 * and its exit status becomes the command's exit code. */
#ifndef BULWARK_CMD_FORWARD_H
#define BULWARK_CMD_FORWARD_H

#include <signal.h>
#include <sys/types.h>

#include "error.h"

/* The forwarded signals plus SIGCHLD. Block them before the process exists
 * so that none is lost before the wait starts. */
void forward_signal_set (sigset_t *set);

/* Wait for `pid` (a child of the caller), forwarding the signals of `set`
 * (blocked by the caller) except SIGCHLD. Returns its exit code: the
 * status, or 128+N when killed by signal N. */
int forward_wait (pid_t pid, const sigset_t *set, struct bw_error *err);

#endif
