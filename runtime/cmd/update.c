/* update: new resource limits for a running container, from --resources
 * JSON (as Docker sends on stdin) and runc's flags (which win). The new
 * values are merged into the container's saved config.json, and the merged
 * resources written to its cgroup, as runc does. Zero means "unchanged" for
 * the limits (Docker sends zeros for what it does not change). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cmd.h"
#include "hardening.h"
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

/* The flags, as a resources object of their own. */
struct update_opts
{
  const char *resources_file;
  bool any_flag;
  struct spec_memory memory;
  struct spec_cpu cpu;
  struct spec_pids pids;
  struct spec_block_io block_io;
};

/* A byte size as runc takes it: "-1", "1024", "512k", "64m", "1g", "1GB"
 * (binary multiples). */
static int
parse_size (const char *flag, const char *arg, opt_i64 *out, struct bw_error *err)
{
  if (strcmp (arg, "-1") == 0)
    {
      *out = (opt_i64) { .set = true, .value = -1 };
      return 0;
    }
  char *end;
  double mult = 1;
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
      const char *units = "bkmgtp";
      for (const char *u = units; *u && *u != tolower ((unsigned char) *end); u++)
        mult *= 1024;
    }
  if (v * mult > 9.2e18)
    goto bad;
  *out = (opt_i64) { .set = true, .value = (int64_t) (v * mult) };
  return 0;
bad:
  return cli_usage_error (err, "update", "%s: expected a size in bytes (e.g. 512m, 1g, -1), got \"%s\"",
                          flag, arg);
}

static int
parse_int (const char *flag, const char *arg, bool allow_minus_one, int64_t *out,
           struct bw_error *err)
{
  char *end;
  errno = 0;
  long long v = strtoll (arg, &end, 10);
  if (!*arg || *end || errno || (v < 0 && !(allow_minus_one && v == -1)))
    return cli_usage_error (err, "update", "%s: expected %s, got \"%s\"", flag,
                            allow_minus_one ? "a non-negative integer or -1"
                                            : "a non-negative integer",
                            arg);
  *out = v;
  return 0;
}

#define SET_I64(field, flag, minus_one)                                       \
  do                                                                          \
    {                                                                         \
      int64_t v_;                                                             \
      int r_ = parse_int (flag, arg, minus_one, &v_, err);                    \
      if (r_ == 0)                                                            \
        field = (__typeof__ (field)) { .set = true, .value = v_ };            \
      return r_;                                                              \
    }                                                                         \
  while (0)

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
        if (ret == 0)
          o->block_io.weight = (opt_u32) { .set = true, .value = (uint32_t) w };
        return ret;
      }
    case OPT_CPU_PERIOD:
      SET_I64 (o->cpu.period, "--cpu-period", false);
    case OPT_CPU_QUOTA:
      SET_I64 (o->cpu.quota, "--cpu-quota", true);
    case OPT_CPU_SHARE:
      SET_I64 (o->cpu.shares, "--cpu-share", false);
    case OPT_CPU_RT_PERIOD:
      SET_I64 (o->cpu.realtime_period, "--cpu-rt-period", false);
    case OPT_CPU_RT_RUNTIME:
      SET_I64 (o->cpu.realtime_runtime, "--cpu-rt-runtime", true);
    case OPT_PIDS_LIMIT:
      SET_I64 (o->pids.limit, "--pids-limit", true);
    case OPT_CPUSET_CPUS:
    case OPT_CPUSET_MEMS:
      if (strspn (arg, "0123456789,-") != strlen (arg))
        return cli_usage_error (err, "update", "%s: expected a list such as 0-3,5, got \"%s\"",
                                opt == OPT_CPUSET_CPUS ? "--cpuset-cpus" : "--cpuset-mems", arg);
      {
        char **dst = opt == OPT_CPUSET_CPUS ? &o->cpu.cpus : &o->cpu.mems;
        free (*dst);
        *dst = strdup (arg);
        return *dst ? 0 : bw_error_set (err, ENOMEM, "out of memory");
      }
    case OPT_MEMORY:
      return parse_size ("--memory", arg, &o->memory.limit, err);
    case OPT_MEMORY_RESERVATION:
      return parse_size ("--memory-reservation", arg, &o->memory.reservation, err);
    case OPT_MEMORY_SWAP:
      return parse_size ("--memory-swap", arg, &o->memory.swap, err);
    case OPT_KERNEL_MEMORY:
      return parse_size ("--kernel-memory", arg, &o->memory.kernel, err);
    case OPT_KERNEL_MEMORY_TCP:
      return parse_size ("--kernel-memory-tcp", arg, &o->memory.kernel_tcp, err);
    case OPT_L3_CACHE_SCHEMA:
    case OPT_MEM_BW_SCHEMA:
      return bw_error_set (err, ENOTSUP, "update: Intel RDT (%s) is not supported by bulwark",
                           opt == OPT_L3_CACHE_SCHEMA ? "--l3-cache-schema" : "--mem-bw-schema");
    }
  return cli_usage_error (err, "update", "unexpected option");
}

static int
read_resources (const char *file, struct spec_resources **out, struct bw_error *err)
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
  ret = spec_parse_resources (json, len, out, err);
  if (ret < 0)
    return bw_error_prefix (err, "--resources %s", strcmp (file, "-") == 0 ? "(stdin)" : file);
  return 0;
}

/* Copy a limit when given and not zero (zero: unchanged). */
#define TAKE(dst, src, f)                                                     \
  do                                                                          \
    if ((src)->f.set && (src)->f.value)                                       \
      (dst)->f = (src)->f;                                                    \
  while (0)
/* Copy a value where zero means something (swappiness, flags). */
#define TAKE_SET(dst, src, f)                                                 \
  do                                                                          \
    if ((src)->f.set)                                                         \
      (dst)->f = (src)->f;                                                    \
  while (0)
#define SWAP(a, b) do { __typeof__ (a) t_ = (a); (a) = (b); (b) = t_; } while (0)
/* Move an optional value (a .set member) when the update has it. */
#define SWAP_SET(dst, src, f)                                                 \
  do                                                                          \
    if ((src)->f.set)                                                         \
      SWAP ((dst)->f, (src)->f);                                              \
  while (0)
/* Move a list (f, n_f, f_set) when the update has it. */
#define SWAP_LIST(dst, src, f)                                                \
  do                                                                          \
    if ((src)->f##_set)                                                       \
      {                                                                       \
        SWAP ((dst)->f, (src)->f);                                            \
        SWAP ((dst)->n_##f, (src)->n_##f);                                    \
        (dst)->f##_set = true;                                                \
      }                                                                       \
  while (0)

static void
merge_memory (struct spec_memory *d, const struct spec_memory *s)
{
  TAKE (d, s, limit);
  TAKE (d, s, reservation);
  TAKE (d, s, swap);
  TAKE (d, s, kernel);
  TAKE (d, s, kernel_tcp);
  TAKE_SET (d, s, swappiness);
  TAKE_SET (d, s, disable_oom_killer);
  TAKE_SET (d, s, use_hierarchy);
  TAKE_SET (d, s, check_before_update);
}

static void
merge_cpu (struct spec_cpu *d, struct spec_cpu *s)
{
  TAKE (d, s, shares);
  TAKE (d, s, quota);
  TAKE_SET (d, s, burst);
  TAKE (d, s, period);
  TAKE (d, s, realtime_runtime);
  TAKE (d, s, realtime_period);
  TAKE_SET (d, s, idle);
  if (s->cpus && *s->cpus)
    SWAP (d->cpus, s->cpus);
  if (s->mems && *s->mems)
    SWAP (d->mems, s->mems);
}

static void
merge_block_io (struct spec_block_io *d, struct spec_block_io *s)
{
  TAKE (d, s, weight);
  TAKE (d, s, leaf_weight);
  SWAP_LIST (d, s, weight_device);
  SWAP_SET (d, s, throttle_read_bps);
  SWAP_SET (d, s, throttle_write_bps);
  SWAP_SET (d, s, throttle_read_iops);
  SWAP_SET (d, s, throttle_write_iops);
}

/* `upd` into `res`; what moves out of `upd` is swapped, so freeing both
 * afterwards frees everything once. Device rules are not updated (as
 * runc). */
static int
merge_resources (struct spec_resources *res, struct spec_resources *upd)
{
  if ((upd->memory && !res->memory && !(res->memory = calloc (1, sizeof *res->memory)))
      || (upd->cpu && !res->cpu && !(res->cpu = calloc (1, sizeof *res->cpu)))
      || (upd->pids && !res->pids && !(res->pids = calloc (1, sizeof *res->pids)))
      || (upd->block_io && !res->block_io && !(res->block_io = calloc (1, sizeof *res->block_io))))
    return -ENOMEM;
  if (upd->memory)
    merge_memory (res->memory, upd->memory);
  if (upd->cpu)
    merge_cpu (res->cpu, upd->cpu);
  if (upd->pids)
    TAKE (res->pids, upd->pids, limit);
  if (upd->block_io)
    merge_block_io (res->block_io, upd->block_io);
  SWAP_LIST (res, upd, hugepage_limits);
  if (upd->network)
    SWAP (res->network, upd->network);
  SWAP_LIST (res, upd, rdma);
  SWAP_SET (res, upd, unified);
  return 0;
}

/* The flags as a resources object: its parts point into `o`, so it is
 * merged, never freed. */
static void
flags_resources (struct update_opts *o, struct spec_resources *r)
{
  const struct spec_memory *m = &o->memory;
  const struct spec_cpu *c = &o->cpu;
  /* Only the parts a flag set, so that the saved config gets no empty
   * objects. */
  bool memory = m->limit.set || m->reservation.set || m->swap.set || m->kernel.set
                || m->kernel_tcp.set;
  bool cpu = c->shares.set || c->quota.set || c->period.set || c->realtime_runtime.set
             || c->realtime_period.set || c->cpus || c->mems;
  *r = (struct spec_resources) {
    .memory = memory ? &o->memory : NULL,
    .cpu = cpu ? &o->cpu : NULL,
    .pids = o->pids.limit.set ? &o->pids : NULL,
    .block_io = o->block_io.weight.set ? &o->block_io : NULL,
  };
}

static int
apply_update (struct cli_ctx *ctx, const char *id, struct spec_resources *upd,
              struct update_opts *o, struct bw_error *err)
{
  struct state_store st = { .root_fd = -1 };
  struct state_handle h = { .dir_fd = -1 };
  struct state_record rec = { 0 };
  struct cgroup_set cg = { 0 };
  _cleanup_spec_ struct spec *saved = NULL;
  _cleanup_free_ char *config = NULL, *merged_json = NULL;
  size_t len = 0;
  int ret = lifecycle_open (ctx, id, &st, &h, &rec, err);
  if (ret < 0)
    return ret;
  enum container_status status = state_current_status (&rec);
  if (status == STATUS_STOPPED || status == STATUS_CREATING)
    ret = bw_error_set (err, EINVAL, "container \"%s\" is not running", id);
  /* Before the config is read: a container without a cgroup has nothing
   * to update. */
  if (ret == 0)
    ret = cgroup_load_recorded (id, rec.cgroup_path, &cg, err);
  if (ret == 0)
    ret = state_read_file (&h, "config.json", 16 << 20, &config, &len, err);
  if (ret == 0)
    ret = spec_parse_config (config, len, &saved, err);
  if (ret == 0 && !saved->linux)
    ret = bw_error_set (err, EINVAL, "saved config.json: no linux section");
  if (ret == 0 && !saved->linux->resources
      && !(saved->linux->resources = calloc (1, sizeof *saved->linux->resources)))
    ret = bw_error_set (err, ENOMEM, "out of memory");
  if (ret == 0)
    {
      struct spec_resources flags;
      flags_resources (o, &flags);
      if ((upd && merge_resources (saved->linux->resources, upd) < 0)
          || merge_resources (saved->linux->resources, &flags) < 0)
        ret = bw_error_set (err, ENOMEM, "out of memory");
    }
  /* An update is held to the policy's limits as a create is. */
  if (ret == 0)
    ret = hardening_limit_update (ctx, id, saved, err);
  if (ret == 0)
    ret = cgroup_apply (&cg, saved->linux->resources, true, err);
  if (ret == 0)
    ret = spec_to_json (saved, true, &merged_json, err);
  if (ret == 0)
    ret = state_write_file (&h, "config.json", merged_json, strlen (merged_json), err);
  cgroup_set_clear (&cg);
  cmd_close (&st, &h, &rec);
  return ret;
}

int
cmd_update (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const struct cli_command *cmd = cli_find_command ("update");
  struct update_opts o = { 0 };
  struct spec_resources *upd = NULL;
  bool help = false;
  int first = 0;
  int ret = cli_parse_options (cmd, argc, argv, "r:", update_options, false, on_option, &o, &first,
                               &help, err);
  if (ret == 0 && !help)
    ret = cli_expect_operands (cmd->name, argc, argv, first, 1, 1, err);
  if (ret == 0 && !help)
    ret = state_validate_id (argv[first], err);
  if (ret == 0 && !help && o.resources_file)
    ret = read_resources (o.resources_file, &upd, err);
  if (ret == 0 && !help)
    ret = apply_update (ctx, argv[first], upd, &o, err);
  spec_resources_free (upd);
  free (o.cpu.cpus);
  free (o.cpu.mems);
  return ret;
}
