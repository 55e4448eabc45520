/* sys: thin wrappers for the syscalls glibc lacks (or only has in recent
 * versions): clone3, openat2, pidfd_*, close_range, the new mount API. Each
 * returns what the syscall returns (-1 and errno on failure). No logic here. */
#ifndef BULWARK_SYS_H
#define BULWARK_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/sched.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

pid_t sys_clone3 (struct clone_args *args, size_t size);
int sys_openat2 (int dirfd, const char *path, struct open_how *how, size_t size);
int sys_pidfd_open (pid_t pid, unsigned int flags);
int sys_pidfd_send_signal (int pidfd, int sig, void *info, unsigned int flags);
int sys_close_range (unsigned int first, unsigned int last, unsigned int flags);
int sys_pivot_root (const char *new_root, const char *put_old);

int sys_open_tree (int dirfd, const char *path, unsigned int flags);
int sys_move_mount (int from_dirfd, const char *from_path, int to_dirfd, const char *to_path,
                    unsigned int flags);
int sys_mount_setattr (int dirfd, const char *path, unsigned int flags, struct mount_attr *attr,
                       size_t size);
int sys_fsopen (const char *fsname, unsigned int flags);
int sys_fsconfig (int fsfd, unsigned int cmd, const char *key, const void *value, int aux);
int sys_fsmount (int fsfd, unsigned int flags, unsigned int attr_flags);

/* Landlock; `attr` is the struct of the matching uapi version. */
int sys_landlock_create_ruleset (const void *attr, size_t size, uint32_t flags);
int sys_landlock_add_rule (int ruleset_fd, int rule_type, const void *attr, uint32_t flags);
int sys_landlock_restrict_self (int ruleset_fd, uint32_t flags);

#endif
