/* exec: run a process in a running container. The process comes from
 * --process, or from the container's own config (kept in its state dir)
 * with the command line's overrides, as runc builds it; the namespace work
 * is runtime/linux/exec.c. In the foreground the runtime waits for it,
 * forwarding signals, and exits with its exit code; a terminal without
 * --console-socket is relayed by the runtime itself (tty_relay, as runc). */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd.h"
#include "fdpass.h"
#include "forward.h"
#include "hardening.h"
#include "linux_exec.h"
#include "spec.h"
#include "sys.h"
#include "tty_relay.h"

enum
{
  OPT_PID_FILE = 256,
  OPT_CONSOLE_SOCKET,
  OPT_PIDFD_SOCKET,
  OPT_CWD,
  OPT_NO_NEW_PRIVS,
  OPT_PRESERVE_FDS,
  OPT_PROCESS_LABEL,
  OPT_APPARMOR,
  OPT_CGROUP,
  OPT_IGNORE_PAUSED,
};

static const struct option exec_options[] = {
  { "process", required_argument, NULL, 'p' },
  { "detach", no_argument, NULL, 'd' },
  { "pid-file", required_argument, NULL, OPT_PID_FILE },
  { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
  { "pidfd-socket", required_argument, NULL, OPT_PIDFD_SOCKET },
  { "tty", no_argument, NULL, 't' },
  { "cwd", required_argument, NULL, OPT_CWD },
  { "env", required_argument, NULL, 'e' },
  { "user", required_argument, NULL, 'u' },
  { "additional-gids", required_argument, NULL, 'g' },
  { "cap", required_argument, NULL, 'c' },
  { "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
  { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
  { "process-label", required_argument, NULL, OPT_PROCESS_LABEL },
  { "apparmor", required_argument, NULL, OPT_APPARMOR },
  { "cgroup", required_argument, NULL, OPT_CGROUP },
  { "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
  { NULL, 0, NULL, 0 },
};

struct exec_opts
{
  const char *process_file;
  bool detach, tty, no_new_privs, ignore_paused;
  const char *pid_file, *console_socket, *pidfd_socket, *cwd, *user;
  const char *process_label, *apparmor, *cgroup;
  unsigned long long preserve_fds;
  /* Repeatable flags, pointing into argv. */
  const char **env, **caps, **gids;
  size_t n_env, n_caps, n_gids;
};

static int
push_arg (const char ***list, size_t *n, const char *arg, struct bw_error *err)
{
  const char **grown = realloc (*list, (*n + 1) * sizeof *grown);
  if (!grown)
    return bw_error_set (err, ENOMEM, "out of memory");
  grown[(*n)++] = arg;
  *list = grown;
  return 0;
}

static int
check_id_list (const char *flag, const char *arg, struct bw_error *err)
{
  char *end;
  errno = 0;
  unsigned long v = strtoul (arg, &end, 10);
  if (!*arg || *arg == '-' || *end || errno || v > UINT32_MAX)
    return cli_usage_error (err, "exec", "%s: expected a numeric id, got \"%s\"", flag, arg);
  return 0;
}

static int
on_option (int opt, const char *arg, void *data, struct bw_error *err)
{
  struct exec_opts *o = data;
  switch (opt)
    {
    case 'p': o->process_file = arg; break;
    case 'd': o->detach = true; break;
    case 't': o->tty = true; break;
    case OPT_PID_FILE: o->pid_file = arg; break;
    case OPT_CONSOLE_SOCKET: o->console_socket = arg; break;
    case OPT_PIDFD_SOCKET: o->pidfd_socket = arg; break;
    case OPT_CWD:
      if (arg[0] != '/')
        return cli_usage_error (err, "exec", "--cwd: must be an absolute path, got \"%s\"", arg);
      o->cwd = arg;
      break;
    case 'e':
      if (!strchr (arg, '=') || arg[0] == '=')
        return cli_usage_error (err, "exec", "--env: expected NAME=VALUE, got \"%s\"", arg);
      return push_arg (&o->env, &o->n_env, arg, err);
    case 'u':
      {
        _cleanup_free_ char *copy = strdup (arg);
        if (!copy)
          return bw_error_set (err, ENOMEM, "out of memory");
        char *colon = strchr (copy, ':');
        if (colon)
          *colon = '\0';
        int ret = check_id_list ("--user", copy, err);
        if (ret == 0 && colon)
          ret = check_id_list ("--user", colon + 1, err);
        if (ret < 0)
          return cli_usage_error (err, "exec", "--user: expected UID[:GID], got \"%s\"", arg);
        o->user = arg;
      }
      break;
    case 'g':
      {
        int ret = check_id_list ("--additional-gids", arg, err);
        return ret < 0 ? ret : push_arg (&o->gids, &o->n_gids, arg, err);
      }
    case 'c':
      {
        cap_value_t cap;
        if (cap_from_name (arg, &cap) < 0)
          return cli_usage_error (err, "exec", "--cap: unknown capability \"%s\"", arg);
        return push_arg (&o->caps, &o->n_caps, arg, err);
      }
    case OPT_NO_NEW_PRIVS: o->no_new_privs = true; break;
    case OPT_PRESERVE_FDS:
      return cli_parse_uint ("exec", "--preserve-fds", arg, 65536, &o->preserve_fds, err);
    case OPT_PROCESS_LABEL: o->process_label = arg; break;
    case OPT_APPARMOR: o->apparmor = arg; break;
    case OPT_CGROUP: o->cgroup = arg; break;
    case OPT_IGNORE_PAUSED: o->ignore_paused = true; break;
    default:
      return cli_usage_error (err, "exec", "unexpected option");
    }
  return 0;
}


/* Append a copy of `s` to a NULL-terminated spec_strv. */
static int
strv_push (struct spec_strv *v, const char *s)
{
  char *copy = strdup (s);
  char **grown = copy ? realloc (v->v, (v->n + 2) * sizeof *grown) : NULL;
  if (!grown)
    {
      free (copy);
      return -ENOMEM;
    }
  grown[v->n++] = copy;
  grown[v->n] = NULL;
  v->v = grown;
  return 0;
}

static bool
strv_has (const struct spec_strv *v, const char *s)
{
  for (size_t i = 0; i < v->n; i++)
    if (strcasecmp (v->v[i], s) == 0)
      return true;
  return false;
}

/* NAME=VALUE replaces an existing NAME (getenv would see the first one). */
static int
env_set (struct spec_strv *env, const char *entry)
{
  size_t name_len = strchr (entry, '=') - entry + 1;
  for (size_t i = 0; i < env->n; i++)
    if (strncmp (env->v[i], entry, name_len) == 0)
      {
        char *copy = strdup (entry);
        if (!copy)
          return -ENOMEM;
        free (env->v[i]);
        env->v[i] = copy;
        return 0;
      }
  return strv_push (env, entry);
}

/* --cap as runc: bounding, effective and permitted; ambient only when the
 * process has it inheritable too (the kernel refuses it otherwise). */
static int
add_cap (struct spec_process *p, const char *arg)
{
  _cleanup_free_ char *name = NULL;
  if (strncasecmp (arg, "CAP_", 4) == 0)
    name = strdup (arg);
  else if (asprintf (&name, "CAP_%s", arg) < 0)
    name = NULL;
  if (!name)
    return -ENOMEM;
  for (char *c = name; *c; c++)
    *c = (char) toupper ((unsigned char) *c);
  if (!p->capabilities && !(p->capabilities = calloc (1, sizeof *p->capabilities)))
    return -ENOMEM;
  struct spec_capabilities *c = p->capabilities;
  struct spec_strv *sets[] = { &c->bounding, &c->effective, &c->permitted,
                               strv_has (&c->inheritable, name) ? &c->ambient : NULL };
  for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
    if (sets[i] && !strv_has (sets[i], name) && strv_push (sets[i], name) < 0)
      return -ENOMEM;
  return 0;
}

static int
apply_user (struct spec_process *p, const struct exec_opts *o)
{
  if (o->user)
    {
      const char *colon = strchr (o->user, ':');
      p->user.uid = (uint32_t) strtoul (o->user, NULL, 10);
      if (colon)
        p->user.gid = (uint32_t) strtoul (colon + 1, NULL, 10);
    }
  if (o->n_gids)
    {
      size_t n = p->user.n_additional_gids;
      uint32_t *gids = realloc (p->user.additional_gids, (n + o->n_gids) * sizeof *gids);
      if (!gids)
        return -ENOMEM;
      for (size_t i = 0; i < o->n_gids; i++)
        gids[n + i] = (uint32_t) strtoul (o->gids[i], NULL, 10);
      p->user.additional_gids = gids;
      p->user.n_additional_gids = n + o->n_gids;
      p->user.additional_gids_set = true;
    }
  return 0;
}

/* The config's process with the command line's overrides (runc's rules:
 * args replaced, env added, terminal only with --tty). Takes the process
 * out of `config`. */
static int
process_from_flags (struct spec *config, const struct exec_opts *o, char **args, int n_args,
                    struct spec_process **out, struct bw_error *err)
{
  struct spec_process *p = bw_steal_ptr (config->process);
  int ret = 0;
  if (!p)
    return bw_error_set (err, EINVAL, "the container's config.json has no process");
  *out = p;
  for (size_t i = 0; i < p->args.n; i++)
    free (p->args.v[i]);
  p->args.n = 0;
  for (int i = 0; ret == 0 && i < n_args; i++)
    ret = strv_push (&p->args, args[i]);
  for (size_t i = 0; ret == 0 && i < o->n_env; i++)
    ret = env_set (&p->env, o->env[i]);
  for (size_t i = 0; ret == 0 && i < o->n_caps; i++)
    ret = add_cap (p, o->caps[i]);
  if (ret == 0)
    ret = apply_user (p, o);
  if (ret == 0 && o->cwd)
    {
      free (p->cwd);
      ret = (p->cwd = strdup (o->cwd)) ? 0 : -ENOMEM;
    }
  p->terminal.set = true;
  p->terminal.value = o->tty;
  if (o->no_new_privs)
    p->no_new_privileges = (opt_bool) { .set = true, .value = true };
  if (ret < 0)
    return bw_error_set (err, -ret, "out of memory");
  return 0;
}

/* The config the container was created with (written by create). */
static int
load_container_config (struct state_handle *h, struct spec **out, struct bw_error *err)
{
  _cleanup_free_ char *json = NULL;
  size_t len = 0;
  int ret = state_read_file (h, "config.json", 16 << 20, &json, &len, err);
  if (ret == 0)
    ret = spec_parse_config (json, len, out, err);
  if (ret < 0)
    return bw_error_prefix (err, "the container's config.json");
  return 0;
}

static int
check_unsupported (const struct exec_opts *o, struct bw_error *err)
{
  if (o->cgroup)
    return bw_error_set (err, ENOTSUP,
                         "--cgroup: not supported: this build has no cgroup support yet");
  return 0;
}

static int
send_pidfd (const char *path, pid_t pid, struct bw_error *err)
{
  _cleanup_close_ int pidfd = sys_pidfd_open (pid, 0);
  if (pidfd < 0)
    return bw_error_syscall (err, "--pidfd-socket: pidfd_open %d", (int) pid);
  int ret = fdpass_send_to_path (path, pidfd, NULL, err);
  return ret < 0 ? bw_error_prefix (err, "--pidfd-socket") : 0;
}

/* Everything between the open container and a started process. The
 * container's lock is released by the caller before any wait. *master is
 * the pty's master when the runtime relays the terminal itself. */
static int
spawn (struct cli_ctx *ctx, const struct state_store *st, struct state_handle *h,
       const struct state_record *rec, const struct exec_opts *o,
       struct spec_process **process, char **args, int n_args, pid_t *pid, int *master,
       struct bw_error *err)
{
  struct tty_relay_socket relay = TTY_RELAY_SOCKET_INIT;
  _cleanup_spec_ struct spec *config = NULL;
  _cleanup_free_ char *state_json = NULL;
  int ret = load_container_config (h, &config, err);
  if (ret == 0 && !*process)
    ret = process_from_flags (config, o, args, n_args, process, err);
  if (ret < 0)
    return ret;
  /* An LSM label asked for on the command line is checked (and refused on
   * a host without that LSM) like one from a process file. */
  if (o->apparmor && !((*process)->apparmor_profile = strdup (o->apparmor)))
    return bw_error_set (err, ENOMEM, "out of memory");
  if (o->process_label && !((*process)->selinux_label = strdup (o->process_label)))
    return bw_error_set (err, ENOMEM, "out of memory");
  /* A process file without capabilities gets the container's (as runc):
   * none at all would keep every capability of its user namespace. */
  if (!(*process)->capabilities && config->process)
    (*process)->capabilities = bw_steal_ptr (config->process->capabilities);
  /* Held to the policy as the container's own process was at create. */
  ret = hardening_limit_exec (ctx, rec->id, config, *process, err);
  if (ret < 0)
    return ret;
  ret = state_to_json (rec, STATUS_RUNNING, &state_json, err);
  if (ret < 0)
    return ret;
  /* Detached, nobody would be there to relay: exec_spawn refuses it. */
  if ((*process)->terminal.value && !o->console_socket && !o->detach)
    {
      ret = tty_relay_listen (&relay, err);
      if (ret < 0)
        {
          tty_relay_socket_close (&relay);
          return ret;
        }
    }
  struct exec_request req = {
    .rec = rec,
    .config = config,
    .process = *process,
    .console_socket = relay.path ? relay.path : o->console_socket,
    .state_json = state_json,
    .state_root = st->root,
    .preserve_fds = (int) o->preserve_fds,
  };
  ret = exec_spawn (&req, pid, err);
  if (ret == 0 && relay.path)
    {
      ret = tty_relay_receive (&relay, master, err);
      if (ret < 0)
        kill (*pid, SIGKILL);
    }
  tty_relay_socket_close (&relay);
  if (ret < 0)
    return ret;
  if (o->pidfd_socket)
    ret = send_pidfd (o->pidfd_socket, *pid, err);
  if (ret == 0 && o->pid_file)
    ret = lifecycle_write_pid_file (o->pid_file, *pid, err);
  if (ret < 0)
    kill (*pid, SIGKILL);
  return ret;
}

static int
exec_main (struct cli_ctx *ctx, const char *id, struct exec_opts *o,
           struct spec_process **process, char **args, int n_args, struct bw_error *err)
{
  struct state_store st = { .root_fd = -1 };
  struct state_handle h = { .dir_fd = -1 };
  struct state_record rec = { 0 };
  sigset_t set, old;
  pid_t pid = 0;
  _cleanup_close_ int master = -1;
  int ret = check_unsupported (o, err);
  if (ret < 0)
    return ret;
  /* Blocked before the process exists so that no signal is lost. */
  forward_signal_set (&set);
  if (!o->detach)
    sigprocmask (SIG_BLOCK, &set, &old);
  ret = cmd_open_running (ctx, id, o->ignore_paused, &st, &h, &rec, err);
  if (ret == 0)
    {
      ret = spawn (ctx, &st, &h, &rec, o, process, args, n_args, &pid, &master, err);
      /* Not held while the process runs: kill, state and delete would wait. */
      cmd_close (&st, &h, &rec);
    }
  if (ret == 0 && !o->detach)
    ret = master >= 0 ? tty_relay_run (master, pid, &set, err) : forward_wait (pid, &set, err);
  else if (ret < 0 && pid > 0)
    waitpid (pid, NULL, 0);
  if (!o->detach)
    sigprocmask (SIG_SETMASK, &old, NULL);
  return ret;
}

int
cmd_exec (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const struct cli_command *cmd = cli_find_command ("exec");
  struct exec_opts o = { 0 };
  bool help = false;
  int first = 0;
  const char *id = NULL;
  struct spec_process *process = NULL;
  int ret = cli_parse_options (cmd, argc, argv, "p:dte:u:g:c:", exec_options, true, on_option, &o,
                               &first, &help, err);
  if (ret < 0 || help)
    goto out;
  ret = cli_expect_operands (cmd->name, argc, argv, first, 1, -1, err);
  if (ret < 0)
    goto out;
  id = argv[first];
  if (!o.process_file && argc - first < 2)
    {
      ret = cli_usage_error (err, cmd->name, "a command or --process FILE is required");
      goto out;
    }

  if (o.process_file)
    {
      _cleanup_free_ char *json = NULL;
      size_t len;
      ret = spec_read_file (o.process_file, &json, &len, err);
      if (ret == 0)
        {
          ret = spec_parse_process (json, len, &process, err);
          if (ret < 0)
            bw_error_prefix (err, "%s", o.process_file);
        }
      if (ret < 0)
        goto out;
    }
  ret = exec_main (ctx, id, &o, &process, argv + first + 1, argc - first - 1, err);

out:
  spec_process_free (process);
  free (o.env);
  free (o.caps);
  free (o.gids);
  return ret;
}
