/* linux/seccomp: linux.seccomp to a libseccomp filter, and loading it.
 * The agent message and socket live in seccomp_agent.c. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdpass.h"
#include "json.h"
#include "linux_seccomp.h"

#define LIBSECCOMP_AT_LEAST(major, minor)                                                         \
  (SCMP_VER_MAJOR > (major) || (SCMP_VER_MAJOR == (major) && SCMP_VER_MINOR >= (minor)))

static const char *const action_names[] = {
  "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
  "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
  "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY",
  NULL,
};

/* In enum scmp_compare order, from SCMP_CMP_NE (1). */
static const char *const operator_names[] = {
  "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
  "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

/* The spec's architectures this libseccomp has (its headers say so). */
static const char *const arch_names[] = {
  "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
  "SCMP_ARCH_AARCH64",  "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
  "SCMP_ARCH_MIPSEL",   "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
  "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
  "SCMP_ARCH_PARISC",   "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
#ifdef SCMP_ARCH_LOONGARCH64
  "SCMP_ARCH_LOONGARCH64",
#endif
#ifdef SCMP_ARCH_M68K
  "SCMP_ARCH_M68K",
#endif
#ifdef SCMP_ARCH_SH
  "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",
#endif
  NULL,
};

/* Every architecture name the spec knows (the parser accepts these). */
static const char *const spec_arch_names[] = {
  "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
  "SCMP_ARCH_AARCH64",  "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
  "SCMP_ARCH_MIPSEL",   "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
  "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
  "SCMP_ARCH_PARISC",   "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
  "SCMP_ARCH_M68K",     "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",        NULL,
};

/* Flags in the order kernels gained them, so that what a kernel offers is
 * a prefix (seccomp_features picks it from the API level). Each prefix is
 * its own NULL-terminated list so that `features` can point at one without
 * building anything at run time. */
static const char *const flag_prefixes[][5] = {
  { NULL },
  { "SECCOMP_FILTER_FLAG_TSYNC", NULL },
  { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", NULL },
  { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    NULL },
  { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL },
};

static int
index_of (const char *const *names, const char *name)
{
  for (int i = 0; name && names[i]; i++)
    if (strcmp (names[i], name) == 0)
      return i;
  return -1;
}

void
seccomp_features (const char *const **actions, const char *const **operators,
                  const char *const **archs, const char *const **flags)
{
  /* libseccomp's API level is what the running kernel offers (2: TSYNC,
   * 3: LOG, 4: SSB, 7: wait-killable receive). */
  unsigned api = seccomp_api_get ();
  size_t n = api >= 4 ? 3 : api >= 3 ? 2 : api >= 2 ? 1 : 0;
#if LIBSECCOMP_AT_LEAST(2, 6)
  if (api >= 7)
    n = 4;
#endif
  *actions = action_names;
  *operators = operator_names;
  *archs = arch_names;
  *flags = flag_prefixes[n];
}

int
seccomp_action_value (const char *name, const opt_u32 *errno_ret, uint32_t *out)
{
  bool has_ret = errno_ret && errno_ret->set;
  /* What the kernel keeps of the value: 16 bits. */
  if (has_ret && errno_ret->value > 0xffff)
    return -ERANGE;
  uint32_t ret = has_ret ? errno_ret->value : EPERM;
  if (!name)
    return -EINVAL;
  if (strcmp (name, "SCMP_ACT_ERRNO") == 0)
    *out = SCMP_ACT_ERRNO (ret);
  else if (strcmp (name, "SCMP_ACT_TRACE") == 0)
    *out = SCMP_ACT_TRACE (ret);
  else if (has_ret)
    return -EINVAL;
  else if (strcmp (name, "SCMP_ACT_KILL") == 0 || strcmp (name, "SCMP_ACT_KILL_THREAD") == 0)
    *out = SCMP_ACT_KILL_THREAD;
  else if (strcmp (name, "SCMP_ACT_KILL_PROCESS") == 0)
    *out = SCMP_ACT_KILL_PROCESS;
  else if (strcmp (name, "SCMP_ACT_TRAP") == 0)
    *out = SCMP_ACT_TRAP;
  else if (strcmp (name, "SCMP_ACT_ALLOW") == 0)
    *out = SCMP_ACT_ALLOW;
  else if (strcmp (name, "SCMP_ACT_LOG") == 0)
    *out = SCMP_ACT_LOG;
  else if (strcmp (name, "SCMP_ACT_NOTIFY") == 0)
    *out = SCMP_ACT_NOTIFY;
  else
    return -EINVAL;
  return 0;
}

int
seccomp_operator_value (const char *name, enum scmp_compare *out)
{
  int i = index_of (operator_names, name);
  if (i < 0)
    return -EINVAL;
  *out = (enum scmp_compare) (SCMP_CMP_NE + i);
  return 0;
}

int
seccomp_arch_value (const char *name, uint32_t *out)
{
  if (index_of (spec_arch_names, name) < 0)
    return -EINVAL;
  /* libseccomp's own names are the spec's, lower case, without the prefix. */
  char lower[32];
  const char *suffix = name + strlen ("SCMP_ARCH_");
  size_t i = 0;
  for (; suffix[i] && i + 1 < sizeof lower; i++)
    lower[i] = (char) tolower ((unsigned char) suffix[i]);
  lower[i] = '\0';
  uint32_t token = seccomp_arch_resolve_name (lower);
  if (token == 0)
    return -ENOTSUP;
  *out = token;
  return 0;
}

int
seccomp_flag_attr (const char *name, enum scmp_filter_attr *out)
{
  if (!name)
    return -EINVAL;
  if (strcmp (name, "SECCOMP_FILTER_FLAG_TSYNC") == 0)
    *out = SCMP_FLTATR_CTL_TSYNC;
  else if (strcmp (name, "SECCOMP_FILTER_FLAG_LOG") == 0)
    *out = SCMP_FLTATR_CTL_LOG;
  else if (strcmp (name, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
    *out = SCMP_FLTATR_CTL_SSB;
  else if (strcmp (name, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
    {
#if LIBSECCOMP_AT_LEAST(2, 6)
      *out = SCMP_FLTATR_CTL_WAITKILL;
#else
      return -ENOTSUP;
#endif
    }
  else
    return -EINVAL;
  return 0;
}

int
seccomp_arg_cmp (const struct spec_seccomp_arg *a, struct scmp_arg_cmp *out)
{
  enum scmp_compare op;
  if (a->index > 5 || seccomp_operator_value (a->op, &op) < 0)
    return -EINVAL;
  /* MASKED_EQ: (arg & value) == valueTwo; the others compare with value. */
  *out = (struct scmp_arg_cmp) {
    .arg = a->index,
    .op = op,
    .datum_a = a->value,
    .datum_b = op == SCMP_CMP_MASKED_EQ ? a->value_two.value : 0,
  };
  return 0;
}

bool
seccomp_args_share_index (const struct spec_seccomp_syscall *s)
{
  unsigned seen = 0;
  for (size_t i = 0; i < s->n_args; i++)
    {
      unsigned bit = 1u << (s->args[i].index & 31);
      if (seen & bit)
        return true;
      seen |= bit;
    }
  return false;
}

static int
action_error (int ret, const char *field, const char *action, struct bw_error *err)
{
  if (ret == -ERANGE)
    return bw_error_set (err, ERANGE, "%s: errno value above 65535", field);
  if (action && (strcmp (action, "SCMP_ACT_ERRNO") != 0 && strcmp (action, "SCMP_ACT_TRACE") != 0)
      && index_of (action_names, action) >= 0)
    return bw_error_set (err, EINVAL, "%s: an errno value is only valid with SCMP_ACT_ERRNO or "
                         "SCMP_ACT_TRACE, not %s", field, action);
  return bw_error_set (err, EINVAL, "%s: unknown seccomp action \"%s\"", field,
                       action ? action : "");
}

static int
add_rules (scmp_filter_ctx ctx, int nr, uint32_t action, const struct spec_seccomp_syscall *s,
           const struct scmp_arg_cmp *conds)
{
  if (s->n_args == 0)
    return seccomp_rule_add_array (ctx, action, nr, 0, NULL);
  if (!seccomp_args_share_index (s))
    return seccomp_rule_add_array (ctx, action, nr, (unsigned) s->n_args, conds);
  for (size_t k = 0; k < s->n_args; k++)
    {
      int ret = seccomp_rule_add_array (ctx, action, nr, 1, &conds[k]);
      if (ret < 0)
        return ret;
    }
  return 0;
}

static int
add_syscall (scmp_filter_ctx ctx, const struct spec_seccomp_syscall *s, size_t i,
             uint32_t default_action, bool *notify, struct bw_error *err)
{
  uint32_t action;
  int ret = seccomp_action_value (s->action, &s->errno_ret, &action);
  if (ret < 0)
    {
      char field[64];
      bool about_ret = ret == -ERANGE
                       || (s->errno_ret.set && index_of (action_names, s->action) >= 0);
      snprintf (field, sizeof field, "linux.seccomp.syscalls[%zu].%s", i,
                about_ret ? "errnoRet" : "action");
      return action_error (ret, field, s->action, err);
    }
  _cleanup_free_ struct scmp_arg_cmp *conds = calloc (s->n_args + 1, sizeof *conds);
  if (!conds)
    return bw_error_set (err, ENOMEM, "out of memory");
  for (size_t k = 0; k < s->n_args; k++)
    if (seccomp_arg_cmp (&s->args[k], &conds[k]) < 0)
      return bw_error_set (err, EINVAL, "linux.seccomp.syscalls[%zu].args[%zu]: bad index %u or "
                           "operator \"%s\"", i, k, s->args[k].index,
                           s->args[k].op ? s->args[k].op : "");
  for (size_t j = 0; j < s->names.n; j++)
    {
      const char *name = s->names.v[j];
      /* The notify fd goes out with sendmsg after the filter is loaded:
       * holding sendmsg for the agent would wait for the agent forever. */
      if (action == SCMP_ACT_NOTIFY && strcmp (name, "sendmsg") == 0)
        return bw_error_set (err, EINVAL, "linux.seccomp.syscalls[%zu].names[%zu]: "
                             "SCMP_ACT_NOTIFY cannot be used for sendmsg (the runtime sends "
                             "the notify fd with it)", i, j);
    }
  /* libseccomp refuses a rule that repeats the default action. */
  if (action == default_action)
    return 0;
  for (size_t j = 0; j < s->names.n; j++)
    {
      const char *name = s->names.v[j];
      int nr = seccomp_syscall_resolve_name (name);
      /* Not a syscall here (or of this libseccomp): skipped, as runc does,
       * so that one profile serves several kernels and arches. */
      if (nr == __NR_SCMP_ERROR)
        continue;
      ret = add_rules (ctx, nr, action, s, conds);
      /* A name none of the filter's architectures has (open or iopl in
       * a filter for aarch64 alone): libseccomp says EFAULT; skipped too. */
      if (ret == -EFAULT)
        continue;
      if (ret < 0)
        return bw_error_set (err, -ret, "linux.seccomp.syscalls[%zu]: add the rule for %s: %s",
                             i, name, strerror (-ret));
      if (action == SCMP_ACT_NOTIFY)
        *notify = true;
    }
  return 0;
}

static int
set_flags (scmp_filter_ctx ctx, const struct spec_seccomp *sc, struct bw_error *err)
{
  for (size_t i = 0; i < sc->flags.n; i++)
    {
      const char *flag = sc->flags.v[i];
      enum scmp_filter_attr attr;
      int ret = seccomp_flag_attr (flag, &attr);
      if (ret == -ENOTSUP)
        return bw_error_set (err, ENOTSUP, "linux.seccomp.flags[%zu]: %s is not supported by "
                             "libseccomp %d.%d.%d", i, flag, SCMP_VER_MAJOR, SCMP_VER_MINOR,
                             SCMP_VER_MICRO);
      if (ret < 0)
        return bw_error_set (err, EINVAL, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i,
                             flag ? flag : "");
      ret = seccomp_attr_set (ctx, attr, 1);
      if (ret < 0)
        return bw_error_set (err, -ret, "linux.seccomp.flags[%zu]: %s: %s", i, flag,
                             ret == -EOPNOTSUPP || ret == -EINVAL
                               ? "not supported by this kernel" : strerror (-ret));
    }
  return 0;
}

static int
add_archs (scmp_filter_ctx ctx, const struct spec_seccomp *sc, struct bw_error *err)
{
  for (size_t i = 0; i < sc->architectures.n; i++)
    {
      const char *name = sc->architectures.v[i];
      uint32_t token;
      int ret = seccomp_arch_value (name, &token);
      if (ret == -ENOTSUP)
        return bw_error_set (err, ENOTSUP, "linux.seccomp.architectures[%zu]: %s is not "
                             "supported by libseccomp %d.%d.%d", i, name, SCMP_VER_MAJOR,
                             SCMP_VER_MINOR, SCMP_VER_MICRO);
      if (ret < 0)
        return bw_error_set (err, EINVAL, "linux.seccomp.architectures[%zu]: unknown "
                             "architecture \"%s\"", i, name ? name : "");
      /* The native arch is always there: -EEXIST is fine. Others are kept
       * even when this host cannot run them: they cover compat syscalls. */
      ret = seccomp_arch_add (ctx, token);
      if (ret < 0 && ret != -EEXIST)
        return bw_error_set (err, -ret, "linux.seccomp.architectures[%zu]: add %s: %s", i, name,
                             strerror (-ret));
    }
  return 0;
}

int
seccomp_compile (const struct spec_seccomp *sc, scmp_filter_ctx *out, bool *notify,
                 struct bw_error *err)
{
  uint32_t default_action;
  int ret = seccomp_action_value (sc->default_action, &sc->default_errno_ret, &default_action);
  if (ret < 0)
    return action_error (ret,
                         ret == -ERANGE
                             || (sc->default_errno_ret.set
                                 && index_of (action_names, sc->default_action) >= 0)
                           ? "linux.seccomp.defaultErrnoRet" : "linux.seccomp.defaultAction",
                         sc->default_action, err);
  /* Every syscall the runtime makes after loading would wait for an agent
   * that has not got the fd yet (runc refuses it too). */
  if (default_action == SCMP_ACT_NOTIFY)
    return bw_error_set (err, EINVAL, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be "
                         "the default action");
  bool has_listener = sc->listener_path && sc->listener_path[0];
  for (size_t i = 0; !has_listener && i < sc->n_syscalls; i++)
    if (sc->syscalls[i].action && strcmp (sc->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0)
      return bw_error_set (err, EINVAL, "linux.seccomp.listenerPath: required with "
                           "SCMP_ACT_NOTIFY (linux.seccomp.syscalls[%zu])", i);
  scmp_filter_ctx ctx = seccomp_init (default_action);
  if (!ctx)
    return bw_error_set (err, EINVAL, "linux.seccomp.defaultAction: libseccomp refused %s",
                         sc->default_action);
  *notify = false;
  /* no_new_privs is process.noNewPrivileges' business, not libseccomp's. */
  ret = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (ret < 0)
    ret = bw_error_set (err, -ret, "linux.seccomp: libseccomp: clear CTL_NNP: %s",
                        strerror (-ret));
  if (ret == 0)
    ret = add_archs (ctx, sc, err);
  if (ret == 0)
    ret = set_flags (ctx, sc, err);
  for (size_t i = 0; ret == 0 && i < sc->n_syscalls; i++)
    ret = add_syscall (ctx, &sc->syscalls[i], i, default_action, notify, err);
  /* A binary tree beats a linear scan for long profiles; an older
   * libseccomp without it still builds a correct filter. */
  if (ret == 0 && sc->n_syscalls > 32)
    (void) seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  if (ret < 0)
    {
      seccomp_release (ctx);
      return ret;
    }
  *out = ctx;
  return 0;
}

bool
seccomp_wants_agent (const struct spec_seccomp *sc)
{
  for (size_t i = 0; sc && sc->listener_path && sc->listener_path[0] && i < sc->n_syscalls; i++)
    if (sc->syscalls[i].action && strcmp (sc->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0)
      return true;
  return false;
}

int
seccomp_prepare (const struct spec_seccomp *sc, struct seccomp_prepared *p, struct bw_error *err)
{
  return seccomp_prepare_agent (sc, -1, p, err);
}

int
seccomp_prepare_agent (const struct spec_seccomp *sc, int agent_fd, struct seccomp_prepared *p,
                       struct bw_error *err)
{
  _cleanup_close_ int given = agent_fd;
  *p = (struct seccomp_prepared) SECCOMP_PREPARED_INIT;
  if (!sc)
    return 0;
  bool notify = false;
  int ret = seccomp_compile (sc, &p->ctx, &notify, err);
  if (ret < 0)
    return ret;
  /* Without a notify rule (all its names unknown here) the socket is
   * dropped: the agent sees the connection close with no message. */
  if (!notify)
    return 0;
  if (given >= 0)
    p->agent_fd = bw_steal_fd (given);
  else if ((ret = seccomp_agent_connect (sc->listener_path, &p->agent_fd, err)) < 0)
    {
      seccomp_prepared_clear (p);
      return bw_error_prefix (err, "linux.seccomp.listenerPath");
    }
  p->metadata = sc->listener_metadata;
  return 0;
}

void
seccomp_prepared_clear (struct seccomp_prepared *p)
{
  if (p->ctx)
    seccomp_release (p->ctx);
  if (p->agent_fd >= 0)
    close (p->agent_fd);
  *p = (struct seccomp_prepared) SECCOMP_PREPARED_INIT;
}

static int
send_to_agent (struct seccomp_prepared *p, pid_t pid, const char *state_json,
               struct bw_error *err)
{
  _cleanup_close_ int notify_fd = seccomp_notify_fd (p->ctx);
  if (notify_fd < 0)
    return bw_error_set (err, notify_fd < 0 ? -notify_fd : EIO,
                         "linux.seccomp: no notify fd after loading the filter");
  _cleanup_free_ char *msg = NULL;
  int ret = seccomp_agent_message (pid, p->metadata, state_json ? state_json : "{}", &msg, err);
  if (ret == 0)
    ret = fdpass_send_payload (p->agent_fd, &notify_fd, 1, msg, strlen (msg), err);
  if (ret < 0)
    return bw_error_prefix (err, "linux.seccomp.listenerPath: send the notify fd");
  return 0;
}

int
seccomp_prepared_load (struct seccomp_prepared *p, pid_t pid, const char *state_json,
                       struct bw_error *err)
{
  if (!p->ctx)
    return 0;
  int ret = seccomp_load (p->ctx);
  if (ret < 0)
    ret = bw_error_set (err, -ret, "linux.seccomp: load the filter: %s", strerror (-ret));
  else if (p->agent_fd >= 0)
    ret = send_to_agent (p, pid, state_json, err);
  seccomp_prepared_clear (p);
  return ret;
}

int
seccomp_install_pid (const struct spec_seccomp *sc, pid_t pid, const char *state_json,
                     struct bw_error *err)
{
  _cleanup_seccomp_prepared_ struct seccomp_prepared p = SECCOMP_PREPARED_INIT;
  int ret = seccomp_prepare (sc, &p, err);
  if (ret == 0)
    ret = seccomp_prepared_load (&p, pid, state_json, err);
  return ret;
}

int
seccomp_install (const struct spec_seccomp *sc, const char *state_json, struct bw_error *err)
{
  long long pid = 0;
  if (state_json)
    {
      yajl_val state = NULL;
      int ret = json_parse (state_json, strlen (state_json), &state, err);
      if (ret < 0)
        return bw_error_prefix (err, "seccomp agent state");
      yajl_val v = json_member (state, "pid");
      if (v && YAJL_IS_INTEGER (v))
        pid = YAJL_GET_INTEGER (v);
      yajl_tree_free (state);
    }
  return seccomp_install_pid (sc, (pid_t) pid, state_json, err);
}
