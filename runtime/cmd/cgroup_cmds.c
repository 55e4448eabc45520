/* ps, pause, resume: the commands that read or drive a container's cgroup
 * (the work is in the cgroup module); checkpoint and restore, refused. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cmd.h"

/* The container (running, or paused when `allow_paused`) and its cgroups,
 * locked; cmd_close releases all but `cg`. */
static int
open_cgroup (struct cli_ctx *ctx, const char *id, bool allow_paused, struct state_store *st,
             struct state_handle *h, struct state_record *rec, struct cgroup_set *cg,
             struct bw_error *err)
{
  int ret = cmd_open_running (ctx, id, allow_paused, st, h, rec, err);
  if (ret < 0)
    return ret;
  ret = cgroup_load_recorded (id, rec->cgroup_path, cg, err);
  if (ret < 0)
    cmd_close (st, h, rec);
  return ret;
}

/* Table format: "PID CMD" with the command line from /proc (runc runs
 * ps(1) instead; its options are not supported here). */
static void
print_table (const pid_t *pids, size_t n)
{
  printf ("%-8s %s\n", "PID", "CMD");
  for (size_t i = 0; i < n; i++)
    {
      char path[64], buf[4096];
      snprintf (path, sizeof path, "/proc/%d/cmdline", (int) pids[i]);
      _cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC);
      ssize_t len = fd >= 0 ? read (fd, buf, sizeof buf - 1) : -1;
      if (len < 0)
        len = 0;
      buf[len] = '\0';
      for (ssize_t j = 0; j + 1 < len; j++)
        if (buf[j] == '\0')
          buf[j] = ' ';
      printf ("%-8d %s\n", (int) pids[i], buf);
    }
}

static const struct option ps_options[] = {
  { "format", required_argument, NULL, 'f' },
  { NULL, 0, NULL, 0 },
};

static int
on_ps_option (int opt, const char *arg, void *data, struct bw_error *err)
{
  return cli_parse_format ("ps", arg, data, err);
}

int
cmd_ps (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const struct cli_command *cmd = cli_find_command ("ps");
  bool help = false, json = false;
  int first = 0;
  int ret = cli_parse_options (cmd, argc, argv, "f:", ps_options, true, on_ps_option, &json,
                               &first, &help, err);
  if (ret < 0 || help)
    return ret;
  ret = cli_expect_operands (cmd->name, argc, argv, first, 1, -1, err);
  if (ret < 0)
    return ret;
  if (argc - first > 1)
    return cli_usage_error (err, "ps", "ps(1) options are not supported; use --format json");
  struct state_store st = { .root_fd = -1 };
  struct state_handle h = { .dir_fd = -1 };
  struct state_record rec = { 0 };
  struct cgroup_set cg = { 0 };
  ret = open_cgroup (ctx, argv[first], true, &st, &h, &rec, &cg, err);
  if (ret < 0)
    return ret;
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  ret = cgroup_pids (&cg, &pids, &n, err);
  cgroup_set_clear (&cg);
  cmd_close (&st, &h, &rec);
  if (ret < 0)
    return ret;
  if (!json)
    print_table (pids, n);
  else
    {
      putchar ('[');
      for (size_t i = 0; i < n; i++)
        printf ("%s%d", i ? "," : "", (int) pids[i]);
      puts ("]");
    }
  return 0;
}

/* Freeze or thaw, and record it: state reports "paused" from state.json
 * while the init lives. */
static int
set_paused (struct cli_ctx *ctx, const char *id, bool paused, struct bw_error *err)
{
  struct state_store st = { .root_fd = -1 };
  struct state_handle h = { .dir_fd = -1 };
  struct state_record rec = { 0 };
  struct cgroup_set cg = { 0 };
  int ret = open_cgroup (ctx, id, true, &st, &h, &rec, &cg, err);
  if (ret < 0)
    return ret;
  enum container_status status = state_current_status (&rec);
  if (paused && status == STATUS_PAUSED)
    ret = bw_error_set (err, EINVAL, "container \"%s\" is already paused", id);
  else if (!paused && status != STATUS_PAUSED)
    ret = bw_error_set (err, EINVAL, "container \"%s\" is not paused", id);
  if (ret == 0)
    ret = cgroup_freeze (&cg, paused, err);
  if (ret == 0)
    {
      rec.status = paused ? STATUS_PAUSED : STATUS_RUNNING;
      ret = state_write (&h, &rec, err);
    }
  cgroup_set_clear (&cg);
  cmd_close (&st, &h, &rec);
  return ret;
}

int
cmd_pause (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const char *id = NULL;
  bool help = false;
  int ret = cmd_parse_id_only (cli_find_command ("pause"), argc, argv, &id, &help, err);
  if (ret < 0 || help)
    return ret;
  return set_paused (ctx, id, true, err);
}

int
cmd_resume (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const char *id = NULL;
  bool help = false;
  int ret = cmd_parse_id_only (cli_find_command ("resume"), argc, argv, &id, &help, err);
  if (ret < 0 || help)
    return ret;
  return set_paused (ctx, id, false, err);
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
