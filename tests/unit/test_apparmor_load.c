/* test_apparmor_load: the profiles-list parsing, and apparmor_ensure_loaded
 * run against a fake kernel list and a fake apparmor_parser (a shell script
 * that appends to the list), so no AppArmor or root is needed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux_apparmor_load.h"
#include "unit.h"

static const char kernel_list[] =
  "docker-default (enforce)\n"
  "/usr/sbin/cupsd (complain)\n"
  "with space (x) (enforce)\n"
  "bulwark-default//child (enforce)\n"
  "bulwark-defaultish (enforce)\n";

static void
test_list_parsing (void)
{
  CHECK (apparmor_profiles_list_has (kernel_list, "docker-default"), "list: first line found", "missing");
  CHECK (apparmor_profiles_list_has (kernel_list, "/usr/sbin/cupsd"), "list: complain mode counts", "missing");
  CHECK (apparmor_profiles_list_has (kernel_list, "with space (x)"),
         "list: the name ends at the last \" (\"", "missing");
  CHECK (!apparmor_profiles_list_has (kernel_list, "with space"), "list: no match on a prefix up to an inner \" (\"",
         "matched");
  CHECK (!apparmor_profiles_list_has (kernel_list, "bulwark-default"),
         "list: a child profile or a longer name is not the profile", "matched");
  CHECK (!apparmor_profiles_list_has (kernel_list, "docker"), "list: a prefix of a name does not match", "matched");
  CHECK (!apparmor_profiles_list_has (kernel_list, ""), "list: empty name never matches", "matched");
  CHECK (!apparmor_profiles_list_has ("", "docker-default"), "list: empty list", "matched");
  CHECK (apparmor_profiles_list_has ("last (enforce)", "last"), "list: last line without newline", "missing");
  CHECK (!apparmor_profiles_list_has ("noparen\n", "noparen"), "list: a line without a mode is ignored", "matched");
}

static char dir[] = "/tmp/bw-aa-test.XXXXXX";
static char list_path[256], bin_path[256], log_path[256];

static void
write_file (const char *path, const char *text, mode_t mode)
{
  FILE *f = fopen (path, "w");
  if (!f)
    {
      perror (path);
      exit (1);
    }
  fputs (text, f);
  fclose (f);
  chmod (path, mode);
}

static size_t
count_lines (const char *path)
{
  FILE *f = fopen (path, "r");
  size_t n = 0;
  int c;
  if (!f)
    return 0;
  while ((c = fgetc (f)) != EOF)
    n += c == '\n';
  fclose (f);
  return n;
}

/* A fake parser: logs its arguments, then behaves as the profile file says. */
static void
install_fake_parser (void)
{
  char script[2048];
  snprintf (script, sizeof script,
            "#!/bin/sh\n"
            "echo \"$*\" >>%s\n"
            "[ \"$1 $2\" = '-r -W' ] || { echo 'bad arguments' >&2; exit 9; }\n"
            "case $(cat \"$3\") in\n"
            "  broken) echo \"AppArmor parser error at line 3: syntax error\" >&2; echo more >&2; exit 1 ;;\n"
            "  other) echo 'other-profile (enforce)' >>%s ;;\n"
            "  *) echo \"$(cat \"$3\") (enforce)\" >>%s ;;\n"
            "esac\n",
            log_path, list_path, list_path);
  write_file (bin_path, script, 0755);
}

static void
test_ensure_loaded (void)
{
  struct bw_error err = { 0 };
  char prof[256], search[300];
  int ret;

  snprintf (list_path, sizeof list_path, "%s/profiles", dir);
  snprintf (bin_path, sizeof bin_path, "%s/bin/apparmor_parser", dir);
  snprintf (log_path, sizeof log_path, "%s/parser.log", dir);
  snprintf (prof, sizeof prof, "%s/prof", dir);
  snprintf (search, sizeof search, "/nonexistent::%s/bin", dir);

  /* No securityfs: the list cannot be read. */
  ret = apparmor_ensure_loaded_using (list_path, search, "bulwark-default", prof, &err);
  CHECK (ret == -ENOENT && strstr (err.msg, "securityfs") && strstr (err.msg, "\"bulwark-default\""),
         "ensure: an unreadable profiles list is a clear error", "ret %d: %s", ret, err.msg);

  /* No parser anywhere, profile missing. */
  write_file (list_path, kernel_list, 0644);
  ret = apparmor_ensure_loaded_using (list_path, search, "bulwark-default", prof, &err);
  CHECK (ret == -ENOENT && strstr (err.msg, "apparmor_parser was not found") && strstr (err.msg, "/nonexistent"),
         "ensure: a missing apparmor_parser is a clear error", "ret %d: %s", ret, err.msg);

  /* Already loaded: the parser is never run (it does not even exist). */
  ret = apparmor_ensure_loaded_using (list_path, search, "docker-default", prof, &err);
  CHECK (ret == 0, "ensure: a loaded profile needs no parser", "ret %d: %s", ret, err.msg);

  char bindir[300];
  snprintf (bindir, sizeof bindir, "%s/bin", dir);
  mkdir (bindir, 0755);
  install_fake_parser ();

  /* Relative search entries are skipped: they name a directory only by
   * where the runtime happened to be started. */
  char cwd[4096];
  bool moved = getcwd (cwd, sizeof cwd) && chdir (dir) == 0;
  ret = apparmor_ensure_loaded_using (list_path, "bin:./bin", "bulwark-default", prof, &err);
  bool back = moved && chdir (cwd) == 0;
  CHECK (back && ret == -ENOENT && strstr (err.msg, "apparmor_parser was not found")
           && count_lines (log_path) == 0,
         "ensure: a relative search entry is not used", "ret %d, parser ran %zu times: %s", ret,
         count_lines (log_path), err.msg);

  ret = apparmor_ensure_loaded_using (list_path, search, "docker-default", prof, &err);
  CHECK (ret == 0 && count_lines (log_path) == 0, "ensure: loaded profile, parser present but not run",
         "ret %d, parser ran %zu times: %s", ret, count_lines (log_path), err.msg);

  write_file (prof, "bulwark-default", 0644);
  ret = apparmor_ensure_loaded_using (list_path, search, "bulwark-default", prof, &err);
  CHECK (ret == 0 && count_lines (log_path) == 1, "ensure: a missing profile is loaded with the parser once",
         "ret %d, parser ran %zu times: %s", ret, count_lines (log_path), err.msg);
  ret = apparmor_ensure_loaded_using (list_path, search, "bulwark-default", prof, &err);
  CHECK (ret == 0 && count_lines (log_path) == 1, "ensure: the second call finds it loaded",
         "ret %d, parser ran %zu times: %s", ret, count_lines (log_path), err.msg);

  write_file (prof, "broken", 0644);
  ret = apparmor_ensure_loaded_using (list_path, search, "broken-one", prof, &err);
  CHECK (ret < 0 && strstr (err.msg, "exited 1") && strstr (err.msg, "syntax error") && !strstr (err.msg, "more")
           && !strchr (err.msg, '\n'),
         "ensure: a parser failure reports its first error line", "ret %d: %s", ret, err.msg);

  write_file (prof, "other", 0644);
  ret = apparmor_ensure_loaded_using (list_path, search, "wanted", prof, &err);
  CHECK (ret == -ENOENT && strstr (err.msg, "does not define it"),
         "ensure: a profile file that defines another name is an error", "ret %d: %s", ret, err.msg);

  ret = apparmor_ensure_loaded_using (list_path, search, "", prof, &err);
  CHECK (ret == -EINVAL, "ensure: an empty name is refused", "ret %d: %s", ret, err.msg);
}

int
main (void)
{
  test_list_parsing ();
  if (!mkdtemp (dir))
    {
      perror ("mkdtemp");
      return 1;
    }
  test_ensure_loaded ();
  char cmd[300];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system (cmd) != 0)
    fprintf (stderr, "# could not remove %s\n", dir);
  return UNIT_EXIT ();
}
