/* featureset: one place that says what this build supports. The lists are
 * checked against the implementing modules by unit tests (every mount
 * option listed is one mount_plan_parse accepts), so they can't drift. */
#include <errno.h>
#include <stdio.h>

#include "featureset.h"

static const char *const no_strings[] = { NULL };

/* The options runtime/linux/mount.c understands. */
static const char *const mount_options[] = {
  "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec",
  "iversion", "lazytime", "loud", "mand", "noatime", "nodev", "nodiratime", "noexec",
  "noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid",
  "nosymfollow", "private", "rbind", "relatime", "remount", "ro", "rprivate", "rshared",
  "rslave", "runbindable", "rw", "shared", "silent", "slave", "strictatime", "suid",
  "symfollow", "sync", "unbindable", NULL,
};

static const char *const namespaces[] = {
  "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts", NULL,
};

void
features_collect (struct features *f)
{
  *f = (struct features) {
    .hooks = no_strings,
    .mount_options = mount_options,
    .namespaces = namespaces,
    .seccomp_actions = no_strings,
    .seccomp_operators = no_strings,
    .seccomp_archs = no_strings,
    .seccomp_flags = no_strings,
  };
}

int
features_check_config (const struct spec *spec, void (*warn) (void *, const char *),
                       void *warn_data, struct bw_error *err)
{
  if (spec->hooks)
    for (int k = 0; k < SPEC_HOOK_KINDS; k++)
      if (spec->hooks->kinds[k].n > 0)
        return bw_error_set (err, ENOTSUP,
                             "hooks.%s: OCI hooks are not implemented yet in this build; remove them",
                             spec_hook_kind_names[k]);
  const struct spec_linux *l = spec->linux;
  if (l && l->seccomp)
    return bw_error_set (err, ENOTSUP,
                         "linux.seccomp: seccomp filters are not implemented yet in this build");
  const struct spec_process *p = spec->process;
  if (p && p->apparmor_profile && *p->apparmor_profile)
    return bw_error_set (err, ENOTSUP,
                         "process.apparmorProfile: AppArmor is not implemented yet in this build");
  if (p && p->selinux_label && *p->selinux_label)
    return bw_error_set (err, ENOTSUP,
                         "process.selinuxLabel: SELinux is not implemented yet in this build");
  if (l && l->mount_label && *l->mount_label)
    return bw_error_set (err, ENOTSUP,
                         "linux.mountLabel: SELinux is not implemented yet in this build");
  if (l && l->resources && warn)
    warn (warn_data, "linux.resources: limits are not enforced yet: this build has no cgroup support");
  return 0;
}
