/* linux/process: the workload's process attributes: rlimits, oom_score_adj,
 * user and groups, cwd, umask, no_new_privileges, the executable lookup in
 * the container's PATH, and the final execve (process.c); scheduler, I/O
 * priority, personality and CPU affinity (process_extras.c); refusing to
 * exec the runtime's own binary in the container (process_guard.c). */
#ifndef BULWARK_LINUX_PROCESS_H
#define BULWARK_LINUX_PROCESS_H

#include <sched.h>
#include <stdbool.h>

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

/* Refuse when `path`, or an interpreter it names ("#!" line, ELF
 * PT_INTERP), is the running runtime binary (procfd: a procfs where "self"
 * is the caller). Call after chdir(cwd), as the container user. */
int process_refuse_runtime_exec (const char *path, int procfd, struct bw_error *err);

/* process.scheduler (sched_setattr); NULL: nothing to do. */
int process_set_scheduler (const struct spec_scheduler *s, struct bw_error *err);

/* process.ioPriority (ioprio_set); NULL: nothing to do. */
int process_set_io_priority (const struct spec_io_priority *io, struct bw_error *err);

/* linux.personality: domain and flags; NULL: nothing to do. */
int process_set_personality (const struct spec_personality *p, struct bw_error *err);

/* "0-3,7" into a CPU set: -EINVAL when malformed, -ERANGE past CPU_SETSIZE. */
int process_parse_cpu_list (const char *list, cpu_set_t *set);

/* Check both lists of process.execCPUAffinity without applying them. */
int process_check_cpu_affinity (const struct spec_cpu_affinity *a, struct bw_error *err);

/* process.execCPUAffinity.initial (final false: before joining the
 * container's cgroup) or .final (just before execve). The runtime-spec makes
 * it apply to processes run with `exec`, not to the container's init. */
int process_set_cpu_affinity (const struct spec_cpu_affinity *a, bool final,
                              struct bw_error *err);

#endif
