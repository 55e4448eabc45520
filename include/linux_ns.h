/* linux/ns: namespaces. Joining the ones a config names by path (in an order
 * that keeps the privilege to do so), creating the others, writing a new user
 * namespace's id maps (from the parent) and a time namespace's offsets. */
#ifndef BULWARK_LINUX_NS_H
#define BULWARK_LINUX_NS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

/* CLONE_NEW* for a spec namespace type. */
int ns_clone_flag (enum spec_ns_type type);

/* Check the namespace list: no type twice, a mount namespace present. */
int ns_validate (const struct spec *spec, struct bw_error *err);

/* Join every namespace given by path except the user namespace: network
 * first, then the rest. pid and time apply to children created afterwards. */
int ns_join_paths (const struct spec *spec, struct bw_error *err);

/* Join the user namespace given by path, if any. *joined tells. */
int ns_join_user (const struct spec *spec, bool *joined, struct bw_error *err);

/* CLONE_NEW* flags of the namespaces to create (no path), user excluded. */
int ns_new_flags (const struct spec *spec);

/* True when the config has a user namespace (new or joined). */
bool ns_has_user (const struct spec *spec);

/* Parent side: write /proc/PID/uid_map and gid_map (and "deny" to setgroups
 * only when the runtime itself lacks the privilege to map groups). */
int ns_write_id_maps (pid_t pid, const struct spec_linux *linux, struct bw_error *err);

/* Parent side: linux.timeOffsets of the time namespace that process `pid`
 * unshared, before any process enters it. (The unsharer, non-dumpable in a
 * new user namespace, cannot open its own timens_offsets.) */
int ns_write_time_offsets (pid_t pid, const struct spec_linux *linux, struct bw_error *err);

#endif
