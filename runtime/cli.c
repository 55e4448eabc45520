/* cli: the command table, usage text and option parsing shared by commands. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hostfacts.h"

#define BULWARK_POLICY_DEFAULT POLICY_DEFAULT_PATH

#define ID_OPERAND "CONTAINER_ID"

const struct cli_command cli_commands[] = {
  { "create", "create a container (left waiting for start)",
    "Usage: bulwark [global options] create [options] " ID_OPERAND "\n"
    "\n"
    "Create a container from a bundle; its process waits until 'start'.\n"
    "\n"
    "Options:\n"
    "  -b, --bundle DIR          bundle directory holding config.json (default: .)\n"
    "      --pid-file FILE       write the container init's host pid to FILE\n"
    "      --console-socket PATH AF_UNIX socket that receives the pty master\n"
    "      --pidfd-socket PATH   AF_UNIX socket that receives a pidfd of the init\n"
    "      --no-pivot            use MS_MOVE and chroot instead of pivot_root\n"
    "      --no-new-keyring      keep the caller's session keyring\n"
    "      --preserve-fds N      pass N fds after stdio to the container\n"
    "  -h, --help                show this help\n",
    cmd_create },
  { "start", "start a created container",
    "Usage: bulwark [global options] start " ID_OPERAND "\n"
    "\n"
    "Release a created container to execute its process.\n", cmd_start },
  { "run", "create and start a container",
    "Usage: bulwark [global options] run [options] " ID_OPERAND "\n"
    "\n"
    "Create and start a container. In the foreground (default) it forwards signals,\n"
    "waits, deletes the container and exits with the workload's status (128+N when\n"
    "killed by signal N); a terminal (process.terminal) without --console-socket is\n"
    "relayed to run's own stdin and stdout.\n"
    "\n"
    "Options:\n"
    "  -b, --bundle DIR          bundle directory holding config.json (default: .)\n"
    "  -d, --detach              return once the container has started\n"
    "      --keep                do not delete the container after it exits\n"
    "      --pid-file FILE       write the container init's host pid to FILE\n"
    "      --console-socket PATH AF_UNIX socket that receives the pty master\n"
    "      --pidfd-socket PATH   AF_UNIX socket that receives a pidfd of the init\n"
    "      --no-pivot            use MS_MOVE and chroot instead of pivot_root\n"
    "      --no-new-keyring      keep the caller's session keyring\n"
    "      --no-subreaper        accepted for runc compatibility\n"
    "      --preserve-fds N      pass N fds after stdio to the container\n"
    "  -h, --help                show this help\n",
    cmd_run },
  { "state", "print a container's state as JSON",
    "Usage: bulwark [global options] state " ID_OPERAND "\n", cmd_state },
  { "kill", "send a signal to a container",
    "Usage: bulwark [global options] kill [options] " ID_OPERAND " [SIGNAL]\n"
    "\n"
    "SIGNAL is a name (KILL, SIGKILL) or a number; the default is SIGTERM.\n"
    "\n"
    "Options:\n"
    "  -a, --all                 signal every process of the container\n"
    "  -h, --help                show this help\n",
    cmd_kill },
  { "delete", "delete a container and everything it owns",
    "Usage: bulwark [global options] delete [options] " ID_OPERAND "\n"
    "\n"
    "Options:\n"
    "  -f, --force               kill a container that is not stopped, then delete it\n"
    "  -h, --help                show this help\n",
    cmd_delete },
  { "list", "list containers",
    "Usage: bulwark [global options] list [options]\n"
    "\n"
    "Options:\n"
    "  -f, --format table|json   output format (default: table)\n"
    "  -q, --quiet               print only the container ids\n"
    "  -h, --help                show this help\n",
    cmd_list },
  { "exec", "run a process in a running container",
    "Usage: bulwark [global options] exec [options] " ID_OPERAND " [COMMAND [ARG...]]\n"
    "\n"
    "Options:\n"
    "  -p, --process FILE        process.json describing the process\n"
    "  -d, --detach              do not wait for the process\n"
    "      --pid-file FILE       write the process's host pid to FILE\n"
    "      --console-socket PATH AF_UNIX socket that receives the pty master\n"
    "      --pidfd-socket PATH   AF_UNIX socket that receives a pidfd of the process\n"
    "  -t, --tty                 allocate a pseudo-terminal (relayed by exec itself in\n"
    "                            the foreground when no --console-socket is given)\n"
    "      --cwd DIR             working directory inside the container\n"
    "  -e, --env NAME=VALUE      set an environment variable (repeatable)\n"
    "  -u, --user UID[:GID]      user to run as\n"
    "  -g, --additional-gids GID additional group (repeatable)\n"
    "  -c, --cap CAP             add a capability (repeatable)\n"
    "      --no-new-privs        set no_new_privs\n"
    "      --preserve-fds N      pass N fds after stdio to the process\n"
    "      --process-label LABEL SELinux label of the process\n"
    "      --apparmor PROFILE    AppArmor profile of the process\n"
    "      --cgroup PATH         sub-cgroup to join ([CONTROLLER:]PATH)\n"
    "      --ignore-paused       allow exec into a paused container\n"
    "  -h, --help                show this help\n",
    cmd_exec },
  { "ps", "list the processes of a container",
    "Usage: bulwark [global options] ps [options] " ID_OPERAND "\n"
    "\n"
    "Options:\n"
    "  -f, --format table|json   output format (default: table; json is an array of pids)\n"
    "  -h, --help                show this help\n",
    cmd_ps },
  { "pause", "freeze every process of a container",
    "Usage: bulwark [global options] pause " ID_OPERAND "\n", cmd_pause },
  { "resume", "thaw a paused container",
    "Usage: bulwark [global options] resume " ID_OPERAND "\n", cmd_resume },
  { "update", "change the resource limits of a container",
    "Usage: bulwark [global options] update [options] " ID_OPERAND "\n"
    "\n"
    "Options:\n"
    "  -r, --resources FILE|-    linux.resources JSON (\"-\" reads stdin)\n"
    "      --blkio-weight N      block IO weight (10-1000)\n"
    "      --cpu-period N        CPU CFS period (microseconds)\n"
    "      --cpu-quota N         CPU CFS quota (microseconds, -1 for none)\n"
    "      --cpu-share N         CPU shares\n"
    "      --cpu-rt-period N     realtime period (microseconds)\n"
    "      --cpu-rt-runtime N    realtime runtime (microseconds)\n"
    "      --cpuset-cpus LIST    CPUs to run on (0-3,5)\n"
    "      --cpuset-mems LIST    memory nodes to use\n"
    "      --memory SIZE         memory limit (bytes, or with k/m/g suffix; -1 for none)\n"
    "      --memory-reservation SIZE  memory soft limit\n"
    "      --memory-swap SIZE    memory plus swap limit\n"
    "      --kernel-memory SIZE  accepted, ignored (obsolete in the kernel)\n"
    "      --kernel-memory-tcp SIZE  kernel TCP buffer limit (cgroup v1)\n"
    "      --pids-limit N        maximum number of processes (-1 for none)\n"
    "      --l3-cache-schema S   Intel RDT: not supported\n"
    "      --mem-bw-schema S     Intel RDT: not supported\n"
    "  -h, --help                show this help\n",
    cmd_update },
  { "events", "print container events and statistics",
    "Usage: bulwark [global options] events [options] " ID_OPERAND "\n"
    "\n"
    "Options:\n"
    "      --stats               print statistics once and exit\n"
    "      --interval DURATION   interval between statistics (default 5s)\n"
    "  -h, --help                show this help\n",
    cmd_events },
  { "features", "print the features this build supports, as JSON",
    "Usage: bulwark [global options] features\n", cmd_features },
  { "spec", "write a hardened config.json template",
    "Usage: bulwark spec [options]\n"
    "\n"
    "Write config.json in the bundle directory with hardened defaults: a user\n"
    "namespace, minimal capabilities, no_new_privs, a read-only root with small\n"
    "writable tmpfs mounts, and resource limits.\n"
    "\n"
    "Options:\n"
    "  -b, --bundle DIR          where to write config.json (default: .)\n"
    "      --rootless            a template for an unprivileged caller\n"
    "  -h, --help                show this help\n",
    cmd_spec },
  { "report", "print the security posture of a container or a bundle",
    "Usage: bulwark [global options] report [options] " ID_OPERAND "\n"
    "       bulwark [global options] report [options] --bundle DIR\n"
    "\n"
    "Print each hardening control and the policy rule that decided it: for a\n"
    "container, as decided at its create (posture.json in its state dir); for a\n"
    "bundle, as the current policy would decide now (nothing is created).\n"
    "\n"
    "Options:\n"
    "  -b, --bundle DIR          report on the bundle's config.json instead\n"
    "  -f, --format table|json   output format (default: table)\n"
    "  -h, --help                show this help\n",
    cmd_report },
  { "checkpoint", "not supported",
    "Usage: bulwark checkpoint [options] " ID_OPERAND "\n"
    "\n"
    "Checkpointing (CRIU) is not supported by bulwark.\n", cmd_checkpoint },
  { "restore", "not supported",
    "Usage: bulwark restore [options] " ID_OPERAND "\n"
    "\n"
    "Restoring from a checkpoint (CRIU) is not supported by bulwark.\n", cmd_restore },
  { NULL, NULL, NULL, NULL },
};

const struct cli_command *
cli_find_command (const char *name)
{
  for (const struct cli_command *c = cli_commands; c->name; c++)
    if (strcmp (c->name, name) == 0)
      return c;
  return NULL;
}

void
cli_print_usage (FILE *out)
{
  fputs ("Usage: bulwark [global options] COMMAND [options] [arguments]\n"
         "\n"
         "bulwark is a hardened OCI container runtime with a runc-compatible command line.\n"
         "\n"
         "Commands:\n", out);
  for (const struct cli_command *c = cli_commands; c->name; c++)
    fprintf (out, "  %-12s %s\n", c->name, c->summary);
  fputs ("\n"
         "Global options:\n"
         "      --root DIR            state directory (default: /run/bulwark)\n"
         "      --log FILE            also write messages to FILE\n"
         "      --log-format text|json  format of the --log file (default: text)\n"
         "      --debug               log debug messages\n"
         "      --systemd-cgroup      not supported: create and run refuse it\n"
         "      --cgroup-manager cgroupfs|disabled  cgroupfs (default) or no cgroups\n"
         "                            (systemd: as --systemd-cgroup)\n"
         "      --rootless true|false|auto  accepted for runc compatibility\n"
         "      --policy FILE         hardening policy (default: $BULWARK_POLICY, else\n"
         "                            " BULWARK_POLICY_DEFAULT ")\n"
         "  -v, --version             print the version\n"
         "  -h, --help                show this help\n"
         "\n"
         "Run 'bulwark COMMAND --help' for a command's options.\n", out);
}

int
cli_usage_error (struct bw_error *err, const char *command, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  if (command)
    return bw_error_set (err, EINVAL, "%s: %s; see 'bulwark %s --help'", command, msg, command);
  return bw_error_set (err, EINVAL, "%s; see 'bulwark --help'", msg);
}

int
cli_parse_options (const struct cli_command *cmd, int argc, char **argv, const char *shortopts,
                   const struct option *longopts, bool stop_at_operand, cli_option_cb cb,
                   void *data, int *first_operand, bool *help_shown, struct bw_error *err)
{
  size_t n = 0;
  while (longopts && longopts[n].name)
    n++;
  struct option all[n + 2];
  memcpy (all, longopts, n * sizeof *longopts);
  all[n] = (struct option) { "help", no_argument, NULL, 'h' };
  all[n + 1] = (struct option) { NULL, 0, NULL, 0 };

  /* ':' first: report a missing argument distinctly; '+' stops at the first
   * operand so exec's command line keeps its own flags. */
  char spec[64];
  snprintf (spec, sizeof spec, "%s:h%s", stop_at_operand ? "+" : "", shortopts ? shortopts : "");

  *help_shown = false;
  optind = 0;
  opterr = 0;
  for (;;)
    {
      int c = getopt_long (argc, argv, spec, all, NULL);
      if (c == -1)
        break;
      if (c == 'h')
        {
          fputs (cmd->help, stdout);
          *help_shown = true;
          return 0;
        }
      if (c == '?')
        {
          if (optopt)
            return cli_usage_error (err, cmd->name, "unknown option -%c", optopt);
          return cli_usage_error (err, cmd->name, "unknown option %s", argv[optind - 1]);
        }
      if (c == ':')
        {
          const char *given = argv[optind - 1];
          if (strncmp (given, "--", 2) == 0)
            return cli_usage_error (err, cmd->name, "option %s needs a value", given);
          return cli_usage_error (err, cmd->name, "option -%c needs a value", optopt);
        }
      if (!cb)
        return cli_usage_error (err, cmd->name, "unknown option %s", argv[optind - 1]);
      int ret = cb (c, optarg, data, err);
      if (ret < 0)
        return ret;
    }
  *first_operand = optind;
  return 0;
}

int
cli_expect_operands (const char *command, int argc, char **argv, int first, int min, int max,
                     struct bw_error *err)
{
  int n = argc - first;
  if (n < min)
    return cli_usage_error (err, command, min == 1 ? "a container id is required"
                                                   : "missing arguments");
  if (max >= 0 && n > max)
    return cli_usage_error (err, command, "unexpected argument \"%s\"", argv[first + max]);
  return 0;
}

int
cli_parse_uint (const char *command, const char *flag, const char *arg, unsigned long long max,
                unsigned long long *out, struct bw_error *err)
{
  char *end = NULL;
  if (!arg || !*arg || *arg == '-' || *arg == '+')
    return cli_usage_error (err, command, "%s: expected a non-negative integer, got \"%s\"",
                            flag, arg ? arg : "");
  errno = 0;
  unsigned long long v = strtoull (arg, &end, 10);
  if (errno || *end)
    return cli_usage_error (err, command, "%s: expected a non-negative integer, got \"%s\"", flag,
                            arg);
  if (v > max)
    return cli_usage_error (err, command, "%s: %llu is out of range (0..%llu)", flag, v, max);
  *out = v;
  return 0;
}

int
cli_parse_format (const char *command, const char *arg, bool *json, struct bw_error *err)
{
  if (strcmp (arg, "json") == 0)
    *json = true;
  else if (strcmp (arg, "table") == 0)
    *json = false;
  else
    return cli_usage_error (err, command, "--format: expected table or json, got \"%s\"", arg);
  return 0;
}
