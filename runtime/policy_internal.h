/* policy_internal: what the policy_*.c files share (not a public API): the
 * transform's working context, recording decisions and refusals, and small
 * editing helpers over the spec model. */
#ifndef BULWARK_POLICY_INTERNAL_H
#define BULWARK_POLICY_INTERNAL_H

#include "policy.h"

/* Relaxations asked for through bulwark.* annotations, after the policy
 * allowed them. Zero / false / NULL: not asked. */
struct relaxations
{
  bool rootfs_writable;
  struct spec_strv caps_add;
  int64_t memory_max, cpu_max, pids_max;
  bool seccomp_unconfined;
  bool userns_disable;
};

struct harden_ctx
{
  const struct policy *p;
  const struct host_facts *facts;
  struct spec *s;               /* the working copy, edited in place */
  struct decisions *d;
  struct relaxations relax;
  struct bw_error *err;
};

/* Record a decision (strings copied; NULL asked/enforced print as "-"). */
int decision_add (struct harden_ctx *h, const char *control, enum decision_outcome o,
                  const char *rule, const char *field, const char *asked,
                  const char *enforced, const char *why_fmt, ...)
  __attribute__ ((format (printf, 8, 9)));

/* Record a refusal. Enforce mode: set err to "<field>: <why>; policy refuses
 * it (<rule>)" and return -EPERM. Audit mode: record only, return 0. */
int decision_refuse (struct harden_ctx *h, const char *control, const char *rule,
                     const char *field, const char *asked, const char *why_fmt, ...)
  __attribute__ ((format (printf, 6, 7)));

/* Spec editing; all return 0 or -ENOMEM (err set). */
int harden_strv_append (struct harden_ctx *h, struct spec_strv *l, const char *s);
void harden_strv_remove (struct spec_strv *l, size_t i);
bool harden_strv_has (const struct spec_strv *l, const char *s);
/* "a,b,c" (or "(none)"), malloc'd; NULL when out of memory. */
char *harden_strv_join (const struct spec_strv *l);

/* Lexical normalisation of an absolute path: no "//", ".", ".." or
 * trailing "/". Writes into buf; false when it does not fit. */
bool harden_normalize_path (const char *path, char *buf, size_t size);
/* a == b or a is below b ("/" contains everything). Both normalised. */
bool harden_path_within (const char *a, const char *b);

/* A namespace path naming one of the host init's namespaces, by its text:
 * the early, reported refusal. Any other path to a host namespace
 * (/proc/2/ns/ipc, a bind mount of one) is refused by the Linux stage on
 * the opened fd (run.bulwark.namespaces.refusehost, set by hardening.c). */
static inline bool
harden_is_host_ns_path (const char *path)
{
  return path && __builtin_strncmp (path, "/proc/1/ns/", 11) == 0;
}

/* Read the bulwark.* annotations of `in` into h->relax (policy_relax.c). */
int harden_read_relaxations (struct harden_ctx *h, const struct spec *in);
/* "2G", "512M", "1048576" -> bytes; "50" -> 50. Positive values only. */
bool harden_parse_size (const char *s, int64_t *out);
bool harden_parse_count (const char *s, int64_t *out);

/* The refusal controls (policy_refuse.c): mounts, devices, sysctl,
 * writable /sys and /proc/sys, masked and read-only paths. */
int harden_mounts (struct harden_ctx *h);
int harden_devices (struct harden_ctx *h);
int harden_sysctl (struct harden_ctx *h);
int harden_masked_paths (struct harden_ctx *h);

#endif
