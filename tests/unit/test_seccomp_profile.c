/* seccomp_profile: profiles/seccomp/default.json parses as a linux.seccomp
 * object, covers every syscall libseccomp knows on x86_64 and aarch64, and,
 * loaded in a child (no_new_privs, no root needed), allows and denies what
 * it is meant to; the floor filter; the compiled-BPF cache (key, files,
 * damage, round trip). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "linux_seccomp.h"
#include "linux_seccomp_cache.h"
#include "linux_seccomp_floor.h"
#include "spec.h"
#include "unit.h"

static char *
read_profile (void)
{
  char path[4096];
  const char *srcdir = getenv ("srcdir");
  snprintf (path, sizeof path, "%s/profiles/seccomp/default.json", srcdir ? srcdir : ".");
  _cleanup_fclose_ FILE *f = fopen (path, "re");
  if (!f)
    return NULL;
  char *buf = NULL;
  size_t size = 0;
  FILE *mem = open_memstream (&buf, &size);
  if (!mem)
    return NULL;
  char chunk[4096];
  size_t n;
  while ((n = fread (chunk, 1, sizeof chunk, f)) > 0)
    fwrite (chunk, 1, n, mem);
  /* buf is only final once the stream is closed. */
  if (fclose (mem) != 0)
    {
      free (buf);
      return NULL;
    }
  return buf;
}

/* The profile inside a minimal config, parsed by the real parser. */
static struct spec *
parse_profile (const char *profile, struct bw_error *err)
{
  _cleanup_free_ char *doc = NULL;
  if (asprintf (&doc, "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}, "
                "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"]}, "
                "\"linux\": {\"seccomp\": %s}}", profile) < 0)
    return NULL;
  struct spec *spec = NULL;
  if (spec_parse_config (doc, strlen (doc), &spec, err) < 0)
    return NULL;
  return spec;
}

static bool
profile_names (const struct spec_seccomp *sc, const char *name)
{
  for (size_t i = 0; i < sc->n_syscalls; i++)
    for (size_t j = 0; j < sc->syscalls[i].names.n; j++)
      if (strcmp (sc->syscalls[i].names.v[j], name) == 0)
        return true;
  return false;
}

static void
test_coverage (const struct spec_seccomp *sc)
{
  static const char *const archs[] = { "x86_64", "aarch64" };
  for (size_t a = 0; a < 2; a++)
    {
      uint32_t token = seccomp_arch_resolve_name (archs[a]);
      char missing[512] = "";
      int n_known = 0;
      for (int nr = 0; nr < 1024; nr++)
        {
          _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch (token, nr);
          if (!name)
            continue;
          n_known++;
          if (!profile_names (sc, name) && strlen (missing) + strlen (name) + 2 < sizeof missing)
            {
              strcat (missing, " ");
              strcat (missing, name);
            }
        }
      char label[96];
      snprintf (label, sizeof label, "every %s syscall libseccomp knows is decided (%d)",
                archs[a], n_known);
      CHECK (n_known > 250 && missing[0] == '\0', label, "undecided:%s", missing);
    }
  CHECK (sc->default_action && strcmp (sc->default_action, "SCMP_ACT_ERRNO") == 0
           && sc->default_errno_ret.set && sc->default_errno_ret.value == ENOSYS,
         "unknown (newer) syscalls get ENOSYS", "default %s", sc->default_action);
  bool x32 = false;
  for (size_t i = 0; i < sc->architectures.n; i++)
    x32 |= strcmp (sc->architectures.v[i], "SCMP_ARCH_X32") == 0;
  CHECK (sc->architectures.n == 2 && !x32, "x86_64 and aarch64, no x32", "%zu archs",
         sc->architectures.n);
}

/* ---- in a child with a filter loaded ---------------------------------- */

/* The result of one syscall as "ok" or the errno's number. */
static int
outcome (long ret)
{
  return ret == -1 ? errno : 0;
}

#define EXPECT(call, want, name)                                                                \
  do                                                                                            \
    {                                                                                           \
      errno = 0;                                                                                \
      int _got = outcome (call);                                                                \
      CHECK (_got == (want), name, "got %d (%s), want %d", _got, strerror (_got), (want));     \
    }                                                                                           \
  while (0)

static long
raw_clone (unsigned long flags)
{
  long ret = syscall (SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
  if (ret == 0)
    _exit (0);
  if (ret > 0)
    waitpid ((pid_t) ret, NULL, 0);
  return ret > 0 ? 0 : ret;
}

/* Zeroed memory for syscalls that read a struct: valgrind checks their
 * arguments before the filter answers. */
static char zeroes[256];

/* valgrind cannot run int 0x80 from a 64-bit process. */
static bool
under_valgrind (void)
{
  const char *preload = getenv ("LD_PRELOAD");
  return preload && strstr (preload, "vgpreload");
}

static void
checks_under_default (void)
{
  EXPECT (syscall (SYS_getpid), 0, "default: getpid allowed");
  EXPECT (syscall (SYS_personality, 0xffffffffUL), 0, "default: personality query allowed");
  EXPECT (syscall (SYS_personality, 0x20008UL), 0, "default: personality LINUX32|UNAME26");
  EXPECT (syscall (SYS_personality, 0UL), 0, "default: personality back to LINUX");
  EXPECT (syscall (SYS_personality, 0x0040000UL), EPERM,
          "default: personality ADDR_NO_RANDOMIZE denied");
  EXPECT (syscall (SYS_personality, 0x100000000UL), EPERM,
          "default: personality with high bits denied");
  EXPECT (raw_clone (0), 0, "default: clone without namespace flags (fork)");
  EXPECT (raw_clone (CLONE_NEWNS), EPERM, "default: clone(CLONE_NEWNS) denied");
  EXPECT (raw_clone (CLONE_NEWUSER), EPERM, "default: clone(CLONE_NEWUSER) denied");
  EXPECT (syscall (SYS_clone3, NULL, 0), ENOSYS, "default: clone3 is ENOSYS (glibc falls back)");
  EXPECT (syscall (SYS_unshare, CLONE_NEWUSER), EPERM, "default: unshare(CLONE_NEWUSER) denied");
  EXPECT (syscall (SYS_unshare, CLONE_NEWTIME), EPERM, "default: unshare(CLONE_NEWTIME) denied");
  EXPECT (syscall (SYS_unshare, CLONE_FS), 0, "default: unshare(CLONE_FS) allowed");
  EXPECT (syscall (SYS_setns, -1, 0), EPERM, "default: setns denied");
  EXPECT (syscall (SYS_ptrace, 16 /* PTRACE_ATTACH */, 1, 0, 0), EPERM,
          "default: ptrace(PTRACE_ATTACH) denied");
  EXPECT (syscall (SYS_io_uring_setup, 1, zeroes), EPERM, "default: io_uring_setup denied");
  EXPECT (syscall (SYS_bpf, 0, zeroes, 64), EPERM, "default: bpf denied");
  EXPECT (syscall (SYS_perf_event_open, zeroes, 0, -1, -1, 0), EPERM,
          "default: perf_event_open denied");
  EXPECT (syscall (SYS_userfaultfd, 0), EPERM, "default: userfaultfd denied");
  EXPECT (syscall (SYS_keyctl, 0, 0, 0, 0, 0), EPERM, "default: keyctl denied");
  EXPECT (syscall (SYS_mount, "none", "/", "tmpfs", 0, NULL), EPERM, "default: mount denied");
  EXPECT (syscall (SYS_fsopen, "tmpfs", 0), EPERM, "default: fsopen denied");
  EXPECT (syscall (SYS_open_by_handle_at, -1, zeroes, 0), EPERM,
          "default: open_by_handle_at denied");
  EXPECT (syscall (SYS_kexec_load, 0, 0, zeroes, 0), EPERM, "default: kexec_load denied");
  EXPECT (syscall (SYS_finit_module, -1, "", 0), EPERM, "default: finit_module denied");
  /* Newer than the profile (and than libseccomp 2.5): glibc's fallbacks
   * need ENOSYS here, not EPERM. */
  EXPECT (syscall (462 /* mseal */, 0, 0, 0), ENOSYS, "default: a newer syscall is ENOSYS");
  EXPECT (syscall (1000), ENOSYS, "default: an unassigned number is ENOSYS");
  struct timespec ts;
  EXPECT (clock_gettime (CLOCK_MONOTONIC, &ts), 0, "default: clock_gettime allowed");
}

static void
checks_under_floor (void)
{
  EXPECT (syscall (SYS_getpid), 0, "floor: getpid allowed");
  EXPECT (raw_clone (0), 0, "floor: fork allowed");
  EXPECT (syscall (SYS_bpf, 0, zeroes, 64), EPERM, "floor: bpf denied");
  EXPECT (syscall (SYS_io_uring_setup, 1, zeroes), EPERM, "floor: io_uring_setup denied");
  EXPECT (syscall (SYS_keyctl, 0, 0, 0, 0, 0), EPERM, "floor: keyctl denied");
  EXPECT (syscall (SYS_init_module, zeroes, 0, ""), EPERM, "floor: init_module denied");
  EXPECT (syscall (SYS_open_by_handle_at, -1, zeroes, 0), EPERM, "floor: open_by_handle_at denied");
  EXPECT (syscall (SYS_userfaultfd, 0), EPERM, "floor: userfaultfd denied");
#ifdef __x86_64__
  if (under_valgrind ())
    return;
  /* The i386 entry is filtered too: keyctl is 288 there, getpid 20. */
  long ret;
  __asm__ volatile ("int $0x80" : "=a"(ret) : "0"(288L), "b"(0L), "c"(0L) : "memory");
  CHECK (ret == -EPERM || ret == -ENOSYS, "floor: keyctl through int 0x80 denied",
         "returned %ld", ret);
  /* ENOSYS: a kernel built without IA32 emulation (the filter saw nothing). */
  __asm__ volatile ("int $0x80" : "=a"(ret) : "0"(20L) : "memory");
  CHECK (ret == getpid () || ret == -ENOSYS, "floor: getpid through int 0x80 allowed",
         "returned %ld", ret);
#endif
}

/* Run `checks` in a child after loading `prog`; its CHECK lines are ours. */
static void
in_child (const char *name, const struct seccomp_bpf *prog, const struct seccomp_bpf *second,
          void (*checks) (void))
{
  fflush (stdout);
  pid_t pid = fork ();
  if (pid == 0)
    {
      struct bw_error err = { 0 };
      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_bpf_load (prog, &err) < 0
          || (second && seccomp_bpf_load (second, &err) < 0))
        {
          printf ("not ok - %s: load: %s\n", name, err.msg);
          fflush (stdout);
          _exit (1);
        }
      checks ();
      fflush (stdout);
      _exit (unit_failures ? 1 : 0);
    }
  int status = -1;
  waitpid (pid, &status, 0);
  CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0, name, "child status 0x%x", status);
}

/* ---- the cache -------------------------------------------------------- */

static void
test_cache (const struct spec_seccomp *sc)
{
  struct bw_error err = { 0 };
  char dir[] = "/tmp/bulwark-seccomp-cache.XXXXXX";
  if (!mkdtemp (dir))
    {
      CHECK (0, "cache: temp dir", "%s", strerror (errno));
      return;
    }
  char key[65], again[65];
  seccomp_cache_key (sc, key);
  seccomp_cache_key (sc, again);
  CHECK (strlen (key) == 64 && strcmp (key, again) == 0, "cache: key is stable", "%s %s", key,
         again);
  struct spec_seccomp other = *sc;
  other.default_errno_ret.value = EPERM;
  seccomp_cache_key (&other, again);
  CHECK (strcmp (key, again) != 0, "cache: key follows the profile", "same key");

  _cleanup_seccomp_bpf_ struct seccomp_bpf first = SECCOMP_BPF_INIT;
  _cleanup_seccomp_bpf_ struct seccomp_bpf second = SECCOMP_BPF_INIT;
  bool hit = true;
  int ret = seccomp_cache_load_or_compile (dir, sc, &first, &hit, &err);
  CHECK (ret == 0 && !hit && first.len > 0, "cache: first start compiles", "%d %s", ret,
         err.msg);
  char path[256];
  snprintf (path, sizeof path, "%s/.seccomp-cache/%s.bpf", dir, key);
  struct stat st;
  CHECK (stat (path, &st) == 0 && (st.st_mode & 07777) == 0600, "cache: file stored 0600",
         "%s: %s", path, strerror (errno));
  ret = seccomp_cache_load_or_compile (dir, sc, &second, &hit, &err);
  CHECK (ret == 0 && hit && second.len == first.len
           && memcmp (first.insns, second.insns, first.len * sizeof *first.insns) == 0,
         "cache: second start loads the same program", "%d hit %d len %zu/%zu", ret, hit,
         second.len, first.len);
  seccomp_bpf_clear (&second);
  /* A torn file is recompiled and replaced, not loaded. */
  if (truncate (path, 100) == 0)
    {
      ret = seccomp_cache_load_or_compile (dir, sc, &second, &hit, &err);
      CHECK (ret == 0 && !hit && second.len == first.len, "cache: damaged file recompiled",
             "%d hit %d", ret, hit);
      CHECK (stat (path, &st) == 0 && st.st_size > 100, "cache: damaged file replaced",
             "size %lld", (long long) st.st_size);
      seccomp_bpf_clear (&second);
    }
  /* Someone else's writable file is refused. */
  if (chmod (path, 0666) == 0)
    {
      bw_error_clear (&err);
      ret = seccomp_cache_load_or_compile (dir, sc, &second, &hit, &err);
      CHECK (ret == -EPERM && strstr (err.msg, "writable by others"),
             "cache: world-writable file refused", "%d %s", ret, err.msg);
      seccomp_bpf_clear (&second);
    }
  unlink (path);

  /* Notify profiles stay on libseccomp's path. */
  struct spec_seccomp_syscall notify = { .names = other.syscalls[0].names,
                                         .action = (char *) "SCMP_ACT_NOTIFY" };
  struct spec_seccomp with_notify = { .default_action = (char *) "SCMP_ACT_ALLOW",
                                      .syscalls = &notify, .n_syscalls = 1,
                                      .listener_path = (char *) "/x" };
  CHECK (!seccomp_cache_usable (&with_notify), "cache: notify profiles not cached", "usable");
  ret = seccomp_cache_load_or_compile (dir, &with_notify, &second, &hit, &err);
  CHECK (ret == -ENOTSUP, "cache: notify profile refused", "%d", ret);

  /* The floor through the cache too. */
  _cleanup_seccomp_bpf_ struct seccomp_bpf floor = SECCOMP_BPF_INIT;
  ret = seccomp_floor_load_or_compile (dir, &floor, &hit, &err);
  CHECK (ret == 0 && !hit && floor.len > 0, "floor: compiled and stored", "%d %s", ret, err.msg);
  seccomp_bpf_clear (&floor);
  ret = seccomp_floor_load_or_compile (dir, &floor, &hit, &err);
  CHECK (ret == 0 && hit, "floor: loaded from the cache", "%d %s", ret, err.msg);

  char cmd[300];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system (cmd) != 0)
    printf ("# could not remove %s\n", dir);
}

static void
pruned_checks (void)
{
  EXPECT (syscall (SYS_getppid), 33, "pruned: the native rule holds");
}

/* Architectures the host cannot run are left out of the compiled program;
 * names that only they have must then be skipped, not fail the compile. */
static void
test_pruned_archs (void)
{
  struct bw_error err = { 0 };
  char *abis[] = { (char *) "SCMP_ARCH_X86_64", (char *) "SCMP_ARCH_AARCH64",
                   (char *) "SCMP_ARCH_PPC64LE", NULL };
  char *names[] = { (char *) "cacheflush", (char *) "set_tls", (char *) "getppid", NULL };
  struct spec_seccomp_syscall call = { .names = { .v = names, .n = 3 },
                                       .action = (char *) "SCMP_ACT_ERRNO",
                                       .errno_ret = { true, 33 } };
  struct spec_seccomp sc = { .default_action = (char *) "SCMP_ACT_ALLOW",
                             .architectures = { .v = abis, .n = 3 }, .syscalls = &call,
                             .n_syscalls = 1 };
  _cleanup_seccomp_bpf_ struct seccomp_bpf prog = SECCOMP_BPF_INIT;
  int ret = seccomp_cache_compile (&sc, &prog, &err);
  CHECK (ret == 0 && prog.len > 0, "pruned: names of other architectures only are skipped",
         "%d %s", ret, err.msg);
  if (ret == 0)
    in_child ("pruned: program enforced in a child", &prog, NULL, pruned_checks);
}

int
main (void)
{
  struct bw_error err = { 0 };
  _cleanup_free_ char *profile = read_profile ();
  CHECK (profile != NULL, "profiles/seccomp/default.json readable (set srcdir)", "%s",
         strerror (errno));
  if (!profile)
    return UNIT_EXIT ();
  _cleanup_spec_ struct spec *spec = parse_profile (profile, &err);
  CHECK (spec && spec->linux && spec->linux->seccomp, "default profile parses as linux.seccomp",
         "%s", err.msg);
  if (!spec || !spec->linux || !spec->linux->seccomp)
    return UNIT_EXIT ();
  const struct spec_seccomp *sc = spec->linux->seccomp;
  test_coverage (sc);

  scmp_filter_ctx ctx = NULL;
  bool notify = true;
  int ret = seccomp_compile (sc, &ctx, &notify, &err);
  CHECK (ret == 0 && !notify, "default profile compiles", "%s", err.msg);
  if (ctx)
    seccomp_release (ctx);

  _cleanup_seccomp_bpf_ struct seccomp_bpf prog = SECCOMP_BPF_INIT;
  ret = seccomp_cache_compile (sc, &prog, &err);
  CHECK (ret == 0 && prog.len > 0, "default profile compiles to BPF", "%s", err.msg);
  if (ret == 0)
    in_child ("default profile enforced in a child", &prog, NULL, checks_under_default);

  _cleanup_seccomp_bpf_ struct seccomp_bpf floor = SECCOMP_BPF_INIT;
  ret = seccomp_floor_compile (&floor, &err);
  CHECK (ret == 0 && floor.len > 0, "floor compiles", "%s", err.msg);
  if (ret == 0)
    in_child ("floor enforced in a child", &floor, NULL, checks_under_floor);

  /* Stacked under an allow-everything config filter, the floor still holds. */
  /* (With the compat ABIs listed: a filter for x86_64 alone kills i386
   * entries, and the floor's checks use one.) */
  char *abis[] = { (char *) "SCMP_ARCH_X86_64", (char *) "SCMP_ARCH_X86",
                   (char *) "SCMP_ARCH_AARCH64", (char *) "SCMP_ARCH_ARM", NULL };
  struct spec_seccomp unconfined = { .default_action = (char *) "SCMP_ACT_ALLOW",
                                     .architectures = { .v = abis, .n = 4 } };
  _cleanup_seccomp_bpf_ struct seccomp_bpf allow_all = SECCOMP_BPF_INIT;
  ret = seccomp_cache_compile (&unconfined, &allow_all, &err);
  if (ret == 0 && floor.len > 0)
    in_child ("floor holds under an allow-all filter", &allow_all, &floor, checks_under_floor);

  test_cache (sc);
  test_pruned_archs ();
  return UNIT_EXIT ();
}
