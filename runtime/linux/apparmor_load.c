#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "linux_apparmor_load.h"

extern char **environ;

/* Longest piece of the parser's stderr kept for the error message. */
#define PARSER_ERR_MAX 512

bool
apparmor_profiles_list_has (const char *list, const char *name)
{
  size_t len = strlen (name);
  if (len == 0)
    return false;
  for (const char *line = list; *line;)
    {
      const char *end = strchrnul (line, '\n');
      /* The mode is the last " (...)" of the line; the name is before it. */
      const char *mode = NULL;
      for (const char *p = line; p + 1 < end; p++)
        if (p[0] == ' ' && p[1] == '(')
          mode = p;
      if (mode && (size_t) (mode - line) == len && memcmp (line, name, len) == 0)
        return true;
      line = *end ? end + 1 : end;
    }
  return false;
}

/* The whole of `path` as a string (securityfs files report no size, so read
 * until EOF). */
static int
read_profiles_list (const char *path, char **out, struct bw_error *err)
{
  _cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return bw_error_syscall (err, "apparmor: open %s (is AppArmor active and securityfs mounted?)", path);
  size_t size = 0, cap = 4096;
  _cleanup_free_ char *buf = malloc (cap);
  if (!buf)
    return bw_error_set (err, ENOMEM, "apparmor: reading %s", path);
  for (;;)
    {
      if (cap - size < 2)
        {
          char *bigger = realloc (buf, cap * 2);
          if (!bigger)
            return bw_error_set (err, ENOMEM, "apparmor: reading %s", path);
          buf = bigger;
          cap *= 2;
        }
      ssize_t n = read (fd, buf + size, cap - size - 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return bw_error_syscall (err, "apparmor: read %s", path);
      if (n == 0)
        break;
      size += (size_t) n;
    }
  buf[size] = '\0';
  *out = bw_steal_ptr (buf);
  return 0;
}

static int
profile_is_loaded (const char *profiles_file, const char *name, bool *loaded, struct bw_error *err)
{
  _cleanup_free_ char *list = NULL;
  int ret = read_profiles_list (profiles_file, &list, err);
  if (ret < 0)
    return ret;
  *loaded = apparmor_profiles_list_has (list, name);
  return 0;
}

/* The first executable apparmor_parser in the colon-separated `search_path`
 * (relative entries, empty ones included, are skipped: they would run a
 * parser found from whatever directory the runtime was started in). */
static bool
find_parser (const char *search_path, char *out, size_t size)
{
  for (const char *dir = search_path; *dir;)
    {
      size_t n = strcspn (dir, ":");
      if (dir[0] == '/' && (size_t) snprintf (out, size, "%.*s/apparmor_parser", (int) n, dir) < size
          && access (out, X_OK) == 0)
        return true;
      dir += n;
      dir += *dir == ':';
    }
  return false;
}

/* Run `parser -r -W profile_path`, its stdout to /dev/null and the start of
 * its stderr into `errbuf`. Returns the wait status, or a negative errno. */
static int
run_parser (const char *parser, const char *profile_path, char *errbuf, size_t errsize,
            struct bw_error *err)
{
  int pipefd[2];
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return bw_error_syscall (err, "apparmor: pipe");
  _cleanup_close_ int rd = pipefd[0];
  _cleanup_close_ int wr = pipefd[1];

  posix_spawn_file_actions_t fa;
  if (posix_spawn_file_actions_init (&fa) != 0)
    return bw_error_set (err, ENOMEM, "apparmor: posix_spawn_file_actions_init");
  int rc = posix_spawn_file_actions_addopen (&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (rc == 0)
    rc = posix_spawn_file_actions_addopen (&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  if (rc == 0)
    rc = posix_spawn_file_actions_adddup2 (&fa, wr, STDERR_FILENO);
  pid_t pid = -1;
  char *const argv[] = { (char *) parser, (char *) "-r", (char *) "-W", (char *) profile_path, NULL };
  if (rc == 0)
    rc = posix_spawn (&pid, parser, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy (&fa);
  if (rc != 0)
    return bw_error_set (err, rc, "apparmor: run %s: %s", parser, strerror (rc));
  close (bw_steal_fd (wr));

  /* Drain all of stderr, keeping the start: a full pipe would block it. */
  size_t used = 0;
  char chunk[1024];
  for (;;)
    {
      ssize_t n = read (rd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      size_t keep = (size_t) n < errsize - 1 - used ? (size_t) n : errsize - 1 - used;
      memcpy (errbuf + used, chunk, keep);
      used += keep;
    }
  errbuf[used] = '\0';

  int status;
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return bw_error_syscall (err, "apparmor: waitpid %s", parser);
  return status;
}

int
apparmor_ensure_loaded_using (const char *profiles_file, const char *search_path,
                              const char *name, const char *profile_path,
                              struct bw_error *err)
{
  char qname[160];
  bw_quote (name ? name : "", 100, qname, sizeof qname);
  if (!name || !*name)
    return bw_error_set (err, EINVAL, "apparmor: empty profile name");

  bool loaded;
  int ret = profile_is_loaded (profiles_file, name, &loaded, err);
  if (ret < 0)
    return bw_error_prefix (err, "apparmor profile %s", qname);
  if (loaded)
    return 0;

  char parser[PATH_MAX];
  if (!find_parser (search_path, parser, sizeof parser))
    return bw_error_set (err, ENOENT,
                         "apparmor profile %s is not loaded and apparmor_parser was not found "
                         "(searched %s): install the apparmor package or load %s by hand",
                         qname, search_path, profile_path);

  char errbuf[PARSER_ERR_MAX];
  int status = run_parser (parser, profile_path, errbuf, sizeof errbuf, err);
  if (status < 0)
    return bw_error_prefix (err, "apparmor profile %s", qname);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      errbuf[strcspn (errbuf, "\n")] = '\0';
      char qmsg[PARSER_ERR_MAX + 64];
      bw_quote (errbuf, 300, qmsg, sizeof qmsg);
      if (WIFEXITED (status))
        return bw_error_set (err, EINVAL, "apparmor profile %s: %s -r -W %s exited %d: %s", qname,
                             parser, profile_path, WEXITSTATUS (status), qmsg);
      return bw_error_set (err, EINVAL, "apparmor profile %s: %s -r -W %s killed by signal %d",
                           qname, parser, profile_path, WTERMSIG (status));
    }

  ret = profile_is_loaded (profiles_file, name, &loaded, err);
  if (ret < 0)
    return bw_error_prefix (err, "apparmor profile %s", qname);
  if (!loaded)
    return bw_error_set (err, ENOENT, "apparmor profile %s: %s loaded but does not define it",
                         qname, profile_path);
  return 0;
}

int
apparmor_ensure_loaded (const char *name, const char *profile_path, struct bw_error *err)
{
  /* $PATH first, so an administrator's own parser wins; then the sbin
   * directories a daemon's PATH often lacks. */
  const char *env_path = getenv ("PATH");
  char search[PATH_MAX * 2];
  snprintf (search, sizeof search, "%s%s%s", env_path ? env_path : "", env_path && *env_path ? ":" : "",
            APPARMOR_PARSER_FALLBACK_PATH);
  return apparmor_ensure_loaded_using (APPARMOR_PROFILES_FILE, search, name, profile_path, err);
}
