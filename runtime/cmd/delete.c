#include "cmd.h"

static const struct option delete_options[] = {
  { "force", no_argument, NULL, 'f' },
  { NULL, 0, NULL, 0 },
};

static int
on_option (int opt, const char *arg, void *data, struct bw_error *err)
{
  if (opt == 'f')
    *(bool *) data = true;
  return 0;
}

int
cmd_delete (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const struct cli_command *cmd = cli_find_command ("delete");
  bool force = false, help = false;
  int first = 0;
  int ret = cli_parse_options (cmd, argc, argv, "f", delete_options, false, on_option, &force,
                               &first, &help, err);
  if (ret < 0 || help)
    return ret;
  ret = cli_expect_operands (cmd->name, argc, argv, first, 1, 1, err);
  if (ret < 0)
    return ret;
  ret = lifecycle_delete (ctx, argv[first], force, err);
  return ret < 0 ? ret : 0;
}
