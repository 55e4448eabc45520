/* linux/mount_copyup: the `tmpcopyup` option of a tmpfs mount (podman,
 * CRI-O): what the mount point holds in the root before the mount is
 * copied into the new tmpfs (directories, regular files, symlinks as
 * symlinks, fifos, device nodes where allowed; modes, owners and times
 * kept), never following a symlink and within bounds (size, entries,
 * depth) so that a hostile image can neither reach outside the root nor
 * make the runtime spin. */
#ifndef BULWARK_LINUX_MOUNT_COPYUP_H
#define BULWARK_LINUX_MOUNT_COPYUP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "linux_mount.h"

/* Bounds of one copy. */
struct copyup_limits
{
  uint64_t max_bytes;       /* file contents, summed */
  size_t max_entries;       /* files, directories, links, ... */
  unsigned int max_depth;   /* directory nesting below the mount point */
};

/* Without a size= option the copy stops at this many bytes. */
#define COPYUP_DEFAULT_MAX_BYTES (1ULL << 30)
#define COPYUP_MAX_ENTRIES 262144
#define COPYUP_MAX_DEPTH 128

/* The limits for a mount of `plan`: max_bytes is its tmpfs size= (a
 * percentage taken of `ram_bytes`, as tmpfs does) when given and not 0,
 * else COPYUP_DEFAULT_MAX_BYTES. A size= tmpfs would refuse is an error. */
int mount_copyup_limits (const struct mount_plan *plan, uint64_t ram_bytes,
                         struct copyup_limits *out, struct bw_error *err);

/* Copy the contents of directory `target` (an O_PATH fd resolved inside
 * the root, where the tmpfs goes) into the detached tmpfs `mntfd`; the
 * tmpfs root takes the directory's owner and mode unless the options set
 * uid=, gid= or mode=. A target that is not a directory is an error.
 * `dest` (the mount's destination) names paths in errors. */
int mount_copyup (int target, int mntfd, const char *dest, const struct mount_plan *plan,
                  struct bw_error *err);

#endif
