#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdpass.h"

int
fdpass_send (int sock, int fd, const char *name, struct bw_error *err)
{
  char payload[256] = "";
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  memset (&control, 0, sizeof control);
  if (name)
    snprintf (payload, sizeof payload, "%s", name);
  /* The payload must not be empty or SCM_RIGHTS is not delivered. */
  struct iovec iov = { .iov_base = payload, .iov_len = name ? strlen (payload) : 1 };
  struct msghdr msg = {
    .msg_iov = &iov,
    .msg_iovlen = 1,
    .msg_control = control.buf,
    .msg_controllen = sizeof control.buf,
  };
  struct cmsghdr *cmsg = CMSG_FIRSTHDR (&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cmsg), &fd, sizeof (int));
  ssize_t n;
  do
    n = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return bw_error_syscall (err, "sendmsg");
  return 0;
}

int
fdpass_send_payload (int sock, const int *fds, size_t n_fds, const void *payload, size_t len,
                     struct bw_error *err)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int) * FDPASS_MAX_FDS)];
    struct cmsghdr align;
  } control;
  if (n_fds == 0 || n_fds > FDPASS_MAX_FDS || len == 0)
    return bw_error_set (err, EINVAL, "fdpass: %zu fds with %zu bytes cannot be sent", n_fds, len);
  memset (&control, 0, sizeof control);
  struct iovec iov = { .iov_base = (void *) payload, .iov_len = len };
  struct msghdr msg = {
    .msg_iov = &iov,
    .msg_iovlen = 1,
    .msg_control = control.buf,
    .msg_controllen = CMSG_SPACE (sizeof (int) * n_fds),
  };
  struct cmsghdr *cmsg = CMSG_FIRSTHDR (&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN (sizeof (int) * n_fds);
  memcpy (CMSG_DATA (cmsg), fds, sizeof (int) * n_fds);
  size_t sent = 0;
  while (sent < len)
    {
      ssize_t n = sendmsg (sock, &msg, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return bw_error_syscall (err, "sendmsg");
      sent += (size_t) n;
      /* The fds went with the first part. */
      msg.msg_control = NULL;
      msg.msg_controllen = 0;
      iov.iov_base = (char *) payload + sent;
      iov.iov_len = len - sent;
    }
  return 0;
}

int
fdpass_send_to_path (const char *path, int fd, const char *name, struct bw_error *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof addr.sun_path)
    return bw_error_set (err, ENAMETOOLONG, "socket path %s is too long", path);
  strcpy (addr.sun_path, path);
  _cleanup_close_ int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return bw_error_syscall (err, "socket");
  if (connect (sock, (struct sockaddr *) &addr, sizeof addr) < 0)
    return bw_error_syscall (err, "connect to %s", path);
  int ret = fdpass_send (sock, fd, name, err);
  if (ret < 0)
    return bw_error_prefix (err, "send fd to %s", path);
  return 0;
}

int
fdpass_recv (int sock, int *fd, struct bw_error *err)
{
  char payload[256];
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = payload, .iov_len = sizeof payload };
  struct msghdr msg = {
    .msg_iov = &iov,
    .msg_iovlen = 1,
    .msg_control = control.buf,
    .msg_controllen = sizeof control.buf,
  };
  ssize_t n;
  do
    n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return bw_error_syscall (err, "recvmsg");
  struct cmsghdr *cmsg = CMSG_FIRSTHDR (&msg);
  if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
    return bw_error_set (err, EBADMSG, "recvmsg: no file descriptor received");
  memcpy (fd, CMSG_DATA (cmsg), sizeof (int));
  return 0;
}
