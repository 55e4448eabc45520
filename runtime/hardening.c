/* hardening: one container's trip through the policy engine at create,
 * and the posture report. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "cleanup.h"
#include "hardening.h"
#include "hostfacts.h"
#include "idpool.h"
#include "json.h"
#include "linux_apparmor_load.h"
#include "linux_landlock.h"
#include "linux_mount.h"
#include "linux_ns.h"
#include "linux_rootfs.h"
#include "linux_seccomp_floor.h"
#include "policy.h"

/* The profile bulwark ships (profiles/apparmor/), loaded on first use. */
#define SHIPPED_APPARMOR_PROFILE "bulwark-default"

/* In the container's state dir: the ID-range pool its range came from (one
 * absolute path and a newline), written before the range is taken. delete
 * releases from there, so a policy changed in between neither leaks the
 * range nor releases from another pool. */
#define IDPOOL_FILE "idpool"

struct hardening
{
  struct policy *policy;
  struct host_facts facts;
  struct decisions *decisions;
  const char *state_root;
  char *state_dir;              /* absolute; set once a range is asked for */
  bool holds_range;             /* an ID range was taken for this container */
};

void
hardening_free (struct hardening *hd)
{
  if (!hd)
    return;
  policy_free (hd->policy);
  decisions_free (hd->decisions);
  free (hd->state_dir);
  free (hd);
}

int
hardening_begin (struct cli_ctx *ctx, const char *abs_bundle, struct hardening **out,
                 struct bw_error *err)
{
  struct hardening *hd = calloc (1, sizeof *hd);
  if (!hd)
    return bw_error_set (err, ENOMEM, "out of memory");
  int ret = host_policy_load (ctx, &hd->policy, err);
  if (ret < 0)
    {
      hardening_free (hd);
      return ret;
    }
  hd->state_root = ctx->global.root;
  host_facts_gather (&hd->facts, ctx->global.root, abs_bundle);
  *out = hd;
  return 0;
}

/* The container's state dir (absolute, as the pool records its owners)
 * into *dir_out, and the pool it takes its range from written into it. */
static int
record_pool_dir (const char *state_root, const char *id, const char *pool_dir, char **dir_out,
                 struct bw_error *err)
{
  struct state_store st = STATE_STORE_INIT;
  struct state_handle h = STATE_HANDLE_INIT;
  _cleanup_free_ char *text = NULL;
  int ret = state_store_open (state_root, false, &st, err);
  if (ret == 0)
    ret = state_container_open_unlocked (&st, id, &h, err);
  if (ret == 0 && asprintf (&text, "%s\n", pool_dir) < 0)
    ret = bw_error_set (err, ENOMEM, "out of memory");
  if (ret == 0)
    ret = state_write_file (&h, IDPOOL_FILE, text, strlen (text), err);
  if (ret == 0 && !(*dir_out = strdup (h.dir)))
    ret = bw_error_set (err, ENOMEM, "out of memory");
  state_handle_close (&h);
  state_store_close (&st);
  return ret;
}

static bool
has_user_namespace (const struct spec *spec)
{
  return spec_namespace_find (spec, SPEC_NS_USER) != NULL;
}

/* The init turns Landlock on through the annotation it already honours. */
static int
set_annotation (struct spec_map *m, const char *key, const char *value)
{
  for (size_t i = 0; i < m->n; i++)
    if (strcmp (m->items[i].key, key) == 0)
      {
        char *v = strdup (value);
        if (!v)
          return -ENOMEM;
        free (m->items[i].value);
        m->items[i].value = v;
        return 0;
      }
  void *items = realloc (m->items, (m->n + 1) * sizeof *m->items);
  if (!items)
    return -ENOMEM;
  m->items = items;
  m->items[m->n].key = strdup (key);
  m->items[m->n].value = strdup (value);
  if (!m->items[m->n].key || !m->items[m->n].value)
    {
      free (m->items[m->n].key);
      free (m->items[m->n].value);
      return -ENOMEM;
    }
  m->n++;
  m->set = true;
  return 0;
}

/* The transform checks namespace paths and bind sources by their text; the
 * Linux stage checks what they turn out to be, on the fd (enforce mode):
 * which namespaces may not be the host's, and the bind-source deny list. */
static int
set_fd_check_annotations (const struct hardening *hd, struct spec *hardened,
                          struct bw_error *err)
{
  /* What harden_namespaces keeps the container's own (network and time
   * may be the host's), and the user namespace, which never is. */
  const struct policy *p = hd->policy;
  char types[64] = "user";
  for (size_t i = 0; i < POLICY_N_PRIVATE_NS; i++)
    {
      const char *name = spec_ns_type_names[policy_private_ns[i]];
      bool allowed = false;
      for (size_t k = 0; k < p->ns_allow_host.n && !allowed; k++)
        allowed = strcmp (p->ns_allow_host.v[k], name) == 0;
      if (!allowed)
        snprintf (types + strlen (types), sizeof types - strlen (types), "%s%s",
                  types[0] ? "," : "", name);
    }
  int ret = set_annotation (&hardened->annotations, NS_REFUSE_HOST_ANNOTATION, types);
  if (ret < 0)
    return bw_error_set (err, -ret, "annotations: out of memory");
  /* The same list as policy_refuse.c's check_bind_source. */
  _cleanup_strv_ char **deny = calloc (p->mounts_deny.n + 2, sizeof *deny);
  size_t n = 0;
  if (!deny)
    return bw_error_set (err, ENOMEM, "out of memory");
  for (size_t k = 0; k < p->mounts_deny.n; k++)
    if (!(deny[n++] = strdup (p->mounts_deny.v[k])))
      return bw_error_set (err, ENOMEM, "out of memory");
  if (hd->facts.state_root && !(deny[n++] = strdup (hd->facts.state_root)))
    return bw_error_set (err, ENOMEM, "out of memory");
  _cleanup_free_ char *json = NULL;
  ret = spec_strv_to_json (deny, n, &json, err);
  if (ret < 0)
    return bw_error_prefix (err, "mounts.deny");
  ret = set_annotation (&hardened->annotations, MOUNTS_DENY_ANNOTATION, json);
  if (ret < 0)
    return bw_error_set (err, -ret, "annotations: out of memory");
  return 0;
}

int
hardening_apply (struct hardening *hd, const char *id, const struct spec *in,
                 struct spec **out, struct bw_error *err)
{
  const struct policy *p = hd->policy;
  int ret;
  /* Audit mode changes nothing, so it takes no range; enforce takes one
   * only when the transform will add a user namespace (a config with its
   * own keeps its mappings). A range taken for a container that then
   * relaxes the user namespace away is held until delete, unused. */
  if (p->mode == POLICY_ENFORCE && p->userns_add && !has_user_namespace (in))
    {
      struct idpool_params params;
      uint32_t start = 0;
      ret = host_idpool_params (p, &params, err);
      if (ret == 0 && !hd->state_dir)
        ret = record_pool_dir (hd->state_root, id, p->userns_pool, &hd->state_dir, err);
      if (ret == 0)
        ret = idpool_allocate (p->userns_pool, &params, hd->state_dir, &start, err);
      if (ret < 0)
        return bw_error_prefix (err, "userNamespace.pool: ID-range pool");
      hd->holds_range = true;
      hd->facts.id_range_start = start;
      hd->facts.id_range_size = params.range_size;
      /* Whether the root's filesystem takes an idmapped mount decides
       * between keeping the files' owners and the policy's fallback. */
      hd->facts.idmapped_mounts = host_can_idmap_root (in, hd->facts.bundle);
    }
  _cleanup_spec_ struct spec *hardened = NULL;
  ret = policy_harden (p, &hd->facts, in, &hardened, &hd->decisions, err);
  if (ret < 0)
    return ret;
  const struct hardening_plan *plan = &hd->decisions->plan;
  if (p->mode == POLICY_ENFORCE && plan->seccomp_profile)
    {
      ret = host_load_seccomp_profile (hardened, plan->seccomp_profile, err);
      if (ret < 0)
        return ret;
    }
  /* The shipped AppArmor profile is loaded once, the first time a
   * container needs it: apparmor_parser is off the start path after that. */
  if (p->mode == POLICY_ENFORCE && hd->facts.apparmor && hardened->process
      && hardened->process->apparmor_profile
      && strcmp (hardened->process->apparmor_profile, SHIPPED_APPARMOR_PROFILE) == 0)
    {
      ret = apparmor_ensure_loaded (SHIPPED_APPARMOR_PROFILE,
                                    BULWARK_DATADIR "/apparmor/" SHIPPED_APPARMOR_PROFILE, err);
      if (ret < 0)
        return bw_error_prefix (err, "process.apparmorProfile");
    }
  if (p->mode == POLICY_ENFORCE && plan->idmap_mounts)
    {
      ret = set_annotation (&hardened->annotations, ROOTFS_IDMAP_ANNOTATION, "true");
      /* The binds are idmapped like the root; the policy's fallback
       * decides for a filesystem that can't be. */
      if (ret == 0)
        ret = set_annotation (&hardened->annotations, MOUNTS_IDMAP_ANNOTATION,
                              p->idmap_fallback == POLICY_REFUSE ? "required" : "best-effort");
      if (ret < 0)
        return bw_error_set (err, -ret, "annotations: out of memory");
    }
  if (hardening_wants_floor (hd))
    {
      ret = set_annotation (&hardened->annotations, SECCOMP_FLOOR_ANNOTATION, "true");
      if (ret < 0)
        return bw_error_set (err, -ret, "annotations: out of memory");
    }
  if (hardening_wants_landlock (hd))
    {
      ret = set_annotation (&hardened->annotations, LANDLOCK_ANNOTATION, "enforce");
      if (ret < 0)
        return bw_error_set (err, -ret, "annotations: out of memory");
    }
  if (p->mode == POLICY_ENFORCE)
    {
      ret = set_fd_check_annotations (hd, hardened, err);
      if (ret < 0)
        return ret;
    }
  *out = bw_steal_ptr (hardened);
  return 0;
}

int
hardening_record (struct hardening *hd, struct cli_ctx *ctx, struct state_handle *h,
                  struct bw_error *err)
{
  _cleanup_free_ char *pretty = NULL, *line = NULL;
  int ret = policy_report_json (hd->decisions, true, &pretty, err);
  if (ret == 0)
    ret = policy_report_json (hd->decisions, false, &line, err);
  if (ret == 0)
    ret = state_write_file (h, POSTURE_FILE, pretty, strlen (pretty), err);
  if (ret < 0)
    return ret;
  /* One line per container for whoever reads the --log file (containerd,
   * conmon), and the same line in the policy's audit log. Ids are plain
   * [A-Za-z0-9_.+-], safe inside a JSON string. */
  _cleanup_free_ char *tagged = NULL;
  char ts[64];
  log_timestamp (ts, sizeof ts);
  if (asprintf (&tagged, "{\"msg\":\"posture\",\"time\":\"%s\",\"id\":\"%s\",\"posture\":%s}\n",
                ts, h->id, line) < 0)
    return bw_error_set (err, ENOMEM, "out of memory");
  size_t len = strlen (tagged);
  const char *audit = hd->policy->audit_log;
  if (audit && *audit)
    {
      _cleanup_close_ int fd = open (audit, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
      /* One write: concurrent creates append whole lines. */
      if (fd < 0 || write (fd, tagged, len) != (ssize_t) len)
        return bw_error_syscall (err, "auditLog: append to %s", audit);
    }
  tagged[len - 1] = '\0';
  log_json_line (&ctx->log, tagged);
  return 0;
}

int
hardening_limit_update (struct cli_ctx *ctx, const char *id, struct spec *config,
                        struct bw_error *err)
{
  struct policy *p = NULL;
  struct decisions *d = NULL;
  int ret = host_policy_load (ctx, &p, err);
  if (ret == 0)
    ret = policy_limit_resources (p, config, &d, err);
  for (size_t i = 0; ret == 0 && i < d->n; i++)
    {
      const struct decision *x = &d->items[i];
      if (x->outcome == DECISION_CLAMPED || x->outcome == DECISION_ADDED)
        log_msg (&ctx->log, LOG_LEVEL_WARNING, "update %s: %s: asked %s, %s %s (%s)", id,
                 x->field, x->asked, d->mode == POLICY_AUDIT ? "audit: would set" : "set",
                 x->enforced, x->rule);
    }
  decisions_free (d);
  policy_free (p);
  return ret;
}

int
hardening_limit_exec (struct cli_ctx *ctx, const char *id, const struct spec *config,
                      struct spec_process *process, struct bw_error *err)
{
  struct policy *p = NULL;
  struct decisions *d = NULL;
  struct host_facts facts;
  host_facts_gather (&facts, ctx->global.root, NULL);
  int ret = host_policy_load (ctx, &p, err);
  if (ret == 0)
    ret = policy_limit_process (p, &facts, config, process, &d, err);
  /* To the --log file only, as create's decisions: clients pass their own
   * default set with every exec (Docker's has NET_RAW, MKNOD), and their
   * users see the runtime's stderr mixed into the process's output. */
  const enum log_level level = LOG_LEVEL_INFO;
  for (size_t i = 0; ret == 0 && i < d->n; i++)
    {
      const struct decision *x = &d->items[i];
      if (x->outcome == DECISION_CLAMPED || x->outcome == DECISION_ADDED)
        log_msg (&ctx->log, level, "exec %s: %s: asked %s, %s %s (%s)", id, x->field, x->asked,
                 d->mode == POLICY_AUDIT ? "audit: would set" : "set", x->enforced, x->rule);
      else if (x->outcome == DECISION_REFUSED)
        log_msg (&ctx->log, level, "exec %s: %s: %s; audit: the policy would refuse it (%s)",
                 id, x->field, x->why, x->rule);
    }
  /* The shipped profile, given to a process that named none, may not be
   * loaded yet when the container runs under another allowed one. */
  if (ret == 0 && p->mode == POLICY_ENFORCE && facts.apparmor && process->apparmor_profile
      && strcmp (process->apparmor_profile, SHIPPED_APPARMOR_PROFILE) == 0)
    {
      ret = apparmor_ensure_loaded (SHIPPED_APPARMOR_PROFILE,
                                    BULWARK_DATADIR "/apparmor/" SHIPPED_APPARMOR_PROFILE, err);
      if (ret < 0)
        bw_error_prefix (err, "process.apparmorProfile");
    }
  decisions_free (d);
  policy_free (p);
  return ret;
}

bool
hardening_wants_floor (const struct hardening *hd)
{
  return hd->policy->mode == POLICY_ENFORCE && hd->decisions && hd->decisions->plan.seccomp_floor;
}

bool
hardening_wants_landlock (const struct hardening *hd)
{
  return hd->policy->mode == POLICY_ENFORCE && hd->decisions && hd->decisions->plan.landlock;
}

void
hardening_abandon (struct hardening *hd, const char *id)
{
  (void) id;
  struct bw_error ignored = { 0 };
  if (hd && hd->holds_range)
    idpool_release (hd->policy->userns_pool, hd->state_dir, NULL, &ignored);
}

/* The pool recorded by record_pool_dir: one absolute path, one newline. */
static int
recorded_pool_dir (struct state_handle *h, char **pool_dir, struct bw_error *err)
{
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  int ret = state_read_file (h, IDPOOL_FILE, PATH_MAX + 1, &text, &len, err);
  if (ret < 0)
    return ret;
  if (len < 3 || text[0] != '/' || text[len - 1] != '\n' || memchr (text, '\n', len - 1)
      || strlen (text) != len)
    return bw_error_set (err, EINVAL, "%s/%s: not a pool directory path", h->dir, IDPOOL_FILE);
  text[len - 1] = '\0';
  *pool_dir = bw_steal_ptr (text);
  return 0;
}

int
hardening_release_ids (const char *state_root, const char *id, struct bw_error *err)
{
  struct state_store st = STATE_STORE_INIT;
  struct state_handle h = STATE_HANDLE_INIT;
  _cleanup_free_ char *pool_dir = NULL;
  /* Unlocked: delete holds the container's lock already. */
  int ret = state_store_open (state_root, false, &st, err);
  if (ret == 0)
    ret = state_container_open_unlocked (&st, id, &h, err);
  if (ret == 0)
    ret = recorded_pool_dir (&h, &pool_dir, err);
  /* No pool file: the container never asked for a range. */
  if (ret == -ENOENT)
    ret = 0;
  else if (ret == 0)
    ret = idpool_release (pool_dir, h.dir, NULL, err);
  state_handle_close (&h);
  state_store_close (&st);
  return ret;
}

static int
render (const struct decisions *d, bool json, char **out, struct bw_error *err)
{
  return json ? policy_report_json (d, true, out, err) : policy_report_table (d, out, err);
}

int
hardening_report_bundle (struct cli_ctx *ctx, const char *bundle, bool json, char **out,
                         bool *refused, struct bw_error *err)
{
  char abs_bundle[PATH_MAX];
  *refused = false;
  if (!realpath (bundle, abs_bundle))
    return bw_error_syscall (err, "bundle %s", bundle);
  _cleanup_free_ char *config = NULL;
  if (asprintf (&config, "%s/config.json", abs_bundle) < 0)
    return bw_error_set (err, ENOMEM, "out of memory");
  _cleanup_spec_ struct spec *spec = NULL;
  int ret = spec_load_config (config, "config.json", &spec, err);
  if (ret < 0)
    return ret;
  struct hardening *hd = NULL;
  ret = hardening_begin (ctx, abs_bundle, &hd, err);
  if (ret < 0)
    return ret;
  /* Nothing is created: a range is not taken, a placeholder one (above
   * host root, the policy's size) shows what the container would get. */
  hd->facts.id_range_start = HOSTFACTS_IDPOOL_START;
  hd->facts.id_range_size = hd->policy->userns_size;
  hd->facts.idmapped_mounts = host_can_idmap_root (spec, abs_bundle);
  _cleanup_spec_ struct spec *hardened = NULL;
  ret = policy_harden (hd->policy, &hd->facts, spec, &hardened, &hd->decisions, err);
  if (ret < 0)
    *refused = true;
  if (hd->decisions)
    {
      struct bw_error render_err = { 0 };
      int r = render (hd->decisions, json, out, &render_err);
      if (r < 0 && ret == 0)
        {
          *err = render_err;
          ret = r;
        }
    }
  hardening_free (hd);
  return ret;
}

static const char *
member_string (yajl_val obj, const char *key)
{
  yajl_val v = json_member (obj, key);
  return YAJL_IS_STRING (v) ? YAJL_GET_STRING (v) : NULL;
}

int
hardening_report_saved (const char *posture_json, size_t len, bool json, char **out,
                        struct bw_error *err)
{
  if (json)
    {
      *out = strndup (posture_json, len);
      return *out ? 0 : bw_error_set (err, ENOMEM, "out of memory");
    }
  yajl_val root = NULL;
  int ret = json_parse (posture_json, len, &root, err);
  if (ret < 0)
    return bw_error_prefix (err, POSTURE_FILE);
  yajl_val items = json_member (root, "decisions");
  const char *mode = member_string (root, "mode");
  if (!YAJL_IS_ARRAY (items) || !mode)
    {
      yajl_tree_free (root);
      return bw_error_set (err, EINVAL, POSTURE_FILE ": not a posture report");
    }
  /* The decisions point into the tree: never decisions_free'd. */
  struct decisions d = { .mode = strcmp (mode, "audit") == 0 ? POLICY_AUDIT : POLICY_ENFORCE };
  d.items = calloc (items->u.array.len + 1, sizeof *d.items);
  if (!d.items)
    {
      yajl_tree_free (root);
      return bw_error_set (err, ENOMEM, "out of memory");
    }
  for (size_t i = 0; i < items->u.array.len && ret == 0; i++)
    {
      yajl_val x = items->u.array.values[i];
      struct decision *o = &d.items[d.n++];
      const char *outcome = member_string (x, "outcome");
      o->control = member_string (x, "control");
      o->rule = (char *) member_string (x, "rule");
      o->field = (char *) member_string (x, "field");
      o->asked = (char *) member_string (x, "asked");
      o->enforced = (char *) member_string (x, "enforced");
      o->why = (char *) member_string (x, "why");
      bool known = false;
      for (int k = DECISION_ENFORCED; outcome && k <= DECISION_SKIPPED; k++)
        if (strcmp (outcome, decision_outcome_name (k)) == 0)
          {
            o->outcome = k;
            known = true;
          }
      if (!known || !o->control || !o->rule || !o->field || !o->asked || !o->enforced)
        ret = bw_error_set (err, EINVAL, POSTURE_FILE ": decisions[%zu]: incomplete", i);
    }
  if (ret == 0)
    ret = policy_report_table (&d, out, err);
  free (d.items);
  yajl_tree_free (root);
  return ret;
}
