#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "linux_caps.h"

static int
cap_value (const char *name, cap_value_t *out)
{
  /* libcap takes "cap_sys_admin" (any case); config names carry "CAP_". */
  if (strncasecmp (name, "CAP_", 4) != 0 || cap_from_name (name, out) < 0)
    return -EINVAL;
  return 0;
}

static const char *const set_names[] = { "bounding", "effective", "inheritable", "permitted",
                                         "ambient" };

static const struct spec_strv *
set_of (const struct spec_capabilities *c, int i)
{
  const struct spec_strv *sets[] = { &c->bounding, &c->effective, &c->inheritable,
                                     &c->permitted, &c->ambient };
  return sets[i];
}

int
caps_validate (const struct spec_capabilities *c, struct bw_error *err)
{
  cap_value_t v;
  for (int s = 0; c && s < 5; s++)
    for (size_t i = 0; i < set_of (c, s)->n; i++)
      {
        const char *name = set_of (c, s)->v[i];
        if (cap_value (name, &v) < 0)
          return bw_error_set (err, EINVAL, "process.capabilities.%s[%zu]: unknown capability %s",
                               set_names[s], i, name);
      }
  return 0;
}

static bool
in_set (const struct spec_strv *set, cap_value_t cap)
{
  cap_value_t v;
  for (size_t i = 0; i < set->n; i++)
    if (cap_value (set->v[i], &v) == 0 && v == cap)
      return true;
  return false;
}

int
caps_drop_bounding (const struct spec_capabilities *c, struct bw_error *err)
{
  if (!c)
    return 0;
  cap_value_t last = cap_max_bits ();
  for (cap_value_t cap = 0; cap < last; cap++)
    {
      if (in_set (&c->bounding, cap))
        continue;
      if (prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
        return bw_error_syscall (err, "process.capabilities.bounding: drop %s",
                                 cap_to_name (cap));
    }
  return 0;
}

int
caps_keep_on_setuid (bool keep, struct bw_error *err)
{
  if (prctl (PR_SET_KEEPCAPS, keep ? 1 : 0, 0, 0, 0) < 0)
    return bw_error_syscall (err, "prctl PR_SET_KEEPCAPS");
  return 0;
}

static int
add_set (cap_t caps, cap_flag_t flag, const struct spec_strv *set)
{
  for (size_t i = 0; i < set->n; i++)
    {
      cap_value_t v;
      if (cap_value (set->v[i], &v) < 0 || cap_set_flag (caps, flag, 1, &v, CAP_SET) < 0)
        return -EINVAL;
    }
  return 0;
}

int
caps_apply (const struct spec_capabilities *c, struct bw_error *err)
{
  if (!c)
    return 0;
  cap_t caps = cap_init ();
  if (!caps)
    return bw_error_syscall (err, "cap_init");
  int ret = 0;
  if (add_set (caps, CAP_EFFECTIVE, &c->effective) < 0
      || add_set (caps, CAP_PERMITTED, &c->permitted) < 0
      || add_set (caps, CAP_INHERITABLE, &c->inheritable) < 0)
    ret = bw_error_set (err, EINVAL, "process.capabilities: cannot build the sets");
  else if (cap_set_proc (caps) < 0)
    ret = bw_error_syscall (err, "process.capabilities: set effective, permitted, inheritable");
  cap_free (caps);
  if (ret < 0)
    return ret;

  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return bw_error_syscall (err, "process.capabilities.ambient: clear");
  for (size_t i = 0; i < c->ambient.n; i++)
    {
      cap_value_t v;
      if (cap_value (c->ambient.v[i], &v) < 0)
        return bw_error_set (err, EINVAL, "process.capabilities.ambient[%zu]: unknown", i);
      /* Raising needs the cap in both permitted and inheritable. */
      if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, v, 0, 0) < 0)
        return bw_error_syscall (err, "process.capabilities.ambient: raise %s (it must be in permitted "
                                 "and inheritable too)", c->ambient.v[i]);
    }
  return 0;
}
