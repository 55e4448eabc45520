/* hooks: running one list — state on stdin, args and env as given, errors
 * naming the hook, timeouts, a hook that ignores stdin. Needs /bin/sh, not
 * root. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "hooks.h"
#include "unit.h"

static char tmpdir[] = "/tmp/bulwark-test-hooks.XXXXXX";

static char *
slurp (const char *path)
{
  FILE *f = fopen (path, "r");
  if (!f)
    return NULL;
  char *buf = calloc (1, 2 << 20);
  if (buf)
    (void) !fread (buf, 1, (2 << 20) - 1, f);
  fclose (f);
  return buf;
}

/* A hook running `sh -c SCRIPT` with $0 = "hookname" and $OUT = our file. */
struct sh_hook
{
  char *args[5];
  char *env[3];
  char out[256];
  char out_env[300];
};

static void
sh_hook_init (struct sh_hook *s, struct spec_hook *h, const char *script, int timeout)
{
  static int n;
  snprintf (s->out, sizeof s->out, "%s/out%d", tmpdir, n++);
  snprintf (s->out_env, sizeof s->out_env, "OUT=%s", s->out);
  s->args[0] = (char *) "hookname";
  s->args[1] = (char *) "-c";
  s->args[2] = (char *) script;
  s->args[3] = NULL;
  s->env[0] = s->out_env;
  s->env[1] = (char *) "FOO=bar";
  s->env[2] = NULL;
  *h = (struct spec_hook) { .path = (char *) "/bin/sh", .args = { s->args, 3 },
                            .env = { s->env, 2 }, .timeout = { timeout > 0, timeout } };
}

static void
test_state_args_env (void)
{
  struct sh_hook s;
  struct spec_hook h;
  sh_hook_init (&s, &h, "{ cat; echo; echo \"$0 $FOO\"; env | grep -c . ; } > \"$OUT\"", 0);
  struct spec_hook_list list = { &h, 1, true };
  struct bw_error err = { 0 };
  int ret = hooks_run (&list, SPEC_HOOK_PRESTART, "{\"id\":\"c1\"}", &err);
  CHECK (ret == 0, "hook exits 0", "%s", err.msg);
  _cleanup_free_ char *out = slurp (s.out);
  /* sh itself adds PWD (and maybe SHLVL, _): at least ours are there. */
  CHECK (out && strncmp (out, "{\"id\":\"c1\"}\nhookname bar\n", 25) == 0,
         "state on stdin, args[0] and env as given", "got %s", out ? out : "(nothing)");
}

static void
test_exit_status (void)
{
  struct sh_hook a, b;
  struct spec_hook h[2];
  sh_hook_init (&a, &h[0], "exit 0", 0);
  sh_hook_init (&b, &h[1], "exit 3", 0);
  struct spec_hook_list list = { h, 2, true };
  struct bw_error err = { 0 };
  int ret = hooks_run (&list, SPEC_HOOK_CREATE_RUNTIME, "{}", &err);
  CHECK (ret < 0 && strcmp (err.msg, "hooks.createRuntime[1]: /bin/sh exited with status 3") == 0,
         "non-zero exit names the hook", "ret %d: %s", ret, err.msg);

  sh_hook_init (&a, &h[0], "kill -9 $$", 0);
  list.n = 1;
  ret = hooks_run (&list, SPEC_HOOK_POSTSTART, "{}", &err);
  CHECK (ret < 0 && strcmp (err.msg, "hooks.poststart[0]: /bin/sh killed by signal 9") == 0,
         "killed by a signal", "ret %d: %s", ret, err.msg);
}

static void
test_exec_failure_and_path (void)
{
  struct spec_hook h = { .path = (char *) "/nonexistent/hook" };
  struct spec_hook_list list = { &h, 1, true };
  struct bw_error err = { 0 };
  int ret = hooks_run (&list, SPEC_HOOK_PRESTART, "{}", &err);
  CHECK (ret < 0 && strstr (err.msg, "hooks.prestart[0]: exec /nonexistent/hook: No such file"),
         "missing executable", "ret %d: %s", ret, err.msg);
  h.path = (char *) "bin/true";
  ret = hooks_run (&list, SPEC_HOOK_PRESTART, "{}", &err);
  CHECK (ret < 0 && strstr (err.msg, "hooks.prestart[0]: path: must be absolute"),
         "relative path refused", "ret %d: %s", ret, err.msg);
  /* args absent: argv[0] is the path. */
  h.path = (char *) "/bin/true";
  ret = hooks_run (&list, SPEC_HOOK_PRESTART, "{}", &err);
  CHECK (ret == 0, "no args: runs with the path as argv[0]", "%s", err.msg);
}

static void
test_timeout (void)
{
  struct sh_hook s;
  struct spec_hook h;
  /* Ignores its stdin and sleeps: killed after 1 s. */
  sh_hook_init (&s, &h, "exec sleep 30", 1);
  struct spec_hook_list list = { &h, 1, true };
  struct bw_error err = { 0 };
  struct timespec t0, t1;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  int ret = hooks_run (&list, SPEC_HOOK_PRESTART, "{}", &err);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  double secs = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
  CHECK (ret < 0 && strcmp (err.msg, "hooks.prestart[0]: /bin/sh timed out after 1s") == 0,
         "timeout error", "ret %d: %s", ret, err.msg);
  CHECK (secs >= 0.9 && secs < 5, "timeout enforced in time", "took %.2fs", secs);
}

static void
test_large_state_unread (void)
{
  /* 1 MiB of state to a hook that never reads it: no deadlock, no SIGPIPE. */
  size_t len = 1 << 20;
  char *big = malloc (len + 1);
  memset (big, ' ', len);
  big[0] = '{';
  big[len - 1] = '}';
  big[len] = '\0';
  struct sh_hook s;
  struct spec_hook h;
  sh_hook_init (&s, &h, "exit 0", 0);
  struct spec_hook_list list = { &h, 1, true };
  struct bw_error err = { 0 };
  int ret = hooks_run (&list, SPEC_HOOK_POSTSTOP, big, &err);
  CHECK (ret == 0, "hook ignoring a large stdin", "%s", err.msg);

  sh_hook_init (&s, &h, "cat > \"$OUT\"", 0);
  ret = hooks_run (&list, SPEC_HOOK_POSTSTOP, big, &err);
  _cleanup_free_ char *out = slurp (s.out);
  CHECK (ret == 0 && out && strlen (out) == len, "hook reading a large stdin gets all of it",
         "ret %d, %zu bytes", ret, out ? strlen (out) : 0);
  free (big);
}

static void
warn_count (void *data, const char *msg)
{
  (*(int *) data)++;
  printf ("# warning: %s\n", msg);
}

static void
test_run_all_warns (void)
{
  struct sh_hook a, b, c;
  struct spec_hook h[3];
  sh_hook_init (&a, &h[0], "exit 1", 0);
  sh_hook_init (&b, &h[1], "exit 2", 0);
  sh_hook_init (&c, &h[2], "echo ran > \"$OUT\"", 0);
  struct spec_hook_list list = { h, 3, true };
  int warnings = 0;
  hooks_run_all (&list, SPEC_HOOK_POSTSTOP, "{}", warn_count, &warnings);
  CHECK (warnings == 2, "each failure warns", "%d warnings", warnings);
  CHECK (access (c.out, F_OK) == 0, "the remaining hooks still run", "%s missing", c.out);
}

static void
test_lists (void)
{
  struct spec_hook h = { .path = (char *) "/bin/true" };
  struct spec_hooks hooks = { 0 };
  struct spec spec = { .hooks = &hooks };
  CHECK (!hooks_need_init_step (&spec) && !hooks_of (&spec, SPEC_HOOK_POSTSTART),
         "no hooks: no init step", "wrong");
  hooks.kinds[SPEC_HOOK_POSTSTOP] = (struct spec_hook_list) { &h, 1, true };
  CHECK (!hooks_need_init_step (&spec), "poststop alone needs no init step", "wrong");
  hooks.kinds[SPEC_HOOK_START_CONTAINER] = (struct spec_hook_list) { &h, 1, true };
  CHECK (hooks_need_init_step (&spec) && hooks_of (&spec, SPEC_HOOK_START_CONTAINER) != NULL,
         "startContainer needs the init step", "wrong");
  struct bw_error err = { 0 };
  CHECK (hooks_run (NULL, SPEC_HOOK_PRESTART, "{}", &err) == 0, "no list: nothing to do", "%s", err.msg);
}

int
main (void)
{
  if (!mkdtemp (tmpdir))
    {
      perror ("mkdtemp");
      return 1;
    }
  test_state_args_env ();
  test_exit_status ();
  test_exec_failure_and_path ();
  test_timeout ();
  test_large_state_unread ();
  test_run_all_warns ();
  test_lists ();
  char cmd[300];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system (cmd) != 0)
    printf ("# could not remove %s\n", tmpdir);
  return UNIT_EXIT ();
}
