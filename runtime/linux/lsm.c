#define _GNU_SOURCE
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>
#ifdef HAVE_SELINUX
#include <selinux/selinux.h>
#endif

#include "cleanup.h"
#include "linux_lsm.h"

#define SELINUX_FS_MAGIC 0xf97cff8cU

/* Read a small file whole; "" when it cannot be read. */
static void
read_small (const char *path, char *buf, size_t size)
{
  buf[0] = '\0';
  _cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  ssize_t n = read (fd, buf, size - 1);
  buf[n > 0 ? n : 0] = '\0';
}

/* `name` as an entry of the comma-separated list `list`. */
static bool
in_list (const char *list, const char *name)
{
  size_t len = strlen (name);
  for (const char *p = list; *p;)
    {
      size_t n = strcspn (p, ",\n");
      if (n == len && strncmp (p, name, len) == 0)
        return true;
      p += n;
      p += strspn (p, ",\n");
    }
  return false;
}

void
lsm_detect (struct lsm_host *host)
{
  char list[512], param[8];
  *host = (struct lsm_host) { 0 };
  read_small ("/sys/kernel/security/lsm", list, sizeof list);
  if (list[0])
    {
      host->apparmor = in_list (list, "apparmor");
      host->selinux = in_list (list, "selinux");
      return;
    }
  /* securityfs is not mounted: ask each module. */
  read_small ("/sys/module/apparmor/parameters/enabled", param, sizeof param);
  host->apparmor = param[0] == 'Y';
#ifdef HAVE_SELINUX
  host->selinux = is_selinux_enabled () > 0;
#else
  struct statfs sfs;
  host->selinux = statfs ("/sys/fs/selinux", &sfs) == 0 && (uint32_t) sfs.f_type == SELINUX_FS_MAGIC;
#endif
}

bool
lsm_build_has_selinux (void)
{
#ifdef HAVE_SELINUX
  return true;
#else
  return false;
#endif
}

static int
need_selinux (const struct lsm_host *host, const char *field, struct bw_error *err)
{
  if (!host->selinux)
    return bw_error_set (err, ENOTSUP, "%s: SELinux is not enabled on this host", field);
  if (!lsm_build_has_selinux ())
    return bw_error_set (err, ENOTSUP, "%s: this build of bulwark has no SELinux support "
                         "(configure --with-selinux)", field);
  return 0;
}

int
lsm_validate_process (const struct spec_process *p, const struct lsm_host *host,
                      const char *field_prefix, struct bw_error *err)
{
  char field[128];
  if (p && p->apparmor_profile && *p->apparmor_profile)
    {
      snprintf (field, sizeof field, "%s.apparmorProfile", field_prefix);
      if (!host->apparmor)
        return bw_error_set (err, ENOTSUP, "%s: AppArmor is not enabled on this host", field);
      if (strchr (p->apparmor_profile, '\n'))
        return bw_error_set (err, EINVAL, "%s: a profile name has no newline", field);
    }
  if (p && p->selinux_label && *p->selinux_label)
    {
      snprintf (field, sizeof field, "%s.selinuxLabel", field_prefix);
      return need_selinux (host, field, err);
    }
  return 0;
}

int
lsm_validate (const struct spec *spec, struct bw_error *err)
{
  struct lsm_host host;
  lsm_detect (&host);
  int ret = lsm_validate_process (spec->process, &host, "process", err);
  if (ret == 0 && spec->linux && spec->linux->mount_label && *spec->linux->mount_label)
    ret = need_selinux (&host, "linux.mountLabel", err);
  return ret;
}

const char *
lsm_mount_label (const struct spec *spec)
{
  const char *label = spec->linux ? spec->linux->mount_label : NULL;
  return label && *label ? label : NULL;
}

static int
set_apparmor_exec (const char *profile, int procfd, struct bw_error *err)
{
  /* The per-module attr directory first: with stacked LSMs the generic
   * attr/exec may belong to another module. */
  _cleanup_close_ int fd = openat (procfd, "thread-self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    fd = openat (procfd, "self/attr/exec", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return bw_error_syscall (err, "process.apparmorProfile: open attr/apparmor/exec");
  _cleanup_free_ char *cmd = NULL;
  int len = asprintf (&cmd, "exec %s", profile);
  if (len < 0)
    return bw_error_set (err, ENOMEM, "out of memory");
  if (write (fd, cmd, len) != len)
    return bw_error_syscall (err, "process.apparmorProfile: change to profile \"%s\"", profile);
  return 0;
}

int
lsm_set_exec_label (const struct spec_process *p, int procfd, struct bw_error *err)
{
  if (p->apparmor_profile && *p->apparmor_profile)
    {
      int ret = set_apparmor_exec (p->apparmor_profile, procfd, err);
      if (ret < 0)
        return ret;
    }
  if (p->selinux_label && *p->selinux_label)
    {
#ifdef HAVE_SELINUX
      if (setexeccon (p->selinux_label) < 0)
        return bw_error_syscall (err, "process.selinuxLabel: setexeccon \"%s\"", p->selinux_label);
#else
      return bw_error_set (err, ENOTSUP, "process.selinuxLabel: this build of bulwark has no "
                           "SELinux support (configure --with-selinux)");
#endif
    }
  return 0;
}
