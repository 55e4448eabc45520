/* linux/terminal: see include/linux_terminal.h. The pty is allocated by the
 * process that will own it, inside the container, so that the slave's path
 * (what `tty` prints) is the container's /dev/pts/N and the pty belongs to
 * the container's devpts instance. The master goes to the console socket
 * over a connection the runtime opened on the host (as runc does). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdpass.h"
#include "linux_mount.h"
#include "linux_rootfs.h"
#include "linux_terminal.h"
#include "sys.h"

int
terminal_connect (const char *path, int *sock, struct bw_error *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof addr.sun_path)
    return bw_error_set (err, ENAMETOOLONG, "--console-socket: path %s is too long", path);
  strcpy (addr.sun_path, path);
  _cleanup_close_ int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return bw_error_syscall (err, "--console-socket: socket");
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return bw_error_syscall (err, "--console-socket: connect to %s", path);
  *sock = bw_steal_fd (fd);
  return 0;
}

int
terminal_open_pty (int rootfd, const struct spec_console_size *size, int *master, int *slave,
                   struct bw_error *err)
{
  _cleanup_close_ int ptmx = -1;
  _cleanup_close_ int pts = -1;
  _cleanup_close_ int peer = -1;
  struct stat st_pts, st_peer;
  int unlock = 0;
  int ret = rootfs_open (rootfd, "/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC, &ptmx, err);
  if (ret < 0)
    return bw_error_prefix (err, "process.terminal: open /dev/ptmx in the container");
  if (ioctl (ptmx, TIOCSPTLCK, &unlock) < 0)
    return bw_error_syscall (err, "process.terminal: /dev/ptmx is not a pty multiplexer: unlockpt");
  /* The slave through the master, not by a path the container controls. */
  peer = ioctl (ptmx, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (peer < 0)
    return bw_error_syscall (err, "process.terminal: open the pty slave (TIOCGPTPEER)");

  /* A /dev/ptmx that is the host's node (a linux.devices entry, say) would
   * allocate in the host's devpts: the pty must come from the container's. */
  ret = rootfs_resolve (rootfd, "/dev/pts", ROOTFS_NO_CREATE, &pts, err);
  if (ret < 0)
    return bw_error_prefix (err, "process.terminal: /dev/pts in the container");
  if (fstat (pts, &st_pts) < 0 || fstat (peer, &st_peer) < 0)
    return bw_error_syscall (err, "process.terminal: fstat");
  if (!S_ISCHR (st_peer.st_mode) || st_peer.st_dev != st_pts.st_dev)
    return bw_error_set (err, EXDEV, "process.terminal: /dev/ptmx does not belong to the devpts "
                         "mounted on /dev/pts in the container");

  if (size)
    {
      struct winsize ws = { .ws_row = size->height, .ws_col = size->width };
      if (size->height > 0xffff || size->width > 0xffff)
        return bw_error_set (err, ERANGE, "process.consoleSize: %ux%u is too large", size->height,
                             size->width);
      if (ioctl (ptmx, TIOCSWINSZ, &ws) < 0)
        return bw_error_syscall (err, "process.consoleSize: TIOCSWINSZ");
    }
  *master = bw_steal_fd (ptmx);
  *slave = bw_steal_fd (peer);
  return 0;
}

int
terminal_bind_console (int rootfd, int slave, struct bw_error *err)
{
  _cleanup_close_ int target = -1;
  _cleanup_close_ int tree = sys_open_tree (slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC
                                                         | AT_EMPTY_PATH);
  if (tree < 0)
    return bw_error_syscall (err, "process.terminal: bind the pty onto /dev/console: open_tree");
  int ret = rootfs_resolve (rootfd, "/dev/console", ROOTFS_CREATE_FILE, &target, err);
  if (ret == 0)
    ret = mount_attach (tree, target, err);
  if (ret < 0)
    return bw_error_prefix (err, "process.terminal: bind the pty onto /dev/console");
  return 0;
}

int
terminal_make_controlling (int slave, struct bw_error *err)
{
  if (setsid () < 0)
    return bw_error_syscall (err, "process.terminal: setsid");
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return bw_error_syscall (err, "process.terminal: make the pty the controlling terminal");
  for (int fd = 0; fd <= 2; fd++)
    if (slave != fd && dup2 (slave, fd) < 0)
      return bw_error_syscall (err, "process.terminal: dup2 the pty to fd %d", fd);
  if (slave > 2)
    close (slave);
  return 0;
}

int
terminal_setup (int rootfd, const struct spec_process *p, int console_sock, bool bind_console,
                struct bw_error *err)
{
  _cleanup_close_ int master = -1;
  int slave = -1;
  if (console_sock < 0)
    return bw_error_set (err, EINVAL, "process.terminal is true but no --console-socket was given");
  int ret = terminal_open_pty (rootfd, p->console_size, &master, &slave, err);
  if (ret < 0)
    return ret;
  if (bind_console)
    ret = terminal_bind_console (rootfd, slave, err);
  if (ret == 0 && fdpass_send (console_sock, master, "console", err) < 0)
    ret = bw_error_prefix (err, "--console-socket: send the pty master");
  if (ret < 0)
    {
      close (slave);
      return ret;
    }
  return terminal_make_controlling (slave, err);
}
