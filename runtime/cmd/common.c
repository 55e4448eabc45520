#include <errno.h>

#include "cmd.h"

static int
no_options (int opt, const char *arg, void *data, struct bw_error *err)
{
  const char *command = data;
  return cli_usage_error (err, command, "unexpected option");
}

int
cmd_parse_id_only (const struct cli_command *cmd, int argc, char **argv, const char **id,
                   bool *help_shown, struct bw_error *err)
{
  static const struct option none[] = { { NULL, 0, NULL, 0 } };
  int first = 0;
  int ret = cli_parse_options (cmd, argc, argv, "", none, false, no_options, (void *) cmd->name,
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
cmd_open_running (struct cli_ctx *ctx, const char *id, bool allow_paused, struct state_store *st,
                  struct state_handle *h, struct state_record *rec, struct bw_error *err)
{
  int ret = lifecycle_open (ctx, id, st, h, rec, err);
  if (ret < 0)
    return ret;
  enum container_status status = state_current_status (rec);
  if (status == STATUS_RUNNING || (allow_paused && status == STATUS_PAUSED))
    return 0;
  if (status == STATUS_PAUSED)
    ret = bw_error_set (err, EINVAL, "container \"%s\" is paused", id);
  else
    ret = bw_error_set (err, EINVAL, "container \"%s\" is not running", id);
  cmd_close (st, h, rec);
  return ret;
}

void
cmd_close (struct state_store *st, struct state_handle *h, struct state_record *rec)
{
  state_record_clear (rec);
  state_handle_close (h);
  state_store_close (st);
}
