#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "container.h"
#include "fdpass.h"
#include "featureset.h"
#include "hardening.h"
#include "hooks.h"
#include "lifecycle.h"
#include "linux_sysctl.h"
#include "spec.h"
#include "sys.h"

int
lifecycle_write_pid_file (const char *path, pid_t pid, struct bw_error *err)
{
  _cleanup_free_ char *tmp = NULL;
  char buf[32];
  int len = snprintf (buf, sizeof buf, "%d", pid);
  if (asprintf (&tmp, "%s.tmp-%d", path, getpid ()) < 0)
    return bw_error_set (err, ENOMEM, "pid file %s: out of memory", path);
  _cleanup_close_ int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return bw_error_syscall (err, "open pid file %s", tmp);
  if (write (fd, buf, len) != len)
    {
      int ret = bw_error_syscall (err, "write pid file %s", tmp);
      unlink (tmp);
      return ret;
    }
  if (rename (tmp, path) < 0)
    {
      int ret = bw_error_syscall (err, "rename %s to %s", tmp, path);
      unlink (tmp);
      return ret;
    }
  return 0;
}

/* The systemd cgroup manager needs a D-Bus client this build lacks; say so
 * rather than quietly using cgroupfs. */
static int
check_cgroup_manager (const struct global_opts *g, struct bw_error *err)
{
  bool systemd = g->systemd_cgroup || (g->cgroup_manager && strcmp (g->cgroup_manager, "systemd") == 0);
  if (!systemd)
    return 0;
  const char *flag = g->systemd_cgroup ? "--systemd-cgroup" : "--cgroup-manager systemd";
  if (access ("/run/systemd/system", F_OK) < 0)
    return bw_error_set (err, ENOTSUP,
                         "%s: systemd is not running on this host; use the cgroupfs manager", flag);
  return bw_error_set (err, ENOTSUP,
                       "%s: the systemd cgroup manager is not supported yet; use the cgroupfs manager",
                       flag);
}

static void
warn_config (void *data, const char *msg)
{
  struct cli_ctx *ctx = data;
  log_msg (&ctx->log, LOG_LEVEL_WARNING, "config.json: %s", msg);
}

/* The bundle's absolute path and its parsed config, checked for what a
 * create needs. */
static int
load_bundle (struct cli_ctx *ctx, const char *bundle, char **abs_bundle, char **abs_rootfs,
             struct spec **out, struct bw_error *err)
{
  char path[PATH_MAX];
  struct stat st;
  if (!realpath (bundle ? bundle : ".", path))
    return bw_error_syscall (err, "bundle %s", bundle ? bundle : ".");
  if (stat (path, &st) < 0 || !S_ISDIR (st.st_mode))
    return bw_error_set (err, ENOTDIR, "bundle %s: not a directory", path);

  _cleanup_free_ char *config = NULL;
  if (asprintf (&config, "%s/config.json", path) < 0)
    return bw_error_set (err, ENOMEM, "out of memory");
  _cleanup_spec_ struct spec *spec = NULL;
  int ret = spec_load_config (config, "config.json", &spec, err);
  if (ret < 0)
    return ret;
  for (size_t i = 0; i < spec->warnings.n; i++)
    log_msg (&ctx->log, LOG_LEVEL_WARNING, "config.json: %s", spec->warnings.v[i]);

  if (!spec->root || !spec->root->path)
    return bw_error_set (err, EINVAL, "config.json: root.path: required to create a container");
  if (!spec->process)
    return bw_error_set (err, EINVAL, "config.json: process: required to create a container");
  ret = features_check_config (spec, warn_config, ctx, err);
  if (ret < 0)
    return bw_error_prefix (err, "config.json");

  char rootfs[PATH_MAX];
  _cleanup_free_ char *joined = NULL;
  if (spec->root->path[0] == '/')
    joined = strdup (spec->root->path);
  else if (asprintf (&joined, "%s/%s", path, spec->root->path) < 0)
    joined = NULL;
  if (!joined)
    return bw_error_set (err, ENOMEM, "out of memory");
  if (!realpath (joined, rootfs))
    return bw_error_syscall (err, "config.json: root.path: %s", joined);
  if (stat (rootfs, &st) < 0 || !S_ISDIR (st.st_mode))
    return bw_error_set (err, ENOTDIR, "config.json: root.path: %s is not a directory", rootfs);

  *abs_bundle = strdup (path);
  *abs_rootfs = strdup (rootfs);
  if (!*abs_bundle || !*abs_rootfs)
    return bw_error_set (err, ENOMEM, "out of memory");
  *out = bw_steal_ptr (spec);
  return 0;
}

static int
copy_annotations (struct spec_map *dst, const struct spec_map *src)
{
  dst->set = src->set;
  dst->n = 0;
  dst->items = NULL;
  if (!src->n)
    return 0;
  dst->items = calloc (src->n, sizeof *dst->items);
  if (!dst->items)
    return -ENOMEM;
  for (size_t i = 0; i < src->n; i++)
    {
      dst->items[i].key = strdup (src->items[i].key);
      dst->items[i].value = strdup (src->items[i].value);
      dst->n++;
      if (!dst->items[i].key || !dst->items[i].value)
        return -ENOMEM;
    }
  return 0;
}

static int
send_pidfd (const char *socket_path, pid_t pid, struct bw_error *err)
{
  _cleanup_close_ int pidfd = sys_pidfd_open (pid, 0);
  if (pidfd < 0)
    return bw_error_syscall (err, "pidfd_open %d", pid);
  int ret = fdpass_send_to_path (socket_path, pidfd, NULL, err);
  return ret < 0 ? bw_error_prefix (err, "--pidfd-socket") : 0;
}

static void
warn_hook (void *data, const char *msg)
{
  struct cli_ctx *ctx = data;
  log_msg (&ctx->log, LOG_LEVEL_WARNING, "%s", msg);
}

/* The config saved in the container's dir at create, when it has hooks of
 * `kind`; NULL otherwise (a failure to read it is logged: the hooks of
 * poststart and poststop only ever warn). */
static struct spec *
saved_hooks (struct cli_ctx *ctx, struct state_handle *h, enum spec_hook_kind kind)
{
  _cleanup_free_ char *config = NULL;
  struct spec *spec = NULL;
  struct bw_error err = { 0 };
  size_t len = 0;
  int ret = state_read_file (h, "config.json", 16 << 20, &config, &len, &err);
  if (ret == -ENOENT)
    return NULL;   /* create died before saving it: no container ran */
  /* Most configs have no such hooks: then the key is not in the text and
   * start/delete need not parse it. */
  if (ret == 0 && !strstr (config, spec_hook_kind_names[kind]))
    return NULL;
  if (ret == 0)
    ret = spec_parse_config (config, len, &spec, &err);
  if (ret < 0)
    log_msg (&ctx->log, LOG_LEVEL_WARNING, "hooks.%s: not run: %s", spec_hook_kind_names[kind],
             err.msg);
  if (ret < 0 || !hooks_of (spec, kind))
    {
      spec_free (spec);
      return NULL;
    }
  return spec;
}

/* poststart and poststop: a failing hook is a warning and the others still
 * run (runtime-spec lifecycle). Callers run them without holding the
 * container's lock, so that a hook may ask `bulwark state`. */
static void
run_hooks_warning (struct cli_ctx *ctx, const struct spec *spec, const struct state_record *rec,
                   enum spec_hook_kind kind, enum container_status status)
{
  _cleanup_free_ char *state = NULL;
  struct bw_error err = { 0 };
  if (!hooks_of (spec, kind))
    return;
  if (state_to_json (rec, status, &state, &err) < 0)
    {
      log_msg (&ctx->log, LOG_LEVEL_WARNING, "hooks.%s: not run: %s", spec_hook_kind_names[kind],
               err.msg);
      return;
    }
  hooks_run_all (hooks_of (spec, kind), kind, state, warn_hook, ctx);
}

/* Undo a failed create: whatever the container module made, then the dir. */
static void
abandon (struct state_store *st, struct state_handle *h, struct state_record *rec)
{
  struct bw_error ignored = { 0 };
  container_destroy (rec, h, true, &ignored);
  state_container_remove (st, h, &ignored);
}

int
lifecycle_create (struct cli_ctx *ctx, const char *id, const struct lifecycle_create_opts *o,
                  pid_t *pid, struct bw_error *err)
{
  _cleanup_spec_ struct spec *spec = NULL;
  struct state_record rec = { 0 };
  struct state_store st = { .root_fd = -1 };
  struct state_handle h = { .dir_fd = -1 };
  _cleanup_free_ char *config_json = NULL;
  bool spawned = false;
  struct cgroup_set cgroup = { 0 };
  struct hardening *hd = NULL;
  struct container_create_opts copts = {
    .console_socket = o->console_socket,
    .preserve_fds = o->preserve_fds,
    .no_pivot = o->no_pivot,
    .no_new_keyring = o->no_new_keyring,
  };
  int ret;

  /* Everything that can be checked without touching the state root comes
   * first, so bad input leaves nothing behind. */
  ret = state_validate_id (id, err);
  if (ret < 0)
    return ret;
  ret = check_cgroup_manager (&ctx->global, err);
  if (ret < 0)
    return ret;
  if (o->preserve_fds < 0)
    return bw_error_set (err, EINVAL, "--preserve-fds: must not be negative");
  ret = load_bundle (ctx, o->bundle, &rec.bundle, &rec.rootfs, &spec, err);
  if (ret < 0)
    goto out;
  if (spec->process->terminal.value && !o->console_socket && o->relay)
    {
      /* run in the foreground relays the terminal itself. */
      ret = tty_relay_listen (o->relay, err);
      if (ret < 0)
        goto out;
      copts.console_socket = o->relay->path;
    }
  else if (spec->process->terminal.value && !o->console_socket)
    {
      /* Only create and run --detach get here. */
      ret = bw_error_set (err, EINVAL,
                          "config.json: process.terminal is true but no --console-socket was "
                          "given: cannot allocate a tty for a detached container without one");
      goto out;
    }
  if (!spec->process->terminal.value && o->console_socket)
    {
      /* As runc: the socket would never receive anything. */
      ret = bw_error_set (err, EINVAL,
                          "--console-socket: given but config.json: process.terminal is false");
      goto out;
    }
  /* Host-wide sysctls are refused before the state root is touched. */
  ret = sysctl_validate (spec, err);
  if (ret < 0)
    goto out;
  /* A policy that does not load refuses the container. */
  ret = hardening_begin (ctx, rec.bundle, &hd, err);
  if (ret < 0)
    goto out;
  /* Placed now and recorded in the first state.json: a runtime killed at
   * any later point leaves the path for `delete` to clean up. */
  if (!ctx->global.cgroup_manager || strcmp (ctx->global.cgroup_manager, "disabled") != 0)
    {
      ret = cgroup_detect (CGROUP_ROOT, NULL, -1, &cgroup, err);
      if (ret == 0)
        ret = cgroup_place (&cgroup, spec->linux ? spec->linux->cgroups_path : NULL, id, err);
      if (ret < 0)
        goto out;
      copts.cgroup = &cgroup;
    }

  ret = state_store_open (ctx->global.root, true, &st, err);
  if (ret < 0)
    goto out;
  ret = state_container_create (&st, id, &h, err);
  if (ret < 0)
    goto out;
  /* Checked once the id is ours; recorded only when free, so that undoing
   * this create never touches a cgroup someone else uses. */
  if (copts.cgroup)
    {
      ret = cgroup_check_unused (&cgroup, err);
      if (ret == 0)
        ret = cgroup_format (&cgroup, &rec.cgroup_path, err);
      if (ret < 0)
        goto fail;
    }
  /* Hardened once the id is ours (its ID range is recorded against the
   * state dir); from here on the hardened spec is the container's. */
  {
    struct spec *hardened = NULL;
    ret = hardening_apply (hd, id, spec, &hardened, err);
    if (ret < 0)
      goto fail;
    spec_free (spec);
    spec = hardened;
  }

  rec.id = strdup (id);
  rec.owner = strdup ("");
  rec.status = STATUS_CREATING;
  ret = state_now_rfc3339 (&rec.created, err);
  if (ret < 0)
    goto fail;
  if (!rec.id || !rec.owner || copy_annotations (&rec.annotations, &spec->annotations) < 0)
    {
      ret = bw_error_set (err, ENOMEM, "out of memory");
      goto fail;
    }
  /* Written before any process exists, so that a runtime killed at any later
   * point leaves a record that `delete --force` can clean up. */
  ret = state_write (&h, &rec, err);
  if (ret < 0)
    goto fail;

  ret = spec_to_json (spec, true, &config_json, err);
  if (ret < 0)
    goto fail;
  ret = state_write_file (&h, "config.json", config_json, strlen (config_json), err);
  if (ret == 0)
    ret = hardening_record (hd, ctx, &h, err);
  if (ret < 0)
    goto fail;
  copts.landlock = hardening_wants_landlock (hd);

  copts.id = id;
  copts.bundle = rec.bundle;
  copts.state = &h;
  copts.state_root = st.root;
  spawned = true;
  ret = container_create (spec, &copts, &rec.pid, err);
  if (ret < 0)
    goto fail;
  ret = state_pid_start_time (rec.pid, &rec.pid_start_time, err);
  if (ret < 0)
    goto fail;
  rec.status = STATUS_CREATED;
  ret = state_write (&h, &rec, err);
  if (ret < 0)
    goto fail;
  if (o->pidfd_socket)
    {
      ret = send_pidfd (o->pidfd_socket, rec.pid, err);
      if (ret < 0)
        goto fail;
    }
  if (o->pid_file)
    {
      ret = lifecycle_write_pid_file (o->pid_file, rec.pid, err);
      if (ret < 0)
        goto fail;
    }
  *pid = rec.pid;
  state_handle_close (&h);
  goto out;

fail:
  hardening_abandon (hd, id);
  abandon (&st, &h, &rec);
  /* The spec continues a failed create (a failing prestart, createRuntime
   * or createContainer hook among others) with delete: poststop runs. */
  if (spawned)
    run_hooks_warning (ctx, spec, &rec, SPEC_HOOK_POSTSTOP, STATUS_STOPPED);
out:
  hardening_free (hd);
  cgroup_set_clear (&cgroup);
  state_record_clear (&rec);
  state_store_close (&st);
  return ret;
}

static int
open_record (struct cli_ctx *ctx, const char *id, bool lock, struct state_store *st,
             struct state_handle *h, struct state_record *rec, struct bw_error *err)
{
  int ret = state_validate_id (id, err);
  if (ret < 0)
    return ret;
  ret = state_store_open (ctx->global.root, false, st, err);
  if (ret == -ENOENT)
    return bw_error_set (err, ENOENT, "container \"%s\" does not exist", id);
  if (ret < 0)
    return ret;
  ret = lock ? state_container_open (st, id, h, err)
             : state_container_open_unlocked (st, id, h, err);
  if (ret < 0)
    {
      state_store_close (st);
      return ret;
    }
  ret = state_read (h, rec, err);
  if (ret == -ENOENT && !lock)
    /* Claimed a moment ago, its first record not yet written. */
    ret = bw_error_set (err, ENOENT, "container \"%s\" does not exist", id);
  if (ret < 0)
    {
      state_handle_close (h);
      state_store_close (st);
      return ret;
    }
  return 0;
}

int
lifecycle_open (struct cli_ctx *ctx, const char *id, struct state_store *st,
                struct state_handle *h, struct state_record *rec, struct bw_error *err)
{
  return open_record (ctx, id, true, st, h, rec, err);
}

int
lifecycle_peek (struct cli_ctx *ctx, const char *id, struct state_store *st,
                struct state_handle *h, struct state_record *rec, struct bw_error *err)
{
  return open_record (ctx, id, false, st, h, rec, err);
}

int
lifecycle_start (struct cli_ctx *ctx, const char *id, struct bw_error *err)
{
  struct state_store st = { .root_fd = -1 };
  struct state_handle h = { .dir_fd = -1 };
  struct state_record rec = { 0 };
  struct spec *hooks_spec = NULL;
  int ret = lifecycle_open (ctx, id, &st, &h, &rec, err);
  if (ret < 0)
    return ret;
  enum container_status status = state_current_status (&rec);
  switch (status)
    {
    case STATUS_CREATED:
      ret = container_start (&h, err);
      if (ret == 0)
        {
          rec.status = STATUS_RUNNING;
          ret = state_write (&h, &rec, err);
        }
      if (ret == 0)
        hooks_spec = saved_hooks (ctx, &h, SPEC_HOOK_POSTSTART);
      break;
    case STATUS_STOPPED:
      ret = bw_error_set (err, EINVAL, "cannot start a container that has stopped");
      break;
    case STATUS_RUNNING:
    case STATUS_PAUSED:
      ret = bw_error_set (err, EINVAL, "cannot start an already running container");
      break;
    case STATUS_CREATING:
      ret = bw_error_set (err, EINVAL, "cannot start a container in the creating state");
      break;
    }
  state_handle_close (&h);
  run_hooks_warning (ctx, hooks_spec, &rec, SPEC_HOOK_POSTSTART, STATUS_RUNNING);
  spec_free (hooks_spec);
  state_record_clear (&rec);
  state_store_close (&st);
  return ret;
}

int
lifecycle_delete (struct cli_ctx *ctx, const char *id, bool force, struct bw_error *err)
{
  struct state_store st = { .root_fd = -1 };
  struct state_handle h = { .dir_fd = -1 };
  struct state_record rec = { 0 };
  struct spec *hooks_spec = NULL;
  int ret = state_validate_id (id, err);
  if (ret < 0)
    return ret;
  ret = state_store_open (ctx->global.root, false, &st, err);
  if (ret == -ENOENT)
    ret = bw_error_set (err, ENOENT, "container \"%s\" does not exist", id);
  if (ret == 0)
    ret = state_container_open (&st, id, &h, err);
  if (ret < 0)
    {
      state_store_close (&st);
      /* As runc: deleting a container that is already gone is not an error
       * with --force (the containerd shim deletes twice). */
      return ret == -ENOENT && force ? 0 : ret;
    }

  ret = state_read (&h, &rec, err);
  if (ret < 0)
    {
      /* A create killed before its first state write leaves a directory
       * with no usable record: nothing else can exist, so remove it. */
      if (!force)
        log_msg (&ctx->log, LOG_LEVEL_WARNING, "%s; removing it", err->msg);
      ret = hardening_release_ids (ctx->global.root, id, err);
      if (ret == 0)
        ret = state_container_remove (&st, &h, err);
      state_store_close (&st);
      return ret;
    }

  enum container_status status = state_current_status (&rec);
  if (status != STATUS_STOPPED && !force)
    {
      ret = bw_error_set (err, EBUSY, "cannot delete container \"%s\" that is not stopped: %s",
                          id, state_status_name (status));
      state_handle_close (&h);
      goto out;
    }
  ret = container_destroy (&rec, &h, force, err);
  if (ret < 0)
    {
      state_handle_close (&h);
      goto out;
    }
  hooks_spec = saved_hooks (ctx, &h, SPEC_HOOK_POSTSTOP);
  /* Before the dir goes: a record whose dir is gone is reclaimed only
   * when the pool is full. */
  ret = hardening_release_ids (ctx->global.root, id, err);
  if (ret == 0)
    ret = state_container_remove (&st, &h, err);
  /* The container is gone, its dir and lock too: poststop comes last. */
  run_hooks_warning (ctx, hooks_spec, &rec, SPEC_HOOK_POSTSTOP, STATUS_STOPPED);
out:
  spec_free (hooks_spec);
  state_record_clear (&rec);
  state_store_close (&st);
  return ret;
}
