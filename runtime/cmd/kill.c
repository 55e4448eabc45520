#include <signal.h>
#include <errno.h>

#include "cmd.h"
#include "container.h"
#include "signals.h"

static const struct option kill_options[] = {
  { "all", no_argument, NULL, 'a' },
  { NULL, 0, NULL, 0 },
};

static int
on_option (int opt, const char *arg, void *data, struct bw_error *err)
{
  if (opt == 'a')
    *(bool *) data = true;
  return 0;
}

int
cmd_kill (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const struct cli_command *cmd = cli_find_command ("kill");
  bool all = false, help = false;
  int first = 0;
  int ret = cli_parse_options (cmd, argc, argv, "a", kill_options, false, on_option, &all, &first,
                               &help, err);
  if (ret < 0 || help)
    return ret;
  ret = cli_expect_operands (cmd->name, argc, argv, first, 1, 2, err);
  if (ret < 0)
    return ret;
  const char *id = argv[first];
  int signo = SIGTERM;
  if (argc - first == 2)
    {
      ret = signals_parse (argv[first + 1], &signo, err);
      if (ret < 0)
        return ret;
    }

  struct state_store st = { .root_fd = -1 };
  struct state_handle h = { .dir_fd = -1 };
  struct state_record rec = { 0 };
  ret = lifecycle_open (ctx, id, &st, &h, &rec, err);
  if (ret < 0)
    return ret;
  enum container_status status = state_current_status (&rec);
  if (status == STATUS_STOPPED || status == STATUS_CREATING)
    /* Both phrasings clients match on: podman "not running", containerd
     * "no such process". */
    ret = bw_error_set (err, ESRCH, "container \"%s\" is not running: no such process", id);
  else
    ret = container_kill (&rec, signo, all, err);
  cmd_close (&st, &h, &rec);
  return ret < 0 ? ret : 0;
}
