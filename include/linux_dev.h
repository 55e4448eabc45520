/* linux/dev: the container's /dev. A tmpfs when the config mounts none, the
 * default device nodes (null zero full random urandom tty), linux.devices,
 * and the usual links (fd, stdin/out/err, ptmx, core). In a user namespace
 * nodes cannot be made, so the host's are bind-mounted instead. */
#ifndef BULWARK_LINUX_DEV_H
#define BULWARK_LINUX_DEV_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

/* True when config `mounts` has an entry for /dev. */
bool dev_spec_mounts_dev (const struct spec *spec);

/* A tmpfs on /dev (mode 755, nosuid, noexec), for configs without one.
 * `label`: an SELinux context for it, or NULL. */
int dev_mount_tmpfs (int rootfd, const char *label, struct bw_error *err);

/* Default nodes, linux.devices, links and the shm/pts directories. */
int dev_populate (const struct spec *spec, int rootfd, bool in_userns, struct bw_error *err);

#endif
