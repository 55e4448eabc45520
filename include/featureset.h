/* featureset: what this build supports, gathered from the modules that
 * implement each part, for `bulwark features` and for refusing configs that
 * ask for something the build can't do. */
#ifndef BULWARK_FEATURESET_H
#define BULWARK_FEATURESET_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

struct features
{
  const char *const *hooks;            /* NULL-terminated JSON names */
  const char *const *mount_options;
  const char *const *namespaces;
  bool cgroup_v1, cgroup_v2, cgroup_rdma;
  bool seccomp;
  const char *const *seccomp_actions, *const *seccomp_operators, *const *seccomp_archs,
    *const *seccomp_flags;
  bool apparmor, selinux;
  bool idmap_mounts;
};

void features_collect (struct features *f);

/* Refuse a config that needs something this build can't do yet, with an
 * error naming the field; warn (through `warn`) where the spec lets a runtime
 * ignore it. */
int features_check_config (const struct spec *spec, void (*warn) (void *, const char *),
                           void *warn_data, struct bw_error *err);

#endif
