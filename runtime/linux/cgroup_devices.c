/* The devices controller: linux.resources.devices plus the default devices,
 * as cgroup v1 devices.allow/deny writes or a cgroup v2 device program.
 *
 * Semantics shared by both: the default is deny, rules apply in order and a
 * later rule wins over an earlier one. In the program this becomes a chain
 * of checks in reverse rule order where the first match returns. An allow
 * rule matches a request whose access bits are all in the rule; a deny rule
 * matches a request that asks for any of its bits. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "cleanup.h"
#include "linux_cgroup_devices.h"

/* What runc grants every container (libcontainer/specconv AllowedDevices):
 * creating nodes is allowed, opening them is not, except for these. The
 * console (5:1) is left out as runc does: the container's console is a pty
 * (136:N). */
static const struct cgroup_device_rule default_rules[] = {
  { true, 'c', CGROUP_DEV_ANY, CGROUP_DEV_ANY, CGROUP_DEV_MKNOD },
  { true, 'b', CGROUP_DEV_ANY, CGROUP_DEV_ANY, CGROUP_DEV_MKNOD },
  { true, 'c', 1, 3, CGROUP_DEV_ALL },               /* /dev/null */
  { true, 'c', 1, 8, CGROUP_DEV_ALL },               /* /dev/random */
  { true, 'c', 1, 7, CGROUP_DEV_ALL },               /* /dev/full */
  { true, 'c', 5, 0, CGROUP_DEV_ALL },               /* /dev/tty */
  { true, 'c', 1, 5, CGROUP_DEV_ALL },               /* /dev/zero */
  { true, 'c', 1, 9, CGROUP_DEV_ALL },               /* /dev/urandom */
  { true, 'c', 136, CGROUP_DEV_ANY, CGROUP_DEV_ALL }, /* /dev/pts/N */
  { true, 'c', 5, 2, CGROUP_DEV_ALL },               /* /dev/ptmx */
  { true, 'c', 10, 200, CGROUP_DEV_ALL },            /* /dev/net/tun */
};

#define N_DEFAULT_RULES (sizeof default_rules / sizeof default_rules[0])

static int
parse_access (const char *access, unsigned *out)
{
  unsigned bits = 0;
  if (!access || !*access)
    {
      *out = CGROUP_DEV_ALL;     /* runc: an empty access means rwm */
      return 0;
    }
  for (const char *p = access; *p; p++)
    switch (*p)
      {
      case 'r': bits |= CGROUP_DEV_READ; break;
      case 'w': bits |= CGROUP_DEV_WRITE; break;
      case 'm': bits |= CGROUP_DEV_MKNOD; break;
      default: return -EINVAL;
      }
  *out = bits;
  return 0;
}

static int
device_number (opt_i64 v, const char *field, size_t i, int64_t *out, struct bw_error *err)
{
  if (!v.set || v.value == -1)
    {
      *out = CGROUP_DEV_ANY;
      return 0;
    }
  /* Real device numbers are far below 2^31 (12-bit majors, 20-bit minors);
   * the bound keeps the program's signed 32-bit immediates exact. */
  if (v.value < 0 || v.value > INT32_MAX)
    return bw_error_set (err, EINVAL, "linux.resources.devices[%zu].%s: %lld is not a device number",
                         i, field, (long long) v.value);
  *out = v.value;
  return 0;
}

int
cgroup_devices_rules (const struct spec_resources *r, struct cgroup_device_rule **out,
                      size_t *n_out, struct bw_error *err)
{
  size_t n_config = r ? r->n_devices : 0;
  /* A partial "a" rule becomes two rules, hence the factor 2. */
  _cleanup_free_ struct cgroup_device_rule *rules
    = calloc (2 * n_config + N_DEFAULT_RULES, sizeof *rules);
  size_t n = 0;
  if (!rules)
    return bw_error_set (err, ENOMEM, "linux.resources.devices: out of memory");
  for (size_t i = 0; i < n_config; i++)
    {
      const struct spec_device_cgroup *d = &r->devices[i];
      struct cgroup_device_rule rule = { .allow = d->allow };
      char type = d->type ? d->type[0] : 'a';
      if (type != 'a' && type != 'b' && type != 'c')
        return bw_error_set (err, EINVAL, "linux.resources.devices[%zu].type: expected a, b or c", i);
      if (parse_access (d->access, &rule.access) < 0)
        return bw_error_set (err, EINVAL,
                             "linux.resources.devices[%zu].access: only r, w and m are allowed", i);
      int ret = device_number (d->major, "major", i, &rule.major, err);
      if (ret == 0)
        ret = device_number (d->minor, "minor", i, &rule.minor, err);
      if (ret < 0)
        return ret;
      if (type == 'a' && (rule.major != CGROUP_DEV_ANY || rule.minor != CGROUP_DEV_ANY
                          || rule.access != CGROUP_DEV_ALL))
        {
          /* v1 would read any "a" line as "everything"; spell out what the
           * rule says instead. */
          rule.type = 'b';
          rules[n++] = rule;
          rule.type = 'c';
        }
      else
        rule.type = type;
      rules[n++] = rule;
    }
  for (size_t i = 0; i < N_DEFAULT_RULES; i++)
    rules[n++] = default_rules[i];
  *out = bw_steal_ptr (rules);
  *n_out = n;
  return 0;
}

void
cgroup_devices_v1_line (const struct cgroup_device_rule *rule, char *buf, size_t size)
{
  if (rule->type == 'a')
    {
      snprintf (buf, size, "a");
      return;
    }
  char major[24] = "*", minor[24] = "*", access[4];
  size_t k = 0;
  if (rule->major != CGROUP_DEV_ANY)
    snprintf (major, sizeof major, "%lld", (long long) rule->major);
  if (rule->minor != CGROUP_DEV_ANY)
    snprintf (minor, sizeof minor, "%lld", (long long) rule->minor);
  if (rule->access & CGROUP_DEV_READ)
    access[k++] = 'r';
  if (rule->access & CGROUP_DEV_WRITE)
    access[k++] = 'w';
  if (rule->access & CGROUP_DEV_MKNOD)
    access[k++] = 'm';
  access[k] = '\0';
  snprintf (buf, size, "%c %s:%s %s", rule->type, major, minor, access);
}

/* ------------------------------------------------------------ the program */

/* Registers while the program runs: r1 the context (struct
 * bpf_cgroup_dev_ctx), then scratch; r2 device type, r3 requested access,
 * r4 major, r5 minor. */
#define INSN(c, d, s, o, i) ((struct bpf_insn) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(dst, src, off) INSN (BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define ALU32_IMM(op, dst, imm) INSN (BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define MOV32_REG(dst, src) INSN (BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_IMM(dst, imm) INSN (BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JMP_IMM(op, dst, imm, off) INSN (BPF_JMP | (op) | BPF_K, dst, 0, off, imm)
#define EXIT_INSN() INSN (BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Checks of one rule; each conditional jump skips to the end of the block
 * when the rule does not match. Returns the number of instructions
 * written, and whether the block matches every request. */
static size_t
emit_rule (const struct cgroup_device_rule *rule, struct bpf_insn *p, bool *unconditional)
{
  size_t k = 0;
  size_t jumps[4];
  size_t n_jumps = 0;
  if (rule->type != 'a')
    {
      jumps[n_jumps++] = k;
      p[k++] = JMP_IMM (BPF_JNE, 2, rule->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
    }
  if (rule->access != CGROUP_DEV_ALL)
    {
      p[k++] = MOV32_REG (1, 3);
      if (rule->allow)
        {
          /* Any requested bit outside the rule: no match. */
          p[k++] = ALU32_IMM (BPF_AND, 1, CGROUP_DEV_ALL & ~rule->access);
          jumps[n_jumps++] = k;
          p[k++] = JMP_IMM (BPF_JNE, 1, 0, 0);
        }
      else
        {
          /* No requested bit inside the rule: no match. */
          p[k++] = ALU32_IMM (BPF_AND, 1, rule->access);
          jumps[n_jumps++] = k;
          p[k++] = JMP_IMM (BPF_JEQ, 1, 0, 0);
        }
    }
  if (rule->major != CGROUP_DEV_ANY)
    {
      jumps[n_jumps++] = k;
      p[k++] = JMP_IMM (BPF_JNE, 4, (int32_t) rule->major, 0);
    }
  if (rule->minor != CGROUP_DEV_ANY)
    {
      jumps[n_jumps++] = k;
      p[k++] = JMP_IMM (BPF_JNE, 5, (int32_t) rule->minor, 0);
    }
  p[k++] = MOV64_IMM (0, rule->allow ? 1 : 0);
  p[k++] = EXIT_INSN ();
  for (size_t j = 0; j < n_jumps; j++)
    p[jumps[j]].off = (int16_t) (k - jumps[j] - 1);
  *unconditional = n_jumps == 0;
  return k;
}

/* The longest block: 5 checks (type, 2 for access, major, minor) + 2. */
#define MAX_RULE_INSNS 8
#define PROLOGUE_INSNS 6

int
cgroup_devices_bpf_program (const struct cgroup_device_rule *rules, size_t n,
                            struct bpf_insn **out, size_t *n_insns, struct bw_error *err)
{
  size_t cap = PROLOGUE_INSNS + n * MAX_RULE_INSNS + 2;
  _cleanup_free_ struct bpf_insn *prog = calloc (cap, sizeof *prog);
  size_t k = 0;
  if (!prog)
    return bw_error_set (err, ENOMEM, "linux.resources.devices: out of memory");
  /* access_type is (access << 16) | type; the fields are u32. */
  prog[k++] = LDX_W (2, 1, offsetof (struct bpf_cgroup_dev_ctx, access_type));
  prog[k++] = ALU32_IMM (BPF_AND, 2, 0xffff);
  prog[k++] = LDX_W (3, 1, offsetof (struct bpf_cgroup_dev_ctx, access_type));
  prog[k++] = ALU32_IMM (BPF_RSH, 3, 16);
  prog[k++] = LDX_W (4, 1, offsetof (struct bpf_cgroup_dev_ctx, major));
  prog[k++] = LDX_W (5, 1, offsetof (struct bpf_cgroup_dev_ctx, minor));
  bool unconditional = false;
  for (size_t i = n; i-- > 0 && !unconditional;)
    k += emit_rule (&rules[i], prog + k, &unconditional);
  /* After a rule that matches everything, more code would be unreachable,
   * which the verifier refuses. */
  if (!unconditional)
    {
      prog[k++] = MOV64_IMM (0, 0);
      prog[k++] = EXIT_INSN ();
    }
  *out = bw_steal_ptr (prog);
  *n_insns = k;
  return 0;
}

/* ------------------------------------------------------------------- v1 */

static int
write_rule_v1 (const char *dir, const char *file, const char *line, struct bw_error *err)
{
  int ret = cgroup_write_file (dir, file, line);
  if (ret < 0)
    return bw_error_set (err, -ret, "linux.resources.devices: write \"%s\" to %s/%s: %s", line,
                         dir, file, strerror (-ret));
  return 0;
}

static int
apply_v1 (const struct cgroup_device_rule *rules, size_t n, const char *dir,
          struct bw_error *err)
{
  int ret = write_rule_v1 (dir, "devices.deny", "a", err);
  for (size_t i = 0; ret == 0 && i < n; i++)
    {
      char line[64];
      cgroup_devices_v1_line (&rules[i], line, sizeof line);
      ret = write_rule_v1 (dir, rules[i].allow ? "devices.allow" : "devices.deny", line, err);
    }
  return ret;
}

/* ------------------------------------------------------------------- v2 */

static int
sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int) syscall (SYS_bpf, cmd, attr, sizeof *attr);
}

#define VERIFIER_LOG_SIZE 65536

/* Loaded without a verifier log (the common case, at every start); only a
 * refused program is loaded again with one, for the verifier's reason. */
static int
load_program (const struct bpf_insn *prog, size_t n, struct bw_error *err)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uintptr_t) prog;
  attr.insn_cnt = (uint32_t) n;
  attr.license = (uintptr_t) "GPL";
  int fd = sys_bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  int saved = errno;
  _cleanup_free_ char *log = calloc (1, VERIFIER_LOG_SIZE);
  if (log)
    {
      attr.log_buf = (uintptr_t) log;
      attr.log_size = VERIFIER_LOG_SIZE;
      attr.log_level = 1;
      fd = sys_bpf (BPF_PROG_LOAD, &attr);
      if (fd >= 0)               /* a transient failure the first time */
        return fd;
    }
  const char *last = "";
  if (log && *log)
    {
      /* The verifier's verdict is its last non-empty line. */
      size_t len = strlen (log);
      while (len && log[len - 1] == '\n')
        log[--len] = '\0';
      char *nl = strrchr (log, '\n');
      last = nl ? nl + 1 : log;
    }
  errno = saved;
  return bw_error_syscall (err, "bpf(BPF_PROG_LOAD) of the device program%s%s", *last ? ": " : "",
                           last);
}

/* Ids of the device programs attached to the cgroup itself. */
static int
query_programs (int cgroup_fd, uint32_t *ids, uint32_t *n, struct bw_error *err)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.query.target_fd = (uint32_t) cgroup_fd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uintptr_t) ids;
  attr.query.prog_cnt = *n;
  if (sys_bpf (BPF_PROG_QUERY, &attr) < 0)
    return bw_error_syscall (err, "bpf(BPF_PROG_QUERY) on the container cgroup");
  *n = attr.query.prog_cnt;
  return 0;
}

#define MAX_OLD_PROGRAMS 64

static int
apply_v2 (const struct cgroup_device_rule *rules, size_t n, int cgroup_fd, struct bw_error *err)
{
  _cleanup_free_ struct bpf_insn *prog = NULL;
  size_t n_insns = 0;
  int ret = cgroup_devices_bpf_program (rules, n, &prog, &n_insns, err);
  if (ret < 0)
    return ret;
  uint32_t old_ids[MAX_OLD_PROGRAMS];
  uint32_t n_old = MAX_OLD_PROGRAMS;
  ret = query_programs (cgroup_fd, old_ids, &n_old, err);
  if (ret < 0)
    return ret;
  if (n_old > MAX_OLD_PROGRAMS)
    return bw_error_set (err, E2BIG, "the container cgroup has %u device programs attached", n_old);
  _cleanup_close_ int prog_fd = load_program (prog, n_insns, err);
  if (prog_fd < 0)
    return prog_fd;
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t) cgroup_fd;
  attr.attach_bpf_fd = (uint32_t) prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (sys_bpf (BPF_PROG_ATTACH, &attr) < 0)
    return bw_error_syscall (err, "bpf(BPF_PROG_ATTACH) of the device program");
  /* Both programs were in force for a moment (all must allow), so there is
   * no window where the old rules are gone and the new ones not yet in. */
  for (uint32_t i = 0; i < n_old; i++)
    {
      memset (&attr, 0, sizeof attr);
      attr.prog_id = old_ids[i];
      _cleanup_close_ int old_fd = sys_bpf (BPF_PROG_GET_FD_BY_ID, &attr);
      if (old_fd < 0)
        {
          if (errno == ENOENT)
            continue;
          return bw_error_syscall (err, "bpf(BPF_PROG_GET_FD_BY_ID %u)", old_ids[i]);
        }
      memset (&attr, 0, sizeof attr);
      attr.target_fd = (uint32_t) cgroup_fd;
      attr.attach_bpf_fd = (uint32_t) old_fd;
      attr.attach_type = BPF_CGROUP_DEVICE;
      if (sys_bpf (BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
        return bw_error_syscall (err, "bpf(BPF_PROG_DETACH) of the previous device program");
    }
  return 0;
}

int
cgroup_devices_apply (const struct spec_resources *r, bool v2, const char *dir,
                      struct bw_error *err)
{
  _cleanup_free_ struct cgroup_device_rule *rules = NULL;
  size_t n = 0;
  int ret = cgroup_devices_rules (r, &rules, &n, err);
  if (ret < 0)
    return ret;
  if (!v2)
    return apply_v1 (rules, n, dir, err);
  _cleanup_close_ int cgroup_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgroup_fd < 0)
    return bw_error_syscall (err, "linux.resources.devices: open %s", dir);
  ret = apply_v2 (rules, n, cgroup_fd, err);
  return ret < 0 ? bw_error_prefix (err, "linux.resources.devices") : 0;
}
