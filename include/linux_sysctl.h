/* linux/sysctl: config `linux.sysctl`. Which keys a container may set (only
 * those the kernel namespaces, and only when the container has that
 * namespace of its own), checked before create makes anything; and the
 * writes, done by the init through its procfs before the pivot. */
#ifndef BULWARK_LINUX_SYSCTL_H
#define BULWARK_LINUX_SYSCTL_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

/* The namespaces a sysctl may live in, as the container has them. */
struct sysctl_namespaces
{
  bool ipc;          /* an ipc namespace (new or joined) */
  bool uts;          /* a uts namespace (new or joined) */
  bool own_net;      /* a network namespace that is not the host's */
  bool net_is_host;  /* linux.namespaces joins the runtime's own network namespace */
  bool ipc_is_host;  /* ... its own ipc namespace */
  bool uts_is_host;  /* ... its own uts namespace */
};

/* Pure: whether `key` is a well-formed sysctl name (no "/", no "..", no
 * leading or trailing ".") that names a sysctl the kernel keeps per
 * namespace `ns` provides. */
int sysctl_check_key (const char *key, const struct sysctl_namespaces *ns, struct bw_error *err);

/* Every key of linux.sysctl checked against the container's namespaces
 * (a joined ipc, uts or network namespace is compared with the runtime's
 * own: a key of the host's is refused). */
int sysctl_validate (const struct spec *spec, struct bw_error *err);

/* Write linux.sysctl through `procfd` (the container's procfs). */
int sysctl_write (const struct spec *spec, int procfd, struct bw_error *err);

#endif
