/* libFuzzer target for the config model: every input is fed to the three
 * parsers; whatever parses must serialize, parse again, and serialize to the
 * same text (a failed round trip aborts, so the fuzzer reports it). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

static void
round_trip_failed (const char *what, const char *detail)
{
  fprintf (stderr, "%s round trip failed: %s\n", what, detail);
  abort ();
}

static void
fuzz_config (const char *data, size_t size)
{
  struct bw_error err = { 0 };
  struct spec *spec = NULL;
  if (spec_parse_config (data, size, &spec, &err) < 0)
    return;
  char *first = NULL, *second = NULL;
  struct spec *again = NULL;
  if (spec_to_json (spec, false, &first, &err) < 0)
    round_trip_failed ("config", err.msg);
  if (spec_parse_config (first, strlen (first), &again, &err) < 0)
    round_trip_failed ("config", err.msg);
  if (spec_to_json (again, true, &second, &err) < 0)
    round_trip_failed ("config", err.msg);
  free (second);
  second = NULL;
  if (spec_to_json (again, false, &second, &err) < 0 || strcmp (first, second) != 0)
    round_trip_failed ("config", "texts differ");
  free (first);
  free (second);
  spec_free (again);
  spec_free (spec);
}

static void
fuzz_process (const char *data, size_t size)
{
  struct bw_error err = { 0 };
  struct spec_process *p = NULL, *again = NULL;
  if (spec_parse_process (data, size, &p, &err) < 0)
    return;
  char *first = NULL, *second = NULL;
  if (spec_process_to_json (p, false, &first, &err) < 0
      || spec_parse_process (first, strlen (first), &again, &err) < 0
      || spec_process_to_json (again, false, &second, &err) < 0)
    round_trip_failed ("process", err.msg);
  if (strcmp (first, second) != 0)
    round_trip_failed ("process", "texts differ");
  free (first);
  free (second);
  spec_process_free (again);
  spec_process_free (p);
}

static void
fuzz_resources (const char *data, size_t size)
{
  struct bw_error err = { 0 };
  struct spec_resources *r = NULL, *again = NULL;
  if (spec_parse_resources (data, size, &r, &err) < 0)
    return;
  char *first = NULL, *second = NULL;
  if (spec_resources_to_json (r, false, &first, &err) < 0
      || spec_parse_resources (first, strlen (first), &again, &err) < 0
      || spec_resources_to_json (again, false, &second, &err) < 0)
    round_trip_failed ("resources", err.msg);
  if (strcmp (first, second) != 0)
    round_trip_failed ("resources", "texts differ");
  free (first);
  free (second);
  spec_resources_free (again);
  spec_resources_free (r);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_config ((const char *) data, size);
  fuzz_process ((const char *) data, size);
  fuzz_resources ((const char *) data, size);
  return 0;
}
