/* policy_harden: the transform `spec + policy + host facts -> hardened spec +
 * decisions`. Pure: it reads only its arguments and makes no syscalls, so it
 * is tested on many configs without root. This file has the entry point and
 * the controls that change the process and the namespaces (user namespace,
 * host namespaces, capabilities, no_new_privs, seccomp, LSM, read-only
 * rootfs, limits); the refusal checks on mounts, devices and sysctls are in
 * policy_refuse.c, the bulwark.* relaxation annotations in policy_relax.c. */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "idpool.h"
#include "policy_internal.h"

#define NONE "(none)"

/* ------------------------------------------------------------ namespaces */

static int
add_namespace (struct harden_ctx *h, enum spec_ns_type type)
{
  struct spec_linux *l = h->s->linux;
  struct spec_namespace *ns = realloc (l->namespaces, (l->n_namespaces + 1) * sizeof *ns);
  if (!ns)
    return bw_error_set (h->err, ENOMEM, "out of memory");
  l->namespaces = ns;
  l->namespaces[l->n_namespaces++] = (struct spec_namespace) { .type = type };
  l->namespaces_set = true;
  return 0;
}

static int
set_id_mapping (struct harden_ctx *h, struct spec_id_mappings *m, uint32_t start,
                uint32_t size)
{
  free (m->items);
  m->items = calloc (1, sizeof *m->items);
  if (!m->items)
    return bw_error_set (h->err, ENOMEM, "out of memory");
  m->items[0] = (struct spec_id_mapping) { 0, start, size };
  m->n = 1;
  m->set = true;
  return 0;
}

/* Host root mapped anywhere in the container gives the container the host's
 * root files; refused whatever else the mapping does. Host IDs inside the
 * ID-range pool belong to the containers the pool gave them to. */
static int
check_config_mappings (struct harden_ctx *h, const struct spec_id_mappings *m,
                       const char *name, uint32_t *root_host)
{
  const struct host_facts *f = h->facts;
  for (size_t i = 0; i < m->n; i++)
    {
      const struct spec_id_mapping *e = &m->items[i];
      char field[64], asked[96];
      snprintf (field, sizeof field, "linux.%s[%zu]", name, i);
      snprintf (asked, sizeof asked, "%" PRIu32 "-%" PRIu64 " -> host %" PRIu32,
                e->container_id, (uint64_t) e->container_id + e->size - 1, e->host_id);
      if (e->host_id == 0)
        TRY (decision_refuse (h, "userns", "userNamespace", field, asked,
                              "the config maps host root (ID 0) into the container"));
      else if (idpool_ranges_overlap (e->host_id, e->size, f->id_pool_start, f->id_pool_size))
        TRY (decision_refuse (h, "userns", "userNamespace", field, asked,
                              "host IDs %" PRIu32 "-%" PRIu64 " overlap the ID-range pool "
                              "(%" PRIu32 "-%" PRIu64 "), which gives them to other containers",
                              e->host_id, (uint64_t) e->host_id + e->size - 1,
                              f->id_pool_start,
                              (uint64_t) f->id_pool_start + f->id_pool_size - 1));
      if (e->container_id == 0)
        *root_host = e->host_id;
    }
  return 0;
}

static int
harden_userns (struct harden_ctx *h)
{
  const struct policy *p = h->p;
  struct spec_linux *l = h->s->linux;
  const struct spec_namespace *ns = spec_namespace_find (h->s, SPEC_NS_USER);
  char enforced[160];

  if (ns && ns->path)
    {
      if (harden_is_host_ns_path (ns->path))
        return decision_refuse (h, "userns", "userNamespace", "linux.namespaces", ns->path,
                                "the config joins the host's user namespace");
      return decision_add (h, "userns", DECISION_ENFORCED, "userNamespace", "linux.namespaces",
                           ns->path, ns->path, "joins an existing user namespace");
    }
  if (ns)
    {
      uint32_t uid_root = UINT32_MAX, gid_root = UINT32_MAX;
      TRY (check_config_mappings (h, &l->uid_mappings, "uidMappings", &uid_root));
      TRY (check_config_mappings (h, &l->gid_mappings, "gidMappings", &gid_root));
      if (uid_root == UINT32_MAX)
        snprintf (enforced, sizeof enforced, "the config's mappings (container root unmapped)");
      else
        snprintf (enforced, sizeof enforced,
                  "the config's mappings (container root is host uid %" PRIu32 ")", uid_root);
      return decision_add (h, "userns", DECISION_ENFORCED, "userNamespace",
                           "linux.uidMappings", "own user namespace", enforced,
                           "container root maps to an unprivileged host ID");
    }
  if (h->relax.userns_disable)
    return decision_add (h, "userns", DECISION_RELAXED, "relaxations.userns.disable",
                         "linux.namespaces", NONE, "no user namespace",
                         "annotation bulwark.userns.disable=true");
  if (!p->userns_add)
    return decision_add (h, "userns", DECISION_SKIPPED, "userNamespace.add",
                         "linux.namespaces", NONE, "no user namespace",
                         "the policy does not add user namespaces");

  /* The range comes from the ID-range pool (the caller allocates it under a
   * lock); the transform only writes it into the spec. */
  const struct host_facts *f = h->facts;
  if (p->mode == POLICY_AUDIT && f->id_range_size == 0)
    {
      /* Audit changes nothing, so the caller need not take a range. */
      snprintf (enforced, sizeof enforced,
                "new user namespace: %" PRIu32 " IDs from the pool", p->userns_size);
      TRY (decision_add (h, "userns", DECISION_ADDED, "userNamespace.add", "linux.namespaces",
                         NONE, enforced, "the config has no user namespace"));
      return 0;
    }
  if (f->id_range_size < p->userns_size)
    return bw_error_set (h->err, EINVAL,
                         "userNamespace: the host ID range given for the container has %" PRIu32
                         " IDs, the policy needs %" PRIu32 " (userNamespace.size)",
                         f->id_range_size, p->userns_size);
  if (f->id_range_start == 0)
    return bw_error_set (h->err, EINVAL,
                         "userNamespace: the host ID range given for the container starts at 0");
  TRY (add_namespace (h, SPEC_NS_USER));
  TRY (set_id_mapping (h, &l->uid_mappings, f->id_range_start, p->userns_size));
  TRY (set_id_mapping (h, &l->gid_mappings, f->id_range_start, p->userns_size));
  snprintf (enforced, sizeof enforced,
            "new user namespace: 0-%" PRIu32 " -> host %" PRIu32 "-%" PRIu64,
            p->userns_size - 1, f->id_range_start,
            (uint64_t) f->id_range_start + p->userns_size - 1);
  TRY (decision_add (h, "userns", DECISION_ADDED, "userNamespace.add", "linux.namespaces",
                     NONE, enforced, "the config has no user namespace"));

  if (f->idmapped_mounts)
    {
      h->d->plan.idmap_mounts = true;
      return decision_add (h, "userns", DECISION_ADDED, "userNamespace.idmapFallback",
                           "root.path", NONE, "rootfs idmapped, bind mounts too",
                           p->idmap_fallback == POLICY_REFUSE
                             ? "files keep their owners as seen inside the container; a bind "
                               "that can't be idmapped is refused"
                             : "files keep their owners as seen inside the container; a bind "
                               "that can't be idmapped is mounted as it is");
    }
  if (p->idmap_fallback == POLICY_REFUSE)
    return decision_refuse (h, "userns", "userNamespace.idmapFallback", "root.path", NONE,
                            "this host cannot idmap the container's mounts");
  return decision_add (h, "userns", DECISION_CLAMPED, "userNamespace.idmapFallback",
                       "root.path", NONE, "mounts not idmapped",
                       "this host cannot idmap mounts: host-owned files show as nobody");
}

/* pid, ipc, uts, mount and cgroup must be the container's own. The network
 * namespace may be the host's or a joined one (Docker, CNI). */
const enum spec_ns_type policy_private_ns[POLICY_N_PRIVATE_NS] = {
  SPEC_NS_PID, SPEC_NS_IPC, SPEC_NS_UTS, SPEC_NS_MOUNT, SPEC_NS_CGROUP,
};

static int
harden_namespaces (struct harden_ctx *h)
{
  const struct policy *p = h->p;
  bool all_private = true;

  for (size_t i = 0; i < POLICY_N_PRIVATE_NS; i++)
    {
      const char *name = spec_ns_type_names[policy_private_ns[i]];
      const struct spec_namespace *ns = spec_namespace_find (h->s, policy_private_ns[i]);
      if (ns && !harden_is_host_ns_path (ns->path))
        continue;
      all_private = false;
      if (harden_strv_has (&p->ns_allow_host, name))
        {
          TRY (decision_add (h, "namespaces", DECISION_RELAXED, "namespaces.allowHost",
                             "linux.namespaces", "host", "host",
                             "the policy lets containers share the host's %s namespace",
                             name));
          continue;
        }
      if (!ns && harden_strv_has (&p->ns_add_missing, name))
        {
          TRY (add_namespace (h, policy_private_ns[i]));
          TRY (decision_add (h, "namespaces", DECISION_ADDED, "namespaces.addMissing",
                             "linux.namespaces", "host", "new",
                             "the config shares the host's %s namespace", name));
          continue;
        }
      TRY (decision_refuse (h, "namespaces", "namespaces.allowHost", "linux.namespaces",
                            ns ? ns->path : "host", "the config shares the host's %s namespace",
                            name));
    }
  if (all_private)
    return decision_add (h, "namespaces", DECISION_ENFORCED, "namespaces.allowHost",
                         "linux.namespaces", "private", "private",
                         "pid, ipc, uts, mount and cgroup are the container's own");
  return 0;
}

/* ------------------------------------------------------------ process */

static int
clamp_cap_set (struct harden_ctx *h, struct spec_strv *set, const char *name, bool *changed)
{
  const struct policy *p = h->p;
  bool ambient = strcmp (name, "ambient") == 0;
  _cleanup_free_ char *asked = harden_strv_join (set);
  char field[64];
  snprintf (field, sizeof field, "process.capabilities.%s", name);
  if (!asked)
    return bw_error_set (h->err, ENOMEM, "out of memory");

  if (ambient && !p->caps_allow_ambient && set->n > 0)
    {
      while (set->n)
        harden_strv_remove (set, set->n - 1);
      *changed = true;
      return decision_add (h, "capabilities", DECISION_CLAMPED,
                           "capabilities.allowAmbient", field, asked, NONE,
                           "ambient capabilities are not allowed");
    }
  bool dropped = false, relaxed = false;
  for (size_t i = 0; i < set->n;)
    {
      if (harden_strv_has (&p->caps_allowed, set->v[i]))
        i++;
      else if (harden_strv_has (&h->relax.caps_add, set->v[i]))
        {
          relaxed = true;
          i++;
        }
      else
        {
          harden_strv_remove (set, i);
          dropped = true;
        }
    }
  if (!dropped && !relaxed)
    return 0;
  *changed = true;
  _cleanup_free_ char *kept = harden_strv_join (set);
  if (!kept)
    return bw_error_set (h->err, ENOMEM, "out of memory");
  if (dropped)
    TRY (decision_add (h, "capabilities", DECISION_CLAMPED, "capabilities.allowed", field,
                       asked, kept, "capabilities outside the allowed set are dropped"));
  if (relaxed)
    TRY (decision_add (h, "capabilities", DECISION_RELAXED, "relaxations.capabilities.add",
                       field, asked, kept, "annotation bulwark.capabilities.add"));
  return 0;
}

/* No capabilities object leaves the process every capability (runc and the
 * Linux stage change nothing then): give it the allowed set, and the
 * capabilities a relaxation added, in bounding, effective and permitted. */
static int
fill_missing_caps (struct harden_ctx *h, struct spec_process *proc, bool *changed)
{
  struct spec_capabilities *c = calloc (1, sizeof *c);
  if (!c)
    return bw_error_set (h->err, ENOMEM, "out of memory");
  proc->capabilities = c;
  const struct spec_strv *sources[] = { &h->p->caps_allowed, &h->relax.caps_add };
  for (size_t k = 0; k < 2; k++)
    for (size_t i = 0; i < sources[k]->n; i++)
      if (!harden_strv_has (&c->bounding, sources[k]->v[i]))
        {
          TRY (harden_strv_append (h, &c->bounding, sources[k]->v[i]));
          TRY (harden_strv_append (h, &c->effective, sources[k]->v[i]));
          TRY (harden_strv_append (h, &c->permitted, sources[k]->v[i]));
        }
  *changed = true;
  _cleanup_free_ char *kept = harden_strv_join (&c->bounding);
  if (!kept)
    return bw_error_set (h->err, ENOMEM, "out of memory");
  return decision_add (h, "capabilities", DECISION_CLAMPED, "capabilities.allowed",
                       "process.capabilities", "(none: every capability)", kept,
                       "capabilities outside the allowed set are dropped");
}

static int
harden_process (struct harden_ctx *h)
{
  struct spec_process *proc = h->s->process;
  if (!proc)
    return 0;
  bool changed = false;
  struct spec_capabilities *c = proc->capabilities;
  if (!c)
    TRY (fill_missing_caps (h, proc, &changed));
  else
    {
      TRY (clamp_cap_set (h, &c->bounding, "bounding", &changed));
      TRY (clamp_cap_set (h, &c->effective, "effective", &changed));
      TRY (clamp_cap_set (h, &c->inheritable, "inheritable", &changed));
      TRY (clamp_cap_set (h, &c->permitted, "permitted", &changed));
      TRY (clamp_cap_set (h, &c->ambient, "ambient", &changed));
    }
  if (!changed)
    TRY (decision_add (h, "capabilities", DECISION_ENFORCED, "capabilities.allowed",
                       "process.capabilities", "within the allowed set", "as asked",
                       "nothing outside the allowed set"));

  if (!h->p->no_new_privileges)
    return decision_add (h, "capabilities", DECISION_SKIPPED, "noNewPrivileges",
                         "process.noNewPrivileges", NULL, NULL,
                         "the policy does not force no_new_privs");
  opt_bool *nnp = &proc->no_new_privileges;
  const char *asked = !nnp->set ? NONE : nnp->value ? "true" : "false";
  enum decision_outcome o = !nnp->set ? DECISION_ADDED
                            : nnp->value ? DECISION_ENFORCED : DECISION_CLAMPED;
  *nnp = (opt_bool) { true, true };
  return decision_add (h, "capabilities", o, "noNewPrivileges", "process.noNewPrivileges",
                       asked, "true", "setuid binaries and file capabilities grant nothing");
}

static int
harden_seccomp (struct harden_ctx *h)
{
  const struct policy *p = h->p;
  struct hardening_plan *plan = &h->d->plan;
  bool has_own = h->s->linux->seccomp != NULL;

  if (h->relax.seccomp_unconfined)
    return decision_add (h, "seccomp", DECISION_RELAXED, "relaxations.seccomp.unconfined",
                         "linux.seccomp", has_own ? "own filter" : NONE,
                         has_own ? "own filter, no floor" : "unconfined",
                         "annotation bulwark.seccomp.unconfined=true");
  if (!has_own)
    {
      if (!(plan->seccomp_profile = strdup (p->seccomp_default_profile)))
        return bw_error_set (h->err, ENOMEM, "out of memory");
      TRY (decision_add (h, "seccomp", DECISION_ADDED, "seccomp.defaultProfile",
                         "linux.seccomp", NONE, p->seccomp_default_profile,
                         "the config has no seccomp filter"));
    }
  else
    TRY (decision_add (h, "seccomp", DECISION_ENFORCED, "seccomp.defaultProfile",
                       "linux.seccomp", "own filter", "own filter",
                       "the config's filter is kept"));
  plan->seccomp_floor = p->seccomp_floor;
  if (!p->seccomp_floor)
    return decision_add (h, "seccomp", DECISION_SKIPPED, "seccomp.floor", "linux.seccomp",
                         NULL, NULL, "the policy installs no floor filter");
  return decision_add (h, "seccomp", DECISION_ADDED, "seccomp.floor", "linux.seccomp", NULL,
                       "floor filter", "stacked on any filter: the always-dangerous syscalls fail");
}

static int
set_string (struct harden_ctx *h, char **field, const char *value)
{
  char *copy = strdup (value);
  if (!copy)
    return bw_error_set (h->err, ENOMEM, "out of memory");
  free (*field);
  *field = copy;
  return 0;
}

static int
harden_lsm (struct harden_ctx *h)
{
  const struct policy *p = h->p;
  const struct host_facts *f = h->facts;
  struct spec_process *proc = h->s->process;

  if (f->apparmor && proc)
    {
      const char *asked = proc->apparmor_profile;
      if (!asked)
        {
          TRY (set_string (h, &proc->apparmor_profile, p->apparmor_profile));
          return decision_add (h, "lsm", DECISION_ADDED, "lsm.apparmorProfile",
                               "process.apparmorProfile", NONE, p->apparmor_profile,
                               "AppArmor is active");
        }
      bool allowed = strcmp (asked, p->apparmor_profile) == 0;
      for (size_t i = 0; i < p->apparmor_allowed.n && !allowed; i++)
        allowed = fnmatch (p->apparmor_allowed.v[i], asked, 0) == 0;
      if (!allowed)
        return decision_refuse (h, "lsm", "lsm.allowedApparmorProfiles",
                                "process.apparmorProfile", asked,
                                "AppArmor profile \"%s\" is not allowed", asked);
      return decision_add (h, "lsm", DECISION_ENFORCED, "lsm.allowedApparmorProfiles",
                           "process.apparmorProfile", asked, asked, "an allowed profile");
    }
  if (f->selinux && proc)
    {
      if (proc->selinux_label)
        return decision_add (h, "lsm", DECISION_ENFORCED, "lsm.selinuxLabel",
                             "process.selinuxLabel", proc->selinux_label,
                             proc->selinux_label, "the config's label is kept");
      if (!p->selinux_label)
        return decision_add (h, "lsm", DECISION_SKIPPED, "lsm.selinuxLabel",
                             "process.selinuxLabel", NONE, NONE,
                             "the policy names no SELinux label");
      TRY (set_string (h, &proc->selinux_label, p->selinux_label));
      return decision_add (h, "lsm", DECISION_ADDED, "lsm.selinuxLabel",
                           "process.selinuxLabel", NONE, p->selinux_label,
                           "SELinux is enabled");
    }
  /* The init restricts itself after giving up its capabilities, and the
   * kernel then accepts a Landlock domain only with no_new_privs
   * (linux/landlock.c). When the policy leaves no_new_privs to the config
   * and the config turns it off, Landlock is off for this container. */
  if (p->landlock && f->landlock && proc && !p->no_new_privileges
      && !proc->no_new_privileges.value)
    return decision_add (h, "lsm", DECISION_RELAXED, "lsm.landlock",
                         "process.noNewPrivileges",
                         proc->no_new_privileges.set ? "false" : NONE, NONE,
                         "Landlock needs no_new_privs; the config %s it off and the policy "
                         "allows that (noNewPrivileges: false)",
                         proc->no_new_privileges.set ? "turns" : "leaves");
  if (p->landlock && f->landlock)
    {
      char enforced[64];
      h->d->plan.landlock = true;
      h->d->plan.landlock_abi = f->landlock_abi;
      snprintf (enforced, sizeof enforced, "Landlock ruleset (ABI %d)", f->landlock_abi);
      return decision_add (h, "lsm", DECISION_ADDED, "lsm.landlock", "mounts", NONE, enforced,
                           "neither AppArmor nor SELinux is active: writes only to "
                           "writable mounts");
    }
  return decision_add (h, "lsm", DECISION_SKIPPED, "lsm.landlock", NULL, NULL, NONE,
                       p->landlock ? "no LSM is active on this host"
                                   : "the policy turns Landlock off");
}

/* ------------------------------------------------------------ rootfs */

static bool
has_mount_at (const struct spec *s, const char *path)
{
  char want[4096], got[4096];
  if (!harden_normalize_path (path, want, sizeof want))
    return false;
  for (size_t i = 0; i < s->n_mounts; i++)
    if (s->mounts[i].destination
        && harden_normalize_path (s->mounts[i].destination, got, sizeof got)
        && strcmp (got, want) == 0)
      return true;
  return false;
}

/* Mounts apply in order: the tmpfs goes before the first config mount
 * below it (podman's /run/.containerenv), else it would hide that mount. */
static size_t
tmpfs_position (const struct spec *s, const char *path)
{
  char dest[4096];
  for (size_t i = 0; i < s->n_mounts; i++)
    if (s->mounts[i].destination
        && harden_normalize_path (s->mounts[i].destination, dest, sizeof dest)
        && harden_path_within (dest, path))
      return i;
  return s->n_mounts;
}

static int
add_tmpfs (struct harden_ctx *h, const char *path)
{
  struct spec *s = h->s;
  struct spec_mount *m = realloc (s->mounts, (s->n_mounts + 1) * sizeof *m);
  if (!m)
    return bw_error_set (h->err, ENOMEM, "out of memory");
  s->mounts = m;
  size_t at = tmpfs_position (s, path);
  memmove (&s->mounts[at + 1], &s->mounts[at], (s->n_mounts - at) * sizeof *m);
  s->n_mounts++;
  m = &s->mounts[at];
  *m = (struct spec_mount) { 0 };
  s->mounts_set = true;
  char mode[16], size[48];
  size_t len = strlen (path);
  /* Sticky and world-writable where the FHS expects it (the *tmp dirs). */
  snprintf (mode, sizeof mode, "mode=%s",
            len >= 3 && strcmp (path + len - 3, "tmp") == 0 ? "1777" : "755");
  snprintf (size, sizeof size, "size=%" PRIu64, h->p->rootfs_tmpfs_size);
  if (!(m->destination = strdup (path)) || !(m->type = strdup ("tmpfs"))
      || !(m->source = strdup ("tmpfs")))
    return bw_error_set (h->err, ENOMEM, "out of memory");
  /* tmpcopyup: what the image has there (say /run/nginx) is kept. */
  const char *opts[] = { "nosuid", "nodev", mode, size, "tmpcopyup" };
  m->options.v = calloc (1, sizeof (char *));
  if (!m->options.v)
    return bw_error_set (h->err, ENOMEM, "out of memory");
  for (size_t i = 0; i < ARRAY_LEN (opts); i++)
    TRY (harden_strv_append (h, &m->options, opts[i]));
  return 0;
}

static int
harden_rootfs (struct harden_ctx *h)
{
  const struct policy *p = h->p;
  struct spec_root *root = h->s->root;
  if (!root)
    return 0;
  const char *asked = root->readonly.set && root->readonly.value ? "read-only" : "writable";
  if (h->relax.rootfs_writable)
    return decision_add (h, "rootfs", DECISION_RELAXED, "relaxations.rootfs.writable",
                         "root.readonly", asked, asked,
                         "annotation bulwark.rootfs.writable=true");
  if (!p->rootfs_readonly)
    return decision_add (h, "rootfs", DECISION_SKIPPED, "rootfs.readonly", "root.readonly",
                         asked, asked, "the policy leaves the rootfs as the config says");
  bool was_ro = root->readonly.set && root->readonly.value;
  root->readonly = (opt_bool) { true, true };
  TRY (decision_add (h, "rootfs", was_ro ? DECISION_ENFORCED : DECISION_CLAMPED,
                     "rootfs.readonly", "root.readonly", asked, "read-only",
                     "the workload writes only to its mounts"));
  for (size_t i = 0; i < p->rootfs_tmpfs.n; i++)
    {
      const char *path = p->rootfs_tmpfs.v[i];
      if (has_mount_at (h->s, path))
        {
          TRY (decision_add (h, "rootfs", DECISION_ENFORCED, "rootfs.tmpfs", "mounts",
                             path, "the config's mount", "the config mounts %s itself",
                             path));
          continue;
        }
      TRY (add_tmpfs (h, path));
      char enforced[96];
      snprintf (enforced, sizeof enforced, "tmpfs %s (nosuid,nodev,size=%" PRIu64 ")", path,
                p->rootfs_tmpfs_size);
      TRY (decision_add (h, "rootfs", DECISION_ADDED, "rootfs.tmpfs", "mounts", NONE,
                         enforced, "a writable scratch directory on a read-only rootfs"));
    }
  return 0;
}

/* ------------------------------------------------------------ limits */

/* Apply the default when the config has no limit (absent, or <= 0 which
 * means "unlimited"), clamp above the ceiling: the policy's max, or the
 * bulwark.*.max annotation's value when one was allowed. `unit` is shown
 * after the numbers in the decision ("m" for millicpus). */
static int
apply_limit (struct harden_ctx *h, const char *name, const char *field, const char *unit,
             const struct policy_limit *l, int64_t relaxed_max, int64_t asked, bool has,
             int64_t *value)
{
  char rule_default[64], rule_max[64], a[32], e[32];
  int64_t ceiling = relaxed_max ? relaxed_max : l->max;
  snprintf (rule_default, sizeof rule_default, "limits.%s.default", name);
  snprintf (rule_max, sizeof rule_max, "limits.%s.max", name);
  if (relaxed_max)
    snprintf (rule_max, sizeof rule_max, "relaxations.%s.max", name);
  if (has && asked > 0)
    snprintf (a, sizeof a, "%" PRId64 "%s", asked, unit);
  else
    snprintf (a, sizeof a, "%s", has ? "unlimited" : NONE);

  if (!has || asked <= 0)
    {
      if (!l->default_value)
        return decision_add (h, "limits", DECISION_SKIPPED, rule_default, field, a, a,
                             "the policy sets no default");
      bool raised = relaxed_max > l->default_value;
      *value = raised ? relaxed_max : l->default_value;
      snprintf (e, sizeof e, "%" PRId64 "%s", *value, unit);
      return decision_add (h, "limits", raised ? DECISION_RELAXED : DECISION_ADDED,
                           raised ? rule_max : rule_default, field, a, e,
                           "the config sets no %s limit", name);
    }
  if (ceiling && asked > ceiling)
    {
      *value = ceiling;
      snprintf (e, sizeof e, "%" PRId64 "%s", ceiling, unit);
      return decision_add (h, "limits", DECISION_CLAMPED, rule_max, field, a, e,
                           "above the maximum");
    }
  *value = asked;
  return decision_add (h, "limits", relaxed_max && asked > l->max && l->max ? DECISION_RELAXED
                                                                            : DECISION_ENFORCED,
                       rule_max, field, a, a, "within the maximum");
}

/* CPU limits are compared in millicpus: quota * 1000 / period, rounded up
 * so that a tiny quota never reads as "no limit", and back. 128-bit
 * arithmetic: quota and period are any 64-bit values in a config. */
static int64_t
cpu_millis (int64_t quota, uint64_t period)
{
  __int128 m = ((__int128) quota * 1000 + period - 1) / period;
  return m > INT64_MAX ? INT64_MAX : (int64_t) m;
}

static int64_t
cpu_quota (int64_t millis, uint64_t period)
{
  __int128 quota = (__int128) millis * period / 1000;
  return quota > INT64_MAX ? INT64_MAX : (int64_t) quota;
}

/* cpu.max as the kernel reads it: "max" or a quota, then optionally a
 * period, in microseconds. *quota 0: no limit. */
static bool
parse_cpu_max (const char *value, int64_t *quota, uint64_t *period)
{
  char head[32];
  const char *space = strchrnul (value, ' ');
  int64_t per = 0;
  if ((size_t) (space - value) >= sizeof head)
    return false;
  snprintf (head, sizeof head, "%.*s", (int) (space - value), value);
  if (*space)
    {
      if (!harden_parse_count (space + 1, &per))
        return false;
      *period = (uint64_t) per;
    }
  *quota = 0;
  return strcmp (head, "max") == 0 || harden_parse_count (head, quota);
}

/* linux.resources.unified is written after the structured fields
 * (linux/cgroup_v2.c): its memory.max, pids.max and cpu.max would replace
 * the limits set above. Each is held to the same default and ceiling
 * ("max" is no limit) and rewritten when that changes it. `period`: the
 * config's CPU period, for a cpu.max that names none. */
static int
harden_unified_limit (struct harden_ctx *h, struct spec_kv *kv, uint64_t period)
{
  const struct policy *p = h->p;
  bool memory = strcmp (kv->key, "memory.max") == 0, cpu = strcmp (kv->key, "cpu.max") == 0;
  if (!memory && !cpu && strcmp (kv->key, "pids.max") != 0)
    return 0;
  const char *name = memory ? "memory" : cpu ? "cpu" : "pids";
  const struct policy_limit *l = memory ? &p->memory : cpu ? &p->cpu : &p->pids;
  int64_t relaxed = memory ? h->relax.memory_max : cpu ? h->relax.cpu_max : h->relax.pids_max;
  char field[64], rule[32], value[64];
  snprintf (field, sizeof field, "linux.resources.unified[\"%s\"]", kv->key);
  snprintf (rule, sizeof rule, "limits.%s.max", name);

  int64_t asked = 0, v = 0;
  bool ok = cpu ? parse_cpu_max (kv->value, &asked, &period)
            : strcmp (kv->value, "max") == 0 ? true
            : memory ? harden_parse_size (kv->value, &asked)
                     : harden_parse_count (kv->value, &asked);
  if (!ok)
    return decision_refuse (h, "limits", rule, field, kv->value,
                            "the policy cannot check this value (expected %s)",
                            memory ? "\"max\" or a size in bytes"
                            : cpu  ? "\"max\" or a quota, then a period, in microseconds"
                                   : "\"max\" or a positive integer");
  if (cpu && asked > 0)
    asked = cpu_millis (asked, period);
  TRY (apply_limit (h, name, field, cpu ? "m" : "", l, relaxed, asked, true, &v));
  if (v <= 0 || v == asked)
    return 0;
  if (cpu)
    snprintf (value, sizeof value, "%" PRId64 " %" PRIu64, cpu_quota (v, period), period);
  else
    snprintf (value, sizeof value, "%" PRId64, v);
  char *copy = strdup (value);
  if (!copy)
    return bw_error_set (h->err, ENOMEM, "out of memory");
  free (kv->value);
  kv->value = copy;
  return 0;
}

static int
harden_limits (struct harden_ctx *h)
{
  const struct policy *p = h->p;
  struct spec_linux *l = h->s->linux;
  if (!l->resources && !(l->resources = calloc (1, sizeof *l->resources)))
    return bw_error_set (h->err, ENOMEM, "out of memory");
  struct spec_resources *r = l->resources;
  if ((!r->memory && !(r->memory = calloc (1, sizeof *r->memory)))
      || (!r->cpu && !(r->cpu = calloc (1, sizeof *r->cpu)))
      || (!r->pids && !(r->pids = calloc (1, sizeof *r->pids))))
    return bw_error_set (h->err, ENOMEM, "out of memory");

  opt_i64 *mem = &r->memory->limit;
  int64_t v = 0;
  TRY (apply_limit (h, "memory", "linux.resources.memory.limit", "", &p->memory,
                    h->relax.memory_max, mem->value, mem->set, &v));
  if (v > 0)
    *mem = (opt_i64) { true, v };

  struct spec_cpu *cpu = r->cpu;
  uint64_t period = cpu->period.set && cpu->period.value ? cpu->period.value : 100000;
  bool has_quota = cpu->quota.set && cpu->quota.value > 0;
  int64_t asked = has_quota ? cpu_millis (cpu->quota.value, period) : cpu->quota.value;
  v = 0;
  TRY (apply_limit (h, "cpu", "linux.resources.cpu.quota", "m", &p->cpu, h->relax.cpu_max,
                    asked, cpu->quota.set, &v));
  if (v > 0 && v != asked)
    {
      cpu->quota = (opt_i64) { true, cpu_quota (v, period) };
      cpu->period = (opt_u64) { true, period };
    }

  opt_i64 *pids = &r->pids->limit;
  v = 0;
  TRY (apply_limit (h, "pids", "linux.resources.pids.limit", "", &p->pids, h->relax.pids_max,
                    pids->value, pids->set, &v));
  if (v > 0)
    *pids = (opt_i64) { true, v };

  for (size_t i = 0; i < r->unified.n; i++)
    TRY (harden_unified_limit (h, &r->unified.items[i], period));
  return 0;
}

/* ------------------------------------------------------------ entry */

/* A deep copy through the serializer: the model has no copy function, and
 * this keeps the copy exactly what a config.json round trip gives. */
static int
spec_copy (const struct spec *in, struct spec **out, struct bw_error *err)
{
  _cleanup_free_ char *json = NULL;
  int r = spec_to_json (in, false, &json, err);
  if (r < 0)
    return r;
  return spec_parse_config (json, strlen (json), out, err);
}

int
policy_limit_resources (const struct policy *p, struct spec *config, struct decisions **d,
                        struct bw_error *err)
{
  _cleanup_spec_ struct spec *audit_copy = NULL;
  *d = calloc (1, sizeof **d);
  if (!*d)
    return bw_error_set (err, ENOMEM, "out of memory");
  (*d)->mode = p->mode;
  if (!config->linux)
    return bw_error_set (err, EINVAL, "linux: missing; the policy needs the linux object");
  if (p->mode == POLICY_AUDIT)
    {
      /* Decide and report on a copy: audit changes nothing. */
      TRY (spec_copy (config, &audit_copy, err));
      config = audit_copy;
    }
  struct harden_ctx h = { .p = p, .s = config, .d = *d, .err = err };
  int r = harden_read_relaxations (&h, config);
  if (r >= 0)
    r = harden_limits (&h);
  bw_strvfree (h.relax.caps_add.v);
  return r < 0 ? r : 0;
}

int
policy_harden (const struct policy *p, const struct host_facts *facts, const struct spec *in,
               struct spec **out, struct decisions **d, struct bw_error *err)
{
  _cleanup_spec_ struct spec *work = NULL;
  struct harden_ctx h = { .p = p, .facts = facts, .err = err };
  int r;

  *out = NULL;
  *d = calloc (1, sizeof **d);
  if (!*d)
    return bw_error_set (err, ENOMEM, "out of memory");
  (*d)->mode = p->mode;
  h.d = *d;
  if (!in->linux)
    return bw_error_set (err, EINVAL, "linux: missing; the policy needs the linux object");
  TRY (spec_copy (in, &work, err));
  h.s = work;

  r = harden_read_relaxations (&h, in);
  if (r >= 0)
    r = harden_userns (&h);
  if (r >= 0)
    r = harden_namespaces (&h);
  if (r >= 0)
    r = harden_process (&h);
  if (r >= 0)
    r = harden_seccomp (&h);
  if (r >= 0)
    r = harden_lsm (&h);
  /* Mount checks run on the config's own mounts, before the tmpfs mounts
   * the rootfs control adds. */
  if (r >= 0)
    r = harden_mounts (&h);
  if (r >= 0)
    r = harden_rootfs (&h);
  if (r >= 0)
    r = harden_limits (&h);
  if (r >= 0)
    r = harden_devices (&h);
  if (r >= 0)
    r = harden_sysctl (&h);
  if (r >= 0)
    r = harden_masked_paths (&h);
  bw_strvfree (h.relax.caps_add.v);
  if (r < 0)
    return r;

  if (p->mode == POLICY_AUDIT)
    {
      /* Decide and report, change nothing; the plan is not applied either. */
      free ((*d)->plan.seccomp_profile);
      (*d)->plan = (struct hardening_plan) { 0 };
      return spec_copy (in, out, err);
    }
  *out = bw_steal_ptr (work);
  return 0;
}

int
policy_limit_process (const struct policy *p, const struct host_facts *facts,
                      const struct spec *config, struct spec_process *process,
                      struct decisions **d, struct bw_error *err)
{
  struct spec_process *audit_copy = NULL;
  *d = calloc (1, sizeof **d);
  if (!*d)
    return bw_error_set (err, ENOMEM, "out of memory");
  (*d)->mode = p->mode;
  if (p->mode == POLICY_AUDIT)
    {
      /* Decide and report on a copy: audit changes nothing. */
      _cleanup_free_ char *json = NULL;
      TRY (spec_process_to_json (process, false, &json, err));
      TRY (spec_parse_process (json, strlen (json), &audit_copy, err));
      process = audit_copy;
    }
  /* Landlock is the container's, planned at create: only the process's own
   * controls (capabilities, no_new_privs, the LSM label) are decided here. */
  struct host_facts f = *facts;
  f.landlock = false;
  struct spec work = { .process = process };
  struct harden_ctx h = { .p = p, .facts = &f, .s = &work, .d = *d, .err = err };
  int r = harden_read_relaxations (&h, config);
  if (r >= 0)
    r = harden_process (&h);
  if (r >= 0)
    r = harden_lsm (&h);
  bw_strvfree (h.relax.caps_add.v);
  spec_process_free (audit_copy);
  return r < 0 ? r : 0;
}
