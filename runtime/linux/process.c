#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "linux_process.h"
#include "linux_rootfs.h"

static void
format_limit (rlim_t v, char *buf, size_t size)
{
  if (v == RLIM_INFINITY)
    snprintf (buf, size, "unlimited");
  else
    snprintf (buf, size, "%llu", (unsigned long long) v);
}

int
process_set_rlimits (const struct spec_process *p, struct bw_error *err)
{
  for (size_t i = 0; i < p->n_rlimits; i++)
    {
      const struct spec_rlimit *r = &p->rlimits[i];
      struct rlimit want = { .rlim_cur = r->soft, .rlim_max = r->hard };
      if (setrlimit (r->resource, &want) == 0)
        continue;
      int saved = errno;
      struct rlimit have;
      char hard[32] = "?";
      if (getrlimit (r->resource, &have) == 0)
        format_limit (have.rlim_max, hard, sizeof hard);
      if (saved == EPERM)
        return bw_error_set (err, EPERM,
                             "process.rlimits[%zu]: %s hard limit %llu is above the runtime's "
                             "hard limit %s and it may not raise it",
                             i, r->type, (unsigned long long) r->hard, hard);
      errno = saved;
      return bw_error_syscall (err, "process.rlimits[%zu]: setrlimit %s (soft %llu, hard %llu)", i,
                               r->type, (unsigned long long) r->soft,
                               (unsigned long long) r->hard);
    }
  return 0;
}

int
process_set_oom_score_adj (const struct spec_process *p, int procfd, struct bw_error *err)
{
  if (!p->oom_score_adj.set)
    return 0;
  _cleanup_close_ int fd = openat (procfd, "self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return bw_error_syscall (err, "process.oomScoreAdj: open");
  char buf[16];
  int n = snprintf (buf, sizeof buf, "%d", (int) p->oom_score_adj.value);
  if (write (fd, buf, n) != n)
    return bw_error_syscall (err, "process.oomScoreAdj: write %s", buf);
  return 0;
}

int
process_make_cwd (const struct spec_process *p, int rootfd, struct bw_error *err)
{
  _cleanup_close_ int fd = -1;
  if (!p->cwd || p->cwd[0] != '/')
    return bw_error_set (err, EINVAL, "process.cwd: must be an absolute path");
  int ret = rootfs_resolve (rootfd, p->cwd, ROOTFS_CREATE_DIR, &fd, err);
  if (ret < 0)
    return bw_error_prefix (err, "process.cwd");
  return 0;
}

int
process_set_user (const struct spec_user *u, struct bw_error *err)
{
  gid_t *groups = (gid_t *) u->additional_gids;
  if (setgroups (u->n_additional_gids, groups) < 0)
    return bw_error_syscall (err, "process.user.additionalGids: setgroups");
  if (setresgid (u->gid, u->gid, u->gid) < 0)
    return bw_error_syscall (err, "process.user.gid: setresgid %u", u->gid);
  if (setresuid (u->uid, u->uid, u->uid) < 0)
    return bw_error_syscall (err, "process.user.uid: setresuid %u", u->uid);
  return 0;
}

int
process_finish (const struct spec_process *p, struct bw_error *err)
{
  umask (p->user.umask.set ? p->user.umask.value : 022);
  if (chdir (p->cwd) < 0)
    return bw_error_syscall (err, "process.cwd: chdir %s", p->cwd);
  if (p->no_new_privileges.value && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return bw_error_syscall (err, "process.noNewPrivileges: prctl");
  return 0;
}

static bool
is_executable_file (const char *path, int *errnum)
{
  struct stat st;
  if (stat (path, &st) < 0)
    {
      *errnum = errno;
      return false;
    }
  if (S_ISDIR (st.st_mode))
    {
      *errnum = EACCES;
      return false;
    }
  if (faccessat (AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
    {
      *errnum = errno;
      return false;
    }
  return true;
}

static const char *
env_path (const struct spec_process *p)
{
  for (size_t i = 0; i < p->env.n; i++)
    if (strncmp (p->env.v[i], "PATH=", 5) == 0)
      return p->env.v[i] + 5;
  /* What a shell would use with PATH unset. */
  return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

int
process_find_executable (const struct spec_process *p, char **out, struct bw_error *err)
{
  if (p->args.n == 0 || !p->args.v[0] || !p->args.v[0][0])
    return bw_error_set (err, EINVAL, "process.args: must not be empty");
  const char *name = p->args.v[0];
  int errnum = 0;
  if (strchr (name, '/'))
    {
      if (!is_executable_file (name, &errnum))
        return bw_error_set (err, errnum, "exec \"%s\": %s", name, strerror (errnum));
      *out = strdup (name);
      return *out ? 0 : bw_error_set (err, ENOMEM, "out of memory");
    }
  const char *dirs = env_path (p);
  while (true)
    {
      size_t len = strcspn (dirs, ":");
      _cleanup_free_ char *candidate = NULL;
      /* An empty entry means the current directory. */
      if (asprintf (&candidate, "%.*s%s%s", (int) len, dirs, len ? "/" : "", name) < 0)
        return bw_error_set (err, ENOMEM, "out of memory");
      if (is_executable_file (candidate, &errnum))
        {
          *out = bw_steal_ptr (candidate);
          return 0;
        }
      if (dirs[len] == '\0')
        break;
      dirs += len + 1;
    }
  return bw_error_set (err, ENOENT, "exec \"%s\": executable file not found in $PATH", name);
}

void
process_exec (const struct spec_process *p, const char *path)
{
  char *empty[] = { NULL };
  /* The runtime may have blocked signals it forwards (run in the
   * foreground); the workload starts with none blocked. */
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  execve (path, p->args.v, p->env.v ? p->env.v : empty);
  dprintf (STDERR_FILENO, "bulwark: exec \"%s\": %s\n", p->args.v[0], strerror (errno));
  _exit (127);
}
