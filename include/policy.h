/* policy: the administrator's hardening floor. Owns policy.json (parsed with
 * the json helpers, errors naming the JSON path), the pure transform
 * `spec + policy + host facts -> hardened spec + decisions` (no syscalls:
 * everything it needs to know about the host comes in struct host_facts),
 * and rendering the decisions as a table and as JSON. It does not apply
 * anything to the kernel; the lifecycle sets up the hardened spec. */
#ifndef BULWARK_POLICY_H
#define BULWARK_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "spec.h"

/* Where each container's decisions are appended, one JSON line each. */
#define POLICY_DEFAULT_AUDIT_LOG "/var/log/bulwark-audit.log"

/* The machine-wide ID-range pool (idpool.h): one for every state root, so
 * containers of different clients (each with its own --root) never share a
 * range. A dot name inside the default state root: no container id maps
 * to it (ids starting with '.' are stored encoded), so `list` never shows
 * it and `delete` never removes it; not ".idpool", where runtimes before
 * the machine-wide pool kept records of another format. */
#define POLICY_DEFAULT_IDPOOL "/run/bulwark/.idpool.d"

/* Annotations asking for a relaxation start with this. */
#define POLICY_ANNOTATION_PREFIX "bulwark."

enum policy_mode
{
  POLICY_ENFORCE,               /* decide and change the spec */
  POLICY_AUDIT,                 /* decide and report, change nothing */
};

/* What to do with a violation the policy can either refuse or repair. */
enum policy_violation
{
  POLICY_REFUSE,
  POLICY_CLAMP,                 /* repair it (drop the device, remount ro, ...) */
};

/* A device the policy lets a config create in linux.devices. */
struct policy_device
{
  char *path;
  char type;                    /* 'c' or 'b' */
  int64_t major, minor;
};

/* A limit: applied when the config has none, clamped above max. 0 = none. */
struct policy_limit
{
  int64_t default_value;
  int64_t max;
};

struct policy
{
  enum policy_mode mode;

  /* 1. user namespace */
  bool userns_add;              /* userNamespace.add */
  uint32_t userns_size;         /* userNamespace.size: IDs per container */
  enum policy_violation idmap_fallback; /* userNamespace.idmapFallback */
  char *userns_pool;            /* userNamespace.pool: absolute directory */

  /* 7. host namespaces */
  struct spec_strv ns_allow_host;   /* namespaces.allowHost: may be shared */
  struct spec_strv ns_add_missing;  /* namespaces.addMissing: created instead */

  /* 2. capabilities */
  struct spec_strv caps_allowed;    /* capabilities.allowed */
  bool caps_allow_ambient;          /* capabilities.allowAmbient */
  bool no_new_privileges;           /* noNewPrivileges */

  /* 3. seccomp */
  char *seccomp_default_profile;    /* seccomp.defaultProfile */
  bool seccomp_floor;               /* seccomp.floor */

  /* 4. LSM */
  char *apparmor_profile;           /* lsm.apparmorProfile */
  char *audit_log;                  /* auditLog: absolute path, "" for none */
  struct spec_strv apparmor_allowed;/* lsm.allowedApparmorProfiles (globs) */
  char *selinux_label;              /* lsm.selinuxLabel (may be NULL) */
  bool landlock;                    /* lsm.landlock */

  /* 5. read-only rootfs */
  bool rootfs_readonly;             /* rootfs.readonly */
  struct spec_strv rootfs_tmpfs;    /* rootfs.tmpfs */
  uint64_t rootfs_tmpfs_size;       /* rootfs.tmpfsSize, bytes */

  /* 6. limits: memory in bytes, cpu in millicpus, pids in tasks */
  struct policy_limit memory, cpu, pids;

  /* 7. refusals */
  struct spec_strv mounts_deny;     /* mounts.deny */
  struct policy_device *devices_allowed; size_t n_devices_allowed; /* devices.allowed */
  enum policy_violation devices_extra;  /* devices.extra */
  struct spec_strv sysctl_allowed;  /* sysctl.allowed: names, or "prefix.*" */
  enum policy_violation writable_sys;   /* writableSys */

  /* 8. masked and read-only paths */
  struct spec_strv masked_paths;    /* maskedPaths */
  struct spec_strv readonly_paths;  /* readonlyPaths */

  /* relaxations a container may ask for with bulwark.* annotations */
  bool relax_rootfs_writable;       /* relaxations.rootfs.writable */
  struct spec_strv relax_caps_add;  /* relaxations.capabilities.add */
  int64_t relax_memory_max;         /* relaxations.memory.max (0: not allowed) */
  int64_t relax_cpu_max;            /* relaxations.cpu.max */
  int64_t relax_pids_max;           /* relaxations.pids.max */
  bool relax_seccomp_unconfined;    /* relaxations.seccomp.unconfined */
  bool relax_userns_disable;        /* relaxations.userns.disable */
};

/* Parse policy.json. Every field is optional: one left out keeps the
 * built-in default, the strict floor (the shipped profiles/policy.json's
 * controls, but no relaxation: those only when a policy file allows them).
 * Unknown keys are refused (a misspelt key must not silently change the
 * floor). Errors name the JSON path ("rootfs.tmpfs[0]: expected an absolute
 * path, got \"tmp\""). */
int policy_parse (const char *json, size_t len, struct policy **out, struct bw_error *err);

/* Read and parse a file; errors start with its path. A policy error must
 * refuse the container: callers never fall back to no policy. */
int policy_load (const char *path, struct policy **out, struct bw_error *err);

void policy_free (struct policy *p);

/* What the transform knows about the host: filled in by the caller. */
struct host_facts
{
  bool apparmor, selinux, landlock;  /* active LSMs, from the kernel */
  int landlock_abi;                  /* 0 when Landlock is absent */
  bool idmapped_mounts;              /* mount_setattr(MOUNT_ATTR_IDMAP) works */
  const char *state_root;            /* the runtime's own state root (denied as a bind source) */
  const char *bundle;                /* absolute bundle dir, for relative sources; may be NULL */
  /* The host ID range allocated to this container from the ID-range pool
   * (idpool.h), by the caller, before the transform. Used when a user
   * namespace is added: it must then hold at least userNamespace.size IDs
   * and not start at 0 (in audit mode it may be empty: 0, 0). */
  uint32_t id_range_start, id_range_size;
  /* The host IDs the whole pool hands out ranges from: a config's own
   * uidMappings/gidMappings must stay outside them, or the container
   * shares host IDs with one that got that range. Size 0: no check. */
  uint32_t id_pool_start, id_pool_size;
};

enum decision_outcome
{
  DECISION_ENFORCED,            /* the config already complied, or was made to */
  DECISION_RELAXED,             /* an allowed bulwark.* annotation relaxed it */
  DECISION_CLAMPED,             /* the config's value was lowered / repaired */
  DECISION_ADDED,               /* the config had nothing; the policy's default was added */
  DECISION_REFUSED,             /* the config is refused (audit: would be) */
  DECISION_SKIPPED,             /* the policy or the host turns the control off */
};

struct decision
{
  const char *control;          /* static: "userns", "capabilities", ... */
  char *rule;                   /* policy key: "capabilities.allowed" */
  char *field;                  /* config field: "process.capabilities" */
  char *asked;                  /* what the config asked ("(none)" when absent) */
  char *enforced;               /* what is enforced */
  char *why;
  enum decision_outcome outcome;
};

/* Side effects the spec cannot express, for the Linux stage to apply. All
 * off in audit mode. */
struct hardening_plan
{
  char *seccomp_profile;        /* name of the default profile to install
                                   (seccomp.defaultProfile, "default" =
                                   profiles/seccomp/default.json), or NULL */
  bool seccomp_floor;           /* stack the floor filter */
  bool landlock;                /* build a Landlock ruleset from the mounts */
  int landlock_abi;
  bool idmap_mounts;            /* idmap the rootfs and bind mounts to the
                                   added user namespace's range (the spec's
                                   per-mount mappings are not written) */
};

struct decisions
{
  enum policy_mode mode;
  struct decision *items;
  size_t n;
  struct hardening_plan plan;
};

/* The namespaces a container must have of its own (pid, ipc, uts, mount,
 * cgroup) unless namespaces.allowHost names them; the user namespace is
 * never the host's. */
#define POLICY_N_PRIVATE_NS 5
extern const enum spec_ns_type policy_private_ns[POLICY_N_PRIVATE_NS];

/* The transform. Pure: no syscalls, no globals. `*out` is a new spec (in
 * audit mode an unchanged copy of `in`; NULL on failure); `*d` the
 * decisions, set also when a refusal makes it fail (so a report can show
 * why): free it in both cases. `in`'s parser warnings are not copied. A refusal's error
 * names the config field and the policy key, e.g.
 * "linux.namespaces: the config shares the host's pid namespace; policy
 * refuses it (namespaces.allowHost)". In audit mode refusals are recorded,
 * not returned. */
int policy_harden (const struct policy *p, const struct host_facts *facts,
                   const struct spec *in, struct spec **out, struct decisions **d,
                   struct bw_error *err);

/* The limits control alone, for `update`: `config` (the container's
 * hardened config with the update merged in) gets the same defaults and
 * ceilings as at create, its bulwark.*.max relaxations included, edited in
 * place (in audit mode left as is). *d: the limits decisions; free it. */
int policy_limit_resources (const struct policy *p, struct spec *config, struct decisions **d,
                            struct bw_error *err);

/* The process controls alone, for `exec`: `process` (what exec is about to
 * run in the container) gets the capability clamp, no_new_privs and the
 * AppArmor/SELinux label as the container's process got them at create,
 * with the bulwark.* relaxations of `config` (the container's saved
 * config), edited in place (in audit mode left as is). A label the policy
 * refuses fails as at create. *d: the decisions; free it. */
int policy_limit_process (const struct policy *p, const struct host_facts *facts,
                          const struct spec *config, struct spec_process *process,
                          struct decisions **d, struct bw_error *err);

void decisions_free (struct decisions *d);

/* Rendering (malloc'd strings; library code never prints). */
const char *decision_outcome_name (enum decision_outcome o);
/* A table: CONTROL OUTCOME RULE FIELD ASKED ENFORCED, one decision a line. */
int policy_report_table (const struct decisions *d, char **out, struct bw_error *err);
/* {"mode":..,"decisions":[{"control":..,...}],"plan":{..}}; pretty indents,
 * compact is one line (for the --log file and the audit log). */
int policy_report_json (const struct decisions *d, bool pretty, char **out,
                        struct bw_error *err);

static inline void policy_freep (struct policy **p) { policy_free (*p); }
static inline void decisions_freep (struct decisions **d) { decisions_free (*d); }
#define _cleanup_policy_ __attribute__ ((cleanup (policy_freep)))
#define _cleanup_decisions_ __attribute__ ((cleanup (decisions_freep)))

#endif
