#include <stdio.h>
#include <stdlib.h>

#include "cleanup.h"
#include "cmd.h"

int
cmd_state (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const char *id = NULL;
  bool help = false;
  int ret = cmd_parse_id_only (cli_find_command ("state"), argc, argv, &id, &help, err);
  if (ret < 0 || help)
    return ret;
  struct state_store st = { .root_fd = -1 };
  struct state_handle h = { .dir_fd = -1 };
  struct state_record rec = { 0 };
  ret = lifecycle_peek (ctx, id, &st, &h, &rec, err);
  if (ret < 0)
    return ret;
  _cleanup_free_ char *json = NULL;
  ret = state_to_json (&rec, state_current_status (&rec), &json, err);
  if (ret == 0)
    printf ("%s\n", json);
  cmd_close (&st, &h, &rec);
  return ret < 0 ? ret : 0;
}
