/* run: create + start; in the foreground, forward signals, wait, delete.
 * A terminal without --console-socket is relayed by run itself (as runc). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd.h"
#include "forward.h"
#include "spec.h"
#include "tty_relay.h"

/* Whether the bundle's config asks for a terminal. A config that does not
 * load says no here; create then reports why it does not load. */
static bool
bundle_wants_terminal (const char *bundle)
{
  char path[PATH_MAX];
  _cleanup_spec_ struct spec *spec = NULL;
  struct bw_error ignored = { 0 };
  if (snprintf (path, sizeof path, "%s/config.json", bundle ? bundle : ".") >= (int) sizeof path)
    return false;
  if (spec_load_config (path, "config.json", &spec, &ignored) < 0)
    return false;
  return spec->process && spec->process->terminal.value;
}

/* create, with the pty master received on `relay` when it is open. */
static int
create_container (struct cli_ctx *ctx, const char *id, struct create_cmd_opts *o,
                  struct tty_relay_socket *relay, pid_t *pid, int *master, struct bw_error *err)
{
  if (relay->listen_fd >= 0)
    o->create.console_socket = relay->path;
  int ret = lifecycle_create (ctx, id, &o->create, pid, err);
  if (ret == 0 && relay->listen_fd >= 0)
    {
      ret = tty_relay_receive (relay, master, err);
      if (ret < 0)
        {
          struct bw_error ignored = { 0 };
          lifecycle_delete (ctx, id, true, &ignored);
        }
    }
  if (relay->listen_fd >= 0)
    o->create.console_socket = NULL;   /* freed with the relay socket */
  tty_relay_socket_close (relay);
  return ret;
}

int
cmd_run (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  struct create_cmd_opts o = { 0 };
  struct tty_relay_socket relay = TTY_RELAY_SOCKET_INIT;
  _cleanup_close_ int master = -1;
  const char *id = NULL;
  bool help = false;
  pid_t pid;
  int ret = cmd_parse_create (cli_find_command ("run"), argc, argv, true, &o, &id, &help, err);
  if (ret < 0 || help)
    return ret;
  /* Block the forwarded signals before the container exists so none is lost
   * between start and the wait loop. */
  sigset_t set, old;
  forward_signal_set (&set);
  if (!o.detach)
    sigprocmask (SIG_BLOCK, &set, &old);
  /* Detached, nobody would be there to relay: create refuses it. */
  if (!o.detach && !o.create.console_socket && bundle_wants_terminal (o.create.bundle))
    {
      ret = tty_relay_listen (&relay, err);
      if (ret < 0)
        {
          tty_relay_socket_close (&relay);
          return ret;
        }
    }

  ret = create_container (ctx, id, &o, &relay, &pid, &master, err);
  if (ret < 0)
    return ret;
  ret = lifecycle_start (ctx, id, err);
  if (ret < 0)
    {
      struct bw_error ignored = { 0 };
      lifecycle_delete (ctx, id, true, &ignored);
      return ret;
    }
  if (o.detach)
    return 0;

  int code = master >= 0 ? tty_relay_run (master, pid, &set, err) : forward_wait (pid, &set, err);
  if (!o.keep)
    {
      struct bw_error derr = { 0 };
      if (lifecycle_delete (ctx, id, true, &derr) < 0)
        log_msg (&ctx->log, LOG_LEVEL_WARNING, "%s", derr.msg);
    }
  sigprocmask (SIG_SETMASK, &old, NULL);
  return code;
}
