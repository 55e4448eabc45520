/* exec: run a process in a running container. The command line is parsed
 * and checked in full; the namespace-joining part lives in the container
 * module. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "cleanup.h"
#include "cmd.h"
#include "spec.h"

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
};

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
      break;
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
      return check_id_list ("--additional-gids", arg, err);
    case 'c':
      {
        cap_value_t cap;
        if (cap_from_name (arg, &cap) < 0)
          return cli_usage_error (err, "exec", "--cap: unknown capability \"%s\"", arg);
      }
      break;
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

int
cmd_exec (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const struct cli_command *cmd = cli_find_command ("exec");
  struct exec_opts o = { 0 };
  bool help = false;
  int first = 0;
  int ret = cli_parse_options (cmd, argc, argv, "p:dte:u:g:c:", exec_options, true, on_option, &o,
                               &first, &help, err);
  if (ret < 0 || help)
    return ret;
  ret = cli_expect_operands (cmd->name, argc, argv, first, 1, -1, err);
  if (ret < 0)
    return ret;
  const char *id = argv[first];
  if (!o.process_file && argc - first < 2)
    return cli_usage_error (err, cmd->name, "a command or --process FILE is required");

  struct spec_process *process = NULL;
  if (o.process_file)
    {
      _cleanup_free_ char *json = NULL;
      size_t len;
      ret = spec_read_file (o.process_file, &json, &len, err);
      if (ret < 0)
        return ret;
      ret = spec_parse_process (json, len, &process, err);
      if (ret < 0)
        return bw_error_prefix (err, "%s", o.process_file);
    }

  struct state_store st = { .root_fd = -1 };
  struct state_handle h = { .dir_fd = -1 };
  struct state_record rec = { 0 };
  ret = cmd_open_running (ctx, id, o.ignore_paused, &st, &h, &rec, err);
  if (ret == 0)
    {
      ret = bw_error_set (err, ENOSYS, "exec into a running container is not implemented yet");
      cmd_close (&st, &h, &rec);
    }
  spec_process_free (process);
  return ret;
}
