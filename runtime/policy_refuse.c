/* policy_refuse: the transform's checks that refuse (or, where the policy
 * says "clamp", repair) what a config must not get: host-sensitive bind
 * mounts, writable /sys and /proc/sys, mounts over masked paths, devices
 * beyond the standard set, sysctls the kernel does not namespace; and the
 * policy's masked and read-only paths added to the config's. Also the small
 * path and list helpers the transform shares. Pure, like policy_harden.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/mount.h>

#include "cleanup.h"
#include "linux_mount.h"
#include "policy_internal.h"

/* ------------------------------------------------------------ helpers */

int
harden_strv_append (struct harden_ctx *h, struct spec_strv *l, const char *s)
{
  char **v = realloc (l->v, (l->n + 2) * sizeof *v);
  if (!v)
    return bw_error_set (h->err, ENOMEM, "out of memory");
  l->v = v;
  if (!(v[l->n] = strdup (s)))
    {
      v[l->n] = NULL;
      return bw_error_set (h->err, ENOMEM, "out of memory");
    }
  v[++l->n] = NULL;
  return 0;
}

void
harden_strv_remove (struct spec_strv *l, size_t i)
{
  free (l->v[i]);
  memmove (&l->v[i], &l->v[i + 1], (l->n - i) * sizeof *l->v);
  l->n--;
}

bool
harden_strv_has (const struct spec_strv *l, const char *s)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp (l->v[i], s) == 0)
      return true;
  return false;
}

char *
harden_strv_join (const struct spec_strv *l)
{
  size_t len = 1;
  for (size_t i = 0; i < l->n; i++)
    len += strlen (l->v[i]) + 1;
  if (l->n == 0)
    return strdup ("(none)");
  char *s = malloc (len), *p = s;
  if (!s)
    return NULL;
  for (size_t i = 0; i < l->n; i++)
    p += sprintf (p, "%s%s", i ? "," : "", l->v[i]);
  return s;
}

/* In spec.c with the mounts.deny matcher: the Linux stage checks a bind
 * source's real path with the same rule. */
bool
harden_normalize_path (const char *path, char *buf, size_t size)
{
  return spec_path_normalize (path, buf, size);
}

bool
harden_path_within (const char *a, const char *b)
{
  return spec_path_within (a, b);
}

static bool
has_option (const struct spec_mount *m, const char *opt)
{
  return m->options.v && harden_strv_has (&m->options, opt);
}

static bool
is_bind (const struct spec_mount *m)
{
  return (m->type && strcmp (m->type, "bind") == 0) || has_option (m, "bind")
         || has_option (m, "rbind");
}

/* ------------------------------------------------------------ mounts */

static int
check_bind_source (struct harden_ctx *h, size_t i, const struct spec_mount *m)
{
  char path[4096], src[4096], field[64];
  const struct host_facts *f = h->facts;
  if (!m->source)
    return 0;
  if (m->source[0] == '/')
    snprintf (path, sizeof path, "%s", m->source);
  else if (f->bundle)
    snprintf (path, sizeof path, "%s/%s", f->bundle, m->source);
  else
    return 0;                   /* inside the bundle; the runtime resolves it */
  snprintf (field, sizeof field, "mounts[%zu].source", i);
  if (!harden_normalize_path (path, src, sizeof src))
    return bw_error_set (h->err, ENAMETOOLONG, "%s: path too long", field);
  for (size_t k = 0; k < h->p->mounts_deny.n; k++)
    if (spec_path_denied (src, h->p->mounts_deny.v[k]))
      return decision_refuse (h, "mounts", "mounts.deny", field, m->source,
                              "\"%s\" is a host-sensitive path (%s)", m->source,
                              h->p->mounts_deny.v[k]);
  if (f->state_root && spec_path_denied (src, f->state_root))
    return decision_refuse (h, "mounts", "mounts.deny", field, m->source,
                            "\"%s\" exposes the runtime's state root %s", m->source,
                            f->state_root);
  return 0;
}

/* Whether the mount comes out read-only: its options as the runtime applies
 * them (linux/mount.c), in order, so ["ro","rw"] is writable. A bind takes
 * its own flags, then the recursive ones over them (rrw undoes ro); a new
 * filesystem is read-only when either asks for it. 1, 0, or -ENOMEM. An
 * option list the runtime refuses counts as writable. */
static int
mount_readonly (struct harden_ctx *h, const struct spec_mount *m)
{
  struct mount_plan plan;
  struct bw_error ignored = { 0 };
  int r = mount_plan_parse (m, &plan, &ignored);
  free (plan.data);
  if (r == -ENOMEM)
    return bw_error_set (h->err, ENOMEM, "out of memory");
  if (r < 0)
    return 0;
  if (plan.rattr_set & MOUNT_ATTR_RDONLY)
    return 1;
  return (plan.attr_set & MOUNT_ATTR_RDONLY)
         && !(plan.bind && (plan.rattr_clr & MOUNT_ATTR_RDONLY));
}

/* sysfs and cgroupfs anywhere, and anything at /proc/sys, must be read-only. */
static int
check_writable_sys (struct harden_ctx *h, size_t i, struct spec_mount *m, const char *dest)
{
  bool sysfs = m->type && (strcmp (m->type, "sysfs") == 0 || strcmp (m->type, "cgroup") == 0
                           || strcmp (m->type, "cgroup2") == 0);
  bool sys_path = harden_path_within (dest, "/sys") || harden_path_within (dest, "/proc/sys");
  if (!sysfs && !sys_path)
    return 0;
  int ro = mount_readonly (h, m);
  if (ro != 0)
    return ro < 0 ? ro : 0;
  char field[64];
  snprintf (field, sizeof field, "mounts[%zu].options", i);
  if (h->p->writable_sys == POLICY_REFUSE)
    return decision_refuse (h, "mounts", "writableSys", field, "rw",
                            "%s is mounted writable", m->destination);
  /* Without the options that undo it, a trailing ro (rro for a bind, whose
   * submounts are its source's) wins. */
  for (size_t k = 0; k < m->options.n;)
    if (strcmp (m->options.v[k], "rw") == 0 || strcmp (m->options.v[k], "rrw") == 0)
      harden_strv_remove (&m->options, k);
    else
      k++;
  if (!m->options.v && !(m->options.v = calloc (1, sizeof (char *))))
    return bw_error_set (h->err, ENOMEM, "out of memory");
  TRY (harden_strv_append (h, &m->options, "ro"));
  if (is_bind (m))
    TRY (harden_strv_append (h, &m->options, "rro"));
  return decision_add (h, "mounts", DECISION_CLAMPED, "writableSys", field, "rw", "ro",
                       "%s must not be writable", m->destination);
}

/* maskedPaths and readonlyPaths cover /proc only, and the /proc/sys check
 * looks there: a second procfs elsewhere would give the container the
 * kernel's files unmasked and writable. */
static int
check_proc_elsewhere (struct harden_ctx *h, size_t i, const struct spec_mount *m,
                      const char *dest)
{
  if (!m->type || strcmp (m->type, "proc") != 0 || strcmp (dest, "/proc") == 0)
    return 0;
  char field[64];
  snprintf (field, sizeof field, "mounts[%zu].destination", i);
  return decision_refuse (h, "mounts", "maskedPaths", field, m->destination,
                          "a procfs at %s would escape the masked and read-only paths; "
                          "procfs goes at /proc only", m->destination);
}

int
harden_mounts (struct harden_ctx *h)
{
  struct spec *s = h->s;
  size_t before = h->d->n;
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      struct spec_mount *m = &s->mounts[i];
      char dest[4096], field[64];
      if (!m->destination || m->destination[0] != '/'
          || !harden_normalize_path (m->destination, dest, sizeof dest))
        continue;               /* relative destinations: the runtime refuses them */
      if (is_bind (m))
        TRY (check_bind_source (h, i, m));
      TRY (check_writable_sys (h, i, m, dest));
      TRY (check_proc_elsewhere (h, i, m, dest));
      for (size_t k = 0; k < h->p->masked_paths.n; k++)
        if (harden_path_within (dest, h->p->masked_paths.v[k]))
          {
            snprintf (field, sizeof field, "mounts[%zu].destination", i);
            TRY (decision_refuse (h, "mounts", "maskedPaths", field, m->destination,
                                  "a mount at %s would disable the masked path %s",
                                  m->destination, h->p->masked_paths.v[k]));
          }
    }
  if (h->d->n == before)
    return decision_add (h, "mounts", DECISION_ENFORCED, "mounts.deny", "mounts",
                         "no sensitive mounts", "as asked",
                         "no host-sensitive bind source, /sys and /proc/sys read-only");
  return 0;
}

/* ------------------------------------------------------------ devices */

/* What every container gets anyway (the runtime creates these itself). */
static const struct policy_device standard_devices[] = {
  { "/dev/null", 'c', 1, 3 },    { "/dev/zero", 'c', 1, 5 },
  { "/dev/full", 'c', 1, 7 },    { "/dev/random", 'c', 1, 8 },
  { "/dev/urandom", 'c', 1, 9 }, { "/dev/tty", 'c', 5, 0 },
  { "/dev/console", 'c', 5, 1 }, { "/dev/ptmx", 'c', 5, 2 },
};

static bool
device_matches (const struct policy_device *d, char type, int64_t major, int64_t minor)
{
  return d->type == type && d->major == major && d->minor == minor;
}

static bool
device_permitted (const struct policy *p, char type, int64_t major, int64_t minor)
{
  for (size_t i = 0; i < ARRAY_LEN (standard_devices); i++)
    if (device_matches (&standard_devices[i], type, major, minor))
      return true;
  for (size_t i = 0; i < p->n_devices_allowed; i++)
    if (device_matches (&p->devices_allowed[i], type, major, minor))
      return true;
  return false;
}

static void
device_remove (struct spec_linux *l, size_t i)
{
  struct spec_device *dev = &l->devices[i];
  free (dev->type);
  free (dev->path);
  memmove (dev, dev + 1, (l->n_devices - i - 1) * sizeof *dev);
  l->n_devices--;
}

/* Pseudo-terminals (major 136) are granted by every runtime. */
static bool
cgroup_rule_permitted (const struct policy *p, const struct spec_device_cgroup *r)
{
  if (!r->allow)
    return true;
  if (!r->type || strcmp (r->type, "a") == 0 || !r->major.set)
    return false;
  if (r->type[0] == 'c' && r->major.value == 136)
    return true;
  return r->minor.set && device_permitted (p, r->type[0], r->major.value, r->minor.value);
}

static int
harden_cgroup_devices (struct harden_ctx *h, size_t *changes)
{
  struct spec_resources *res = h->s->linux->resources;
  if (!res)
    return 0;
  for (size_t i = 0; i < res->n_devices;)
    {
      struct spec_device_cgroup *r = &res->devices[i];
      char field[64], asked[96];
      if (cgroup_rule_permitted (h->p, r))
        {
          i++;
          continue;
        }
      snprintf (field, sizeof field, "linux.resources.devices[%zu]", i);
      snprintf (asked, sizeof asked, "allow %s %s:%s %s", r->type ? r->type : "a",
                r->major.set ? "N" : "*", r->minor.set ? "N" : "*",
                r->access ? r->access : "rwm");
      if (r->major.set)
        snprintf (asked, sizeof asked, "allow %s %" PRId64 ":%s %s", r->type, r->major.value,
                  r->minor.set ? "N" : "*", r->access ? r->access : "rwm");
      (*changes)++;
      if (h->p->devices_extra == POLICY_REFUSE)
        {
          TRY (decision_refuse (h, "devices", "devices.extra", field, asked,
                                "the device cgroup allows devices beyond the standard set"));
          i++;
          continue;
        }
      TRY (decision_add (h, "devices", DECISION_CLAMPED, "devices.extra", field, asked,
                         "dropped", "devices beyond the standard set are not allowed"));
      free (r->type);
      free (r->access);
      memmove (r, r + 1, (res->n_devices - i - 1) * sizeof *r);
      res->n_devices--;
    }
  return 0;
}

int
harden_devices (struct harden_ctx *h)
{
  struct spec_linux *l = h->s->linux;
  size_t changes = 0;
  for (size_t i = 0; i < l->n_devices;)
    {
      struct spec_device *dev = &l->devices[i];
      char type = dev->type ? dev->type[0] : '?';
      /* A FIFO reaches no driver; "u" is an unbuffered character device. */
      char as = type == 'u' ? 'c' : type;
      if (type == 'p'
          || ((as == 'c' || as == 'b') && device_permitted (h->p, as, dev->major, dev->minor)))
        {
          i++;
          continue;
        }
      char field[64], asked[160];
      snprintf (field, sizeof field, "linux.devices[%zu]", i);
      snprintf (asked, sizeof asked, "%s (%c %" PRId64 ":%" PRId64 ")", dev->path, type,
                dev->major, dev->minor);
      changes++;
      if (h->p->devices_extra == POLICY_REFUSE)
        {
          TRY (decision_refuse (h, "devices", "devices.allowed", field, asked,
                                "%s is not in the standard set", asked));
          i++;
          continue;
        }
      TRY (decision_add (h, "devices", DECISION_CLAMPED, "devices.extra", field, asked,
                         "dropped", "not in the standard set"));
      device_remove (l, i);
    }
  TRY (harden_cgroup_devices (h, &changes));
  if (changes == 0)
    return decision_add (h, "devices", DECISION_ENFORCED, "devices.allowed", "linux.devices",
                         "standard set", "standard set", "no device beyond the standard set");
  return 0;
}

/* ------------------------------------------------------------ sysctl */

static bool
sysctl_allowed (const struct spec_strv *allowed, const char *key)
{
  for (size_t i = 0; i < allowed->n; i++)
    {
      const char *a = allowed->v[i];
      size_t n = strlen (a);
      if (n >= 2 && strcmp (a + n - 2, ".*") == 0)
        {
          if (strncmp (key, a, n - 1) == 0 && key[n - 1] != '\0')
            return true;
        }
      else if (strcmp (key, a) == 0)
        return true;
    }
  return false;
}

/* net.ipv4.ping_group_range names gids as the writer's user namespace
 * sees them, and the kernel refuses unmapped ones: Docker asks for
 * "0 2147483647" (all gids) unless it made the user namespace itself. In a
 * user namespace the range is clamped to the gids mapped there. */
static int
clamp_ping_group_range (struct harden_ctx *h, struct spec_kv *kv, const char *field)
{
  const struct spec_namespace *user = spec_namespace_find (h->s, SPEC_NS_USER);
  const struct spec_id_mappings *g = &h->s->linux->gid_mappings;
  if (!user || user->path || g->n == 0)
    return 0;
  uint64_t top = 0;
  for (size_t i = 0; i < g->n; i++)
    if (g->items[i].size && (uint64_t) g->items[i].container_id + g->items[i].size - 1 > top)
      top = (uint64_t) g->items[i].container_id + g->items[i].size - 1;
  unsigned long long lo, hi;
  char end;
  if (!kv->value || sscanf (kv->value, "%llu %llu%c", &lo, &hi, &end) != 2 || hi <= top)
    return 0;
  char clamped[48], asked[48];
  snprintf (asked, sizeof asked, "%s", kv->value);
  snprintf (clamped, sizeof clamped, "%llu %llu", lo > top ? (unsigned long long) top : lo,
            (unsigned long long) top);
  char *v = strdup (clamped);
  if (!v)
    return bw_error_set (h->err, ENOMEM, "out of memory");
  free (kv->value);
  kv->value = v;
  return decision_add (h, "sysctl", DECISION_CLAMPED, "userNamespace", field, asked, clamped,
                       "only the gids mapped in the container's user namespace can be named");
}

int
harden_sysctl (struct harden_ctx *h)
{
  struct spec_map *m = &h->s->linux->sysctl;
  const struct spec_namespace *net = spec_namespace_find (h->s, SPEC_NS_NETWORK);
  size_t before = h->d->n;
  for (size_t i = 0; i < m->n; i++)
    {
      const char *key = m->items[i].key;
      char field[320];
      snprintf (field, sizeof field, "linux.sysctl.%s", key);
      if (!sysctl_allowed (&h->p->sysctl_allowed, key))
        TRY (decision_refuse (h, "sysctl", "sysctl.allowed", field, m->items[i].value,
                              "%s is not a namespaced sysctl", key));
      else if (strncmp (key, "net.", 4) == 0 && (!net || harden_is_host_ns_path (net->path)))
        TRY (decision_refuse (h, "sysctl", "sysctl.allowed", field, m->items[i].value,
                              "%s would change the host's network namespace", key));
      else if (strcmp (key, "net.ipv4.ping_group_range") == 0)
        TRY (clamp_ping_group_range (h, &m->items[i], field));
    }
  if (h->d->n == before)
    return decision_add (h, "sysctl", DECISION_ENFORCED, "sysctl.allowed", "linux.sysctl",
                         m->n ? "namespaced" : "(none)", m->n ? "as asked" : "(none)",
                         "only namespaced sysctls");
  return 0;
}

/* ------------------------------------------------------------ masked */

static int
add_paths (struct harden_ctx *h, struct spec_strv *config, const struct spec_strv *policy,
           const char *rule, const char *field)
{
  size_t added = 0;
  size_t asked = config->n;
  if (!config->v && !(config->v = calloc (1, sizeof (char *))))
    return bw_error_set (h->err, ENOMEM, "out of memory");
  for (size_t i = 0; i < policy->n; i++)
    if (!harden_strv_has (config, policy->v[i]))
      {
        TRY (harden_strv_append (h, config, policy->v[i]));
        added++;
      }
  char a[32], e[64];
  snprintf (a, sizeof a, "%zu paths", asked);
  snprintf (e, sizeof e, "%zu paths (%zu added)", config->n, added);
  return decision_add (h, "paths", added ? DECISION_ADDED : DECISION_ENFORCED, rule, field, a,
                       e, "the policy's list is added to the config's");
}

int
harden_masked_paths (struct harden_ctx *h)
{
  struct spec_linux *l = h->s->linux;
  TRY (add_paths (h, &l->masked_paths, &h->p->masked_paths, "maskedPaths",
                  "linux.maskedPaths"));
  return add_paths (h, &l->readonly_paths, &h->p->readonly_paths, "readonlyPaths",
                    "linux.readonlyPaths");
}
