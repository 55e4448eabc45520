/* cmd: helpers shared by the command implementations in runtime/cmd/. */
#ifndef BULWARK_CMD_H
#define BULWARK_CMD_H

#include "cli.h"
#include "lifecycle.h"

/* Options of create and run (run adds --detach and --keep). */
struct create_cmd_opts
{
  struct lifecycle_create_opts create;
  bool detach;
  bool keep;
};

int cmd_parse_create (const struct cli_command *cmd, int argc, char **argv, bool is_run,
                      struct create_cmd_opts *o, const char **id, bool *help_shown,
                      struct bw_error *err);

/* Parse a command whose only operand is the container id and that has no
 * options besides --help. */
int cmd_parse_id_only (const struct cli_command *cmd, int argc, char **argv, const char **id,
                       bool *help_shown, struct bw_error *err);

/* Open a container that must be running (or paused when `allow_paused`). */
int cmd_open_running (struct cli_ctx *ctx, const char *id, bool allow_paused,
                      struct state_store *st, struct state_handle *h, struct state_record *rec,
                      struct bw_error *err);
void cmd_close (struct state_store *st, struct state_handle *h, struct state_record *rec);

#endif
