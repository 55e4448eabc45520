/* linux/exec: a new process in a running container (`bulwark exec`). The
 * runtime forks a helper that, non-dumpable, joins every namespace of the
 * container's init through its pidfd (checked against the recorded start
 * time first), then clones the process as the runtime's own child
 * (CLONE_PARENT) inside the container's pid namespace, so that the runtime
 * can wait for it. The process applies its attributes and execs. */
#ifndef BULWARK_LINUX_EXEC_H
#define BULWARK_LINUX_EXEC_H

#include <sys/types.h>

#include "error.h"
#include "spec.h"
#include "state.h"

struct exec_request
{
  const struct state_record *rec;     /* the container: init pid and start time */
  const struct spec *config;          /* the config it was created with (seccomp) */
  const struct spec_process *process; /* what to run */
  const char *console_socket;         /* required with process->terminal, else NULL */
  const char *state_json;             /* for a seccomp notify agent; may be NULL */
  const char *state_root;             /* the state store's root: its compiled-filter
                                         cache; NULL compiles without it */
  int preserve_fds;                   /* fds 3 .. 3+N-1 pass to the process */
};

/* Start the process; returns once it is about to execve (anything that
 * failed before is the error). *pid is its pid on the host; it is a child
 * of the caller. */
int exec_spawn (const struct exec_request *req, pid_t *pid, struct bw_error *err);

/* CLONE_NEW* flags of the namespaces of process `pid` that differ from the
 * caller's (the ones an exec must join). */
int exec_namespaces_to_join (pid_t pid, int *flags, struct bw_error *err);

#endif
