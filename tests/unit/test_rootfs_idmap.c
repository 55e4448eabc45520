/* The idmapped root's opt-in, without root: which annotation values turn
 * it on or off, which are refused, and the refusal of a config without
 * the mappings it needs (made before anything is opened or mounted). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux_rootfs.h"
#include "unit.h"

static struct spec *
parse (const char *annotations, const char *linux_part)
{
  char *json = NULL;
  struct spec *spec = NULL;
  struct bw_error err = { 0 };
  if (asprintf (&json,
                "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"},"
                " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}},"
                " \"annotations\": {%s}, \"linux\": {%s}}",
                annotations, linux_part)
      < 0)
    return NULL;
  if (spec_parse_config (json, strlen (json), &spec, &err) < 0)
    printf ("# parse: %s\n", err.msg);
  free (json);
  return spec;
}

#define USERNS                                                                             \
  "\"namespaces\": [{\"type\": \"user\"}, {\"type\": \"mount\"}],"                         \
  " \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"         \
  " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]"

static void
test_wanted (void)
{
  struct bw_error err = { 0 };
  bool wanted = true;
  struct spec *s = parse ("", USERNS);
  CHECK (s && rootfs_idmap_wanted (s, &wanted, &err) == 0 && !wanted, "no annotation: off",
         "%s", err.msg);
  spec_free (s);
  s = parse ("\"run.bulwark.rootfs.idmap\": \"true\"", USERNS);
  CHECK (s && rootfs_idmap_wanted (s, &wanted, &err) == 0 && wanted, "true: on", "%s", err.msg);
  spec_free (s);
  s = parse ("\"run.bulwark.rootfs.idmap\": \"false\"", USERNS);
  wanted = true;
  CHECK (s && rootfs_idmap_wanted (s, &wanted, &err) == 0 && !wanted, "false: off", "%s",
         err.msg);
  spec_free (s);
  static const char *const bad[] = { "yes", "TRUE", "1", "", "true " };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      char ann[96], name[64];
      snprintf (ann, sizeof ann, "\"run.bulwark.rootfs.idmap\": \"%s\"", bad[i]);
      snprintf (name, sizeof name, "value \"%s\" refused", bad[i]);
      memset (&err, 0, sizeof err);
      s = parse (ann, USERNS);
      int ret = s ? rootfs_idmap_wanted (s, &wanted, &err) : 0;
      CHECK (ret == -EINVAL && strstr (err.msg, "annotations.run.bulwark.rootfs.idmap: unknown value")
                 && !strchr (err.msg, '\n'),
             name, "ret %d: %s", ret, err.msg);
      spec_free (s);
    }
}

static void
test_prepare_refusals (void)
{
  struct bw_error err = { 0 };
  int fd = 7;
  struct spec *s = parse ("", USERNS);
  CHECK (s && rootfs_prepare_idmap (s, "/nonexistent-bundle", &fd, &err) == 0 && fd == -1,
         "not asked: nothing prepared, nothing opened", "%s", err.msg);
  spec_free (s);
  s = parse ("\"run.bulwark.rootfs.idmap\": \"true\"", "\"namespaces\": [{\"type\": \"mount\"}]");
  fd = 7;
  int ret = s ? rootfs_prepare_idmap (s, "/nonexistent-bundle", &fd, &err) : 0;
  CHECK (ret == -EINVAL && fd == -1
             && strstr (err.msg, "annotations.run.bulwark.rootfs.idmap: an idmapped root needs "
                                 "linux.uidMappings"),
         "asked without mappings: refused before anything is opened", "ret %d: %s", ret, err.msg);
  spec_free (s);
  s = parse ("\"run.bulwark.rootfs.idmap\": \"maybe\"", USERNS);
  memset (&err, 0, sizeof err);
  ret = s ? rootfs_prepare_idmap (s, "/nonexistent-bundle", &fd, &err) : 0;
  CHECK (ret == -EINVAL && fd == -1 && strstr (err.msg, "unknown value \"maybe\""),
         "a bad value is refused by prepare too", "ret %d: %s", ret, err.msg);
  spec_free (s);
}

int
main (void)
{
  test_wanted ();
  test_prepare_refusals ();
  return UNIT_EXIT ();
}
