#include <sys/syscall.h>
#include <unistd.h>

#include "sys.h"

pid_t
sys_clone3 (struct clone_args *args, size_t size)
{
  return syscall (SYS_clone3, args, size);
}

int
sys_openat2 (int dirfd, const char *path, struct open_how *how, size_t size)
{
  return syscall (SYS_openat2, dirfd, path, how, size);
}

int
sys_pidfd_open (pid_t pid, unsigned int flags)
{
  return syscall (SYS_pidfd_open, pid, flags);
}

int
sys_pidfd_send_signal (int pidfd, int sig, void *info, unsigned int flags)
{
  return syscall (SYS_pidfd_send_signal, pidfd, sig, info, flags);
}

int
sys_close_range (unsigned int first, unsigned int last, unsigned int flags)
{
  return syscall (SYS_close_range, first, last, flags);
}

int
sys_pivot_root (const char *new_root, const char *put_old)
{
  return syscall (SYS_pivot_root, new_root, put_old);
}

int
sys_open_tree (int dirfd, const char *path, unsigned int flags)
{
  return syscall (SYS_open_tree, dirfd, path, flags);
}

int
sys_move_mount (int from_dirfd, const char *from_path, int to_dirfd, const char *to_path,
                unsigned int flags)
{
  return syscall (SYS_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags);
}

int
sys_mount_setattr (int dirfd, const char *path, unsigned int flags, struct mount_attr *attr,
                   size_t size)
{
  return syscall (SYS_mount_setattr, dirfd, path, flags, attr, size);
}

int
sys_fsopen (const char *fsname, unsigned int flags)
{
  return syscall (SYS_fsopen, fsname, flags);
}

int
sys_fsconfig (int fsfd, unsigned int cmd, const char *key, const void *value, int aux)
{
  return syscall (SYS_fsconfig, fsfd, cmd, key, value, aux);
}

int
sys_fsmount (int fsfd, unsigned int flags, unsigned int attr_flags)
{
  return syscall (SYS_fsmount, fsfd, flags, attr_flags);
}

int
sys_landlock_create_ruleset (const void *attr, size_t size, uint32_t flags)
{
  return syscall (SYS_landlock_create_ruleset, attr, size, flags);
}

int
sys_landlock_add_rule (int ruleset_fd, int rule_type, const void *attr, uint32_t flags)
{
  return syscall (SYS_landlock_add_rule, ruleset_fd, rule_type, attr, flags);
}

int
sys_landlock_restrict_self (int ruleset_fd, uint32_t flags)
{
  return syscall (SYS_landlock_restrict_self, ruleset_fd, flags);
}
