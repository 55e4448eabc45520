/* linux/lsm: Linux security modules. Which ones the running kernel has
 * active (AppArmor, SELinux), refusing a config that asks for a label the
 * host cannot enforce, and labelling the workload at execve:
 * process.apparmorProfile through attr/apparmor/exec, process.selinuxLabel
 * through libselinux's setexeccon (builds with HAVE_SELINUX only), and
 * linux.mountLabel as the context= option of the mounts the runtime makes. */
#ifndef BULWARK_LINUX_LSM_H
#define BULWARK_LINUX_LSM_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

struct lsm_host
{
  bool apparmor;
  bool selinux;
};

/* What the kernel runs: /sys/kernel/security/lsm when securityfs is
 * mounted, else each module's own trace (AppArmor's module parameter,
 * selinuxfs). Never fails: an unreadable source counts as "not active". */
void lsm_detect (struct lsm_host *host);

/* True when this build can apply SELinux labels (built with libselinux). */
bool lsm_build_has_selinux (void);

/* Check process.apparmorProfile, process.selinuxLabel and linux.mountLabel
 * against `host` and this build, before anything is set up. `field_prefix`
 * names where the process came from ("process" for config.json). */
int lsm_validate_process (const struct spec_process *p, const struct lsm_host *host,
                          const char *field_prefix, struct bw_error *err);
int lsm_validate (const struct spec *spec, struct bw_error *err);

/* The SELinux context for the mounts the runtime creates, or NULL. */
const char *lsm_mount_label (const struct spec *spec);

/* Set the label the next execve gives this process. Call last, just before
 * execve (after capabilities are set). `procfd`: a procfs of the caller's
 * pid namespace. A process without labels is left alone. */
int lsm_set_exec_label (const struct spec_process *p, int procfd, struct bw_error *err);

#endif
