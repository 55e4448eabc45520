/* Bind sources cloned while the runtime still has the host's privileges,
 * and idmapped bind mounts (runtime-spec 1.1+: the idmap and ridmap
 * options, per-mount uidMappings/gidMappings); mount_idmap_tree serves the
 * idmapped root too (rootfs.c). The mapping is carried by a user
 * namespace made only for it: a child that unshares nothing else and waits
 * while its maps are written and its namespace fd is taken. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "linux_mount.h"
#include "sys.h"

static int
write_map (pid_t pid, const char *file, const struct spec_id_mappings *m, struct bw_error *err)
{
  char path[64], buf[4096];
  size_t len = 0;
  for (size_t i = 0; i < m->n; i++)
    {
      int n = snprintf (buf + len, sizeof buf - len, "%u %u %u\n", m->items[i].container_id,
                        m->items[i].host_id, m->items[i].size);
      if (n < 0 || (size_t) n >= sizeof buf - len)
        return bw_error_set (err, E2BIG, "%s: too many mappings", file);
      len += n;
    }
  snprintf (path, sizeof path, "/proc/%d/%s", (int) pid, file);
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return bw_error_syscall (err, "open %s", path);
  if (write (fd, buf, len) != (ssize_t) len)
    return bw_error_syscall (err, "write %s", file);
  return 0;
}

/* A user namespace fd whose maps are `uids` and `gids`. */
static int
make_userns (const struct spec_id_mappings *uids, const struct spec_id_mappings *gids, int *out,
             struct bw_error *err)
{
  int pipefd[2];
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return bw_error_syscall (err, "pipe");
  struct clone_args args = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
  pid_t pid = sys_clone3 (&args, sizeof args);
  if (pid < 0)
    {
      int ret = bw_error_syscall (err, "clone3 a user namespace for the idmap");
      close (pipefd[0]);
      close (pipefd[1]);
      return ret;
    }
  if (pid == 0)
    {
      char c;
      close (pipefd[1]);
      /* Wait for the parent to be done with us (end of file). */
      while (read (pipefd[0], &c, 1) < 0 && errno == EINTR)
        ;
      _exit (0);
    }
  close (pipefd[0]);
  int ret = write_map (pid, "uid_map", uids, err);
  if (ret == 0)
    ret = write_map (pid, "gid_map", gids, err);
  if (ret == 0)
    {
      char path[64];
      snprintf (path, sizeof path, "/proc/%d/ns/user", (int) pid);
      *out = open (path, O_RDONLY | O_CLOEXEC);
      if (*out < 0)
        ret = bw_error_syscall (err, "open %s", path);
    }
  close (pipefd[1]);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return ret;
}

static int
prepare_one (const struct spec *spec, const struct spec_mount *m, const struct mount_plan *plan,
             const char *bundle, int *out, struct bw_error *err)
{
  if (!plan->bind)
    return bw_error_set (err, EINVAL, "idmapped mounts are only supported for bind mounts");
  const struct spec_id_mappings *uids = &m->uid_mappings, *gids = &m->gid_mappings;
  if ((uids->n == 0) != (gids->n == 0))
    return bw_error_set (err, EINVAL, "uidMappings and gidMappings must be given together");
  if (uids->n == 0)
    {
      /* No mappings of its own: the container's user namespace's. */
      if (!spec->linux || spec->linux->uid_mappings.n == 0 || spec->linux->gid_mappings.n == 0)
        return bw_error_set (err, EINVAL, "idmap without uidMappings/gidMappings needs "
                             "linux.uidMappings and linux.gidMappings");
      uids = &spec->linux->uid_mappings;
      gids = &spec->linux->gid_mappings;
    }
  _cleanup_close_ int tree = -1;
  int ret = mount_clone_source (spec, m, bundle, plan->recursive, &tree, err);
  if (ret < 0)
    return ret;
  ret = mount_idmap_tree (tree, uids, gids, plan->idmap_recursive, m->source, err);
  if (ret < 0)
    return bw_error_prefix (err, "idmap");
  *out = bw_steal_fd (tree);
  return 0;
}

int
mount_idmap_userns (const struct spec_id_mappings *uids, const struct spec_id_mappings *gids,
                    int *out, struct bw_error *err)
{
  return make_userns (uids, gids, out, err);
}

int
mount_idmap_apply (int tree, int userns, bool recursive, const char *what, struct bw_error *err)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) userns };
  if (sys_mount_setattr (tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                         sizeof attr) < 0)
    {
      /* EINVAL is what the kernel says for a filesystem without
       * FS_ALLOW_IDMAP (and for a mount already idmapped or attached). */
      if (errno == EINVAL)
        return bw_error_set (err, EINVAL, "the filesystem of %s does not support idmapped "
                             "mounts (mount_setattr: Invalid argument)", what);
      return bw_error_syscall (err, "%s: mount_setattr MOUNT_ATTR_IDMAP", what);
    }
  return 0;
}

int
mount_idmap_tree (int tree, const struct spec_id_mappings *uids,
                  const struct spec_id_mappings *gids, bool recursive, const char *what,
                  struct bw_error *err)
{
  _cleanup_close_ int userns = -1;
  int ret = make_userns (uids, gids, &userns, err);
  if (ret < 0)
    return ret;
  return mount_idmap_apply (tree, userns, recursive, what, err);
}

/* What the policy asked for the container's bind mounts (the annotation
 * MOUNTS_IDMAP_ANNOTATION, set by the hardening step when it gives the
 * container a user namespace and an idmapped root). */
enum binds_idmap
{
  BINDS_AS_ASKED,      /* only the mounts that ask (idmap, ridmap, mappings) */
  BINDS_REQUIRED,      /* every bind, or an error */
  BINDS_BEST_EFFORT,   /* every bind whose filesystem allows it */
};

static int
binds_idmap_mode (const struct spec *spec, enum binds_idmap *mode, struct bw_error *err)
{
  const char *v = spec_annotation (spec, MOUNTS_IDMAP_ANNOTATION);
  *mode = BINDS_AS_ASKED;
  if (!v)
    return 0;
  if (strcmp (v, "required") == 0)
    *mode = BINDS_REQUIRED;
  else if (strcmp (v, "best-effort") == 0)
    *mode = BINDS_BEST_EFFORT;
  else
    {
      char q[80];
      bw_quote (v, 32, q, sizeof q);
      return bw_error_set (err, EINVAL, "annotations." MOUNTS_IDMAP_ANNOTATION ": unknown value "
                           "%s (\"required\" or \"best-effort\")", q);
    }
  if (!spec->linux || spec->linux->uid_mappings.n == 0 || spec->linux->gid_mappings.n == 0)
    return bw_error_set (err, EINVAL, "annotations." MOUNTS_IDMAP_ANNOTATION ": idmapped bind "
                         "mounts need linux.uidMappings and linux.gidMappings");
  return 0;
}

/* A bind the config did not ask to idmap, idmapped with the container's
 * own maps (one user namespace, made on first use, serves them all). */
static int
idmap_plain_bind (const struct spec *spec, const struct spec_mount *m,
                  const struct mount_plan *plan, enum binds_idmap mode, int *userns, int tree,
                  struct bw_error *err)
{
  if (*userns < 0)
    {
      int ret = make_userns (&spec->linux->uid_mappings, &spec->linux->gid_mappings, userns, err);
      if (ret < 0)
        return ret;
    }
  int ret = mount_idmap_apply (tree, *userns, plan->recursive, m->source, err);
  if (ret == -EINVAL && mode == BINDS_BEST_EFFORT)
    {
      /* The policy's fallback: the files show as nobody inside. */
      bw_error_clear (err);
      return 0;
    }
  if (ret < 0 && mode == BINDS_REQUIRED)
    return bw_error_prefix (err, "idmap (the policy's userNamespace.idmapFallback is \"refuse\")");
  return ret;
}

int
mount_prepare_binds (const struct spec *spec, const char *bundle, int *fds, struct bw_error *err)
{
  for (size_t i = 0; i < spec->n_mounts; i++)
    fds[i] = -1;
  enum binds_idmap mode;
  int ret = binds_idmap_mode (spec, &mode, err);
  if (ret < 0)
    return ret;
  _cleanup_close_ int userns = -1;
  for (size_t i = 0; i < spec->n_mounts; i++)
    {
      const struct spec_mount *m = &spec->mounts[i];
      struct mount_plan plan;
      ret = mount_plan_parse (m, &plan, err);
      if (ret == 0 && plan.idmap)
        ret = prepare_one (spec, m, &plan, bundle, &fds[i], err);
      else if (ret == 0 && plan.bind)
        {
          ret = mount_clone_source (spec, m, bundle, plan.recursive, &fds[i], err);
          if (ret == 0 && mode != BINDS_AS_ASKED)
            ret = idmap_plain_bind (spec, m, &plan, mode, &userns, fds[i], err);
          if (ret < 0 && fds[i] >= 0)
            {
              close (fds[i]);
              fds[i] = -1;
            }
        }
      free (plan.data);
      if (ret < 0)
        {
          for (size_t k = 0; k < i; k++)
            if (fds[k] >= 0)
              close (fds[k]);
          return bw_error_prefix (err, "mounts[%zu]: mount %s to %s", i,
                                  m->source ? m->source : "none",
                                  m->destination ? m->destination : "?");
        }
    }
  return 0;
}
