/* linux_cgroup_devices: linux.resources.devices enforced by the devices
 * controller. Owns the default device rules every container gets, the
 * translation of rules to cgroup v1 devices.allow/devices.deny lines, and the
 * cgroup v2 BPF_PROG_TYPE_CGROUP_DEVICE program built from them (raw bpf(2),
 * no libbpf). The cgroup core calls cgroup_devices_apply (cgroup.h). */
#ifndef BULWARK_LINUX_CGROUP_DEVICES_H
#define BULWARK_LINUX_CGROUP_DEVICES_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "cgroup.h"
#include "spec.h"

/* Access bits, the kernel's BPF_DEVCG_ACC_* values. */
#define CGROUP_DEV_MKNOD 1u
#define CGROUP_DEV_READ 2u
#define CGROUP_DEV_WRITE 4u
#define CGROUP_DEV_ALL 7u

#define CGROUP_DEV_ANY (-1)    /* wildcard major or minor */

/* One normalized rule: type is 'a' only for "every device, every access";
 * a partial 'a' rule is split into a 'b' and a 'c' rule. */
struct cgroup_device_rule
{
  bool allow;
  char type;                   /* 'a', 'b' or 'c' */
  int64_t major, minor;        /* CGROUP_DEV_ANY or >= 0 */
  unsigned access;             /* CGROUP_DEV_* bits, never 0 */
};

/* The config's rules in order, then the default allowed devices (as runc:
 * mknod of any node, /dev/null, zero, full, random, urandom, tty, console,
 * ptmx, /dev/pts/N, /dev/net/tun). Later rules win over earlier ones.
 * `r` may be NULL. Errors name linux.resources.devices[i]. */
int cgroup_devices_rules (const struct spec_resources *r, struct cgroup_device_rule **out,
                          size_t *n_out, struct bw_error *err);

/* "c 1:3 rwm", "b *:* m", "a": the v1 devices.allow/deny line of a rule. */
void cgroup_devices_v1_line (const struct cgroup_device_rule *rule, char *buf, size_t size);

/* The v2 program: default deny, the last matching rule decides. */
int cgroup_devices_bpf_program (const struct cgroup_device_rule *rules, size_t n,
                                struct bpf_insn **out, size_t *n_insns, struct bw_error *err);

/* cgroup_devices_apply (declared in cgroup.h, called by the cgroup core):
 * v1: "a" is denied in devices.deny, then each rule written in order. v2: the
 * program is attached to the directory with BPF_F_ALLOW_MULTI; programs that
 * were attached before (an update) are detached once the new one is in. */

#endif
