/* linux/rootfs: the container's root inside the new mount namespace.
 * Resolving paths inside it (never out of it), propagation, the rootfs bind,
 * masked and read-only paths, the read-only root, pivot_root / chroot. */
#ifndef BULWARK_LINUX_ROOTFS_H
#define BULWARK_LINUX_ROOTFS_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

enum rootfs_create
{
  ROOTFS_NO_CREATE,   /* the path must exist */
  ROOTFS_CREATE_DIR,  /* create missing directories, the last one too */
  ROOTFS_CREATE_FILE, /* create missing parent directories and an empty file */
};

/* Open `path` (absolute or not, taken inside the root) as O_PATH relative to
 * rootfd with RESOLVE_IN_ROOT: symlinks and ".." cannot leave the root.
 * Missing components are created as asked. */
int rootfs_resolve (int rootfd, const char *path, enum rootfs_create create, int *out,
                    struct bw_error *err);

/* Same, with open flags (O_WRONLY, O_DIRECTORY, ...) instead of O_PATH. */
int rootfs_open (int rootfd, const char *path, int flags, int *out, struct bw_error *err);

/* Open root.path (relative to the bundle) as an O_PATH directory fd. Done
 * while the runtime still has the host's uid, before it becomes the user
 * namespace's root: the bundle may sit below directories that only host
 * root can enter. */
int rootfs_open_dir (const struct spec *spec, const char *bundle, int *out, struct bw_error *err);

/* Make the mount holding root.path (found by walking up from `root_dir`)
 * private, or slave for the slave and shared rootfsPropagation values, in
 * the container's new mount namespace: the rootfs bind attached on it then
 * cannot propagate to the host, and pivot_root accepts it as a parent.
 * Called right after rootfs_open_dir, still with the host's uid: the walk
 * may cross directories only host root can search. */
int rootfs_isolate_mount (const struct spec *spec, int root_dir, struct bw_error *err);

/* The annotation asking for an idmapped root: "true" or "false". No
 * runtime-spec field says it (1.3 idmaps mounts, not root). */
#define ROOTFS_IDMAP_ANNOTATION "run.bulwark.rootfs.idmap"

/* Whether the config asks for it; an error naming the annotation for a
 * value other than "true" or "false". */
int rootfs_idmap_wanted (const struct spec *spec, bool *wanted, struct bw_error *err);

/* When asked: root.path cloned (with the mounts below it) as a detached
 * tree idmapped with linux.uidMappings/gidMappings, so that a file owned by
 * host uid 0 shows as the container's uid 0 and container root's files
 * land on disk as host uid 0. *out is -1 when not asked. Runs with the
 * host's privileges, before the runtime enters the user namespace (see
 * mount_prepare_binds). A filesystem that cannot be idmapped is an error
 * naming root.path and the annotation; nothing is left mounted. */
int rootfs_prepare_idmap (const struct spec *spec, const char *bundle, int *out,
                          struct bw_error *err);

/* Whether the directory `dir` is the root of an overlayfs mount (as
 * Docker, containerd and podman give root.path). */
bool rootfs_is_overlay (int dir);

/* The overlay mounted at `dir` rebuilt from the same layers, each
 * idmapped with `uids`/`gids` (the kernel cannot idmap an overlay mount
 * itself), as a detached mount in *out: with the same upper layer when
 * `writable` and there is one, else read-only (the upper layer becomes the
 * top lower one: nothing is written). -ENOTSUP with a message when its
 * layers can't be reopened (relative or escaped paths, data-only layers).
 * Host privileges needed, as for rootfs_prepare_idmap (rootfs_overlay.c). */
int rootfs_overlay_idmap (int dir, const char *what, const struct spec_id_mappings *uids,
                          const struct spec_id_mappings *gids, bool writable, int *out,
                          struct bw_error *err);

/* Apply rootfsPropagation to / and bind the root (`root_dir`, from
 * rootfs_open_dir, opened in this mount namespace, its mount isolated by
 * rootfs_isolate_mount) onto itself so that it is a mount point for
 * pivot_root; `idmapped` (from rootfs_prepare_idmap, or -1) is attached
 * there instead of a plain bind, and is closed here either way. *rootfd is
 * the new mount. The mounts below root.path become slaves at most: nothing
 * mounted in the container reaches the host. */
int rootfs_prepare (const struct spec *spec, int root_dir, int idmapped, int *rootfd,
                    struct bw_error *err);

/* linux.maskedPaths (files: /dev/null over them; dirs: an empty read-only
 * tmpfs) and linux.readonlyPaths. Missing paths are skipped. */
int rootfs_mask_paths (const struct spec *spec, int rootfd, struct bw_error *err);
int rootfs_readonly_paths (const struct spec *spec, int rootfd, struct bw_error *err);

/* root.readonly: make the root mount itself read-only. */
int rootfs_make_readonly (int rootfd, struct bw_error *err);

/* Make the root the process's / (pivot_root, or MS_MOVE + chroot with
 * no_pivot), then apply a shared/unbindable rootfsPropagation. */
int rootfs_enter (const struct spec *spec, int rootfd, bool no_pivot, struct bw_error *err);

#endif
