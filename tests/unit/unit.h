/* unit: a tiny test harness. Each check prints "ok - NAME" or
 * "not ok - NAME: why"; tests/check counts those lines. The binary exits 1
 * when any check failed. */
#ifndef BULWARK_UNIT_H
#define BULWARK_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failures;
static int unit_checks;

#define CHECK(cond, name, ...)                                               \
  do                                                                         \
    {                                                                        \
      unit_checks++;                                                         \
      if (cond)                                                              \
        printf ("ok - %s\n", name);                                          \
      else                                                                   \
        {                                                                    \
          unit_failures++;                                                   \
          printf ("not ok - %s: ", name);                                    \
          printf (__VA_ARGS__);                                              \
          printf (" (%s:%d)\n", __FILE__, __LINE__);                         \
        }                                                                    \
    }                                                                        \
  while (0)

#define CHECK_STREQ(got, want, name)                                         \
  do                                                                         \
    {                                                                        \
      const char *_g = (got), *_w = (want);                                  \
      CHECK (_g && _w && strcmp (_g, _w) == 0, name, "got \"%s\", want \"%s\"", \
             _g ? _g : "(null)", _w ? _w : "(null)");                        \
    }                                                                        \
  while (0)

#define UNIT_EXIT() (unit_checks == 0 ? 1 : unit_failures ? 1 : 0)

#endif
