/* featureset: one place that says what this build supports. The lists are
 * checked against the implementing modules by unit tests (every mount
 * option listed is one mount_plan_parse accepts), so they can't drift. */
#include <errno.h>
#include <stdio.h>

#include "featureset.h"
#include "linux_seccomp.h"
#include "linux_lsm.h"

/* The options runtime/linux/mount.c understands. */
static const char *const mount_options[] = {
  "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec",
  "idmap", "iversion", "lazytime", "loud", "mand", "noatime", "nodev", "nodiratime", "noexec",
  "noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid",
  "nosymfollow", "private", "rbind", "relatime", "remount", "ridmap", "ro", "rprivate", "rshared",
  "rslave", "runbindable", "rw", "shared", "silent", "slave", "strictatime", "suid",
  "symfollow", "sync", "tmpcopyup", "unbindable", NULL,
};

/* runtime/hooks.c runs them; container, linux/init and lifecycle say when. */
static const char *const hooks[] = {
  "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL,
};

static const char *const namespaces[] = {
  "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts", NULL,
};

void
features_collect (struct features *f)
{
  *f = (struct features) {
    .hooks = hooks,
    .mount_options = mount_options,
    .namespaces = namespaces,
    .seccomp = true,  /* linux/seccomp.c; its lists say what libseccomp and the kernel offer */
    .apparmor = true,  /* linux/lsm.c; whether the host runs it is checked per config */
    .selinux = lsm_build_has_selinux (),
    .idmap_mounts = true,
    /* linux/cgroup*.c: v1, hybrid and unified layouts, rdma.max included. */
    .cgroup_v1 = true,
    .cgroup_v2 = true,
    .cgroup_rdma = true,
  };
  seccomp_features (&f->seccomp_actions, &f->seccomp_operators, &f->seccomp_archs,
                    &f->seccomp_flags);
}

int
features_check_config (const struct spec *spec, void (*warn) (void *, const char *),
                       void *warn_data, struct bw_error *err)
{
  /* AppArmor and SELinux labels: linux/lsm decides, from the running kernel;
   * linux.resources: linux/cgroup*.c, whose errors name what the host lacks. */
  (void) spec, (void) warn, (void) warn_data, (void) err;
  return 0;
}
