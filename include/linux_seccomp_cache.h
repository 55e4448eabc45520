/* linux/seccomp_cache: compiled seccomp programs. A profile is compiled with
 * libseccomp once, for the architectures this host can run, exported as
 * classic BPF, and kept under <state root>/.seccomp-cache/<sha256>.bpf; later
 * starts load that program with seccomp(2) directly, without libseccomp's
 * compiler. Profiles with SCMP_ACT_NOTIFY rules are not cached: their
 * listener fd comes from libseccomp's own load (linux_seccomp.h). */
#ifndef BULWARK_LINUX_SECCOMP_CACHE_H
#define BULWARK_LINUX_SECCOMP_CACHE_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

#include <seccomp.h>

#include "error.h"
#include "spec.h"

/* A classic BPF program ready for SECCOMP_SET_MODE_FILTER, with the
 * SECCOMP_FILTER_FLAG_* bits to load it with. */
struct seccomp_bpf
{
  struct sock_filter *insns;   /* malloc'd */
  size_t len;                  /* instructions, at most BPF_MAXINSNS */
  unsigned int flags;
};

#define SECCOMP_BPF_INIT { .insns = NULL, .len = 0, .flags = 0 }

void seccomp_bpf_clear (struct seccomp_bpf *prog);
static inline void seccomp_bpf_clearp (struct seccomp_bpf *p) { seccomp_bpf_clear (p); }
#define _cleanup_seccomp_bpf_ __attribute__ ((cleanup (seccomp_bpf_clearp)))

/* Export what libseccomp compiled (through a memfd: libseccomp 2.5 has no
 * in-memory export). `flags` is left 0. */
int seccomp_bpf_export (scmp_filter_ctx ctx, struct seccomp_bpf *out, struct bw_error *err);

/* Load into the calling thread with seccomp(SECCOMP_SET_MODE_FILTER). As
 * with libseccomp, the caller needs no_new_privs or CAP_SYS_ADMIN. */
int seccomp_bpf_load (const struct seccomp_bpf *prog, struct bw_error *err);

/* Whether `sc` can go through the cache: not when it has SCMP_ACT_NOTIFY
 * rules (the listener fd only exists at load time). */
bool seccomp_cache_usable (const struct spec_seccomp *sc);

/* linux.seccomp.flags to SECCOMP_FILTER_FLAG_* bits (TSYNC, LOG,
 * SPEC_ALLOW); -EINVAL naming the flag for anything else. */
int seccomp_cache_filter_flags (const struct spec_seccomp *sc, unsigned int *out,
                                struct bw_error *err);

/* The cache key of `sc`: sha256 over a canonical form of the profile (so
 * JSON spacing and key order do not matter), the host's native arch,
 * libseccomp's run-time version and the kernel's seccomp API level. */
void seccomp_cache_key (const struct spec_seccomp *sc, char hex[65]);

/* Compile `sc` for the architectures the host can run (the native one and,
 * when the profile lists them, its compat ABIs: x86 and x32 on x86_64, arm
 * on aarch64); the others are dropped, which changes nothing since their
 * syscalls cannot happen here. */
int seccomp_cache_compile (const struct spec_seccomp *sc, struct seccomp_bpf *out,
                           struct bw_error *err);

/* Look up a program by key in <state_root>/.seccomp-cache; -ENOENT when it
 * is missing, or unreadable/damaged (then it is simply recompiled). */
int seccomp_cache_read (const char *state_root, const char *key, struct seccomp_bpf *out,
                        struct bw_error *err);

/* Store a program under its key, atomically (temp file + rename), 0600, in
 * a 0700 directory. */
int seccomp_cache_write (const char *state_root, const char *key,
                         const struct seccomp_bpf *prog, struct bw_error *err);

/* The program for `sc`: from the cache, or compiled and stored. A failure
 * to store is not an error (the next start compiles again). *from_cache
 * (may be NULL) tells which. -ENOTSUP for profiles with notify rules. */
int seccomp_cache_load_or_compile (const char *state_root, const struct spec_seccomp *sc,
                                   struct seccomp_bpf *out, bool *from_cache,
                                   struct bw_error *err);

#endif
