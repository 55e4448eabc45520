#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

enum
{
  OPT_PID_FILE = 256,
  OPT_CONSOLE_SOCKET,
  OPT_PIDFD_SOCKET,
  OPT_NO_PIVOT,
  OPT_NO_NEW_KEYRING,
  OPT_PRESERVE_FDS,
  OPT_KEEP,
  OPT_NO_SUBREAPER,
};

static const struct option create_options[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "pid-file", required_argument, NULL, OPT_PID_FILE },
  { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
  { "pidfd-socket", required_argument, NULL, OPT_PIDFD_SOCKET },
  { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
  { "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
  { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
  { NULL, 0, NULL, 0 },
};

static const struct option run_options[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "pid-file", required_argument, NULL, OPT_PID_FILE },
  { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
  { "pidfd-socket", required_argument, NULL, OPT_PIDFD_SOCKET },
  { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
  { "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
  { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
  { "detach", no_argument, NULL, 'd' },
  { "keep", no_argument, NULL, OPT_KEEP },
  { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
  { NULL, 0, NULL, 0 },
};

struct parse_state
{
  const char *command;
  struct create_cmd_opts *o;
};

static int
on_option (int opt, const char *arg, void *data, struct bw_error *err)
{
  struct parse_state *ps = data;
  struct create_cmd_opts *o = ps->o;
  unsigned long long n;
  int ret;
  switch (opt)
    {
    case 'b':
      o->create.bundle = arg;
      break;
    case OPT_PID_FILE:
      o->create.pid_file = arg;
      break;
    case OPT_CONSOLE_SOCKET:
      o->create.console_socket = arg;
      break;
    case OPT_PIDFD_SOCKET:
      o->create.pidfd_socket = arg;
      break;
    case OPT_NO_PIVOT:
      o->create.no_pivot = true;
      break;
    case OPT_NO_NEW_KEYRING:
      o->create.no_new_keyring = true;
      break;
    case OPT_PRESERVE_FDS:
      ret = cli_parse_uint (ps->command, "--preserve-fds", arg, INT_MAX - 3, &n, err);
      if (ret < 0)
        return ret;
      o->create.preserve_fds = (int) n;
      break;
    case 'd':
      o->detach = true;
      break;
    case OPT_KEEP:
      o->keep = true;
      break;
    case OPT_NO_SUBREAPER:
      break;
    default:
      return cli_usage_error (err, ps->command, "unexpected option");
    }
  return 0;
}

int
cmd_parse_create (const struct cli_command *cmd, int argc, char **argv, bool is_run,
                  struct create_cmd_opts *o, const char **id, bool *help_shown,
                  struct bw_error *err)
{
  struct parse_state ps = { .command = cmd->name, .o = o };
  int first = 0;
  int ret = cli_parse_options (cmd, argc, argv, is_run ? "b:d" : "b:",
                               is_run ? run_options : create_options, false, on_option, &ps,
                               &first, help_shown, err);
  if (ret < 0 || *help_shown)
    return ret;
  ret = cli_expect_operands (cmd->name, argc, argv, first, 1, 1, err);
  if (ret < 0)
    return ret;
  *id = argv[first];
  return 0;
}

int
cmd_create (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  struct create_cmd_opts o = { 0 };
  const char *id = NULL;
  bool help = false;
  pid_t pid;
  int ret = cmd_parse_create (cli_find_command ("create"), argc, argv, false, &o, &id, &help, err);
  if (ret < 0 || help)
    return ret;
  ret = lifecycle_create (ctx, id, &o.create, &pid, err);
  return ret < 0 ? ret : 0;
}

int
cmd_start (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const char *id = NULL;
  bool help = false;
  int ret = cmd_parse_id_only (cli_find_command ("start"), argc, argv, &id, &help, err);
  if (ret < 0 || help)
    return ret;
  ret = lifecycle_start (ctx, id, err);
  return ret < 0 ? ret : 0;
}
