/* linux/seccomp_cache: compile a profile to classic BPF once, keep it in the
 * state root, load it with seccomp(2) on later starts. libseccomp's
 * compiler is most of a hardened start's CPU time; loading a stored
 * program costs one read and one syscall. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "linux_seccomp.h"
#include "linux_seccomp_cache.h"
#include "sha256.h"

/* A dot name: never a container's directory (ids starting with a dot are
 * stored under encoded names), skipped by `list`. */
#define CACHE_DIR ".seccomp-cache"
/* Bumped when the file layout or the key's inputs change. */
#define CACHE_FORMAT 1

/* What precedes the instructions in a cache file: enough to reject a
 * truncated, foreign or misplaced file before the kernel sees it. */
struct cache_header
{
  char magic[8];               /* "BWSCBPF\0" */
  uint32_t format;
  uint32_t len;                /* instructions that follow */
  char key[64];                /* the file's own key, hex */
};

static const char cache_magic[8] = "BWSCBPF";

void
seccomp_bpf_clear (struct seccomp_bpf *prog)
{
  free (prog->insns);
  *prog = (struct seccomp_bpf) SECCOMP_BPF_INIT;
}

int
seccomp_bpf_export (scmp_filter_ctx ctx, struct seccomp_bpf *out, struct bw_error *err)
{
  _cleanup_close_ int fd = memfd_create ("bulwark-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return bw_error_syscall (err, "memfd_create");
  int ret = seccomp_export_bpf (ctx, fd);
  if (ret < 0)
    return bw_error_set (err, -ret, "linux.seccomp: export the compiled filter: %s",
                         strerror (-ret));
  off_t size = lseek (fd, 0, SEEK_END);
  if (size < 0)
    return bw_error_syscall (err, "lseek on the exported filter");
  if (size == 0 || size % sizeof (struct sock_filter) != 0
      || size / sizeof (struct sock_filter) > BPF_MAXINSNS)
    return bw_error_set (err, E2BIG, "linux.seccomp: the compiled filter has %lld bytes, not "
                         "1 to %d instructions", (long long) size, BPF_MAXINSNS);
  _cleanup_free_ struct sock_filter *insns = malloc ((size_t) size);
  if (!insns)
    return bw_error_set (err, ENOMEM, "out of memory");
  if (pread (fd, insns, (size_t) size, 0) != size)
    return bw_error_syscall (err, "read the exported filter");
  *out = (struct seccomp_bpf) { .insns = bw_steal_ptr (insns),
                                .len = (size_t) size / sizeof (struct sock_filter) };
  return 0;
}

int
seccomp_bpf_load (const struct seccomp_bpf *prog, struct bw_error *err)
{
  struct sock_fprog fprog = { .len = (unsigned short) prog->len, .filter = prog->insns };
  if (syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog->flags, &fprog) == 0)
    return 0;
  /* Without seccomp(2) (valgrind, or a kernel before 3.17) prctl loads a
   * filter that needs no flags, as libseccomp does. */
  if (errno == ENOSYS && prog->flags == 0)
    {
      if (prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) == 0)
        return 0;
      return bw_error_syscall (err, "prctl PR_SET_SECCOMP");
    }
  return bw_error_syscall (err, "seccomp SECCOMP_SET_MODE_FILTER");
}

static int
flag_bit (const char *name, unsigned int *bit)
{
  if (!name)
    return -EINVAL;
  if (strcmp (name, "SECCOMP_FILTER_FLAG_TSYNC") == 0)
    *bit = SECCOMP_FILTER_FLAG_TSYNC;
  else if (strcmp (name, "SECCOMP_FILTER_FLAG_LOG") == 0)
    *bit = SECCOMP_FILTER_FLAG_LOG;
  else if (strcmp (name, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
    *bit = SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  else
    return -EINVAL;
  return 0;
}

int
seccomp_cache_filter_flags (const struct spec_seccomp *sc, unsigned int *out,
                            struct bw_error *err)
{
  *out = 0;
  for (size_t i = 0; i < sc->flags.n; i++)
    {
      unsigned int bit;
      if (flag_bit (sc->flags.v[i], &bit) < 0)
        return bw_error_set (err, EINVAL, "linux.seccomp.flags[%zu]: %s cannot be used with a "
                             "cached filter", i, sc->flags.v[i] ? sc->flags.v[i] : "");
      *out |= bit;
    }
  return 0;
}

bool
seccomp_cache_usable (const struct spec_seccomp *sc)
{
  unsigned int bit;
  for (size_t i = 0; i < sc->n_syscalls; i++)
    if (sc->syscalls[i].action && strcmp (sc->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0)
      return false;
  /* WAIT_KILLABLE_RECV only means something with a listener. */
  for (size_t i = 0; i < sc->flags.n; i++)
    if (flag_bit (sc->flags.v[i], &bit) < 0)
      return false;
  return true;
}

/* ---- the key ---------------------------------------------------------- */

/* Each field goes in as tag, length, bytes: no two different profiles feed
 * the same byte stream. */
static void
feed_bytes (struct sha256 *h, char tag, const void *p, uint64_t len)
{
  sha256_update (h, &tag, 1);
  sha256_update (h, &len, sizeof len);
  if (len && p)
    sha256_update (h, p, (size_t) len);
}

static void
feed_str (struct sha256 *h, char tag, const char *s)
{
  if (!s)
    feed_bytes (h, (char) (tag | 0x80), NULL, 0);
  else
    feed_bytes (h, tag, s, strlen (s));
}

static void
feed_u64 (struct sha256 *h, char tag, uint64_t v)
{
  feed_bytes (h, tag, &v, sizeof v);
}

static void
feed_strv (struct sha256 *h, char tag, const struct spec_strv *v)
{
  feed_u64 (h, tag, v->v ? v->n : UINT64_MAX);
  for (size_t i = 0; i < v->n; i++)
    feed_str (h, 's', v->v[i]);
}

void
seccomp_cache_key (const struct spec_seccomp *sc, char hex[65])
{
  struct sha256 h;
  sha256_init (&h);
  /* What the compiled program depends on besides the profile. */
  const struct scmp_version *lib = seccomp_version ();
  feed_str (&h, 'B', "bulwark seccomp cache");
  feed_u64 (&h, 'F', CACHE_FORMAT);
  feed_u64 (&h, 'V', lib ? ((uint64_t) lib->major << 32 | lib->minor << 16 | lib->micro) : 0);
  feed_u64 (&h, 'K', seccomp_api_get ());
  feed_u64 (&h, 'N', seccomp_arch_native ());
  /* The profile, field by field. */
  feed_str (&h, 'd', sc->default_action);
  feed_u64 (&h, 'e', sc->default_errno_ret.set ? sc->default_errno_ret.value : UINT64_MAX);
  feed_strv (&h, 'a', &sc->architectures);
  feed_strv (&h, 'f', &sc->flags);
  feed_u64 (&h, 'n', sc->n_syscalls);
  for (size_t i = 0; i < sc->n_syscalls; i++)
    {
      const struct spec_seccomp_syscall *s = &sc->syscalls[i];
      feed_strv (&h, 'S', &s->names);
      feed_str (&h, 'A', s->action);
      feed_u64 (&h, 'E', s->errno_ret.set ? s->errno_ret.value : UINT64_MAX);
      feed_u64 (&h, 'C', s->n_args);
      for (size_t k = 0; k < s->n_args; k++)
        {
          feed_u64 (&h, 'i', s->args[k].index);
          feed_u64 (&h, 'v', s->args[k].value);
          feed_u64 (&h, 'w', s->args[k].value_two.set);
          feed_u64 (&h, 'W', s->args[k].value_two.value);
          feed_str (&h, 'o', s->args[k].op);
        }
    }
  uint8_t digest[32];
  sha256_final (&h, digest);
  sha256_hex (digest, hex);
}

/* ---- compiling -------------------------------------------------------- */

/* The spec names of the ABIs this host's kernel runs (native first). */
static const char *const *
runnable_archs (void)
{
  static const char *const x86_64[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
                                        NULL };
  static const char *const aarch64[] = { "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL };
  static const char *const none[] = { NULL };
  switch (seccomp_arch_native ())
    {
    case SCMP_ARCH_X86_64:
      return x86_64;
    case SCMP_ARCH_AARCH64:
      return aarch64;
    default:
      /* Elsewhere only the native ABI, which libseccomp always adds. */
      return none;
    }
}

static bool
arch_runnable (const char *name)
{
  for (const char *const *a = runnable_archs (); name && *a; a++)
    if (strcmp (*a, name) == 0)
      return true;
  return false;
}

int
seccomp_cache_compile (const struct spec_seccomp *sc, struct seccomp_bpf *out,
                       struct bw_error *err)
{
  unsigned int flags;
  int ret = seccomp_cache_filter_flags (sc, &flags, err);
  if (ret < 0)
    return ret;
  /* A shallow copy whose architecture list keeps the runnable ones. */
  struct spec_seccomp host = *sc;
  _cleanup_free_ char **archs = NULL;
  if (sc->architectures.v)
    {
      archs = calloc (sc->architectures.n + 1, sizeof *archs);
      if (!archs)
        return bw_error_set (err, ENOMEM, "out of memory");
      size_t n = 0;
      for (size_t i = 0; i < sc->architectures.n; i++)
        {
          uint32_t token;
          /* Unknown names still reach seccomp_compile for its error. */
          if (arch_runnable (sc->architectures.v[i])
              || seccomp_arch_value (sc->architectures.v[i], &token) < 0)
            archs[n++] = sc->architectures.v[i];
        }
      host.architectures = (struct spec_strv) { .v = archs, .n = n };
    }
  scmp_filter_ctx ctx = NULL;
  bool notify = false;
  ret = seccomp_compile (&host, &ctx, &notify, err);
  if (ret < 0)
    return ret;
  if (notify)
    ret = bw_error_set (err, ENOTSUP, "linux.seccomp: filters with SCMP_ACT_NOTIFY rules are "
                        "not cached");
  else
    ret = seccomp_bpf_export (ctx, out, err);
  seccomp_release (ctx);
  if (ret == 0)
    out->flags = flags;
  return ret;
}

/* ---- the files -------------------------------------------------------- */

static int
open_cache_dir (const char *state_root, bool create, struct bw_error *err)
{
  _cleanup_free_ char *dir = NULL;
  if (asprintf (&dir, "%s/" CACHE_DIR, state_root) < 0)
    return bw_error_set (err, ENOMEM, "out of memory");
  if (create && mkdir (dir, 0700) < 0 && errno != EEXIST)
    return bw_error_syscall (err, "mkdir %s", dir);
  _cleanup_close_ int fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return bw_error_syscall (err, "open %s", dir);
  struct stat st;
  if (fstat (fd, &st) < 0)
    return bw_error_syscall (err, "stat %s", dir);
  /* Only ever trust programs nobody else could have put there. */
  if (st.st_uid != geteuid () || (st.st_mode & 022))
    return bw_error_set (err, EPERM, "%s: not owned by uid %u or writable by others", dir,
                         (unsigned) geteuid ());
  return bw_steal_fd (fd);
}

int
seccomp_cache_read (const char *state_root, const char *key, struct seccomp_bpf *out,
                    struct bw_error *err)
{
  _cleanup_close_ int dirfd = open_cache_dir (state_root, false, err);
  if (dirfd < 0)
    return dirfd == -EPERM ? dirfd : -ENOENT;
  char name[80];
  snprintf (name, sizeof name, "%.64s.bpf", key);
  _cleanup_close_ int fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? -ENOENT : bw_error_syscall (err, "open " CACHE_DIR "/%s", name);
  struct stat st;
  struct cache_header hdr;
  if (fstat (fd, &st) < 0)
    return bw_error_syscall (err, "stat " CACHE_DIR "/%s", name);
  if (!S_ISREG (st.st_mode) || st.st_uid != geteuid () || (st.st_mode & 022))
    return bw_error_set (err, EPERM, CACHE_DIR "/%s: not a regular file of uid %u, or "
                         "writable by others", name, (unsigned) geteuid ());
  /* Damaged or foreign files are not errors: the caller recompiles and
   * replaces them. */
  if (pread (fd, &hdr, sizeof hdr, 0) != (ssize_t) sizeof hdr
      || memcmp (hdr.magic, cache_magic, sizeof hdr.magic) != 0 || hdr.format != CACHE_FORMAT
      || memcmp (hdr.key, key, sizeof hdr.key) != 0 || hdr.len == 0 || hdr.len > BPF_MAXINSNS
      || st.st_size != (off_t) (sizeof hdr + hdr.len * sizeof (struct sock_filter)))
    return -ENOENT;
  size_t bytes = hdr.len * sizeof (struct sock_filter);
  _cleanup_free_ struct sock_filter *insns = malloc (bytes);
  if (!insns)
    return bw_error_set (err, ENOMEM, "out of memory");
  if (pread (fd, insns, bytes, sizeof hdr) != (ssize_t) bytes)
    return -ENOENT;
  *out = (struct seccomp_bpf) { .insns = bw_steal_ptr (insns), .len = hdr.len };
  return 0;
}

static int
write_all (int fd, const void *p, size_t len)
{
  const char *c = p;
  while (len > 0)
    {
      ssize_t n = write (fd, c, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return -1;
      c += n;
      len -= (size_t) n;
    }
  return 0;
}

int
seccomp_cache_write (const char *state_root, const char *key, const struct seccomp_bpf *prog,
                     struct bw_error *err)
{
  _cleanup_close_ int dirfd = open_cache_dir (state_root, true, err);
  if (dirfd < 0)
    return dirfd;
  struct cache_header hdr = { .format = CACHE_FORMAT, .len = (uint32_t) prog->len };
  memcpy (hdr.magic, cache_magic, sizeof hdr.magic);
  memcpy (hdr.key, key, sizeof hdr.key);
  char name[80], tmp[112];
  snprintf (name, sizeof name, "%.64s.bpf", key);
  /* Concurrent creates of one profile each write their own temp file; the
   * rename makes either complete file the winner. No fsync: a file torn by
   * a crash fails the size check and is recompiled. */
  snprintf (tmp, sizeof tmp, ".%.64s.%d.tmp", key, (int) getpid ());
  _cleanup_close_ int fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW
                                   | O_CLOEXEC, 0600);
  if (fd < 0)
    return bw_error_syscall (err, "create " CACHE_DIR "/%s", tmp);
  if (write_all (fd, &hdr, sizeof hdr) < 0
      || write_all (fd, prog->insns, prog->len * sizeof (struct sock_filter)) < 0)
    {
      int saved = errno ? errno : EIO;
      unlinkat (dirfd, tmp, 0);
      return bw_error_set (err, saved, "write " CACHE_DIR "/%s: %s", tmp, strerror (saved));
    }
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      int ret = bw_error_syscall (err, "rename " CACHE_DIR "/%s", tmp);
      unlinkat (dirfd, tmp, 0);
      return ret;
    }
  return 0;
}

int
seccomp_cache_load_or_compile (const char *state_root, const struct spec_seccomp *sc,
                               struct seccomp_bpf *out, bool *from_cache, struct bw_error *err)
{
  if (from_cache)
    *from_cache = false;
  if (!seccomp_cache_usable (sc))
    return bw_error_set (err, ENOTSUP, "linux.seccomp: filters with SCMP_ACT_NOTIFY rules or "
                         "listener flags are not cached");
  unsigned int flags;
  int ret = seccomp_cache_filter_flags (sc, &flags, err);
  if (ret < 0)
    return ret;
  char key[65];
  seccomp_cache_key (sc, key);
  if (state_root)
    {
      ret = seccomp_cache_read (state_root, key, out, err);
      if (ret == 0)
        {
          out->flags = flags;
          if (from_cache)
            *from_cache = true;
          return 0;
        }
      if (ret != -ENOENT)
        return ret;
    }
  ret = seccomp_cache_compile (sc, out, err);
  if (ret < 0)
    return ret;
  if (state_root)
    {
      /* Not storing only costs the next start a compile. */
      struct bw_error ignored = { 0 };
      (void) seccomp_cache_write (state_root, key, out, &ignored);
    }
  return 0;
}
