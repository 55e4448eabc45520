/* landlock_probe: what a process may do, one action per argument, each
 * printed as "ACTION ARG: ok" or "ACTION ARG: ERRNO-NAME". Runs inside test
 * containers (and on the host for `listen`). Self-contained, built static.
 *   write PATH      create/truncate PATH and write to it
 *   read PATH       open PATH for reading
 *   kill STR        kill(pid, 0) of the first other process whose command
 *                   line contains STR
 *   listen NAME     listen on the abstract unix socket NAME, accept for 30 s
 *   connect NAME    connect to the abstract unix socket NAME
 *   selfsock NAME   listen on NAME and connect to it from this process */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char *
errname (int e)
{
  switch (e)
    {
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EROFS: return "EROFS";
    case ENOENT: return "ENOENT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ESRCH: return "ESRCH";
    case EXDEV: return "EXDEV";
    default: return strerror (e);
    }
}

static void
report (const char *action, const char *arg, int ret)
{
  printf ("%s %s: %s\n", action, arg, ret == 0 ? "ok" : errname (ret));
  fflush (stdout);
}

static int
do_write (const char *path)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return errno;
  int ret = write (fd, "x\n", 2) == 2 ? 0 : errno;
  close (fd);
  return ret;
}

static int
do_read (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno;
  close (fd);
  return 0;
}

static int
do_kill (const char *needle)
{
  DIR *d = opendir ("/proc");
  if (!d)
    return errno;
  struct dirent *de;
  int ret = ESRCH;
  while (ret == ESRCH && (de = readdir (d)))
    {
      pid_t pid = atoi (de->d_name);
      if (pid <= 0 || pid == getpid ())
        continue;
      char path[64], buf[512];
      snprintf (path, sizeof path, "/proc/%d/cmdline", pid);
      int fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        continue;
      ssize_t n = read (fd, buf, sizeof buf - 1);
      close (fd);
      if (n <= 0)
        continue;
      for (ssize_t i = 0; i < n; i++)
        if (buf[i] == '\0')
          buf[i] = ' ';
      buf[n] = '\0';
      if (strstr (buf, needle) && !strstr (buf, "landlock_probe"))
        ret = kill (pid, 0) == 0 ? 0 : errno;
    }
  closedir (d);
  return ret;
}

static socklen_t
abstract_addr (const char *name, struct sockaddr_un *sa)
{
  memset (sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  size_t len = strlen (name);
  if (len > sizeof sa->sun_path - 2)
    len = sizeof sa->sun_path - 2;
  memcpy (sa->sun_path + 1, name, len);
  return (socklen_t) (offsetof (struct sockaddr_un, sun_path) + 1 + len);
}

static int
do_listen (const char *name, int *out)
{
  struct sockaddr_un sa;
  socklen_t len = abstract_addr (name, &sa);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return errno;
  if (bind (fd, (struct sockaddr *) &sa, len) < 0 || listen (fd, 16) < 0)
    {
      int e = errno;
      close (fd);
      return e;
    }
  *out = fd;
  return 0;
}

static int
do_connect (const char *name)
{
  struct sockaddr_un sa;
  socklen_t len = abstract_addr (name, &sa);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return errno;
  int ret = connect (fd, (struct sockaddr *) &sa, len) == 0 ? 0 : errno;
  close (fd);
  return ret;
}

int
main (int argc, char **argv)
{
  int status = 0;
  for (int i = 1; i + 1 < argc; i += 2)
    {
      const char *action = argv[i], *arg = argv[i + 1];
      int ret, fd = -1;
      if (strcmp (action, "write") == 0)
        ret = do_write (arg);
      else if (strcmp (action, "read") == 0)
        ret = do_read (arg);
      else if (strcmp (action, "kill") == 0)
        ret = do_kill (arg);
      else if (strcmp (action, "connect") == 0)
        ret = do_connect (arg);
      else if (strcmp (action, "selfsock") == 0)
        {
          ret = do_listen (arg, &fd);
          if (ret == 0)
            ret = do_connect (arg);
          if (fd >= 0)
            close (fd);
        }
      else if (strcmp (action, "listen") == 0)
        {
          ret = do_listen (arg, &fd);
          report (action, arg, ret);
          if (ret != 0)
            return 1;
          alarm (30);
          for (;;)
            {
              int c = accept (fd, NULL, NULL);
              if (c >= 0)
                close (c);
            }
        }
      else
        {
          fprintf (stderr, "landlock_probe: unknown action %s\n", action);
          return 2;
        }
      report (action, arg, ret);
    }
  return status;
}
