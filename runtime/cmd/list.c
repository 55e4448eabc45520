#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "cmd.h"

static const struct option list_options[] = {
  { "format", required_argument, NULL, 'f' },
  { "quiet", no_argument, NULL, 'q' },
  { NULL, 0, NULL, 0 },
};

struct list_opts
{
  bool json;
  bool quiet;
};

static int
on_option (int opt, const char *arg, void *data, struct bw_error *err)
{
  struct list_opts *o = data;
  if (opt == 'q')
    o->quiet = true;
  else if (opt == 'f')
    return cli_parse_format ("list", arg, &o->json, err);
  return 0;
}

int
cmd_list (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const struct cli_command *cmd = cli_find_command ("list");
  struct list_opts o = { 0 };
  bool help = false;
  int first = 0;
  int ret = cli_parse_options (cmd, argc, argv, "f:q", list_options, false, on_option, &o, &first,
                               &help, err);
  if (ret < 0 || help)
    return ret;
  ret = cli_expect_operands (cmd->name, argc, argv, first, 0, 0, err);
  if (ret < 0)
    return ret;

  struct state_store st = { .root_fd = -1 };
  ret = state_store_open (ctx->global.root, false, &st, err);
  if (ret == -ENOENT)
    {
      /* No root yet: no containers. */
      if (o.json)
        puts ("[]");
      else if (!o.quiet)
        printf ("%-12s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
                "OWNER");
      return 0;
    }
  if (ret < 0)
    return ret;
  _cleanup_strv_ char **ids = NULL;
  ret = state_list (&st, &ids, err);
  if (ret < 0)
    {
      state_store_close (&st);
      return ret;
    }
  if (o.json)
    fputs ("[", stdout);
  else if (!o.quiet)
    printf ("%-12s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
            "OWNER");
  bool first_item = true;
  for (char **id = ids; *id; id++)
    {
      if (o.quiet)
        {
          puts (*id);
          continue;
        }
      struct state_handle h = { .dir_fd = -1 };
      struct state_record rec = { 0 };
      struct bw_error ignored = { 0 };
      /* A container deleted or half-written meanwhile is simply skipped. */
      if (state_container_open_unlocked (&st, *id, &h, &ignored) < 0)
        continue;
      if (state_read (&h, &rec, &ignored) == 0)
        {
          enum container_status status = state_current_status (&rec);
          if (o.json)
            {
              _cleanup_free_ char *json = NULL;
              if (state_to_json (&rec, status, &json, &ignored) == 0)
                {
                  printf ("%s%s", first_item ? "" : ",", json);
                  first_item = false;
                }
            }
          else
            printf ("%-12s %-8d %-10s %-40s %-32s %s\n", rec.id, status == STATUS_STOPPED ? 0 : rec.pid,
                    state_status_name (status), rec.bundle, rec.created,
                    rec.owner && *rec.owner ? rec.owner : "root");
        }
      state_record_clear (&rec);
      state_handle_close (&h);
    }
  if (o.json)
    puts ("]");
  state_store_close (&st);
  return 0;
}
