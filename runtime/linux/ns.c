#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/nsfs.h>

#include "cleanup.h"
#include "linux_ns.h"
#include "sys.h"

static const int clone_flags[SPEC_NS_TYPES] = {
  [SPEC_NS_PID] = CLONE_NEWPID,     [SPEC_NS_NETWORK] = CLONE_NEWNET,
  [SPEC_NS_MOUNT] = CLONE_NEWNS,    [SPEC_NS_IPC] = CLONE_NEWIPC,
  [SPEC_NS_UTS] = CLONE_NEWUTS,     [SPEC_NS_USER] = CLONE_NEWUSER,
  [SPEC_NS_CGROUP] = CLONE_NEWCGROUP, [SPEC_NS_TIME] = CLONE_NEWTIME,
};

/* Names as the kernel uses them in /proc/PID/ns, for messages. */
static const char *const kernel_names[SPEC_NS_TYPES] = {
  [SPEC_NS_PID] = "pid",   [SPEC_NS_NETWORK] = "net", [SPEC_NS_MOUNT] = "mnt",
  [SPEC_NS_IPC] = "ipc",   [SPEC_NS_UTS] = "uts",     [SPEC_NS_USER] = "user",
  [SPEC_NS_CGROUP] = "cgroup", [SPEC_NS_TIME] = "time",
};

int
ns_clone_flag (enum spec_ns_type type)
{
  return (unsigned) type < SPEC_NS_TYPES ? clone_flags[type] : 0;
}

static const struct spec_linux *
linux_of (const struct spec *spec)
{
  return spec->linux;
}

int
ns_validate (const struct spec *spec, struct bw_error *err)
{
  const struct spec_linux *l = linux_of (spec);
  bool seen[SPEC_NS_TYPES] = { false };
  for (size_t i = 0; l && i < l->n_namespaces; i++)
    {
      enum spec_ns_type t = l->namespaces[i].type;
      if ((unsigned) t >= SPEC_NS_TYPES)
        return bw_error_set (err, EINVAL, "linux.namespaces[%zu].type: unknown", i);
      if (seen[t])
        return bw_error_set (err, EINVAL, "linux.namespaces[%zu]: duplicate %s namespace", i,
                             spec_ns_type_names[t]);
      seen[t] = true;
    }
  /* Without one, every mount would land in the runtime's namespace. */
  if (!seen[SPEC_NS_MOUNT])
    return bw_error_set (err, EINVAL, "linux.namespaces: a mount namespace is required");
  return 0;
}

bool
ns_has_user (const struct spec *spec)
{
  return spec_namespace_find (spec, SPEC_NS_USER) != NULL;
}

int
ns_new_flags (const struct spec *spec)
{
  const struct spec_linux *l = linux_of (spec);
  int flags = 0;
  for (size_t i = 0; l && i < l->n_namespaces; i++)
    if (!l->namespaces[i].path && l->namespaces[i].type != SPEC_NS_USER)
      flags |= clone_flags[l->namespaces[i].type];
  return flags;
}

/* The types NS_REFUSE_HOST_ANNOTATION names, as refused[type]. */
static int
refused_host_types (const struct spec *spec, bool refused[SPEC_NS_TYPES], struct bw_error *err)
{
  const char *v = spec_annotation (spec, NS_REFUSE_HOST_ANNOTATION);
  for (int t = 0; t < SPEC_NS_TYPES; t++)
    refused[t] = false;
  for (const char *p = v; p && *p;)
    {
      const char *end = strchrnul (p, ',');
      size_t n = (size_t) (end - p);
      int found = -1;
      for (int t = 0; t < SPEC_NS_TYPES && found < 0; t++)
        if (strlen (spec_ns_type_names[t]) == n && strncmp (spec_ns_type_names[t], p, n) == 0)
          found = t;
      if (found < 0)
        {
          char q[80];
          bw_quote (v, 48, q, sizeof q);
          return bw_error_set (err, EINVAL, "annotations." NS_REFUSE_HOST_ANNOTATION ": %s is "
                               "not a comma-separated list of namespace types", q);
        }
      refused[found] = true;
      p = *end ? end + 1 : end;
    }
  return 0;
}

/* Whether `fd`, a namespace of `type`, is the runtime's own (the host's):
 * by identity, whatever path named it (/proc/2/ns/ipc, a bind mount of one). */
static int
is_own (int fd, enum spec_ns_type type, bool *out, struct bw_error *err)
{
  char own_path[32];
  struct stat joined, own;
  snprintf (own_path, sizeof own_path, "/proc/self/ns/%s", kernel_names[type]);
  if (fstat (fd, &joined) < 0)
    return bw_error_syscall (err, "fstat");
  if (stat (own_path, &own) < 0)
    return bw_error_syscall (err, "stat %s", own_path);
  *out = joined.st_dev == own.st_dev && joined.st_ino == own.st_ino;
  return 0;
}

/* Open namespace i's path and check that it is a namespace of its type and,
 * when `refused` says so for its type, not the runtime's own. */
static int
open_ns (const struct spec_linux *l, size_t i, const bool *refused, int *out,
         struct bw_error *err)
{
  const struct spec_namespace *ns = &l->namespaces[i];
  _cleanup_close_ int fd = open (ns->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return bw_error_syscall (err, "linux.namespaces[%zu].path: open %s", i, ns->path);
  int type = ioctl (fd, NS_GET_NSTYPE);
  if (type < 0 && errno == ENOTTY)
    return bw_error_set (err, EINVAL, "linux.namespaces[%zu].path: %s is not a namespace", i,
                         ns->path);
  if (type < 0)
    return bw_error_syscall (err, "linux.namespaces[%zu].path: %s", i, ns->path);
  if (type != clone_flags[ns->type])
    return bw_error_set (err, EINVAL, "linux.namespaces[%zu].path: %s is not a %s namespace", i,
                         ns->path, kernel_names[ns->type]);
  bool own = false;
  int ret = refused && refused[ns->type] ? is_own (fd, ns->type, &own, err) : 0;
  if (ret < 0)
    return bw_error_prefix (err, "linux.namespaces[%zu].path", i);
  if (own)
    return bw_error_set (err, EPERM, "linux.namespaces[%zu].path: %s is the host's %s namespace: "
                         "refused by the policy (%s)", i, ns->path,
                         spec_ns_type_names[ns->type],
                         ns->type == SPEC_NS_USER ? "userNamespace" : "namespaces.allowHost");
  *out = bw_steal_fd (fd);
  return 0;
}

int
ns_joins_host (const struct spec *spec, enum spec_ns_type type, bool *out, struct bw_error *err)
{
  const struct spec_namespace *ns = spec_namespace_find (spec, type);
  *out = false;
  if (!ns || !ns->path || !ns->path[0])
    return 0;
  _cleanup_close_ int fd = -1;
  size_t i = (size_t) (ns - spec->linux->namespaces);
  int ret = open_ns (spec->linux, i, NULL, &fd, err);
  if (ret < 0)
    return ret;
  ret = is_own (fd, type, out, err);
  return ret < 0 ? bw_error_prefix (err, "linux.namespaces[%zu].path", i) : 0;
}

static int
join (const struct spec_linux *l, size_t i, const bool *refused, struct bw_error *err)
{
  _cleanup_close_ int fd = -1;
  int ret = open_ns (l, i, refused, &fd, err);
  if (ret < 0)
    return ret;
  if (setns (fd, clone_flags[l->namespaces[i].type]) < 0)
    return bw_error_syscall (err, "linux.namespaces[%zu].path: setns %s", i,
                             l->namespaces[i].path);
  return 0;
}

int
ns_join_paths (const struct spec *spec, struct bw_error *err)
{
  const struct spec_linux *l = linux_of (spec);
  if (!l)
    return 0;
  bool refused[SPEC_NS_TYPES];
  int ret = refused_host_types (spec, refused, err);
  if (ret < 0)
    return ret;
  /* Open everything first: joining a mount namespace changes what the
   * remaining paths mean. */
  int fds[SPEC_NS_TYPES];
  size_t index[SPEC_NS_TYPES];
  size_t n = 0;
  /* Network first, as runc: a network namespace owned by the host user
   * namespace can no longer be joined once inside a new user namespace. */
  for (int pass = 0; pass < 2 && ret == 0; pass++)
    for (size_t i = 0; i < l->n_namespaces && ret == 0; i++)
      {
        const struct spec_namespace *ns = &l->namespaces[i];
        if (!ns->path || ns->type == SPEC_NS_USER)
          continue;
        if ((pass == 0) != (ns->type == SPEC_NS_NETWORK))
          continue;
        ret = open_ns (l, i, refused, &fds[n], err);
        if (ret == 0)
          index[n++] = i;
      }
  for (size_t k = 0; k < n && ret == 0; k++)
    if (setns (fds[k], clone_flags[l->namespaces[index[k]].type]) < 0)
      ret = bw_error_syscall (err, "linux.namespaces[%zu].path: setns %s", index[k],
                              l->namespaces[index[k]].path);
  for (size_t k = 0; k < n; k++)
    close (fds[k]);
  return ret;
}

int
ns_join_user (const struct spec *spec, bool *joined, struct bw_error *err)
{
  const struct spec_linux *l = linux_of (spec);
  bool refused[SPEC_NS_TYPES];
  int ret = refused_host_types (spec, refused, err);
  *joined = false;
  if (ret < 0)
    return ret;
  for (size_t i = 0; l && i < l->n_namespaces; i++)
    if (l->namespaces[i].type == SPEC_NS_USER && l->namespaces[i].path)
      {
        ret = join (l, i, refused, err);
        if (ret < 0)
          return ret;
        *joined = true;
      }
  return 0;
}

static int
write_proc_file (pid_t pid, const char *name, const char *data, struct bw_error *err)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/%s", (int) pid, name);
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return bw_error_syscall (err, "open %s", path);
  size_t len = strlen (data);
  ssize_t n = write (fd, data, len);
  if (n < 0)
    return bw_error_syscall (err, "write %s", path);
  if ((size_t) n != len)
    return bw_error_set (err, EIO, "write %s: short write", path);
  return 0;
}

/* "container host size\n" lines; the kernel takes them in one write. */
static int
format_map (const struct spec_id_mappings *m, const char *field, char *buf, size_t size,
            struct bw_error *err)
{
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < m->n; i++)
    {
      int n = snprintf (buf + used, size - used, "%u %u %u\n", m->items[i].container_id,
                        m->items[i].host_id, m->items[i].size);
      if (n < 0 || (size_t) n >= size - used)
        return bw_error_set (err, E2BIG, "linux.%s: too many mappings", field);
      used += n;
    }
  return 0;
}

int
ns_write_id_maps (pid_t pid, const struct spec_linux *l, struct bw_error *err)
{
  char buf[4096];
  int ret;
  if (!l || (l->uid_mappings.n == 0 && l->gid_mappings.n == 0))
    return 0;
  if (l->uid_mappings.n > 0)
    {
      ret = format_map (&l->uid_mappings, "uidMappings", buf, sizeof buf, err);
      if (ret == 0)
        ret = write_proc_file (pid, "uid_map", buf, err);
      if (ret < 0)
        return bw_error_prefix (err, "linux.uidMappings");
    }
  if (l->gid_mappings.n > 0)
    {
      /* Without CAP_SETGID over the parent namespace, the kernel only accepts
       * a gid map once setgroups is denied (rootless). */
      if (geteuid () != 0)
        {
          ret = write_proc_file (pid, "setgroups", "deny", err);
          if (ret < 0)
            return ret;
        }
      ret = format_map (&l->gid_mappings, "gidMappings", buf, sizeof buf, err);
      if (ret == 0)
        ret = write_proc_file (pid, "gid_map", buf, err);
      if (ret < 0)
        return bw_error_prefix (err, "linux.gidMappings");
    }
  return 0;
}

int
ns_write_time_offsets (pid_t pid, const struct spec_linux *l, struct bw_error *err)
{
  char buf[512];
  size_t used = 0;
  if (!l || l->n_time_offsets == 0)
    return 0;
  buf[0] = '\0';
  for (size_t i = 0; i < l->n_time_offsets; i++)
    {
      const struct spec_time_offset *t = &l->time_offsets[i];
      int n = snprintf (buf + used, sizeof buf - used, "%s %lld %u\n", t->clock,
                        (long long) t->secs, t->nanosecs);
      if (n < 0 || (size_t) n >= sizeof buf - used)
        return bw_error_set (err, E2BIG, "linux.timeOffsets: too long");
      used += n;
    }
  int ret = write_proc_file (pid, "timens_offsets", buf, err);
  if (ret < 0)
    return bw_error_prefix (err, "linux.timeOffsets");
  return 0;
}
