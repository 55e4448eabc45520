/* run: create + start; in the foreground, forward signals, wait, delete.
 * A terminal without --console-socket is relayed by run itself (as runc). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd.h"
#include "forward.h"
#include "tty_relay.h"

/* create; with the relay socket open (the config asks for a terminal),
 * the pty master received on it. */
static int
create_container (struct cli_ctx *ctx, const char *id, struct create_cmd_opts *o,
                  struct tty_relay_socket *relay, pid_t *pid, int *master, struct bw_error *err)
{
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
  if (!o.detach && !o.create.console_socket)
    o.create.relay = &relay;

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
