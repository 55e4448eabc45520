/* seccomp: translation of linux.seccomp to libseccomp values, rule
 * splitting, config errors, the agent message; one filter loaded in a child
 * (with no_new_privs, so no root needed). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "linux_seccomp.h"
#include "unit.h"

static void
test_actions (void)
{
  uint32_t v = 0;
  opt_u32 none = { 0 }, e33 = { true, 33 }, big = { true, 70000 };
  CHECK (seccomp_action_value ("SCMP_ACT_ERRNO", &none, &v) == 0 && v == SCMP_ACT_ERRNO (EPERM),
         "ERRNO without errnoRet is EPERM", "0x%x", v);
  CHECK (seccomp_action_value ("SCMP_ACT_ERRNO", &e33, &v) == 0 && v == SCMP_ACT_ERRNO (33),
         "ERRNO with errnoRet", "0x%x", v);
  CHECK (seccomp_action_value ("SCMP_ACT_TRACE", &e33, &v) == 0 && v == SCMP_ACT_TRACE (33),
         "TRACE takes errnoRet as its value", "0x%x", v);
  CHECK (seccomp_action_value ("SCMP_ACT_TRACE", NULL, &v) == 0 && v == SCMP_ACT_TRACE (EPERM),
         "TRACE default value", "0x%x", v);
  CHECK (seccomp_action_value ("SCMP_ACT_KILL", NULL, &v) == 0 && v == SCMP_ACT_KILL_THREAD,
         "KILL is KILL_THREAD", "0x%x", v);
  CHECK (seccomp_action_value ("SCMP_ACT_KILL_PROCESS", NULL, &v) == 0
           && v == SCMP_ACT_KILL_PROCESS, "KILL_PROCESS", "0x%x", v);
  CHECK (seccomp_action_value ("SCMP_ACT_TRAP", NULL, &v) == 0 && v == SCMP_ACT_TRAP, "TRAP",
         "0x%x", v);
  CHECK (seccomp_action_value ("SCMP_ACT_LOG", NULL, &v) == 0 && v == SCMP_ACT_LOG, "LOG",
         "0x%x", v);
  CHECK (seccomp_action_value ("SCMP_ACT_NOTIFY", NULL, &v) == 0 && v == SCMP_ACT_NOTIFY,
         "NOTIFY", "0x%x", v);
  CHECK (seccomp_action_value ("SCMP_ACT_ALLOW", NULL, &v) == 0 && v == SCMP_ACT_ALLOW, "ALLOW",
         "0x%x", v);
  CHECK (seccomp_action_value ("SCMP_ACT_ALLOW", &e33, &v) == -EINVAL,
         "errnoRet refused with ALLOW", "accepted");
  CHECK (seccomp_action_value ("SCMP_ACT_ERRNO", &big, &v) == -ERANGE,
         "errnoRet above 16 bits refused", "accepted");
  CHECK (seccomp_action_value ("SCMP_ACT_DENY", NULL, &v) == -EINVAL, "unknown action refused",
         "accepted");
}

static void
test_operators_archs_flags (void)
{
  static const struct { const char *name; enum scmp_compare op; } ops[] = {
    { "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
    { "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
    { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
    { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
  };
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    {
      enum scmp_compare op = _SCMP_CMP_MIN;
      char name[64];
      snprintf (name, sizeof name, "operator %s", ops[i].name);
      CHECK (seccomp_operator_value (ops[i].name, &op) == 0 && op == ops[i].op, name, "got %d",
             (int) op);
    }
  enum scmp_compare op;
  CHECK (seccomp_operator_value ("SCMP_CMP_XX", &op) == -EINVAL, "unknown operator refused",
         "accepted");

  uint32_t arch = 0;
  CHECK (seccomp_arch_value ("SCMP_ARCH_X86_64", &arch) == 0 && arch == SCMP_ARCH_X86_64,
         "arch X86_64", "0x%x", arch);
  CHECK (seccomp_arch_value ("SCMP_ARCH_X86", &arch) == 0 && arch == SCMP_ARCH_X86, "arch X86",
         "0x%x", arch);
  CHECK (seccomp_arch_value ("SCMP_ARCH_MIPSEL64N32", &arch) == 0
           && arch == SCMP_ARCH_MIPSEL64N32, "arch MIPSEL64N32", "0x%x", arch);
  CHECK (seccomp_arch_value ("SCMP_ARCH_VAX", &arch) == -EINVAL, "unknown arch refused",
         "accepted");
#ifndef SCMP_ARCH_M68K
  CHECK (seccomp_arch_value ("SCMP_ARCH_M68K", &arch) == -ENOTSUP,
         "arch unknown to this libseccomp is ENOTSUP", "not");
#endif

  enum scmp_filter_attr attr;
  CHECK (seccomp_flag_attr ("SECCOMP_FILTER_FLAG_TSYNC", &attr) == 0
           && attr == SCMP_FLTATR_CTL_TSYNC, "flag TSYNC", "%d", (int) attr);
  CHECK (seccomp_flag_attr ("SECCOMP_FILTER_FLAG_LOG", &attr) == 0 && attr == SCMP_FLTATR_CTL_LOG,
         "flag LOG", "%d", (int) attr);
  CHECK (seccomp_flag_attr ("SECCOMP_FILTER_FLAG_SPEC_ALLOW", &attr) == 0
           && attr == SCMP_FLTATR_CTL_SSB, "flag SPEC_ALLOW", "%d", (int) attr);
  int r = seccomp_flag_attr ("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", &attr);
  CHECK (SCMP_VER_MINOR >= 6 || SCMP_VER_MAJOR > 2 ? r == 0 : r == -ENOTSUP,
         "flag WAIT_KILLABLE_RECV as this libseccomp allows", "%d", r);
  CHECK (seccomp_flag_attr ("SECCOMP_FILTER_FLAG_NEW_LISTENER", &attr) == -EINVAL,
         "unknown flag refused", "accepted");
}

static void
test_args (void)
{
  struct spec_seccomp_arg masked = { .index = 1, .value = 0xff, .value_two = { true, 0x42 },
                                     .op = (char *) "SCMP_CMP_MASKED_EQ" };
  struct scmp_arg_cmp c;
  CHECK (seccomp_arg_cmp (&masked, &c) == 0 && c.arg == 1 && c.op == SCMP_CMP_MASKED_EQ
           && c.datum_a == 0xff && c.datum_b == 0x42,
         "MASKED_EQ: value is the mask, valueTwo the result", "arg %u a %llx b %llx", c.arg,
         (unsigned long long) c.datum_a, (unsigned long long) c.datum_b);
  struct spec_seccomp_arg eq = { .index = 5, .value = UINT64_MAX, .value_two = { true, 7 },
                                 .op = (char *) "SCMP_CMP_EQ" };
  CHECK (seccomp_arg_cmp (&eq, &c) == 0 && c.arg == 5 && c.datum_a == UINT64_MAX && c.datum_b == 0,
         "EQ compares with value only", "a %llx b %llx", (unsigned long long) c.datum_a,
         (unsigned long long) c.datum_b);

  struct spec_seccomp_arg two[] = {
    { .index = 0, .value = 1, .op = (char *) "SCMP_CMP_GE" },
    { .index = 1, .value = 2, .op = (char *) "SCMP_CMP_LE" },
  };
  struct spec_seccomp_syscall s = { .args = two, .n_args = 2 };
  CHECK (!seccomp_args_share_index (&s), "distinct indexes are one rule", "split");
  two[1].index = 0;
  CHECK (seccomp_args_share_index (&s), "a shared index splits the rule", "not split");
}

/* The filter as libseccomp's pseudo filter code text. */
static char *
pfc_of (scmp_filter_ctx ctx)
{
  int fd = memfd_create ("pfc", 0);
  if (fd < 0 || seccomp_export_pfc (ctx, fd) < 0)
    return NULL;
  off_t len = lseek (fd, 0, SEEK_END);
  char *buf = calloc (1, (size_t) len + 1);
  if (buf && pread (fd, buf, (size_t) len, 0) != len)
    buf[0] = '\0';
  close (fd);
  return buf;
}

static size_t
count (const char *hay, const char *needle)
{
  size_t n = 0;
  for (const char *p = hay; (p = strstr (p, needle)); p++)
    n++;
  return n;
}

static int
compile (struct spec_seccomp *sc, char **pfc, bool *notify, struct bw_error *err)
{
  scmp_filter_ctx ctx = NULL;
  bool n = false;
  int ret = seccomp_compile (sc, &ctx, &n, err);
  if (ret == 0)
    {
      if (pfc)
        *pfc = pfc_of (ctx);
      seccomp_release (ctx);
    }
  if (notify)
    *notify = n;
  return ret;
}

#define NAMES(...) { (char *[]) { __VA_ARGS__, NULL }, sizeof ((char *[]) { __VA_ARGS__ }) / sizeof (char *) }

static void
test_compile (void)
{
  struct bw_error err = { 0 };
  char *pfc = NULL;
  struct spec_seccomp_arg same[] = {
    { .index = 0, .value = 10, .op = (char *) "SCMP_CMP_LT" },
    { .index = 0, .value = 20, .op = (char *) "SCMP_CMP_GT" },
  };
  struct spec_seccomp_syscall calls[] = {
    { .names = NAMES ("mkdir", "no_such_syscall_here"), .action = (char *) "SCMP_ACT_ERRNO",
      .errno_ret = { true, 42 } },
    { .names = NAMES ("getppid"), .action = (char *) "SCMP_ACT_ALLOW" },
    { .names = NAMES ("personality"), .action = (char *) "SCMP_ACT_ERRNO", .args = same,
      .n_args = 2 },
  };
  struct spec_seccomp sc = { .default_action = (char *) "SCMP_ACT_ALLOW",
                             .architectures = NAMES ("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"),
                             .flags = NAMES ("SECCOMP_FILTER_FLAG_LOG"),
                             .syscalls = calls, .n_syscalls = 3 };
  bool notify = true;
  int ret = compile (&sc, &pfc, &notify, &err);
  CHECK (ret == 0 && pfc, "a profile compiles (unknown syscall skipped)", "%s", err.msg);
  if (ret == 0 && pfc)
    {
      CHECK (strstr (pfc, "ERRNO(42)"), "errnoRet in the filter", "%s", pfc);
      CHECK (!strstr (pfc, "\"getppid\""), "rule with the default action left out", "%s", pfc);
      const char *x86 = strstr (pfc, "filter for arch x86 (");
      CHECK (strstr (pfc, "filter for arch x86_64 (") && x86, "both arches in the filter", "%s",
             pfc);
      /* In the (32-bit, simplest) x86 part: each comparison acts alone. */
      CHECK (x86 && count (x86, "ERRNO(1)") == 2, "same-index args become one rule each", "%s",
             pfc);
      CHECK (!notify, "no notify rule", "notify");
    }
  free (pfc);

  /* The same args on different indexes: one rule with both conditions. */
  same[1].index = 1;
  bw_error_clear (&err);
  pfc = NULL;
  calls[0].names = (struct spec_strv) NAMES ("mkdir");
  ret = compile (&sc, &pfc, NULL, &err);
  const char *x86 = pfc ? strstr (pfc, "filter for arch x86 (") : NULL;
  CHECK (ret == 0 && x86 && count (x86, "ERRNO(1)") == 1 && strstr (x86, "$a1 > 20"),
         "distinct-index args AND together", "%s", pfc ? pfc : err.msg);
  free (pfc);
}

static void
expect_error (struct spec_seccomp *sc, const char *name, const char *want)
{
  struct bw_error err = { 0 };
  int ret = compile (sc, NULL, NULL, &err);
  CHECK (ret < 0 && strstr (err.msg, want), name, "ret %d: \"%s\", want \"%s\"", ret, err.msg,
         want);
}

static void
test_config_errors (void)
{
  struct spec_seccomp_syscall call = { .names = NAMES ("mkdir"),
                                       .action = (char *) "SCMP_ACT_NOTIFY" };
  struct spec_seccomp sc = { .default_action = (char *) "SCMP_ACT_ALLOW", .syscalls = &call,
                             .n_syscalls = 1 };
  expect_error (&sc, "NOTIFY without listenerPath", "linux.seccomp.listenerPath: required");

  call.names = (struct spec_strv) NAMES ("getpid", "sendmsg");
  sc.listener_path = (char *) "/run/agent.sock";
  expect_error (&sc, "NOTIFY on sendmsg", "linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY");

  struct spec_seccomp def = { .default_action = (char *) "SCMP_ACT_NOTIFY",
                              .listener_path = (char *) "/x" };
  expect_error (&def, "NOTIFY as default", "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY");

  struct spec_seccomp defret = { .default_action = (char *) "SCMP_ACT_KILL",
                                 .default_errno_ret = { true, 1 } };
  expect_error (&defret, "defaultErrnoRet with KILL", "linux.seccomp.defaultErrnoRet: ");

  struct spec_seccomp_syscall allow_ret = { .names = NAMES ("mkdir"),
                                            .action = (char *) "SCMP_ACT_LOG",
                                            .errno_ret = { true, 3 } };
  struct spec_seccomp r = { .default_action = (char *) "SCMP_ACT_ALLOW", .syscalls = &allow_ret,
                            .n_syscalls = 1 };
  expect_error (&r, "errnoRet with LOG", "linux.seccomp.syscalls[0].errnoRet: ");
  allow_ret.action = (char *) "SCMP_ACT_ERRNO";
  allow_ret.errno_ret.value = 65536;
  expect_error (&r, "errnoRet too big", "linux.seccomp.syscalls[0].errnoRet: errno value above");
  struct spec_seccomp_syscall unknown_notify = { .names = NAMES ("no_such_call"),
                                                 .action = (char *) "SCMP_ACT_NOTIFY" };
  r.syscalls = &unknown_notify;
  expect_error (&r, "NOTIFY without listenerPath, even for unknown names",
                "linux.seccomp.listenerPath: required");

  struct spec_seccomp arch = { .default_action = (char *) "SCMP_ACT_ALLOW",
                               .architectures = NAMES ("SCMP_ARCH_X86_64", "SCMP_ARCH_VAX") };
  expect_error (&arch, "unknown arch", "linux.seccomp.architectures[1]: unknown architecture");
#ifndef SCMP_ARCH_M68K
  arch.architectures = (struct spec_strv) NAMES ("SCMP_ARCH_M68K");
  expect_error (&arch, "arch this libseccomp lacks",
                "linux.seccomp.architectures[0]: SCMP_ARCH_M68K is not supported by libseccomp");
#endif
  struct spec_seccomp flag = { .default_action = (char *) "SCMP_ACT_ALLOW",
                               .flags = NAMES ("SECCOMP_FILTER_FLAG_TSYNC", "BOGUS") };
  expect_error (&flag, "unknown flag", "linux.seccomp.flags[1]: unknown flag");
#if SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR < 6
  flag.flags = (struct spec_strv) NAMES ("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
  expect_error (&flag, "flag this libseccomp lacks",
                "linux.seccomp.flags[0]: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is not supported");
#endif
  struct spec_seccomp_arg bad = { .index = 0, .value = 1, .op = (char *) "SCMP_CMP_XX" };
  struct spec_seccomp_syscall badop = { .names = NAMES ("mkdir"),
                                        .action = (char *) "SCMP_ACT_ERRNO", .args = &bad,
                                        .n_args = 1 };
  struct spec_seccomp o = { .default_action = (char *) "SCMP_ACT_ALLOW", .syscalls = &badop,
                            .n_syscalls = 1 };
  expect_error (&o, "unknown operator", "linux.seccomp.syscalls[0].args[0]: ");
}

static void
test_agent_message (void)
{
  struct bw_error err = { 0 };
  struct spec_kv kv[] = { { (char *) "a", (char *) "1" }, { (char *) "b", (char *) "x\"y" },
                          { (char *) "a", (char *) "2" } };
  struct spec_map ann = { kv, 3, true };
  char *state = NULL, *msg = NULL;
  int ret = seccomp_agent_state ("c1", "creating", 4242, "/b", &ann, &state, &err);
  if (ret == 0)
    ret = seccomp_agent_message (4243, "meta;data", state, &msg, &err);
  CHECK (ret == 0, "agent message built", "%s", err.msg);
  yajl_val v = msg ? yajl_tree_parse (msg, NULL, 0) : NULL;
  CHECK (v && YAJL_IS_OBJECT (v), "agent message is JSON", "%s", msg ? msg : "(null)");
  if (v)
    {
      const char *fds[] = { "fds", NULL }, *pid[] = { "pid", NULL }, *meta[] = { "metadata", NULL },
                 *id[] = { "state", "id", NULL }, *spid[] = { "state", "pid", NULL },
                 *st[] = { "state", "status", NULL }, *a[] = { "state", "annotations", "a", NULL },
                 *b[] = { "state", "annotations", "b", NULL },
                 *ver[] = { "ociVersion", NULL };
      yajl_val f = yajl_tree_get (v, fds, yajl_t_array);
      const char *fd0 = f && f->u.array.len == 1 ? YAJL_GET_STRING (f->u.array.values[0]) : NULL;
      CHECK (fd0 && strcmp (fd0, "seccompFd") == 0, "fds is [\"seccompFd\"]", "%s", msg);
      yajl_val p = yajl_tree_get (v, pid, yajl_t_number);
      CHECK (p && YAJL_GET_INTEGER (p) == 4243, "message pid", "%s", msg);
      CHECK_STREQ (YAJL_GET_STRING (yajl_tree_get (v, meta, yajl_t_string)), "meta;data",
                   "metadata");
      CHECK_STREQ (YAJL_GET_STRING (yajl_tree_get (v, ver, yajl_t_string)), "1.3.0",
                   "ociVersion");
      CHECK_STREQ (YAJL_GET_STRING (yajl_tree_get (v, id, yajl_t_string)), "c1", "state id");
      CHECK_STREQ (YAJL_GET_STRING (yajl_tree_get (v, st, yajl_t_string)), "creating",
                   "state status");
      yajl_val sp = yajl_tree_get (v, spid, yajl_t_number);
      CHECK (sp && YAJL_GET_INTEGER (sp) == 4242, "state pid", "%s", msg);
      CHECK_STREQ (YAJL_GET_STRING (yajl_tree_get (v, a, yajl_t_string)), "2",
                   "repeated annotation: the last counts");
      CHECK_STREQ (YAJL_GET_STRING (yajl_tree_get (v, b, yajl_t_string)), "x\"y",
                   "annotation escaped");
      yajl_tree_free (v);
    }
  free (msg);
  msg = NULL;
  CHECK (seccomp_agent_message (1, NULL, "[1]", &msg, &err) < 0, "state must be an object",
         "accepted");
  free (msg);
  free (state);
}

static void
test_prepare_connects (void)
{
  char path[] = "/tmp/seccomp-unit-XXXXXX";
  char sock_path[sizeof path + 8];
  struct bw_error err = { 0 };
  if (!mkdtemp (path))
    return;
  snprintf (sock_path, sizeof sock_path, "%s/s", path);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  strcpy (addr.sun_path, sock_path);
  int lfd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int ok = lfd >= 0 && bind (lfd, (struct sockaddr *) &addr, sizeof addr) == 0
           && listen (lfd, 4) == 0;
  struct spec_seccomp_syscall call = { .names = NAMES ("mkdir"),
                                       .action = (char *) "SCMP_ACT_NOTIFY" };
  struct spec_seccomp sc = { .default_action = (char *) "SCMP_ACT_ALLOW", .syscalls = &call,
                             .n_syscalls = 1, .listener_path = sock_path,
                             .listener_metadata = (char *) "m" };
  struct seccomp_prepared p;
  int ret = ok ? seccomp_prepare (&sc, &p, &err) : -1;
  CHECK (ret == 0 && p.ctx && p.agent_fd >= 0 && p.metadata && strcmp (p.metadata, "m") == 0,
         "prepare connects to the listener", "%s", err.msg);
  if (ret == 0)
    seccomp_prepared_clear (&p);
  CHECK (p.ctx == NULL && p.agent_fd == -1, "clear releases all", "left");
  unlink (sock_path);
  bw_error_clear (&err);
  ret = seccomp_prepare (&sc, &p, &err);
  CHECK (ret < 0 && strstr (err.msg, "linux.seccomp.listenerPath: connect to ")
           && p.ctx == NULL && p.agent_fd == -1,
         "unreachable listener is an error naming the field", "%d: %s", ret, err.msg);
  if (lfd >= 0)
    close (lfd);
  rmdir (path);
}

/* A filter really loaded, in a child with no_new_privs (no root needed). */
static void
test_load (void)
{
  pid_t pid = fork ();
  if (pid == 0)
    {
      struct spec_seccomp_arg arg = { .index = 0, .value = 7, .op = (char *) "SCMP_CMP_EQ" };
      struct spec_seccomp_syscall calls[] = {
        { .names = NAMES ("getppid"), .action = (char *) "SCMP_ACT_ERRNO",
          .errno_ret = { true, 33 } },
        { .names = NAMES ("getpriority"), .action = (char *) "SCMP_ACT_ERRNO",
          .errno_ret = { true, 34 }, .args = &arg, .n_args = 1 },
      };
      struct spec_seccomp sc = { .default_action = (char *) "SCMP_ACT_ALLOW", .syscalls = calls,
                                 .n_syscalls = 2 };
      struct bw_error err = { 0 };
      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_install (&sc, NULL, &err) < 0)
        _exit (10);
      if (syscall (SYS_getppid) != -1 || errno != 33)
        _exit (11);
      if (syscall (SYS_getpriority, 7, 0) != -1 || errno != 34)
        _exit (12);
      errno = 0;
      if (syscall (SYS_getpriority, 0, 0) == -1 && errno == 34)
        _exit (13);
      _exit (0);
    }
  int status = -1;
  waitpid (pid, &status, 0);
  CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0, "filter loaded and enforced",
         "status 0x%x", status);
}

int
main (void)
{
  test_actions ();
  test_operators_archs_flags ();
  test_args ();
  test_compile ();
  test_config_errors ();
  test_agent_message ();
  test_prepare_connects ();
  test_load ();
  return UNIT_EXIT ();
}
