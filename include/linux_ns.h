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

/* The annotation by which the hardening step (enforce mode) names, comma-
 * separated, the linux.namespaces types that may not be the host's
 * ("pid,ipc,uts,mount,cgroup": those not in the policy's
 * namespaces.allowHost). Joining one by a path that is the runtime's own
 * namespace of that type, compared by identity on the opened fd, is refused.
 * (The transform refuses /proc/1/ns/... early by its text; this catches
 * /proc/2/ns/ipc, /proc//1/ns/ipc or a bind mount of a host ns file.) */
#define NS_REFUSE_HOST_ANNOTATION "run.bulwark.namespaces.refusehost"

/* Join every namespace given by path except the user namespace: network
 * first, then the rest. pid and time apply to children created afterwards.
 * Honours NS_REFUSE_HOST_ANNOTATION. */
int ns_join_paths (const struct spec *spec, struct bw_error *err);

/* Join the user namespace given by path, if any. *joined tells. */
int ns_join_user (const struct spec *spec, bool *joined, struct bw_error *err);

/* Whether the config joins namespace `type` by a path that is the
 * runtime's own namespace of that type (the host's): *out. */
int ns_joins_host (const struct spec *spec, enum spec_ns_type type, bool *out,
                   struct bw_error *err);

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
