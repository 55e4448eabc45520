/* update: new resource limits for a running container, from --resources
 * JSON (as Docker sends on stdin) or from runc's flags. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd.h"
#include "spec.h"

enum
{
  OPT_BLKIO_WEIGHT = 256,
  OPT_CPU_PERIOD,
  OPT_CPU_QUOTA,
  OPT_CPU_SHARE,
  OPT_CPU_RT_PERIOD,
  OPT_CPU_RT_RUNTIME,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_MEMORY,
  OPT_MEMORY_RESERVATION,
  OPT_MEMORY_SWAP,
  OPT_KERNEL_MEMORY,
  OPT_KERNEL_MEMORY_TCP,
  OPT_PIDS_LIMIT,
  OPT_L3_CACHE_SCHEMA,
  OPT_MEM_BW_SCHEMA,
};

static const struct option update_options[] = {
  { "resources", required_argument, NULL, 'r' },
  { "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
  { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
  { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
  { "cpu-share", required_argument, NULL, OPT_CPU_SHARE },
  { "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
  { "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
  { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
  { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
  { "memory", required_argument, NULL, OPT_MEMORY },
  { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
  { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
  { "kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY },
  { "kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP },
  { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
  { "l3-cache-schema", required_argument, NULL, OPT_L3_CACHE_SCHEMA },
  { "mem-bw-schema", required_argument, NULL, OPT_MEM_BW_SCHEMA },
  { NULL, 0, NULL, 0 },
};

struct update_opts
{
  const char *resources_file;
  bool any_flag;
};

/* A byte size as runc takes it: "-1", "1024", "512k", "64m", "1g", "1GB". */
static int
parse_size (const char *flag, const char *arg, struct bw_error *err)
{
  if (strcmp (arg, "-1") == 0)
    return 0;
  char *end;
  errno = 0;
  double v = strtod (arg, &end);
  if (end == arg || errno || v < 0 || !isdigit ((unsigned char) arg[0]))
    goto bad;
  if (*end)
    {
      static const char *const suffixes[] = { "b", "k", "kb", "kib", "m", "mb", "mib", "g", "gb",
                                              "gib", "t", "tb", "tib", "p", "pb", "pib", NULL };
      bool known = false;
      for (const char *const *s = suffixes; *s; s++)
        if (strcasecmp (end, *s) == 0)
          known = true;
      if (!known)
        goto bad;
    }
  return 0;
bad:
  return cli_usage_error (err, "update", "%s: expected a size in bytes (e.g. 512m, 1g, -1), got \"%s\"",
                          flag, arg);
}

static int
parse_int (const char *flag, const char *arg, bool allow_minus_one, struct bw_error *err)
{
  char *end;
  errno = 0;
  long long v = strtoll (arg, &end, 10);
  if (!*arg || *end || errno || (v < 0 && !(allow_minus_one && v == -1)))
    return cli_usage_error (err, "update", "%s: expected %s, got \"%s\"", flag,
                            allow_minus_one ? "a non-negative integer or -1"
                                            : "a non-negative integer",
                            arg);
  return 0;
}

static int
on_option (int opt, const char *arg, void *data, struct bw_error *err)
{
  struct update_opts *o = data;
  if (opt == 'r')
    {
      o->resources_file = arg;
      return 0;
    }
  o->any_flag = true;
  switch (opt)
    {
    case OPT_BLKIO_WEIGHT:
      {
        unsigned long long w;
        int ret = cli_parse_uint ("update", "--blkio-weight", arg, 1000, &w, err);
        if (ret == 0 && w != 0 && w < 10)
          ret = cli_usage_error (err, "update", "--blkio-weight: %llu is out of range (10..1000)", w);
        return ret;
      }
    case OPT_CPU_PERIOD:
      return parse_int ("--cpu-period", arg, false, err);
    case OPT_CPU_QUOTA:
      return parse_int ("--cpu-quota", arg, true, err);
    case OPT_CPU_SHARE:
      return parse_int ("--cpu-share", arg, false, err);
    case OPT_CPU_RT_PERIOD:
      return parse_int ("--cpu-rt-period", arg, false, err);
    case OPT_CPU_RT_RUNTIME:
      return parse_int ("--cpu-rt-runtime", arg, true, err);
    case OPT_PIDS_LIMIT:
      return parse_int ("--pids-limit", arg, true, err);
    case OPT_CPUSET_CPUS:
    case OPT_CPUSET_MEMS:
      if (strspn (arg, "0123456789,-") != strlen (arg))
        return cli_usage_error (err, "update", "%s: expected a list such as 0-3,5, got \"%s\"",
                                opt == OPT_CPUSET_CPUS ? "--cpuset-cpus" : "--cpuset-mems", arg);
      return 0;
    case OPT_MEMORY:
      return parse_size ("--memory", arg, err);
    case OPT_MEMORY_RESERVATION:
      return parse_size ("--memory-reservation", arg, err);
    case OPT_MEMORY_SWAP:
      return parse_size ("--memory-swap", arg, err);
    case OPT_KERNEL_MEMORY:
      return parse_size ("--kernel-memory", arg, err);
    case OPT_KERNEL_MEMORY_TCP:
      return parse_size ("--kernel-memory-tcp", arg, err);
    case OPT_L3_CACHE_SCHEMA:
    case OPT_MEM_BW_SCHEMA:
      return bw_error_set (err, ENOTSUP, "update: Intel RDT (%s) is not supported by bulwark",
                           opt == OPT_L3_CACHE_SCHEMA ? "--l3-cache-schema" : "--mem-bw-schema");
    }
  return cli_usage_error (err, "update", "unexpected option");
}

static int
read_resources (const char *file, struct bw_error *err)
{
  _cleanup_free_ char *json = NULL;
  size_t len = 0;
  int ret;
  if (strcmp (file, "-") == 0)
    ret = spec_read_fd (STDIN_FILENO, "(stdin)", &json, &len, err);
  else
    ret = spec_read_file (file, &json, &len, err);
  if (ret < 0)
    return ret;
  struct spec_resources *res = NULL;
  ret = spec_parse_resources (json, len, &res, err);
  if (ret < 0)
    return bw_error_prefix (err, "--resources %s", strcmp (file, "-") == 0 ? "(stdin)" : file);
  spec_resources_free (res);
  return 0;
}

int
cmd_update (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const struct cli_command *cmd = cli_find_command ("update");
  struct update_opts o = { 0 };
  bool help = false;
  int first = 0;
  int ret = cli_parse_options (cmd, argc, argv, "r:", update_options, false, on_option, &o, &first,
                               &help, err);
  if (ret < 0 || help)
    return ret;
  ret = cli_expect_operands (cmd->name, argc, argv, first, 1, 1, err);
  if (ret < 0)
    return ret;
  ret = state_validate_id (argv[first], err);
  if (ret < 0)
    return ret;
  if (o.resources_file)
    {
      ret = read_resources (o.resources_file, err);
      if (ret < 0)
        return ret;
    }
  return cmd_needs_cgroups (ctx, "update", argv[first], true, err);
}
