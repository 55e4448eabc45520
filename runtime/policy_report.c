/* policy_report: the decisions the transform records, and their rendering as
 * a table (for `bulwark report`) and as JSON (report --format json, the one
 * line per container in the --log file and the audit log). Strings only:
 * library code never prints. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cleanup.h"
#include "policy_internal.h"

static const char *const outcome_names[] = {
  [DECISION_ENFORCED] = "enforced", [DECISION_RELAXED] = "relaxed",
  [DECISION_CLAMPED] = "clamped",   [DECISION_ADDED] = "added",
  [DECISION_REFUSED] = "refused",   [DECISION_SKIPPED] = "skipped",
};

const char *
decision_outcome_name (enum decision_outcome o)
{
  return (size_t) o < ARRAY_LEN (outcome_names) ? outcome_names[o] : "?";
}

static void
decision_clear (struct decision *x)
{
  free (x->rule);
  free (x->field);
  free (x->asked);
  free (x->enforced);
  free (x->why);
}

void
decisions_free (struct decisions *d)
{
  if (!d)
    return;
  for (size_t i = 0; i < d->n; i++)
    decision_clear (&d->items[i]);
  free (d->items);
  free (d->plan.seccomp_profile);
  free (d);
}

static char *
dup_or_dash (const char *s)
{
  return strdup (s ? s : "-");
}

static int
decision_vadd (struct harden_ctx *h, const char *control, enum decision_outcome o,
               const char *rule, const char *field, const char *asked, const char *enforced,
               const char *why_fmt, va_list ap)
{
  struct decisions *d = h->d;
  struct decision *items = realloc (d->items, (d->n + 1) * sizeof *items);
  if (!items)
    return bw_error_set (h->err, ENOMEM, "out of memory");
  d->items = items;
  struct decision *x = &items[d->n];
  *x = (struct decision) { .control = control, .outcome = o };
  x->rule = dup_or_dash (rule);
  x->field = dup_or_dash (field);
  x->asked = dup_or_dash (asked);
  x->enforced = dup_or_dash (enforced);
  if (vasprintf (&x->why, why_fmt, ap) < 0)
    x->why = NULL;
  if (!x->rule || !x->field || !x->asked || !x->enforced || !x->why)
    {
      decision_clear (x);
      return bw_error_set (h->err, ENOMEM, "out of memory");
    }
  d->n++;
  return 0;
}

int
decision_add (struct harden_ctx *h, const char *control, enum decision_outcome o,
              const char *rule, const char *field, const char *asked, const char *enforced,
              const char *why_fmt, ...)
{
  va_list ap;
  va_start (ap, why_fmt);
  int r = decision_vadd (h, control, o, rule, field, asked, enforced, why_fmt, ap);
  va_end (ap);
  return r;
}

int
decision_refuse (struct harden_ctx *h, const char *control, const char *rule,
                 const char *field, const char *asked, const char *why_fmt, ...)
{
  va_list ap;
  va_start (ap, why_fmt);
  int r = decision_vadd (h, control, DECISION_REFUSED, rule, field, asked,
                         h->p->mode == POLICY_AUDIT ? "(audit: allowed)" : "refused", why_fmt,
                         ap);
  va_end (ap);
  if (r < 0)
    return r;
  if (h->p->mode == POLICY_AUDIT)
    return 0;
  return bw_error_set (h->err, EPERM, "%s: %s; policy refuses it (%s)", field,
                       h->d->items[h->d->n - 1].why, rule);
}

/* ------------------------------------------------------------ table */

struct column { const char *title; size_t width; };

static const char *
cell (const struct decision *x, int col)
{
  switch (col)
    {
    case 0: return x->control;
    case 1: return decision_outcome_name (x->outcome);
    case 2: return x->rule;
    case 3: return x->field;
    case 4: return x->asked;
    default: return x->enforced;
    }
}

int
policy_report_table (const struct decisions *d, char **out, struct bw_error *err)
{
  struct column cols[] = {
    { "CONTROL", 0 }, { "OUTCOME", 0 }, { "RULE", 0 },
    { "FIELD", 0 },   { "ASKED", 0 },   { "ENFORCED", 0 },
  };
  const int ncols = (int) ARRAY_LEN (cols);
  char *buf = NULL;
  size_t size = 0;
  _cleanup_fclose_ FILE *f = open_memstream (&buf, &size);
  if (!f)
    return bw_error_syscall (err, "open_memstream");
  for (int c = 0; c < ncols; c++)
    {
      cols[c].width = strlen (cols[c].title);
      for (size_t i = 0; i < d->n; i++)
        if (strlen (cell (&d->items[i], c)) > cols[c].width)
          cols[c].width = strlen (cell (&d->items[i], c));
    }
  fprintf (f, "mode: %s\n", d->mode == POLICY_AUDIT ? "audit" : "enforce");
  /* The last column is not padded: no trailing blanks. */
  for (int c = 0; c < ncols; c++)
    fprintf (f, "%-*s%s", c + 1 < ncols ? (int) cols[c].width : 0, cols[c].title,
             c + 1 < ncols ? "  " : "\n");
  for (size_t i = 0; i < d->n; i++)
    for (int c = 0; c < ncols; c++)
      fprintf (f, "%-*s%s", c + 1 < ncols ? (int) cols[c].width : 0, cell (&d->items[i], c),
               c + 1 < ncols ? "  " : "\n");
  if (fclose (f) != 0)
    {
      f = NULL;
      free (buf);
      return bw_error_syscall (err, "writing the report");
    }
  f = NULL;
  *out = buf;
  return 0;
}

/* ------------------------------------------------------------ JSON */

static void
gen_str (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *) s, strlen (s));
}

static void
gen_pair (yajl_gen g, const char *key, const char *value)
{
  gen_str (g, key);
  gen_str (g, value);
}

static void
gen_plan (yajl_gen g, const struct hardening_plan *plan)
{
  gen_str (g, "plan");
  yajl_gen_map_open (g);
  gen_str (g, "seccompProfile");
  if (plan->seccomp_profile)
    gen_str (g, plan->seccomp_profile);
  else
    yajl_gen_null (g);
  gen_str (g, "seccompFloor");
  yajl_gen_bool (g, plan->seccomp_floor);
  gen_str (g, "landlock");
  yajl_gen_bool (g, plan->landlock);
  gen_str (g, "landlockABI");
  yajl_gen_integer (g, plan->landlock_abi);
  gen_str (g, "idmapMounts");
  yajl_gen_bool (g, plan->idmap_mounts);
  yajl_gen_map_close (g);
}

int
policy_report_json (const struct decisions *d, bool pretty, char **out, struct bw_error *err)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  if (!g)
    return bw_error_set (err, ENOMEM, "out of memory");
  yajl_gen_config (g, yajl_gen_beautify, pretty ? 1 : 0);
  yajl_gen_map_open (g);
  gen_pair (g, "mode", d->mode == POLICY_AUDIT ? "audit" : "enforce");
  gen_str (g, "decisions");
  yajl_gen_array_open (g);
  for (size_t i = 0; i < d->n; i++)
    {
      const struct decision *x = &d->items[i];
      yajl_gen_map_open (g);
      gen_pair (g, "control", x->control);
      gen_pair (g, "outcome", decision_outcome_name (x->outcome));
      gen_pair (g, "rule", x->rule);
      gen_pair (g, "field", x->field);
      gen_pair (g, "asked", x->asked);
      gen_pair (g, "enforced", x->enforced);
      gen_pair (g, "why", x->why);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  gen_plan (g, &d->plan);
  yajl_gen_map_close (g);

  const unsigned char *buf = NULL;
  size_t len = 0;
  int r = 0;
  if (yajl_gen_get_buf (g, &buf, &len) != yajl_gen_status_ok)
    r = bw_error_set (err, EINVAL, "generating the report JSON failed");
  else if (!(*out = strndup ((const char *) buf, len)))
    r = bw_error_set (err, ENOMEM, "out of memory");
  /* yajl's beautifier ends with a newline; a log line must not. */
  if (r == 0 && !pretty && len && (*out)[len - 1] == '\n')
    (*out)[len - 1] = '\0';
  yajl_gen_free (g);
  return r;
}
