#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "linux_sync.h"

int
sync_pair (int fds[2], struct bw_error *err)
{
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    return bw_error_syscall (err, "socketpair");
  return 0;
}

static int
send_msg (int fd, const struct sync_msg *msg)
{
  ssize_t n;
  do
    n = send (fd, msg, sizeof *msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -errno;
  return n == (ssize_t) sizeof *msg ? 0 : -EIO;
}

int
sync_send (int fd, enum sync_type type, int32_t value, struct bw_error *err)
{
  struct sync_msg msg = { .type = type, .value = value };
  int ret = send_msg (fd, &msg);
  if (ret < 0)
    return bw_error_set (err, -ret, "send on the sync socket: %s", strerror (-ret));
  return 0;
}

void
sync_send_error (int fd, const struct bw_error *e)
{
  struct sync_msg msg = { .type = SYNC_ERROR, .error = *e };
  if (msg.error.code <= 0)
    msg.error.code = EINVAL;
  (void) send_msg (fd, &msg);
}

int
sync_recv (int fd, const char *peer, struct sync_msg *msg, struct bw_error *err)
{
  ssize_t n;
  memset (msg, 0, sizeof *msg);
  do
    n = recv (fd, msg, sizeof *msg, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return bw_error_syscall (err, "receive on the sync socket");
  if (n == 0)
    return bw_error_set (err, EPIPE, "%s exited during setup", peer);
  if (n != (ssize_t) sizeof *msg)
    return bw_error_set (err, EPROTO, "short message on the sync socket");
  if (msg->type == SYNC_ERROR)
    {
      msg->error.msg[sizeof msg->error.msg - 1] = '\0';
      return bw_error_set (err, msg->error.code, "%s", msg->error.msg);
    }
  return 0;
}

int
sync_expect (int fd, const char *peer, enum sync_type type, int32_t *value,
             struct bw_error *err)
{
  struct sync_msg msg;
  int ret = sync_recv (fd, peer, &msg, err);
  if (ret < 0)
    return ret;
  if (msg.type != type)
    return bw_error_set (err, EPROTO, "sync: expected message %d from %s, got %u", (int) type,
                         peer, msg.type);
  if (value)
    *value = msg.value;
  return 0;
}

int
sync_send_data (int fd, const char *data, size_t len, struct bw_error *err)
{
  ssize_t n;
  do
    n = send (fd, data, len, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EMSGSIZE)
    return bw_error_set (err, EMSGSIZE, "sync: payload of %zu bytes is too large", len);
  if (n < 0)
    return bw_error_syscall (err, "send on the sync socket");
  return (size_t) n == len ? 0 : bw_error_set (err, EIO, "sync: short send");
}

int
sync_recv_data (int fd, const char *peer, char **out, struct bw_error *err)
{
  ssize_t n;
  /* With MSG_TRUNC a SOCK_SEQPACKET recv returns the message's full size. */
  do
    n = recv (fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return bw_error_syscall (err, "receive on the sync socket");
  if (n == 0)
    return bw_error_set (err, EPIPE, "%s exited during setup", peer);
  char *buf = malloc ((size_t) n + 1);
  if (!buf)
    return bw_error_set (err, ENOMEM, "out of memory");
  ssize_t got;
  do
    got = recv (fd, buf, (size_t) n, 0);
  while (got < 0 && errno == EINTR);
  if (got != n)
    {
      free (buf);
      return got < 0 ? bw_error_syscall (err, "receive on the sync socket")
                     : bw_error_set (err, EPROTO, "sync: short payload");
    }
  buf[n] = '\0';
  *out = buf;
  return 0;
}
