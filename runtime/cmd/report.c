#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "cmd.h"
#include "hardening.h"

static const struct option report_options[] = {
  { "format", required_argument, NULL, 'f' },
  { "bundle", required_argument, NULL, 'b' },
  { NULL, 0, NULL, 0 },
};

struct report_opts
{
  bool json;
  const char *bundle;
};

static int
on_option (int opt, const char *arg, void *data, struct bw_error *err)
{
  struct report_opts *o = data;
  if (opt == 'b')
    o->bundle = arg;
  else if (opt == 'f')
    return cli_parse_format ("report", arg, &o->json, err);
  return 0;
}

static int
report_container (struct cli_ctx *ctx, const char *id, bool json, char **out,
                  struct bw_error *err)
{
  struct state_store st = { .root_fd = -1 };
  struct state_handle h = { .dir_fd = -1 };
  struct state_record rec = { 0 };
  int ret = lifecycle_peek (ctx, id, &st, &h, &rec, err);
  if (ret < 0)
    return ret;
  _cleanup_free_ char *posture = NULL;
  size_t len = 0;
  ret = state_read_file (&h, POSTURE_FILE, 1 << 20, &posture, &len, err);
  if (ret == -ENOENT)
    ret = bw_error_set (err, ENOENT, "container \"%s\" has no posture report (created without a policy?)", id);
  if (ret == 0)
    ret = hardening_report_saved (posture, len, json, out, err);
  cmd_close (&st, &h, &rec);
  return ret;
}

int
cmd_report (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const struct cli_command *cmd = cli_find_command ("report");
  struct report_opts o = { 0 };
  bool help = false;
  int first = 0;
  int ret = cli_parse_options (cmd, argc, argv, "f:b:", report_options, false, on_option, &o,
                               &first, &help, err);
  if (ret < 0 || help)
    return ret;
  ret = cli_expect_operands (cmd->name, argc, argv, first, o.bundle ? 0 : 1, o.bundle ? 0 : 1, err);
  if (ret < 0)
    return ret;

  _cleanup_free_ char *out = NULL;
  bool refused = false;
  if (o.bundle)
    ret = hardening_report_bundle (ctx, o.bundle, o.json, &out, &refused, err);
  else
    ret = report_container (ctx, argv[first], o.json, &out, err);
  /* A refused bundle still shows its decisions, then fails with the reason. */
  if (out)
    fputs (out, stdout);
  if (out && !o.json && !refused && out[0] && out[strlen (out) - 1] != '\n')
    putchar ('\n');
  fflush (stdout);
  return ret < 0 ? ret : 0;
}
