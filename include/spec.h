/* spec: the OCI runtime-spec (1.0.0 .. 1.3.x, Linux parts) as typed C structs.
 * Owns config.json, exec --process files and update --resources input, in both
 * directions (parse and serialize). Errors name the JSON path, e.g.
 * "linux.resources.memory.limit: expected an integer, got \"1G\"".
 * Knows nothing about policy. */
#ifndef BULWARK_SPEC_H
#define BULWARK_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* -std=gnu11 predefines the legacy macro `linux` (= 1), which would break the
 * `linux` member below; code should test __linux__ instead. */
#undef linux

/* Optional scalars: `set` tells whether the JSON had the field, so that a
 * round trip parse -> serialize -> parse is identical. */
typedef struct { bool set; bool value; } opt_bool;
typedef struct { bool set; int32_t value; } opt_i32;
typedef struct { bool set; uint32_t value; } opt_u32;
typedef struct { bool set; int64_t value; } opt_i64;
typedef struct { bool set; uint64_t value; } opt_u64;

/* A list of strings: `v` has `n` entries plus a NULL terminator. NULL `v`
 * means the field was absent; an empty array is v = {NULL}, n = 0. */
struct spec_strv { char **v; size_t n; };

/* String map (annotations, sysctl, unified), order preserved. */
struct spec_kv { char *key; char *value; };
struct spec_map { struct spec_kv *items; size_t n; bool set; };

struct spec_id_mapping { uint32_t container_id; uint32_t host_id; uint32_t size; };
struct spec_id_mappings { struct spec_id_mapping *items; size_t n; bool set; };

/* ---------------------------------------------------------------- root */
struct spec_root { char *path; opt_bool readonly; };

/* ---------------------------------------------------------------- mounts */
struct spec_mount
{
  char *destination;
  char *type;                  /* may be NULL */
  char *source;                /* may be NULL */
  struct spec_strv options;
  struct spec_id_mappings uid_mappings;  /* per-mount idmap (1.1+) */
  struct spec_id_mappings gid_mappings;
};

/* ---------------------------------------------------------------- process */
struct spec_console_size { uint32_t height; uint32_t width; };

struct spec_user
{
  uint32_t uid;
  uint32_t gid;
  opt_u32 umask;
  uint32_t *additional_gids; size_t n_additional_gids; bool additional_gids_set;
  char *username;              /* Windows only: kept for round trip, unused */
};

struct spec_capabilities
{
  /* Names as in config ("CAP_SYS_ADMIN"), validated against the kernel's list. */
  struct spec_strv bounding, effective, inheritable, permitted, ambient;
};

struct spec_rlimit
{
  char *type;                  /* "RLIMIT_NOFILE" */
  int resource;                /* RLIMIT_NOFILE */
  uint64_t hard;
  uint64_t soft;
};

struct spec_scheduler
{
  char *policy;                /* SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH,
                                  SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE */
  opt_i32 nice;
  opt_i32 priority;
  struct spec_strv flags;      /* SCHED_FLAG_* */
  opt_u64 runtime, deadline, period;
};

struct spec_io_priority
{
  char *class;                 /* IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE */
  int32_t priority;
};

struct spec_cpu_affinity { char *initial; char *final; };

struct spec_process
{
  opt_bool terminal;
  struct spec_console_size *console_size;
  struct spec_user user;
  struct spec_strv args;
  char *command_line;          /* Windows only: ignored on Linux */
  struct spec_strv env;
  char *cwd;
  struct spec_capabilities *capabilities;
  struct spec_rlimit *rlimits; size_t n_rlimits; bool rlimits_set;
  opt_bool no_new_privileges;
  char *apparmor_profile;
  char *selinux_label;
  opt_i32 oom_score_adj;       /* -1000 .. 1000 */
  struct spec_scheduler *scheduler;
  struct spec_io_priority *io_priority;
  struct spec_cpu_affinity *exec_cpu_affinity;
};

/* ---------------------------------------------------------------- hooks */
struct spec_hook
{
  char *path;
  struct spec_strv args;
  struct spec_strv env;
  opt_i32 timeout;             /* seconds, > 0 */
};

struct spec_hook_list { struct spec_hook *items; size_t n; bool set; };

enum spec_hook_kind
{
  SPEC_HOOK_PRESTART,
  SPEC_HOOK_CREATE_RUNTIME,
  SPEC_HOOK_CREATE_CONTAINER,
  SPEC_HOOK_START_CONTAINER,
  SPEC_HOOK_POSTSTART,
  SPEC_HOOK_POSTSTOP,
  SPEC_HOOK_KINDS
};

/* JSON names, indexed by enum spec_hook_kind ("prestart", "createRuntime", ...). */
extern const char *const spec_hook_kind_names[SPEC_HOOK_KINDS];

struct spec_hooks { struct spec_hook_list kinds[SPEC_HOOK_KINDS]; };

/* ---------------------------------------------------------------- linux */
enum spec_ns_type
{
  SPEC_NS_PID,
  SPEC_NS_NETWORK,
  SPEC_NS_MOUNT,
  SPEC_NS_IPC,
  SPEC_NS_UTS,
  SPEC_NS_USER,
  SPEC_NS_CGROUP,
  SPEC_NS_TIME,
  SPEC_NS_TYPES
};

/* JSON names indexed by enum spec_ns_type ("pid", "network", ...). */
extern const char *const spec_ns_type_names[SPEC_NS_TYPES];

struct spec_namespace { enum spec_ns_type type; char *path; /* NULL: new */ };

struct spec_time_offset { char *clock; /* "monotonic" | "boottime" */ int64_t secs; uint32_t nanosecs; };

struct spec_device
{
  char *type;                  /* "c", "b", "u", "p" */
  char *path;
  int64_t major, minor;        /* required for c/b/u, absent for p */
  bool major_set, minor_set;
  opt_u32 file_mode;
  opt_u32 uid;
  opt_u32 gid;
};

struct spec_device_cgroup
{
  bool allow;
  char *type;                  /* NULL, "a", "c", "b" */
  opt_i64 major, minor;
  char *access;                /* subset of "rwm", may be NULL */
};

struct spec_memory
{
  opt_i64 limit, reservation, swap, kernel, kernel_tcp;
  opt_u64 swappiness;          /* 0 .. 100 */
  opt_bool disable_oom_killer, use_hierarchy, check_before_update;
};

struct spec_cpu
{
  opt_u64 shares;
  opt_i64 quota;
  opt_u64 burst;
  opt_u64 period;
  opt_i64 realtime_runtime;
  opt_u64 realtime_period;
  char *cpus;
  char *mems;
  opt_i64 idle;
};

struct spec_pids { opt_i64 limit; };

struct spec_weight_device { int64_t major, minor; opt_u32 weight; opt_u32 leaf_weight; };
struct spec_throttle_device { int64_t major, minor; uint64_t rate; };
struct spec_throttle_list { struct spec_throttle_device *items; size_t n; bool set; };

struct spec_block_io
{
  opt_u32 weight;              /* 10 .. 1000 */
  opt_u32 leaf_weight;
  struct spec_weight_device *weight_device; size_t n_weight_device; bool weight_device_set;
  struct spec_throttle_list throttle_read_bps, throttle_write_bps,
    throttle_read_iops, throttle_write_iops;
};

struct spec_hugepage_limit { char *page_size; uint64_t limit; };

struct spec_net_priority { char *name; uint32_t priority; };

struct spec_network
{
  opt_u32 class_id;
  struct spec_net_priority *priorities; size_t n_priorities; bool priorities_set;
};

struct spec_rdma_entry { char *device; opt_u32 hca_handles; opt_u32 hca_objects; };

struct spec_resources
{
  struct spec_device_cgroup *devices; size_t n_devices; bool devices_set;
  struct spec_memory *memory;
  struct spec_cpu *cpu;
  struct spec_pids *pids;
  struct spec_block_io *block_io;
  struct spec_hugepage_limit *hugepage_limits; size_t n_hugepage_limits; bool hugepage_limits_set;
  struct spec_network *network;
  struct spec_rdma_entry *rdma; size_t n_rdma; bool rdma_set;
  struct spec_map unified;
};

struct spec_seccomp_arg
{
  uint32_t index;
  uint64_t value;
  opt_u64 value_two;
  char *op;                    /* SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT, _MASKED_EQ */
};

struct spec_seccomp_syscall
{
  struct spec_strv names;
  char *action;                /* SCMP_ACT_* */
  opt_u32 errno_ret;
  struct spec_seccomp_arg *args; size_t n_args; bool args_set;
};

struct spec_seccomp
{
  char *default_action;
  opt_u32 default_errno_ret;
  struct spec_strv architectures;  /* SCMP_ARCH_* */
  struct spec_strv flags;          /* SECCOMP_FILTER_FLAG_* */
  char *listener_path;
  char *listener_metadata;
  struct spec_seccomp_syscall *syscalls; size_t n_syscalls; bool syscalls_set;
};

struct spec_personality { char *domain; /* LINUX | LINUX32 */ struct spec_strv flags; };

struct spec_linux
{
  struct spec_namespace *namespaces; size_t n_namespaces; bool namespaces_set;
  struct spec_id_mappings uid_mappings;
  struct spec_id_mappings gid_mappings;
  struct spec_time_offset *time_offsets; size_t n_time_offsets; bool time_offsets_set;
  struct spec_device *devices; size_t n_devices; bool devices_set;
  char *cgroups_path;
  struct spec_resources *resources;
  struct spec_map sysctl;
  struct spec_seccomp *seccomp;
  char *rootfs_propagation;    /* shared, slave, private, unbindable (r- variants) */
  struct spec_strv masked_paths;
  struct spec_strv readonly_paths;
  char *mount_label;
  struct spec_personality *personality;
  bool intel_rdt_set;          /* accepted, ignored with a warning */
};

/* ---------------------------------------------------------------- config */
struct spec
{
  char *oci_version;
  struct spec_root *root;
  struct spec_mount *mounts; size_t n_mounts; bool mounts_set;
  struct spec_process *process;
  char *hostname;
  char *domainname;
  struct spec_hooks *hooks;
  struct spec_map annotations;
  struct spec_linux *linux;
  /* Not part of the JSON: non-fatal notes from the parser ("linux.intelRdt is
   * not supported and is ignored"), for the CLI to log as warnings. */
  struct spec_strv warnings;
};

/* Parse a config.json document. Errors name the JSON path only; the caller
 * prefixes the file name ("config.json: ..."). */
int spec_parse_config (const char *json, size_t len, struct spec **out, struct bw_error *err);

/* Read and parse a file; errors are prefixed with `display_name` (for
 * example "config.json"), or with the path when display_name is NULL. */
int spec_load_config (const char *path, const char *display_name, struct spec **out,
                      struct bw_error *err);

/* A process object alone (exec --process). */
int spec_parse_process (const char *json, size_t len, struct spec_process **out,
                        struct bw_error *err);

/* A linux.resources object alone (update --resources). */
int spec_parse_resources (const char *json, size_t len, struct spec_resources **out,
                          struct bw_error *err);

/* Serialize back to JSON (malloc'd, NUL-terminated). `pretty` indents. */
int spec_to_json (const struct spec *spec, bool pretty, char **out, struct bw_error *err);
int spec_process_to_json (const struct spec_process *p, bool pretty, char **out,
                          struct bw_error *err);
int spec_resources_to_json (const struct spec_resources *r, bool pretty, char **out,
                            struct bw_error *err);

void spec_free (struct spec *spec);
void spec_process_free (struct spec_process *p);
void spec_resources_free (struct spec_resources *r);

/* Lookups used by other modules. NULL when absent. */
const char *spec_annotation (const struct spec *spec, const char *key);
/* An annotation holding "true" or "false" (absent: false); any other
 * value is an error naming annotations.KEY. */
int spec_annotation_bool (const struct spec *spec, const char *key, bool *out,
                          struct bw_error *err);
const struct spec_namespace *spec_namespace_find (const struct spec *spec, enum spec_ns_type t);
/* An annotation holding a JSON array of strings (absent: none): a
 * NULL-terminated list into *out (free with bw_strvfree), its length in *n.
 * Anything else is an error naming annotations.KEY. */
int spec_annotation_strv (const struct spec *spec, const char *key, char ***out, size_t *n,
                          struct bw_error *err);
/* The JSON array of the strings v[0..n) (malloc'd), as spec_annotation_strv
 * reads it. */
int spec_strv_to_json (char *const *v, size_t n, char **out, struct bw_error *err);

/* Paths, lexically. Normalise an absolute path (no "//", ".", ".." or
 * trailing "/") into buf; false when it is relative or does not fit. */
bool spec_path_normalize (const char *path, char *buf, size_t size);
/* a == b or a is below b ("/" contains everything); both normalised. */
bool spec_path_within (const char *a, const char *b);
/* Whether a bind source (normalised) is denied by the entry `deny` of a deny
 * list (mounts.deny): it is the denied path, inside it, or contains it. */
bool spec_path_denied (const char *src, const char *deny);

/* Read a whole regular file (limit: 16 MiB) into a NUL-terminated buffer. */
int spec_read_file (const char *path, char **out, size_t *len, struct bw_error *err);

/* The same from an open fd (a pipe on stdin, say); `path` names it in errors. */
int spec_read_fd (int fd, const char *path, char **out, size_t *len, struct bw_error *err);

static inline void spec_freep (struct spec **p) { spec_free (*p); }
#define _cleanup_spec_ __attribute__ ((cleanup (spec_freep)))

#endif
