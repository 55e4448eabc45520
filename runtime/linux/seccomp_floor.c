/* linux/seccomp_floor: the filter no config can remove. The list is kept
 * short on purpose: each entry is either a way into the host kernel that
 * no ordinary workload needs (modules, kexec, bpf, perf, io_uring,
 * userfaultfd as an exploit primitive, the keyring, which is not
 * namespaced, raw port I/O, swap) or a known container escape
 * (open_by_handle_at). mount, ptrace, unshare and setns are left to the
 * profile: privileged workloads (systemd, nested runtimes, debuggers)
 * legitimately use them, and the policy relaxes profiles, not the floor. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "linux_seccomp.h"
#include "linux_seccomp_floor.h"
#include "sha256.h"

const char *const seccomp_floor_syscalls[] = {
  "init_module", "finit_module", "delete_module", "create_module",
  "kexec_load", "kexec_file_load",
  "open_by_handle_at",
  "bpf", "perf_event_open", "userfaultfd",
  "io_uring_setup", "io_uring_enter", "io_uring_register",
  "add_key", "request_key", "keyctl",
  "iopl", "ioperm",
  "swapon", "swapoff",
  NULL,
};

/* Bumped whenever the list or the way it is compiled changes: it is part
 * of the floor's cache key. */
#define FLOOR_VERSION "bulwark seccomp floor 1"

static int
add_compat_archs (scmp_filter_ctx ctx)
{
  static const uint32_t on_x86_64[] = { SCMP_ARCH_X86, SCMP_ARCH_X32, 0 };
  static const uint32_t on_aarch64[] = { SCMP_ARCH_ARM, 0 };
  static const uint32_t none[] = { 0 };
  uint32_t native = seccomp_arch_native ();
  const uint32_t *compat = native == SCMP_ARCH_X86_64 ? on_x86_64
                           : native == SCMP_ARCH_AARCH64 ? on_aarch64 : none;
  for (; *compat; compat++)
    {
      int ret = seccomp_arch_add (ctx, *compat);
      if (ret < 0 && ret != -EEXIST)
        return ret;
    }
  return 0;
}

int
seccomp_floor_compile (struct seccomp_bpf *out, struct bw_error *err)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
  if (!ctx)
    return bw_error_set (err, ENOMEM, "seccomp floor: libseccomp could not start a filter");
  /* no_new_privs stays process.noNewPrivileges' business. */
  int ret = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  const char *what = "clear CTL_NNP";
  if (ret == 0)
    {
      what = "add the compat architectures";
      ret = add_compat_archs (ctx);
    }
  for (size_t i = 0; ret == 0 && seccomp_floor_syscalls[i]; i++)
    {
      int nr = seccomp_syscall_resolve_name (seccomp_floor_syscalls[i]);
      /* Not known to this libseccomp: there is nothing to deny. */
      if (nr == __NR_SCMP_ERROR)
        continue;
      what = seccomp_floor_syscalls[i];
      ret = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), nr, 0);
      /* On none of this host's ABIs (iopl on aarch64): EFAULT. */
      if (ret == -EFAULT)
        ret = 0;
    }
  if (ret < 0)
    {
      seccomp_release (ctx);
      return bw_error_set (err, -ret, "seccomp floor: %s: %s", what, strerror (-ret));
    }
  ret = seccomp_bpf_export (ctx, out, err);
  seccomp_release (ctx);
  if (ret < 0)
    return bw_error_prefix (err, "seccomp floor");
  return 0;
}

/* The floor is a constant of this build: its key is its version, its list
 * and what libseccomp's output depends on. */
static void
floor_key (char hex[65])
{
  struct sha256 h;
  sha256_init (&h);
  sha256_update (&h, FLOOR_VERSION, sizeof FLOOR_VERSION);
  for (size_t i = 0; seccomp_floor_syscalls[i]; i++)
    sha256_update (&h, seccomp_floor_syscalls[i], strlen (seccomp_floor_syscalls[i]) + 1);
  const struct scmp_version *lib = seccomp_version ();
  uint32_t facts[5] = { lib ? lib->major : 0, lib ? lib->minor : 0, lib ? lib->micro : 0,
                        seccomp_api_get (), seccomp_arch_native () };
  sha256_update (&h, facts, sizeof facts);
  uint8_t digest[32];
  sha256_final (&h, digest);
  sha256_hex (digest, hex);
}

int
seccomp_floor_load_or_compile (const char *state_root, struct seccomp_bpf *out,
                               bool *from_cache, struct bw_error *err)
{
  char key[65];
  if (from_cache)
    *from_cache = false;
  if (state_root)
    {
      floor_key (key);
      int ret = seccomp_cache_read (state_root, key, out, err);
      if (ret == 0 && from_cache)
        *from_cache = true;
      if (ret != -ENOENT)
        return ret;
    }
  int ret = seccomp_floor_compile (out, err);
  if (ret == 0 && state_root)
    {
      struct bw_error ignored = { 0 };
      (void) seccomp_cache_write (state_root, key, out, &ignored);
    }
  return ret;
}

int
seccomp_floor_install (const struct seccomp_bpf *prog, struct bw_error *err)
{
  int ret = seccomp_bpf_load (prog, err);
  return ret < 0 ? bw_error_prefix (err, "seccomp floor") : 0;
}

int
seccomp_floor_wanted (const struct spec *spec, bool *wanted, struct bw_error *err)
{
  return spec_annotation_bool (spec, SECCOMP_FLOOR_ANNOTATION, wanted, err);
}
