/* linux/seccomp: compile linux.seccomp with libseccomp and load it into the
 * calling process (the container init, or an exec'd process) just before it
 * execs; SCMP_ACT_NOTIFY listener fds go to listenerPath with the state
 * (the runtime-spec "seccomp agent" message). */
#ifndef BULWARK_LINUX_SECCOMP_H
#define BULWARK_LINUX_SECCOMP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <seccomp.h>

#include "error.h"
#include "spec.h"

/* A compiled filter and, when it has SCMP_ACT_NOTIFY rules, a socket already
 * connected to linux.seccomp.listenerPath: compiled and connected early
 * (before pivot_root, while the host path is reachable, and while errors
 * still fail create), loaded late. */
struct seccomp_prepared
{
  scmp_filter_ctx ctx;         /* NULL: nothing to load */
  int agent_fd;                /* -1 without notify rules */
  const char *metadata;        /* listenerMetadata (points into the spec) */
};

#define SECCOMP_PREPARED_INIT { .ctx = NULL, .agent_fd = -1, .metadata = NULL }

/* Whether `sc` has SCMP_ACT_NOTIFY rules and a listenerPath: then the
 * agent's socket should be connected (seccomp_agent_connect) while the
 * process still has the host's credentials and mounts, before it joins the
 * container's user or mount namespace, and handed to seccomp_prepare. */
bool seccomp_wants_agent (const struct spec_seccomp *sc);

/* Compile `sc` (NULL: nothing to do) and, when the filter has notify
 * rules, connect to its agent from here. */
int seccomp_prepare (const struct spec_seccomp *sc, struct seccomp_prepared *p,
                     struct bw_error *err);

/* The same with `agent_fd` (taken over, even on failure) already connected
 * to listenerPath, or -1 to connect here. */
int seccomp_prepare_agent (const struct spec_seccomp *sc, int agent_fd,
                           struct seccomp_prepared *p, struct bw_error *err);

/* Load the filter into the calling process; with notify rules, send the
 * notify fd and the message built from `pid` (the process as the runtime
 * sees it) and `state_json` (the container state object) to the agent.
 * Releases what `p` holds; a second call does nothing. */
int seccomp_prepared_load (struct seccomp_prepared *p, pid_t pid, const char *state_json,
                           struct bw_error *err);

void seccomp_prepared_clear (struct seccomp_prepared *p);

static inline void seccomp_prepared_clearp (struct seccomp_prepared *p) { seccomp_prepared_clear (p); }
#define _cleanup_seccomp_prepared_ __attribute__ ((cleanup (seccomp_prepared_clearp)))

/* prepare + load in one go, connecting to the agent from here. The
 * agent message's pid is `pid`; `state_json` may be NULL when the filter has
 * no SCMP_ACT_NOTIFY rule. Call after capabilities are set, before execve
 * (with no_new_privs set, or while still holding CAP_SYS_ADMIN). */
int seccomp_install_pid (const struct spec_seccomp *sc, pid_t pid, const char *state_json,
                         struct bw_error *err);
/* As seccomp_install_pid with the pid taken from the state's "pid". */
int seccomp_install (const struct spec_seccomp *sc, const char *state_json, struct bw_error *err);

/* The runtime-spec state object sent to the agent ({"ociVersion", "id",
 * "status", "pid", "bundle", "annotations"}), malloc'd. */
int seccomp_agent_state (const char *id, const char *status, pid_t pid, const char *bundle,
                         const struct spec_map *annotations, char **out, struct bw_error *err);

/* The agent message: {"ociVersion", "fds": ["seccompFd"], "pid",
 * "metadata" (when set), "state": <state_json>}, malloc'd. */
int seccomp_agent_message (pid_t pid, const char *metadata, const char *state_json, char **out,
                           struct bw_error *err);

/* Connect a SOCK_STREAM unix socket to `path` (CLOEXEC). Errors name the
 * path, not the field. */
int seccomp_agent_connect (const char *path, int *out, struct bw_error *err);

/* What this build and kernel support, NULL-terminated, for `features`. */
void seccomp_features (const char *const **actions, const char *const **operators,
                       const char *const **archs, const char *const **flags);

/* ---- pure translation steps, exposed for unit tests ---- */

/* SCMP_ACT_* with errnoRet (may be NULL/unset: EPERM for ERRNO and TRACE, as
 * runc) to a libseccomp action. -EINVAL: unknown name, or errnoRet with an
 * action that takes none; -ERANGE: errnoRet above 65535. */
int seccomp_action_value (const char *name, const opt_u32 *errno_ret, uint32_t *out);

/* SCMP_CMP_* to libseccomp's operator; -EINVAL when unknown. */
int seccomp_operator_value (const char *name, enum scmp_compare *out);

/* SCMP_ARCH_* to libseccomp's token: -EINVAL when the spec does not know it,
 * -ENOTSUP when this libseccomp does not. */
int seccomp_arch_value (const char *name, uint32_t *out);

/* SECCOMP_FILTER_FLAG_* to the libseccomp attribute that sets it: -EINVAL
 * when unknown, -ENOTSUP when this libseccomp has no such attribute. */
int seccomp_flag_attr (const char *name, enum scmp_filter_attr *out);

/* One comparison of a syscall rule. */
int seccomp_arg_cmp (const struct spec_seccomp_arg *a, struct scmp_arg_cmp *out);

/* True when two args of the entry test the same index: libseccomp cannot AND
 * two comparisons of one argument, so (as runc) each arg becomes a rule of
 * its own and any of them matching triggers the action. */
bool seccomp_args_share_index (const struct spec_seccomp_syscall *s);

/* Build the filter without loading it; *notify tells whether a notify rule
 * went in. Errors name the field (linux.seccomp.syscalls[2].action: ...). */
int seccomp_compile (const struct spec_seccomp *sc, scmp_filter_ctx *out, bool *notify,
                     struct bw_error *err);

#endif
