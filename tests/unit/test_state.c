/* Unit tests of the state store: ids, claiming and locking container
 * directories, state.json, listing, liveness. No root needed: everything
 * happens under a fresh temporary directory. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "state.h"
#include "unit.h"

static char tmp_base[] = "/tmp/bulwark-state-test-XXXXXX";

static char *
path_in (const char *a, const char *b)
{
  char *p = NULL;
  if (asprintf (&p, "%s/%s", a, b) < 0)
    abort ();
  return p;
}

static bool
exists (const char *path)
{
  struct stat sb;
  return lstat (path, &sb) == 0;
}

/* Names in a directory other than . and .., joined by spaces, sorted. */
static char *
dir_entries (const char *path)
{
  struct dirent **list = NULL;
  int n = scandir (path, &list, NULL, alphasort);
  char *out = strdup ("");
  for (int i = 0; i < n; i++)
    {
      if (strcmp (list[i]->d_name, ".") != 0 && strcmp (list[i]->d_name, "..") != 0)
        {
          char *next = NULL;
          if (asprintf (&next, "%s%s%s", out, out[0] ? " " : "", list[i]->d_name) < 0)
            abort ();
          free (out);
          out = next;
        }
      free (list[i]);
    }
  free (list);
  return out;
}

static double
now_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ ids */

static void
test_validate_id (void)
{
  struct bw_error err = { 0 };
  char max_id[STATE_ID_MAX + 2];
  memset (max_id, 'a', STATE_ID_MAX);
  max_id[STATE_ID_MAX] = '\0';

  const char *good[] = { "a", "abc-123_X.y+z", "...", ".hidden", "-", "+", max_id };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    {
      char name[96];
      snprintf (name, sizeof name, "valid id %.40s (%zu chars)", good[i], strlen (good[i]));
      CHECK (state_validate_id (good[i], &err) == 0, name, "%s", err.msg);
    }

  max_id[STATE_ID_MAX] = 'a';
  max_id[STATE_ID_MAX + 1] = '\0';
  const char *bad[] = { ".", "..", "a/b", "/", "caf\xc3\xa9", "a b", "a\nb", "a:b", max_id };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      char name[96];
      snprintf (name, sizeof name, "invalid id #%zu (%zu chars)", i, strlen (bad[i]));
      bw_error_clear (&err);
      int ret = state_validate_id (bad[i], &err);
      CHECK (ret == -EINVAL && err.code == EINVAL, name, "ret %d", ret);
    }

  state_validate_id ("a/b", &err);
  CHECK_STREQ (err.msg, "invalid container id \"a/b\": use 1 to 1024 characters of A-Z a-z 0-9 _ . + -",
               "invalid id message");
  state_validate_id ("a\nb\"", &err);
  CHECK_STREQ (err.msg,
               "invalid container id \"a\\x0ab\\\"\": use 1 to 1024 characters of A-Z a-z 0-9 _ . + -",
               "invalid id message escapes");
  state_validate_id (max_id, &err);
  CHECK (strstr (err.msg, "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"...: use 1 to 1024")
         != NULL, "long invalid id is cut to 64 characters", "%s", err.msg);
  CHECK (state_validate_id ("", &err) == -EINVAL, "empty id refused", "accepted");
  CHECK_STREQ (err.msg, "container id is empty", "empty id message");
  CHECK (state_validate_id (NULL, &err) == -EINVAL, "NULL id refused", "accepted");
}

/* ------------------------------------------------------------ store */

static void
test_missing_root (void)
{
  struct bw_error err = { 0 };
  _cleanup_free_ char *root = path_in (tmp_base, "missing/deeper");
  struct state_store st = STATE_STORE_INIT;
  CHECK (state_store_open (root, false, &st, &err) == 0, "missing root opens without create",
         "%s", err.msg);
  CHECK (st.root_fd == -1, "missing root has no fd", "fd %d", st.root_fd);

  char **ids = NULL;
  CHECK (state_list (&st, &ids, &err) == 0 && ids && ids[0] == NULL, "missing root lists nothing",
         "%s", err.msg);
  bw_strvfree (ids);

  struct state_handle h = STATE_HANDLE_INIT;
  int ret = state_container_open (&st, "x", &h, &err);
  CHECK (ret == -ENOENT, "open in missing root fails with ENOENT", "ret %d", ret);
  CHECK_STREQ (err.msg, "container \"x\" does not exist", "open in missing root message");
  ret = state_container_create (&st, "x", &h, &err);
  CHECK (ret == -ENOENT, "create in a root opened without create fails", "ret %d", ret);
  state_handle_close (&h);
  state_store_close (&st);
  _cleanup_free_ char *parent = path_in (tmp_base, "missing");
  CHECK (!exists (parent), "opening without create leaves nothing behind", "%s exists", parent);

  _cleanup_free_ char *file = path_in (tmp_base, "a-file");
  int fd = open (file, O_CREAT | O_WRONLY, 0600);
  close (fd);
  ret = state_store_open (file, true, &st, &err);
  CHECK (ret < 0, "a root that is a file is refused", "ret %d", ret);
  state_store_close (&st);
}

static void
test_create_open_remove (const char *root)
{
  struct bw_error err = { 0 };
  struct state_store st = STATE_STORE_INIT;
  int ret = state_store_open (root, true, &st, &err);
  CHECK (ret == 0, "store open with create", "%s", err.msg);
  struct stat sb;
  CHECK (stat (root, &sb) == 0 && (sb.st_mode & 07777) == 0700, "root made with mode 0700",
         "mode %o", sb.st_mode & 07777);

  struct state_handle h = STATE_HANDLE_INIT;
  ret = state_container_create (&st, "c1", &h, &err);
  CHECK (ret == 0, "create c1", "%s", err.msg);
  _cleanup_free_ char *dir = path_in (st.root, "c1");
  CHECK_STREQ (h.dir, dir, "handle dir");
  CHECK_STREQ (h.id, "c1", "handle id");
  CHECK (stat (dir, &sb) == 0 && S_ISDIR (sb.st_mode) && (sb.st_mode & 07777) == 0700,
         "container dir exists with mode 0700", "mode %o", sb.st_mode & 07777);

  struct state_handle h2 = STATE_HANDLE_INIT;
  ret = state_container_create (&st, "c1", &h2, &err);
  CHECK (ret == -EEXIST, "duplicate create fails with EEXIST", "ret %d", ret);
  CHECK_STREQ (err.msg, "container with id exists: c1", "duplicate create message");
  CHECK (h2.dir_fd == -1 && h2.id == NULL, "failed create leaves the handle empty", "fd %d",
         h2.dir_fd);
  ret = state_container_create (&st, "bad/id", &h2, &err);
  CHECK (ret == -EINVAL, "create with an invalid id fails", "ret %d", ret);

  struct state_record rec = { 0 };
  ret = state_read (&h, &rec, &err);
  CHECK (ret == -ENOENT, "state.json missing before the first write", "ret %d: %s", ret, err.msg);
  state_handle_close (&h);
  state_handle_close (&h);     /* twice is harmless */

  ret = state_container_open (&st, "c1", &h, &err);
  CHECK (ret == 0, "open c1", "%s", err.msg);
  ret = state_container_open (&st, "nope", &h2, &err);
  CHECK (ret == -ENOENT, "open of an unknown id fails", "ret %d", ret);
  CHECK_STREQ (err.msg, "container \"nope\" does not exist", "open unknown message");

  ret = state_write_file (&h, "pidfile", "123", 3, &err);
  CHECK (ret == 0, "write a file", "%s", err.msg);
  ret = state_write_file (&h, "../escape", "x", 1, &err);
  CHECK (ret == -EINVAL, "file names with / are refused", "ret %d", ret);
  ret = state_container_remove (&st, &h, &err);
  CHECK (ret == 0, "remove c1", "%s", err.msg);
  CHECK (h.dir_fd == -1, "remove closes the handle", "fd %d", h.dir_fd);
  CHECK (!exists (dir), "container dir gone after remove", "%s exists", dir);
  _cleanup_free_ char *left = dir_entries (st.root);
  CHECK_STREQ (left, "", "remove leaves nothing in the root");
  ret = state_container_open (&st, "c1", &h, &err);
  CHECK (ret == -ENOENT, "open after remove fails", "ret %d", ret);

  /* Subdirectories are removed too. */
  ret = state_container_create (&st, "c2", &h, &err);
  CHECK (ret == 0, "create c2", "%s", err.msg);
  mkdirat (h.dir_fd, "sub", 0700);
  int fd = openat (h.dir_fd, "sub/file", O_CREAT | O_WRONLY, 0600);
  close (fd);
  symlinkat ("/etc/passwd", h.dir_fd, "link");
  ret = state_container_remove (&st, &h, &err);
  CHECK (ret == 0, "remove a container dir with a subdirectory and a symlink", "%s", err.msg);
  CHECK (exists ("/etc/passwd"), "remove does not follow symlinks", "target gone");
  state_store_close (&st);
}

/* ------------------------------------------------------------ state.json */

static void
fill_record (struct state_record *rec)
{
  memset (rec, 0, sizeof *rec);
  rec->id = strdup ("rt");
  rec->bundle = strdup ("/bundles/b \"q\" caf\xc3\xa9");
  rec->rootfs = strdup ("/bundles/b/rootfs");
  rec->created = strdup ("2024-05-01T10:20:30.123456789Z");
  rec->owner = strdup ("");
  rec->status = STATUS_RUNNING;
  rec->pid = 4242;
  rec->pid_start_time = 987654321012ULL;
  rec->cgroup_path = strdup ("/sys/fs/cgroup/bulwark/rt");
  rec->annotations.set = true;
  rec->annotations.n = 2;
  rec->annotations.items = calloc (2, sizeof *rec->annotations.items);
  rec->annotations.items[0].key = strdup ("org.example/b");
  rec->annotations.items[0].value = strdup ("line\nbreak");
  rec->annotations.items[1].key = strdup ("a");
  rec->annotations.items[1].value = strdup ("");
}

static void
test_state_json (const char *root)
{
  struct bw_error err = { 0 };
  struct state_store st = STATE_STORE_INIT;
  struct state_handle h = STATE_HANDLE_INIT;
  state_store_open (root, true, &st, &err);
  int ret = state_container_create (&st, "rt", &h, &err);
  CHECK (ret == 0, "create rt", "%s", err.msg);

  struct state_record rec, back = { 0 };
  fill_record (&rec);
  ret = state_write (&h, &rec, &err);
  CHECK (ret == 0, "write state.json", "%s", err.msg);
  ret = state_write (&h, &rec, &err);   /* overwrite */
  CHECK (ret == 0, "rewrite state.json", "%s", err.msg);
  ret = state_read (&h, &back, &err);
  CHECK (ret == 0, "read state.json", "%s", err.msg);
  if (ret == 0)
    {
      CHECK_STREQ (back.id, rec.id, "round trip id");
      CHECK_STREQ (back.bundle, rec.bundle, "round trip bundle");
      CHECK_STREQ (back.rootfs, rec.rootfs, "round trip rootfs");
      CHECK_STREQ (back.created, rec.created, "round trip created");
      CHECK_STREQ (back.owner, rec.owner, "round trip owner");
      CHECK_STREQ (back.cgroup_path, rec.cgroup_path, "round trip cgroup path");
      CHECK (back.status == STATUS_RUNNING, "round trip status", "%d", back.status);
      CHECK (back.pid == 4242, "round trip pid", "%d", back.pid);
      CHECK (back.pid_start_time == 987654321012ULL, "round trip start time", "%llu",
             (unsigned long long) back.pid_start_time);
      CHECK (back.annotations.set && back.annotations.n == 2, "round trip annotation count",
             "%zu", back.annotations.n);
      if (back.annotations.n == 2)
        {
          CHECK_STREQ (back.annotations.items[0].key, "org.example/b", "round trip annotation order");
          CHECK_STREQ (back.annotations.items[0].value, "line\nbreak", "round trip annotation value");
        }
    }
  state_record_clear (&back);

  /* Without cgroup path and annotations. */
  free (rec.cgroup_path);
  rec.cgroup_path = NULL;
  struct spec_map saved = rec.annotations;
  memset (&rec.annotations, 0, sizeof rec.annotations);
  ret = state_write (&h, &rec, &err);
  if (ret == 0)
    ret = state_read (&h, &back, &err);
  CHECK (ret == 0 && back.cgroup_path == NULL && !back.annotations.set && back.annotations.n == 0,
         "optional fields stay absent", "%s", err.msg);
  state_record_clear (&back);
  rec.annotations = saved;

  struct stat sb;
  _cleanup_free_ char *file = path_in (h.dir, "state.json");
  CHECK (stat (file, &sb) == 0 && (sb.st_mode & 07777) == 0600, "state.json has mode 0600",
         "mode %o", sb.st_mode & 07777);
  _cleanup_free_ char *entries = dir_entries (h.dir);
  CHECK_STREQ (entries, "state.json", "atomic writes leave no temporary files");

  /* Invalid UTF-8 is refused at write time, naming the field. */
  free (rec.bundle);
  rec.bundle = strdup ("/b\xff");
  ret = state_write (&h, &rec, &err);
  CHECK (ret == -EINVAL && strstr (err.msg, "bundle") != NULL, "invalid UTF-8 bundle refused",
         "ret %d: %s", ret, err.msg);
  state_record_clear (&rec);

  /* Corrupt files give an error naming the file. */
  const char *garbage = "{\"version\": 1, \"id\": \"rt\",";
  state_write_file (&h, "state.json", garbage, strlen (garbage), &err);
  ret = state_read (&h, &back, &err);
  CHECK (ret == -EINVAL && strstr (err.msg, file) == err.msg && strstr (err.msg, "invalid JSON"),
         "truncated state.json: error names the file", "ret %d: %s", ret, err.msg);
  CHECK (strchr (err.msg, '\n') == NULL, "JSON error is one line", "%s", err.msg);
  const char *wrong = "{\"version\": 1, \"id\": 7}";
  state_write_file (&h, "state.json", wrong, strlen (wrong), &err);
  ret = state_read (&h, &back, &err);
  CHECK (ret == -EINVAL && strstr (err.msg, "field \"id\": expected a string"),
         "state.json with a wrong type", "%s", err.msg);
  const char *other = "{\"version\":1,\"id\":\"other\",\"status\":\"created\",\"pid\":1,"
                      "\"pidStartTime\":1,\"bundle\":\"/\",\"rootfs\":\"/\",\"created\":\"\","
                      "\"owner\":\"\"}";
  state_write_file (&h, "state.json", other, strlen (other), &err);
  ret = state_read (&h, &back, &err);
  CHECK (ret == -EINVAL && strstr (err.msg, "holds id \"other\""),
         "state.json of another container refused", "%s", err.msg);
  CHECK (back.id == NULL, "failed read leaves the record empty", "id %s", back.id);

  state_container_remove (&st, &h, &err);
  state_store_close (&st);
}

/* ------------------------------------------------------------ list */

static void
test_list (const char *root)
{
  struct bw_error err = { 0 };
  struct state_store st = STATE_STORE_INIT;
  state_store_open (root, true, &st, &err);

  char long_id[301];
  memset (long_id, 'x', 300);
  long_id[300] = '\0';
  const char *ids[] = { "b", "a", "c+1", ".dot", long_id, "A" };
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
    {
      struct state_handle h = STATE_HANDLE_INIT;
      char name[64];
      snprintf (name, sizeof name, "create %.20s for list", ids[i]);
      CHECK (state_container_create (&st, ids[i], &h, &err) == 0, name, "%s", err.msg);
      state_handle_close (&h);
    }
  /* Things that are not containers. */
  _cleanup_free_ char *junk_dir = path_in (st.root, ".new-0123");
  _cleanup_free_ char *junk_file = path_in (st.root, "file");
  _cleanup_free_ char *junk_bad = path_in (st.root, "bad name");
  _cleanup_free_ char *junk_enc = path_in (st.root, "@0000");
  mkdir (junk_dir, 0700);
  mkdir (junk_bad, 0700);
  mkdir (junk_enc, 0700);
  close (open (junk_file, O_CREAT | O_WRONLY, 0600));

  char **list = NULL;
  int ret = state_list (&st, &list, &err);
  CHECK (ret == 0, "list", "%s", err.msg);
  _cleanup_free_ char *joined = strdup ("");
  for (char **p = list; p && *p; p++)
    {
      char *next = NULL;
      if (asprintf (&next, "%s%s%.8s", joined, joined[0] ? " " : "", *p) < 0)
        abort ();
      free (joined);
      joined = next;
    }
  CHECK_STREQ (joined, ".dot A a b c+1 xxxxxxxx", "list is sorted and skips non-containers");
  CHECK (list && list[5] && strcmp (list[5], long_id) == 0, "list returns the full long id",
         "wrong");
  bw_strvfree (list);

  /* Ids that are not plain names (leading '.', longer than NAME_MAX). */
  struct state_handle h = STATE_HANDLE_INIT;
  ret = state_container_open (&st, long_id, &h, &err);
  CHECK (ret == 0, "open a 300-character id", "%s", err.msg);
  if (ret == 0)
    CHECK (state_container_remove (&st, &h, &err) == 0, "remove a 300-character id", "%s",
           err.msg);
  char max_id[STATE_ID_MAX + 1];
  memset (max_id, 'm', STATE_ID_MAX);
  max_id[STATE_ID_MAX] = '\0';
  ret = state_container_create (&st, max_id, &h, &err);
  CHECK (ret == 0, "create a 1024-character id", "%s", err.msg);
  state_handle_close (&h);
  ret = state_container_create (&st, max_id, &h, &err);
  CHECK (ret == -EEXIST, "duplicate 1024-character id", "ret %d", ret);
  ret = state_container_open (&st, ".dot", &h, &err);
  CHECK (ret == 0 && strcmp (h.id, ".dot") == 0, "open .dot", "%s", err.msg);
  state_handle_close (&h);
  ret = state_container_open (&st, "..dot", &h, &err);
  CHECK (ret == -ENOENT, "open of a similar hidden id fails", "ret %d", ret);
  state_store_close (&st);
}

/* ------------------------------------------------------------ concurrency */

/* Exit codes of race children. */
enum { RACE_WON = 0, RACE_LOST = 1, RACE_ERROR = 2 };

static int
race_child (const char *root, const char *id, int gate)
{
  struct bw_error err = { 0 };
  struct state_store st = STATE_STORE_INIT;
  char c;
  if (read (gate, &c, 1) < 0)   /* released when the parent closes the pipe */
    return RACE_ERROR;
  if (state_store_open (root, true, &st, &err) < 0)
    return RACE_ERROR;
  struct state_handle h = STATE_HANDLE_INIT;
  int ret = state_container_create (&st, id, &h, &err);
  char want[128];
  snprintf (want, sizeof want, "container with id exists: %s", id);
  if (ret == 0)
    return RACE_WON;
  return ret == -EEXIST && strcmp (err.msg, want) == 0 ? RACE_LOST : RACE_ERROR;
}

static void
test_create_race (const char *root)
{
  int bad_rounds = 0;
  for (int round = 0; round < 50; round++)
    {
      char id[32];
      snprintf (id, sizeof id, "race-%d", round);
      int gate[2];
      if (pipe (gate) < 0)
        abort ();
      pid_t kids[2];
      for (int k = 0; k < 2; k++)
        {
          fflush (stdout);
          kids[k] = fork ();
          if (kids[k] == 0)
            {
              close (gate[1]);
              _exit (race_child (root, id, gate[0]));
            }
        }
      close (gate[0]);
      close (gate[1]);
      int won = 0, lost = 0;
      for (int k = 0; k < 2; k++)
        {
          int status;
          waitpid (kids[k], &status, 0);
          if (WIFEXITED (status) && WEXITSTATUS (status) == RACE_WON)
            won++;
          else if (WIFEXITED (status) && WEXITSTATUS (status) == RACE_LOST)
            lost++;
        }
      if (won != 1 || lost != 1)
        bad_rounds++;
    }
  CHECK (bad_rounds == 0, "50 create races: exactly one winner each", "%d bad rounds", bad_rounds);
  _cleanup_free_ char *entries = dir_entries (root);
  CHECK (strstr (entries, ".new-") == NULL, "races leave no temporary directories", "%s", entries);
}

static void
test_lock_serialization (const char *root)
{
  struct bw_error err = { 0 };
  struct state_store st = STATE_STORE_INIT;
  struct state_handle h = STATE_HANDLE_INIT;
  state_store_open (root, true, &st, &err);
  state_container_create (&st, "locked", &h, &err);
  state_handle_close (&h);
  state_container_create (&st, "other", &h, &err);
  state_handle_close (&h);

  int ready[2];
  if (pipe (ready) < 0)
    abort ();
  fflush (stdout);
  pid_t kid = fork ();
  if (kid == 0)
    {
      struct state_handle kh = STATE_HANDLE_INIT;
      if (state_container_open (&st, "locked", &kh, &err) < 0)
        _exit (1);
      if (write (ready[1], "x", 1) != 1)
        _exit (1);
      usleep (300 * 1000);
      state_write_file (&kh, "marker", "done", 4, &err);
      _exit (0);                /* releases the lock */
    }
  close (ready[1]);
  char c;
  CHECK (read (ready[0], &c, 1) == 1, "child holds the lock", "child failed");
  close (ready[0]);

  double t0 = now_seconds ();
  int ret = state_container_open (&st, "other", &h, &err);
  double other_wait = now_seconds () - t0;
  CHECK (ret == 0 && other_wait < 0.2, "another container does not wait", "%.3fs %s", other_wait,
         err.msg);
  state_handle_close (&h);

  t0 = now_seconds ();
  ret = state_container_open (&st, "locked", &h, &err);
  double waited = now_seconds () - t0;
  CHECK (ret == 0 && waited > 0.15, "open waits for the lock holder", "waited %.3fs", waited);
  _cleanup_free_ char *marker = path_in (h.dir ? h.dir : "", "marker");
  CHECK (exists (marker), "the holder finished before the waiter got the lock", "no marker");
  state_handle_close (&h);
  waitpid (kid, NULL, 0);

  /* Deleted while we waited: the waiter must see it gone. The child is
   * forked before the parent locks, or it would inherit the locked fd. */
  int go[2];
  if (pipe (go) < 0)
    abort ();
  fflush (stdout);
  kid = fork ();
  if (kid == 0)
    {
      struct state_handle kh = STATE_HANDLE_INIT;
      close (go[1]);
      if (read (go[0], &c, 1) != 1)
        _exit (2);
      int r = state_container_open (&st, "locked", &kh, &err);
      _exit (r == -ENOENT && strcmp (err.msg, "container \"locked\" does not exist") == 0 ? 0 : 1);
    }
  close (go[0]);
  state_container_open (&st, "locked", &h, &err);
  if (write (go[1], "x", 1) != 1)
    abort ();
  close (go[1]);
  usleep (150 * 1000);
  ret = state_container_remove (&st, &h, &err);
  int status = 0;
  waitpid (kid, &status, 0);
  CHECK (ret == 0 && WIFEXITED (status) && WEXITSTATUS (status) == 0,
         "a waiter for a deleted container gets does-not-exist", "ret %d status %d", ret, status);
  state_store_close (&st);
}

/* ------------------------------------------------------------ liveness */

static void
test_status (void)
{
  struct bw_error err = { 0 };
  struct state_record rec = { 0 };
  rec.status = STATUS_CREATING;
  CHECK (state_current_status (&rec) == STATUS_CREATING, "pid 0 while creating is creating", "no");
  rec.status = STATUS_CREATED;
  CHECK (state_current_status (&rec) == STATUS_STOPPED, "pid 0 after creating is stopped", "no");

  int gate[2], named[2];
  if (pipe (gate) < 0 || pipe (named) < 0)
    abort ();
  fflush (stdout);
  pid_t kid = fork ();
  if (kid == 0)
    {
      char c;
      close (gate[1]);
      /* A comm with spaces and parentheses, as a hostile workload may set. */
      prctl (PR_SET_NAME, "a) b (c) ) Z 1");
      if (write (named[1], "x", 1) != 1)
        _exit (1);
      if (read (gate[0], &c, 1) < 0)
        _exit (1);
      _exit (0);
    }
  close (gate[0]);
  close (named[1]);
  uint64_t start = 0, start_again = 0;
  int ret = state_pid_start_time (kid, &start, &err);
  CHECK (ret == 0 && start > 0, "start time of a live child", "%s", err.msg);
  char c;
  if (read (named[0], &c, 1) != 1)
    abort ();
  ret = state_pid_start_time (kid, &start_again, &err);
  CHECK (ret == 0 && start_again == start, "start time despite a hostile comm", "%s %llu %llu",
         err.msg, (unsigned long long) start, (unsigned long long) start_again);

  rec.pid = kid;
  rec.pid_start_time = start;
  rec.status = STATUS_RUNNING;
  CHECK (state_current_status (&rec) == STATUS_RUNNING, "live init is running", "no");
  rec.status = STATUS_PAUSED;
  CHECK (state_current_status (&rec) == STATUS_PAUSED, "live paused init is paused", "no");
  rec.status = STATUS_CREATED;
  rec.pid_start_time = start + 1;
  CHECK (state_current_status (&rec) == STATUS_STOPPED, "reused pid (other start time) is stopped",
         "no");
  rec.pid_start_time = start;

  close (gate[1]);              /* the child exits, a zombie until reaped */
  for (int i = 0; i < 200 && state_current_status (&rec) != STATUS_STOPPED; i++)
    usleep (5 * 1000);
  CHECK (state_current_status (&rec) == STATUS_STOPPED, "exited (zombie) init is stopped", "no");
  waitpid (kid, NULL, 0);
  CHECK (state_current_status (&rec) == STATUS_STOPPED, "reaped init is stopped", "no");
  ret = state_pid_start_time (kid, &start, &err);
  CHECK (ret == -ESRCH && start == 0, "start time of a gone pid fails", "ret %d", ret);
  CHECK (state_pid_start_time (0, &start, &err) == -EINVAL, "start time of pid 0 fails", "no");
  close (named[0]);
}

/* ------------------------------------------------------------ output */

static void
test_output (void)
{
  struct bw_error err = { 0 };
  struct state_record rec = { 0 };
  struct spec_kv items[] = {
    { "z", "last" }, { "html", "<a&b>" }, { "dup", "first" }, { "dup", "second" },
    { "ctl", "\x01\b\f\t\xe2\x80\xa8\xff/\x7f" },
  };
  rec.id = "web";
  rec.pid = 77;
  rec.bundle = "/b";
  rec.rootfs = "/b/rootfs";
  rec.created = "2024-05-01T10:20:30.5Z";
  rec.owner = "";
  rec.annotations.items = items;
  rec.annotations.n = sizeof items / sizeof items[0];
  rec.annotations.set = true;

  char *out = NULL;
  int ret = state_to_json (&rec, STATUS_RUNNING, &out, &err);
  CHECK (ret == 0, "state_to_json", "%s", err.msg);
  CHECK_STREQ (out,
               "{\n"
               "  \"ociVersion\": \"1.3.0\",\n"
               "  \"id\": \"web\",\n"
               "  \"pid\": 77,\n"
               "  \"status\": \"running\",\n"
               "  \"bundle\": \"/b\",\n"
               "  \"rootfs\": \"/b/rootfs\",\n"
               "  \"created\": \"2024-05-01T10:20:30.5Z\",\n"
               "  \"annotations\": {\n"
               "    \"ctl\": \"\\u0001\\b\\f\\t\\u2028\\ufffd/\x7f\",\n"
               "    \"dup\": \"second\",\n"
               "    \"html\": \"\\u003ca\\u0026b\\u003e\",\n"
               "    \"z\": \"last\"\n"
               "  },\n"
               "  \"owner\": \"\"\n"
               "}", "state output as runc prints it");
  free (out);

  rec.annotations.n = 0;
  ret = state_to_json (&rec, STATUS_STOPPED, &out, &err);
  CHECK_STREQ (out,
               "{\n"
               "  \"ociVersion\": \"1.3.0\",\n"
               "  \"id\": \"web\",\n"
               "  \"pid\": 0,\n"
               "  \"status\": \"stopped\",\n"
               "  \"bundle\": \"/b\",\n"
               "  \"rootfs\": \"/b/rootfs\",\n"
               "  \"created\": \"2024-05-01T10:20:30.5Z\",\n"
               "  \"owner\": \"\"\n"
               "}", "stopped: pid 0, empty annotations omitted");
  free (out);

  CHECK_STREQ (state_status_name (STATUS_CREATING), "creating", "status name creating");
  CHECK_STREQ (state_status_name (STATUS_PAUSED), "paused", "status name paused");
}

static void
test_time (void)
{
  char buf[STATE_RFC3339_MAX];
  struct timespec ts = { 0, 0 };
  state_format_rfc3339 (&ts, buf);
  CHECK_STREQ (buf, "1970-01-01T00:00:00Z", "rfc3339 without fraction");
  ts = (struct timespec) { 1700000000, 123400000 };
  state_format_rfc3339 (&ts, buf);
  CHECK_STREQ (buf, "2023-11-14T22:13:20.1234Z", "rfc3339 trims trailing zeros");
  ts = (struct timespec) { 1700000000, 1 };
  state_format_rfc3339 (&ts, buf);
  CHECK_STREQ (buf, "2023-11-14T22:13:20.000000001Z", "rfc3339 nanoseconds");

  struct bw_error err = { 0 };
  char *now = NULL;
  int ret = state_now_rfc3339 (&now, &err);
  CHECK (ret == 0 && strlen (now) >= 20 && now[4] == '-' && now[10] == 'T'
         && now[strlen (now) - 1] == 'Z', "current time", "%s", now ? now : err.msg);
  free (now);
}

/* A leftover dir at `name` below `root`, `age` seconds old, holding a file. */
static int
make_leftover (const char *root, const char *name, time_t age)
{
  _cleanup_free_ char *dir = path_in (root, name);
  _cleanup_free_ char *file = path_in (dir, "state.json");
  if (mkdir (dir, 0700) < 0)
    return -1;
  int fd = open (file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0)
    close (fd);
  struct timespec t[2] = { { .tv_sec = time (NULL) - age }, { .tv_sec = time (NULL) - age } };
  return utimensat (AT_FDCWD, dir, t, 0);
}

static bool
exists_in (const char *root, const char *name)
{
  _cleanup_free_ char *p = path_in (root, name);
  struct stat sb;
  return stat (p, &sb) == 0;
}

/* Leftovers of killed creates and removes (.new-, .del-) are swept at the
 * next create when old and unlocked; young or locked ones are in use. */
static void
test_sweep (const char *root)
{
  struct state_store st = STATE_STORE_INIT;
  struct bw_error err = { 0 };
  state_store_open (root, true, &st, &err);
  make_leftover (root, ".new-dead", 3600);
  make_leftover (root, ".del-dead", 3600);
  make_leftover (root, ".new-young", 0);
  make_leftover (root, ".del-held", 3600);
  _cleanup_free_ char *held = path_in (root, ".del-held");
  int lock = open (held, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK (lock >= 0 && flock (lock, LOCK_EX) == 0, "sweep: lock a leftover", "%s", strerror (errno));
  struct state_handle h = STATE_HANDLE_INIT;
  CHECK (state_container_create (&st, "sweeper", &h, &err) == 0, "sweep: create", "%s", err.msg);
  CHECK (!exists_in (root, ".new-dead"), "sweep: an old .new- leftover is removed", "still there");
  CHECK (!exists_in (root, ".del-dead"), "sweep: an old .del- leftover is removed", "still there");
  CHECK (exists_in (root, ".new-young"), "sweep: a young one (a create under way) stays", "removed");
  CHECK (exists_in (root, ".del-held"), "sweep: a locked one (a remove under way) stays", "removed");
  state_container_remove (&st, &h, &err);
  if (lock >= 0)
    close (lock);
  state_store_close (&st);
}

int
main (void)
{
  if (!mkdtemp (tmp_base))
    {
      perror ("mkdtemp");
      return 1;
    }
  _cleanup_free_ char *root = path_in (tmp_base, "parent/root");

  test_validate_id ();
  test_missing_root ();
  test_create_open_remove (root);
  test_state_json (root);
  test_list (root);
  _cleanup_free_ char *race_root = path_in (tmp_base, "race");
  test_create_race (race_root);
  test_lock_serialization (root);
  _cleanup_free_ char *sweep_root = path_in (tmp_base, "sweep");
  test_sweep (sweep_root);
  test_status ();
  test_output ();
  test_time ();

  char *cmd = NULL;
  if (asprintf (&cmd, "rm -rf '%s'", tmp_base) >= 0)
    {
      if (system (cmd) != 0)
        fprintf (stderr, "could not remove %s\n", tmp_base);
      free (cmd);
    }
  return UNIT_EXIT ();
}
