/* policy_relax: the bulwark.* annotations through which a container asks for
 * a relaxation (a writable rootfs, an extra capability, a bigger limit,
 * ...). Each is allowed only when the policy's `relaxations` names it; one
 * it does not is refused naming the policy key to change. Pure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "policy_internal.h"

/* "2G", "512M", "1048576" -> bytes (binary suffixes). */
bool
harden_parse_size (const char *s, int64_t *out)
{
  char *end = NULL;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (errno || end == s || v <= 0)
    return false;
  int shift = 0;
  switch (*end)
    {
    case 'K': case 'k': shift = 10; end++; break;
    case 'M': case 'm': shift = 20; end++; break;
    case 'G': case 'g': shift = 30; end++; break;
    case 'T': case 't': shift = 40; end++; break;
    default: break;
    }
  if (*end || v > (INT64_MAX >> shift))
    return false;
  *out = (int64_t) v << shift;
  return true;
}

/* "2" (CPUs) or "1500m" (millicpus) -> millicpus. */
static bool
parse_cpus (const char *s, int64_t *out)
{
  char *end = NULL;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (errno || end == s || v <= 0 || v > INT64_MAX / 1000)
    return false;
  if (strcmp (end, "m") == 0)
    *out = v;
  else if (*end == '\0')
    *out = v * 1000;
  else
    return false;
  return true;
}

bool
harden_parse_count (const char *s, int64_t *out)
{
  char *end = NULL;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (errno || end == s || *end || v <= 0)
    return false;
  *out = v;
  return true;
}

static int
bad_value (struct harden_ctx *h, const char *key, const char *value, const char *what)
{
  return bw_error_set (h->err, EINVAL, "annotations.%s: expected %s, got \"%s\"", key, what,
                       value);
}

/* A relaxation the policy does not allow: refused, naming the policy key. */
static int
not_allowed (struct harden_ctx *h, const char *key, const char *value, const char *rule)
{
  char field[256];
  snprintf (field, sizeof field, "annotations.%s", key);
  return decision_refuse (h, "relaxations", rule, field, value,
                          "the policy does not allow this relaxation");
}

static int
parse_limit_relaxation (struct harden_ctx *h, const char *key, const char *value,
                        bool (*parse) (const char *, int64_t *), const char *what,
                        int64_t allowed_max, const char *rule, int64_t *out)
{
  int64_t v = 0;
  if (!parse (value, &v))
    return bad_value (h, key, value, what);
  if (allowed_max == 0 || v > allowed_max)
    return not_allowed (h, key, value, rule);
  *out = v;
  return 0;
}

static int
parse_bool_relaxation (struct harden_ctx *h, const char *key, const char *value,
                       bool allowed, const char *rule, bool *out)
{
  if (strcmp (value, "true") != 0 && strcmp (value, "false") != 0)
    return bad_value (h, key, value, "\"true\" or \"false\"");
  if (strcmp (value, "false") == 0)
    return 0;
  if (!allowed)
    return not_allowed (h, key, value, rule);
  *out = true;
  return 0;
}

static int
parse_caps_relaxation (struct harden_ctx *h, const char *key, const char *value)
{
  _cleanup_free_ char *copy = strdup (value);
  char *save = NULL;
  if (!copy)
    return bw_error_set (h->err, ENOMEM, "out of memory");
  for (char *cap = strtok_r (copy, ",", &save); cap; cap = strtok_r (NULL, ",", &save))
    {
      if (!harden_strv_has (&h->p->relax_caps_add, cap))
        TRY (not_allowed (h, key, cap, "relaxations.capabilities.add"));
      else
        TRY (harden_strv_append (h, &h->relax.caps_add, cap));
    }
  return 0;
}

/* Read every bulwark.* annotation: an unknown one is an error (a typo must
 * not pass for a relaxation), one the policy does not name is refused. */
int
harden_read_relaxations (struct harden_ctx *h, const struct spec *in)
{
  const struct policy *p = h->p;
  size_t plen = strlen (POLICY_ANNOTATION_PREFIX);
  for (size_t i = 0; i < in->annotations.n; i++)
    {
      const char *key = in->annotations.items[i].key;
      const char *value = in->annotations.items[i].value;
      if (strncmp (key, POLICY_ANNOTATION_PREFIX, plen) != 0)
        continue;
      const char *name = key + plen;
      int r;
      if (strcmp (name, "rootfs.writable") == 0)
        r = parse_bool_relaxation (h, key, value, p->relax_rootfs_writable,
                                   "relaxations.rootfs.writable", &h->relax.rootfs_writable);
      else if (strcmp (name, "seccomp.unconfined") == 0)
        r = parse_bool_relaxation (h, key, value, p->relax_seccomp_unconfined,
                                   "relaxations.seccomp.unconfined",
                                   &h->relax.seccomp_unconfined);
      else if (strcmp (name, "userns.disable") == 0)
        r = parse_bool_relaxation (h, key, value, p->relax_userns_disable,
                                   "relaxations.userns.disable", &h->relax.userns_disable);
      else if (strcmp (name, "capabilities.add") == 0)
        r = parse_caps_relaxation (h, key, value);
      else if (strcmp (name, "memory.max") == 0)
        r = parse_limit_relaxation (h, key, value, harden_parse_size, "a size like \"2G\"",
                                    p->relax_memory_max, "relaxations.memory.max",
                                    &h->relax.memory_max);
      else if (strcmp (name, "cpu.max") == 0)
        r = parse_limit_relaxation (h, key, value, parse_cpus, "CPUs like \"2\" or \"1500m\"",
                                    p->relax_cpu_max, "relaxations.cpu.max",
                                    &h->relax.cpu_max);
      else if (strcmp (name, "pids.max") == 0)
        r = parse_limit_relaxation (h, key, value, harden_parse_count, "a positive integer",
                                    p->relax_pids_max, "relaxations.pids.max",
                                    &h->relax.pids_max);
      else
        r = bw_error_set (h->err, EINVAL, "annotations.%s: unknown bulwark relaxation", key);
      if (r < 0)
        return r;
    }
  return 0;
}
