/* cli: argv parsing, usage text, exit codes and the command table. Each
 * command lives in runtime/cmd/<name>.c; commands return an exit code (>= 0)
 * or a negative errno with *err filled, which main prints as one line. */
#ifndef BULWARK_CLI_H
#define BULWARK_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "error.h"
#include "log.h"

/* Exit status for usage errors and failed commands, as runc. */
#define CLI_EXIT_FAILURE 1

struct global_opts
{
  const char *root;            /* --root, default STATE_DEFAULT_ROOT */
  const char *log_path;        /* --log */
  enum log_format log_format;  /* --log-format */
  bool debug;                  /* --debug */
  bool systemd_cgroup;         /* --systemd-cgroup */
  const char *cgroup_manager;  /* --cgroup-manager cgroupfs|systemd|disabled */
  const char *rootless;        /* --rootless true|false|auto (accepted) */
  const char *policy_path;     /* --policy; NULL: $BULWARK_POLICY or the default */
};

struct cli_ctx
{
  struct global_opts global;
  struct bw_log log;
  const char *command;         /* the command's name, for messages */
};

struct cli_command
{
  const char *name;
  const char *summary;
  const char *help;            /* usage and options, printed by --help */
  int (*run) (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err);
};

/* The table of commands, NULL-name terminated. */
extern const struct cli_command cli_commands[];

const struct cli_command *cli_find_command (const char *name);
void cli_print_usage (FILE *out);

/* Parse a command's options with getopt_long. `stop_at_operand` keeps the
 * operands after the first one untouched (exec's command line). The
 * callback gets each option; returns 0 or a usage error. On return,
 * *first_operand is the index of the first operand. --help is handled here:
 * *help_shown is set and the caller returns 0. */
typedef int (*cli_option_cb) (int opt, const char *arg, void *data, struct bw_error *err);
int cli_parse_options (const struct cli_command *cmd, int argc, char **argv,
                       const char *shortopts, const struct option *longopts, bool stop_at_operand,
                       cli_option_cb cb, void *data, int *first_operand, bool *help_shown,
                       struct bw_error *err);

/* Usage errors: "<command>: <message>; see 'bulwark <command> --help'". */
int cli_usage_error (struct bw_error *err, const char *command, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

/* Take min..max operands (max < 0: no upper bound); usage error otherwise. */
int cli_expect_operands (const char *command, int argc, char **argv, int first, int min,
                         int max, struct bw_error *err);

/* --format table|json; *json says which. */
int cli_parse_format (const char *command, const char *arg, bool *json, struct bw_error *err);

/* Parse a non-negative integer flag value. */
int cli_parse_uint (const char *command, const char *flag, const char *arg, unsigned long long max,
                    unsigned long long *out, struct bw_error *err);

/* The command functions. */
int cmd_create (struct cli_ctx *, int, char **, struct bw_error *);
int cmd_start (struct cli_ctx *, int, char **, struct bw_error *);
int cmd_run (struct cli_ctx *, int, char **, struct bw_error *);
int cmd_state (struct cli_ctx *, int, char **, struct bw_error *);
int cmd_kill (struct cli_ctx *, int, char **, struct bw_error *);
int cmd_delete (struct cli_ctx *, int, char **, struct bw_error *);
int cmd_list (struct cli_ctx *, int, char **, struct bw_error *);
int cmd_exec (struct cli_ctx *, int, char **, struct bw_error *);
int cmd_ps (struct cli_ctx *, int, char **, struct bw_error *);
int cmd_pause (struct cli_ctx *, int, char **, struct bw_error *);
int cmd_resume (struct cli_ctx *, int, char **, struct bw_error *);
int cmd_update (struct cli_ctx *, int, char **, struct bw_error *);
int cmd_events (struct cli_ctx *, int, char **, struct bw_error *);
int cmd_features (struct cli_ctx *, int, char **, struct bw_error *);
int cmd_spec (struct cli_ctx *, int, char **, struct bw_error *);
int cmd_checkpoint (struct cli_ctx *, int, char **, struct bw_error *);
int cmd_restore (struct cli_ctx *, int, char **, struct bw_error *);
int cmd_report (struct cli_ctx *, int, char **, struct bw_error *);

#endif
