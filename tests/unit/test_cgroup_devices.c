/* Device rules: config → normalized rules, v1 lines, and the v2 program,
 * run through a small interpreter of the instructions it may contain. As
 * root on a host with cgroup2 mounted, the program is also loaded and
 * attached for real to a scratch cgroup. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include "linux_cgroup_devices.h"
#include "unit.h"

/* Runs the program on one request; -1 when it does something the
 * generator never emits (or runs off its end). */
static int
run (const struct bpf_insn *p, size_t n, int type, unsigned access, uint32_t major, uint32_t minor)
{
  uint32_t ctx[3] = { (access << 16) | (uint32_t) type, major, minor };
  uint64_t reg[11] = { 0 };
  for (size_t pc = 0; pc < n; pc++)
    {
      const struct bpf_insn *i = &p[pc];
      switch (i->code)
        {
        case BPF_LDX | BPF_MEM | BPF_W:
          if (i->src_reg != 1 || i->off % 4 || i->off > 8)
            return -1;
          reg[i->dst_reg] = ctx[i->off / 4];
          break;
        case BPF_ALU | BPF_AND | BPF_K:
          reg[i->dst_reg] = (uint32_t) (reg[i->dst_reg] & (uint32_t) i->imm);
          break;
        case BPF_ALU | BPF_RSH | BPF_K:
          reg[i->dst_reg] = (uint32_t) reg[i->dst_reg] >> i->imm;
          break;
        case BPF_ALU | BPF_MOV | BPF_X:
          reg[i->dst_reg] = (uint32_t) reg[i->src_reg];
          break;
        case BPF_ALU64 | BPF_MOV | BPF_K:
          reg[i->dst_reg] = (uint64_t) (int64_t) i->imm;
          break;
        case BPF_JMP | BPF_JNE | BPF_K:
          if (reg[i->dst_reg] != (uint64_t) (int64_t) i->imm)
            pc += i->off;
          break;
        case BPF_JMP | BPF_JEQ | BPF_K:
          if (reg[i->dst_reg] == (uint64_t) (int64_t) i->imm)
            pc += i->off;
          break;
        case BPF_JMP | BPF_EXIT:
          return (int) reg[0];
        default:
          return -1;
        }
    }
  return -1;
}

#define C BPF_DEVCG_DEV_CHAR
#define B BPF_DEVCG_DEV_BLOCK
#define R CGROUP_DEV_READ
#define W CGROUP_DEV_WRITE
#define M CGROUP_DEV_MKNOD

static struct spec_device_cgroup
rule (bool allow, char *type, int64_t major, int64_t minor, char *access)
{
  struct spec_device_cgroup d = { .allow = allow, .type = type, .access = access };
  if (major != -2)
    d.major = (opt_i64) { true, major };
  if (minor != -2)
    d.minor = (opt_i64) { true, minor };
  return d;
}

/* Program of the config rules plus defaults. */
static struct bpf_insn *
program_of (struct spec_device_cgroup *devs, size_t n, size_t *n_insns)
{
  struct spec_resources r = { .devices = devs, .n_devices = n, .devices_set = n > 0 };
  struct cgroup_device_rule *rules = NULL;
  size_t n_rules = 0;
  struct bpf_insn *prog = NULL;
  struct bw_error err = { 0 };
  if (cgroup_devices_rules (&r, &rules, &n_rules, &err) < 0
      || cgroup_devices_bpf_program (rules, n_rules, &prog, n_insns, &err) < 0)
    printf ("# %s\n", err.msg);
  free (rules);
  return prog;
}

static void
test_rules_and_lines (void)
{
  struct spec_device_cgroup devs[] = {
    rule (false, NULL, -2, -2, "rwm"),
    rule (true, "b", 7, -1, "rw"),
    rule (true, "a", 4, 2, "r"),
    rule (false, "c", 1, 3, NULL),
  };
  struct spec_resources r = { .devices = devs, .n_devices = 4, .devices_set = true };
  struct cgroup_device_rule *rules = NULL;
  size_t n = 0;
  struct bw_error err = { 0 };
  CHECK (cgroup_devices_rules (&r, &rules, &n, &err) == 0, "rules: valid config", "%s", err.msg);
  CHECK (n == 5 + 11, "rules: partial a split in two, defaults appended", "n=%zu", n);
  const char *want[] = { "a", "b 7:* rw", "b 4:2 r", "c 4:2 r", "c 1:3 rwm", "c *:* m", "b *:* m",
                         "c 1:3 rwm" };
  for (size_t i = 0; i < 8 && i < n; i++)
    {
      char line[64], name[64];
      cgroup_devices_v1_line (&rules[i], line, sizeof line);
      snprintf (name, sizeof name, "v1 line %zu", i);
      CHECK_STREQ (line, want[i], name);
    }
  CHECK (!rules[0].allow && rules[1].allow && !rules[4].allow, "rules: allow/deny kept", "x");
  free (rules);

  struct spec_device_cgroup bad[] = { rule (true, "c", -5, 1, "r") };
  r = (struct spec_resources) { .devices = bad, .n_devices = 1, .devices_set = true };
  CHECK (cgroup_devices_rules (&r, &rules, &n, &err) == -EINVAL
           && strstr (err.msg, "linux.resources.devices[0].major"),
         "rules: negative major refused, naming the field", "%s", err.msg);
  struct spec_device_cgroup huge[] = { rule (true, "c", 1, 1LL << 32, "r") };
  r.devices = huge;
  CHECK (cgroup_devices_rules (&r, &rules, &n, &err) == -EINVAL
           && strstr (err.msg, "devices[0].minor"), "rules: minor past 2^31 refused", "%s", err.msg);
  struct spec_device_cgroup bad_access[] = { rule (true, "c", 1, 1, "rx") };
  r.devices = bad_access;
  CHECK (cgroup_devices_rules (&r, &rules, &n, &err) == -EINVAL
           && strstr (err.msg, "devices[0].access"), "rules: bad access refused", "%s", err.msg);
  CHECK (cgroup_devices_rules (NULL, &rules, &n, &err) == 0 && n == 11,
         "rules: no resources gives the defaults", "n=%zu", n);
  free (rules);
}

static void
test_program_default (void)
{
  struct spec_device_cgroup devs[] = { rule (false, NULL, -2, -2, "rwm") };
  size_t n = 0;
  struct bpf_insn *p = program_of (devs, 1, &n);
  CHECK (p != NULL, "program: built", "NULL");
  if (!p)
    return;
  CHECK (run (p, n, C, R | W, 1, 3) == 1, "program: /dev/null rw allowed", "got %d", run (p, n, C, R | W, 1, 3));
  CHECK (run (p, n, C, R, 1, 9) == 1, "program: /dev/urandom allowed", "x");
  CHECK (run (p, n, C, W, 136, 4) == 1, "program: /dev/pts/4 allowed", "x");
  CHECK (run (p, n, C, R | W, 5, 2) == 1, "program: /dev/ptmx allowed", "x");
  CHECK (run (p, n, B, R, 7, 0) == 0, "program: block device open denied", "got %d", run (p, n, B, R, 7, 0));
  CHECK (run (p, n, B, M, 7, 0) == 1, "program: block device mknod allowed", "x");
  CHECK (run (p, n, C, R | M, 7, 0) == 0, "program: read+mknod of other char denied", "x");
  CHECK (run (p, n, C, R, 5, 1) == 0, "program: console 5:1 denied", "x");
  CHECK (run (p, n, C, R | W, 10, 200) == 1, "program: tun allowed", "x");
  CHECK (run (p, n, C, R, 10, 237) == 0, "program: loop-control denied", "x");
  free (p);
}

static void
test_program_order (void)
{
  /* Later rules win: deny write on null after the defaults can't be
   * expressed (defaults come last), so test within config rules on a
   * device the defaults don't cover. */
  struct spec_device_cgroup devs[] = {
    rule (true, "b", 8, -1, "rwm"),
    rule (false, "b", 8, 1, "w"),
    rule (true, "a", -1, -1, "rwm"),
  };
  size_t n = 0;
  struct bpf_insn *p = program_of (devs, 2, &n);
  if (!p)
    return;
  CHECK (run (p, n, B, R, 8, 0) == 1, "order: 8:0 read allowed", "x");
  CHECK (run (p, n, B, R, 8, 1) == 1, "order: 8:1 read allowed", "x");
  CHECK (run (p, n, B, W, 8, 1) == 0, "order: 8:1 write denied by the later rule", "x");
  CHECK (run (p, n, B, R | W, 8, 1) == 0, "order: 8:1 rw denied (asks for a denied bit)", "x");
  CHECK (run (p, n, B, R, 9, 0) == 0, "order: 9:0 denied by default", "x");
  free (p);
  p = program_of (devs, 3, &n);
  if (!p)
    return;
  CHECK (run (p, n, B, R | W, 9, 0) == 1, "order: allow-all rule opens everything", "x");
  CHECK (run (p, n, B, W, 8, 1) == 1, "order: allow-all after the deny wins", "x");
  free (p);

  /* A trailing unconditional rule ends the program: nothing unreachable. */
  struct cgroup_device_rule all[] = { { true, 'a', -1, -1, CGROUP_DEV_ALL },
                                      { false, 'c', 1, 3, CGROUP_DEV_ALL } };
  struct bw_error err = { 0 };
  cgroup_devices_bpf_program (all, 2, &p, &n, &err);
  CHECK (n == 6 + 5 + 2, "program: deny 1:3 block, then the allow-all ends it", "n=%zu", n);
  CHECK (run (p, n, C, R, 1, 3) == 0 && run (p, n, C, R, 1, 5) == 1, "program: all but 1:3", "x");
  free (p);
  struct cgroup_device_rule only_all[] = { { false, 'c', 1, 3, CGROUP_DEV_ALL },
                                           { true, 'a', -1, -1, CGROUP_DEV_ALL } };
  cgroup_devices_bpf_program (only_all, 2, &p, &n, &err);
  CHECK (n == 6 + 2 && p[n - 1].code == (BPF_JMP | BPF_EXIT) && p[n - 2].imm == 1,
         "program: stops after an unconditional rule", "n=%zu", n);
  free (p);
}

/* How many device programs are attached to the cgroup directory itself. */
static int
attached_programs (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  uint32_t ids[16];
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.query.target_fd = (uint32_t) fd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uintptr_t) ids;
  attr.query.prog_cnt = 16;
  long r = syscall (SYS_bpf, BPF_PROG_QUERY, &attr, sizeof attr);
  close (fd);
  return r < 0 ? -1 : (int) attr.query.prog_cnt;
}

/* Root only: attach to a scratch cgroup2 directory and open devices from a
 * child inside it. Works on hybrid hosts too (device programs hook the
 * cgroup2 membership of the task whatever the v1 controllers say). */
static void
test_real_attach (void)
{
  const char *base = getenv ("CGROUP2_ROOT") ? getenv ("CGROUP2_ROOT") : "/sys/fs/cgroup/unified";
  struct statfs sf;
  if (geteuid () != 0 || statfs (base, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC)
    {
      if (statfs ("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC && geteuid () == 0)
        base = "/sys/fs/cgroup";
      else
        {
          printf ("ok - real attach # skip: not root or no cgroup2\n");
          return;
        }
    }
  char dir[256];
  snprintf (dir, sizeof dir, "%s/bulwark-unit-devices-%d", base, (int) getpid ());
  if (mkdir (dir, 0755) < 0)
    {
      printf ("ok - real attach # skip: mkdir %s: %s\n", dir, strerror (errno));
      return;
    }
  struct spec_device_cgroup devs[] = { rule (false, NULL, -2, -2, "rwm") };
  struct spec_resources r = { .devices = devs, .n_devices = 1, .devices_set = true };
  struct bw_error err = { 0 };
  int ret = cgroup_devices_apply (&r, true, dir, &err);
  CHECK (ret == 0, "real attach: program loaded and attached", "%s", err.msg);
  ret = cgroup_devices_apply (&r, true, dir, &err);
  CHECK (ret == 0, "real attach: replaced on a second apply", "%s", err.msg);
  CHECK (attached_programs (dir) == 1, "real attach: one program after the second apply",
         "%d attached", attached_programs (dir));
  int fds[2];
  if (ret == 0 && pipe (fds) == 0)
    {
      pid_t pid = fork ();
      if (pid == 0)
        {
          char procs[300];
          snprintf (procs, sizeof procs, "%s/cgroup.procs", dir);
          int fd = open (procs, O_WRONLY);
          if (fd < 0 || write (fd, "0", 1) != 1)
            _exit (10);
          close (fd);
          int results[2];
          fd = open ("/dev/null", O_RDWR);
          results[0] = fd >= 0 ? 0 : errno;
          fd = open ("/dev/loop-control", O_RDWR);
          results[1] = fd >= 0 ? 0 : errno;
          if (write (fds[1], results, sizeof results) != sizeof results)
            _exit (11);
          _exit (0);
        }
      close (fds[1]);
      int results[2] = { -1, -1 };
      ssize_t got = read (fds[0], results, sizeof results);
      close (fds[0]);
      waitpid (pid, NULL, 0);
      CHECK (got == sizeof results && results[0] == 0, "real attach: /dev/null opens", "errno %d", results[0]);
      CHECK (got == sizeof results && results[1] == EPERM, "real attach: /dev/loop-control EPERM",
             "errno %d", results[1]);
    }
  rmdir (dir);
}

int
main (void)
{
  test_rules_and_lines ();
  test_program_default ();
  test_program_order ();
  test_real_attach ();
  return UNIT_EXIT ();
}
