/* bulwark: parse the global options, run one command, print its error. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "state.h"

enum
{
  OPT_ROOT = 256,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_DEBUG,
  OPT_SYSTEMD_CGROUP,
  OPT_CGROUP_MANAGER,
  OPT_ROOTLESS,
  OPT_CRIU,
  OPT_POLICY,
};

static const struct option global_options[] = {
  { "root", required_argument, NULL, OPT_ROOT },
  { "log", required_argument, NULL, OPT_LOG },
  { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
  { "debug", no_argument, NULL, OPT_DEBUG },
  { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
  { "cgroup-manager", required_argument, NULL, OPT_CGROUP_MANAGER },
  { "rootless", required_argument, NULL, OPT_ROOTLESS },
  { "criu", required_argument, NULL, OPT_CRIU },
  { "policy", required_argument, NULL, OPT_POLICY },
  { "version", no_argument, NULL, 'v' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* Returns 1 when the command line only asked for --help/--version. */
static int
parse_global (int argc, char **argv, struct global_opts *g, int *first, struct bw_error *err)
{
  optind = 0;
  opterr = 0;
  for (;;)
    {
      int c = getopt_long (argc, argv, "+:vh", global_options, NULL);
      if (c == -1)
        break;
      switch (c)
        {
        case OPT_ROOT:
          if (!*optarg)
            return cli_usage_error (err, NULL, "--root: expected a directory");
          g->root = optarg;
          break;
        case OPT_LOG:
          g->log_path = optarg;
          break;
        case OPT_LOG_FORMAT:
          if (strcmp (optarg, "text") == 0)
            g->log_format = LOG_FORMAT_TEXT;
          else if (strcmp (optarg, "json") == 0)
            g->log_format = LOG_FORMAT_JSON;
          else
            return cli_usage_error (err, NULL, "--log-format: expected text or json, got \"%s\"",
                                    optarg);
          break;
        case OPT_DEBUG:
          g->debug = true;
          break;
        case OPT_SYSTEMD_CGROUP:
          g->systemd_cgroup = true;
          break;
        case OPT_CGROUP_MANAGER:
          if (strcmp (optarg, "cgroupfs") && strcmp (optarg, "systemd") && strcmp (optarg, "disabled"))
            return cli_usage_error (err, NULL,
                                    "--cgroup-manager: expected cgroupfs, systemd or disabled, got \"%s\"",
                                    optarg);
          g->cgroup_manager = optarg;
          break;
        case OPT_ROOTLESS:
          if (strcmp (optarg, "true") && strcmp (optarg, "false") && strcmp (optarg, "auto"))
            return cli_usage_error (err, NULL, "--rootless: expected true, false or auto, got \"%s\"",
                                    optarg);
          g->rootless = optarg;
          break;
        case OPT_CRIU:
          break;
        case OPT_POLICY:
          if (!*optarg)
            return cli_usage_error (err, NULL, "--policy: expected a file");
          g->policy_path = optarg;
          break;
        case 'v':
          printf ("bulwark version %s\nspec: 1.3.0\n", PACKAGE_VERSION);
          return 1;
        case 'h':
          cli_print_usage (stdout);
          return 1;
        case ':':
          return cli_usage_error (err, NULL, "option %s needs a value", argv[optind - 1]);
        default:
          if (optopt)
            return cli_usage_error (err, NULL, "unknown option -%c", optopt);
          return cli_usage_error (err, NULL, "unknown option %s", argv[optind - 1]);
        }
    }
  *first = optind;
  return 0;
}

int
main (int argc, char **argv)
{
  struct cli_ctx ctx = { .global = { .root = STATE_DEFAULT_ROOT } };
  struct bw_error err = { 0 };
  int first = 0;

  int ret = parse_global (argc, argv, &ctx.global, &first, &err);
  if (ret > 0)
    return EXIT_SUCCESS;
  if (ret == 0 && first >= argc)
    ret = cli_usage_error (&err, NULL, "a command is required");

  const struct cli_command *cmd = NULL;
  if (ret == 0)
    {
      cmd = cli_find_command (argv[first]);
      if (!cmd)
        ret = cli_usage_error (&err, NULL, "unknown command \"%s\"", argv[first]);
    }
  if (ret == 0)
    ret = log_open (&ctx.log, ctx.global.log_path, ctx.global.log_format, ctx.global.debug, &err);
  else
    ctx.log = (struct bw_log) { .format = ctx.global.log_format };

  if (ret == 0)
    {
      ctx.command = cmd->name;
      ret = cmd->run (&ctx, argc - first, argv + first, &err);
    }

  if (ret < 0)
    {
      log_msg (&ctx.log, LOG_LEVEL_ERROR, "%s", err.msg[0] ? err.msg : strerror (-ret));
      ret = CLI_EXIT_FAILURE;
    }
  log_close (&ctx.log);
  return ret;
}
