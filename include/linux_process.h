/* linux/process: the workload's process attributes: rlimits, oom_score_adj,
 * user and groups, cwd, umask, no_new_privileges, the executable lookup in
 * the container's PATH, and the final execve. */
#ifndef BULWARK_LINUX_PROCESS_H
#define BULWARK_LINUX_PROCESS_H

#include "error.h"
#include "spec.h"

/* process.rlimits; run while the process still has the host's privileges.
 * A limit above what the runtime may raise to is an error naming both. */
int process_set_rlimits (const struct spec_process *p, struct bw_error *err);

/* process.oomScoreAdj, through a procfs fd. */
int process_set_oom_score_adj (const struct spec_process *p, int procfd, struct bw_error *err);

/* Create process.cwd inside the root if missing (before the root is sealed). */
int process_make_cwd (const struct spec_process *p, int rootfd, struct bw_error *err);

/* additionalGids, gid, uid (setgroups, setresgid, setresuid). */
int process_set_user (const struct spec_user *u, struct bw_error *err);

/* umask, chdir(cwd), no_new_privileges. */
int process_finish (const struct spec_process *p, struct bw_error *err);

/* Find args[0]: as is when it has a '/', else in the PATH of process.env.
 * Errors as runc: exec "X": executable file not found in $PATH. */
int process_find_executable (const struct spec_process *p, char **path, struct bw_error *err);

/* execve; on failure print `bulwark: exec "X": reason` on stderr and exit 127. */
__attribute__ ((noreturn)) void process_exec (const struct spec_process *p, const char *path);

#endif
