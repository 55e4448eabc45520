/* ps, pause, resume, events: the commands that read or drive a container's
 * cgroup. Their arguments are parsed and checked here; the cgroup work
 * itself belongs to the cgroup module, which this build does not have yet,
 * so they say so instead of pretending. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

int
cmd_needs_cgroups (struct cli_ctx *ctx, const char *command, const char *id, bool allow_paused,
               struct bw_error *err)
{
  struct state_store st = { .root_fd = -1 };
  struct state_handle h = { .dir_fd = -1 };
  struct state_record rec = { 0 };
  int ret = cmd_open_running (ctx, id, allow_paused, &st, &h, &rec, err);
  if (ret < 0)
    return ret;
  cmd_close (&st, &h, &rec);
  return bw_error_set (err, ENOSYS, "%s: cgroup support is not implemented yet in this build",
                       command);
}

static const struct option ps_options[] = {
  { "format", required_argument, NULL, 'f' },
  { NULL, 0, NULL, 0 },
};

static int
on_ps_option (int opt, const char *arg, void *data, struct bw_error *err)
{
  if (strcmp (arg, "json") && strcmp (arg, "table"))
    return cli_usage_error (err, "ps", "--format: expected table or json, got \"%s\"", arg);
  return 0;
}

int
cmd_ps (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const struct cli_command *cmd = cli_find_command ("ps");
  bool help = false;
  int first = 0;
  int ret = cli_parse_options (cmd, argc, argv, "f:", ps_options, true, on_ps_option, NULL, &first,
                               &help, err);
  if (ret < 0 || help)
    return ret;
  ret = cli_expect_operands (cmd->name, argc, argv, first, 1, -1, err);
  if (ret < 0)
    return ret;
  return cmd_needs_cgroups (ctx, "ps", argv[first], true, err);
}

int
cmd_pause (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const char *id = NULL;
  bool help = false;
  int ret = cmd_parse_id_only (cli_find_command ("pause"), argc, argv, &id, &help, err);
  if (ret < 0 || help)
    return ret;
  return cmd_needs_cgroups (ctx, "pause", id, false, err);
}

int
cmd_resume (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const char *id = NULL;
  bool help = false;
  int ret = cmd_parse_id_only (cli_find_command ("resume"), argc, argv, &id, &help, err);
  if (ret < 0 || help)
    return ret;
  struct state_store st = { .root_fd = -1 };
  struct state_handle h = { .dir_fd = -1 };
  struct state_record rec = { 0 };
  ret = cmd_open_running (ctx, id, true, &st, &h, &rec, err);
  if (ret < 0)
    return ret;
  enum container_status status = state_current_status (&rec);
  cmd_close (&st, &h, &rec);
  if (status != STATUS_PAUSED)
    return bw_error_set (err, EINVAL, "container \"%s\" is not paused", id);
  return bw_error_set (err, ENOSYS, "resume: cgroup support is not implemented yet in this build");
}

enum
{
  OPT_STATS = 256,
  OPT_INTERVAL,
};

static const struct option events_options[] = {
  { "stats", no_argument, NULL, OPT_STATS },
  { "interval", required_argument, NULL, OPT_INTERVAL },
  { NULL, 0, NULL, 0 },
};

/* A Go-style duration ("5s", "100ms", "1m30s", "1.5s"): must be positive. */
static int
parse_duration (const char *arg, struct bw_error *err)
{
  const char *p = arg;
  double total_ms = 0;
  if (!*p)
    goto bad;
  while (*p)
    {
      char *end;
      double v = strtod (p, &end);
      if (end == p || v < 0)
        goto bad;
      p = end;
      double unit;
      if (strncmp (p, "ms", 2) == 0)
        unit = 1, p += 2;
      else if (strncmp (p, "us", 2) == 0)
        unit = 0.001, p += 2;
      else if (strncmp (p, "ns", 2) == 0)
        unit = 0.000001, p += 2;
      else if (*p == 's')
        unit = 1000, p++;
      else if (*p == 'm')
        unit = 60000, p++;
      else if (*p == 'h')
        unit = 3600000, p++;
      else
        goto bad;
      total_ms += v * unit;
    }
  if (total_ms <= 0)
    goto bad;
  return 0;
bad:
  return cli_usage_error (err, "events", "--interval: expected a positive duration such as 5s, got \"%s\"",
                          arg);
}

static int
on_events_option (int opt, const char *arg, void *data, struct bw_error *err)
{
  if (opt == OPT_INTERVAL)
    return parse_duration (arg, err);
  return 0;
}

int
cmd_events (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const struct cli_command *cmd = cli_find_command ("events");
  bool help = false;
  int first = 0;
  int ret = cli_parse_options (cmd, argc, argv, "", events_options, false, on_events_option, NULL,
                               &first, &help, err);
  if (ret < 0 || help)
    return ret;
  ret = cli_expect_operands (cmd->name, argc, argv, first, 1, 1, err);
  if (ret < 0)
    return ret;
  return cmd_needs_cgroups (ctx, "events", argv[first], true, err);
}

static int
unsupported (const char *command, int argc, char **argv, struct bw_error *err)
{
  const struct cli_command *cmd = cli_find_command (command);
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
      {
        fputs (cmd->help, stdout);
        return 0;
      }
  return bw_error_set (err, ENOTSUP, "%s is not supported by bulwark (no CRIU support)", command);
}

int
cmd_checkpoint (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  return unsupported ("checkpoint", argc, argv, err);
}

int
cmd_restore (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  return unsupported ("restore", argc, argv, err);
}
