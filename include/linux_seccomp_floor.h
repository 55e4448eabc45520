/* linux/seccomp_floor: the floor filter, a small seccomp filter of the
 * always-dangerous syscalls (kernel modules, kexec, open_by_handle_at, bpf,
 * perf_event_open, userfaultfd, io_uring, the kernel keyring, raw port I/O,
 * swap) that fail with EPERM whatever the config's own filter says. Filters
 * stack and the kernel applies the strictest answer, so it is loaded in
 * addition to linux.seccomp (before or after it) and an unconfined config
 * cannot remove it. Whether a container gets it is the policy's decision. */
#ifndef BULWARK_LINUX_SECCOMP_FLOOR_H
#define BULWARK_LINUX_SECCOMP_FLOOR_H

#include <stdbool.h>

#include "error.h"
#include "linux_seccomp_cache.h"

/* The annotation by which the hardening step asks for the floor ("true"):
 * the init of `create` and every process of `exec` load it. */
#define SECCOMP_FLOOR_ANNOTATION "run.bulwark.seccomp.floor"

/* Whether `spec` asks for the floor; an error naming the annotation for a
 * value other than "true" or "false". */
int seccomp_floor_wanted (const struct spec *spec, bool *wanted, struct bw_error *err);

/* The syscall names the floor denies, NULL-terminated. */
extern const char *const seccomp_floor_syscalls[];

/* Compile the floor: default allow, EPERM for the floor's syscalls, on the
 * native ABI and its compat ABIs (x86 and x32 on x86_64, arm on aarch64),
 * so that a 32-bit entry cannot go around it. */
int seccomp_floor_compile (struct seccomp_bpf *out, struct bw_error *err);

/* The floor's program from <state_root>/.seccomp-cache (compiled and stored
 * when missing); state_root NULL: compile without the cache. */
int seccomp_floor_load_or_compile (const char *state_root, struct seccomp_bpf *out,
                                   bool *from_cache, struct bw_error *err);

/* Load the floor `prog` (from seccomp_floor_load_or_compile) into the
 * calling thread. Needs no_new_privs or CAP_SYS_ADMIN; it does not set
 * no_new_privs itself. */
int seccomp_floor_install (const struct seccomp_bpf *prog, struct bw_error *err);

#endif
