/* state_output: the `state` command's JSON, byte for byte as runc prints it
 * (Go's json.MarshalIndent with two spaces): same keys and order, map keys
 * sorted, Go's string escaping (<, >, & as \u003c.., U+2028/2029 escaped,
 * invalid UTF-8 as \ufffd). yajl_gen escapes differently, hence by hand. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "state.h"

#define STATE_OCI_VERSION "1.3.0"

/* Length of the valid UTF-8 sequence at p (Go's rules: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 when it is invalid. */
static size_t
utf8_sequence (const unsigned char *p, unsigned *code_point)
{
  unsigned char c = p[0];
  size_t n;
  unsigned char lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf)
    n = 2;
  else if (c >= 0xe0 && c <= 0xef)
    {
      n = 3;
      if (c == 0xe0)
        lo = 0xa0;
      else if (c == 0xed)
        hi = 0x9f;
    }
  else if (c >= 0xf0 && c <= 0xf4)
    {
      n = 4;
      if (c == 0xf0)
        lo = 0x90;
      else if (c == 0xf4)
        hi = 0x8f;
    }
  else
    return 0;
  if (p[1] < lo || p[1] > hi)
    return 0;
  for (size_t i = 2; i < n; i++)
    if (p[i] < 0x80 || p[i] > 0xbf)
      return 0;
  unsigned cp = c & (0xff >> (n + 1));
  for (size_t i = 1; i < n; i++)
    cp = (cp << 6) | (p[i] & 0x3f);
  *code_point = cp;
  return n;
}

static void
put_string (FILE *f, const char *s)
{
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *) (s ? s : "");
  fputc ('"', f);
  while (*p)
    {
      unsigned char c = *p;
      if (c >= 0x80)
        {
          unsigned cp = 0;
          size_t n = utf8_sequence (p, &cp);
          if (n == 0)
            {
              fputs ("\\ufffd", f);
              p++;
            }
          else
            {
              if (cp == 0x2028 || cp == 0x2029)
                fprintf (f, "\\u%04x", cp);
              else
                fwrite (p, 1, n, f);
              p += n;
            }
          continue;
        }
      switch (c)
        {
        case '"': fputs ("\\\"", f); break;
        case '\\': fputs ("\\\\", f); break;
        case '\n': fputs ("\\n", f); break;
        case '\r': fputs ("\\r", f); break;
        case '\t': fputs ("\\t", f); break;
        case '\b': fputs ("\\b", f); break;
        case '\f': fputs ("\\f", f); break;
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&')
            fprintf (f, "\\u00%c%c", hex[c >> 4], hex[c & 0xf]);
          else
            fputc (c, f);
        }
      p++;
    }
  fputc ('"', f);
}

/* Sort by key; for equal keys the later entry sorts last, and is the one
 * printed, as a Go map keeps the last duplicate. */
static int
compare_entries (const void *a, const void *b)
{
  const struct spec_kv *const *x = a, *const *y = b;
  int c = strcmp ((*x)->key, (*y)->key);
  if (c != 0)
    return c;
  return *x < *y ? -1 : *x > *y;
}

static int
put_annotations (FILE *f, const struct spec_map *map)
{
  if (map->n == 0)
    return 0;                  /* omitempty */
  _cleanup_free_ const struct spec_kv **sorted = calloc (map->n, sizeof *sorted);
  if (!sorted)
    return -ENOMEM;
  for (size_t i = 0; i < map->n; i++)
    sorted[i] = &map->items[i];
  qsort (sorted, map->n, sizeof *sorted, compare_entries);

  fputs ("  \"annotations\": {", f);
  bool first = true;
  for (size_t i = 0; i < map->n; i++)
    {
      if (i + 1 < map->n && strcmp (sorted[i]->key, sorted[i + 1]->key) == 0)
        continue;
      fputs (first ? "\n    " : ",\n    ", f);
      first = false;
      put_string (f, sorted[i]->key);
      fputs (": ", f);
      put_string (f, sorted[i]->value);
    }
  fputs ("\n  },\n", f);
  return 0;
}

int
state_to_json (const struct state_record *rec, enum container_status status, char **out,
               struct bw_error *err)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  if (!f)
    return bw_error_syscall (err, "open_memstream");

  /* runc reports pid 0 for a stopped container. */
  int pid = status == STATUS_STOPPED ? 0 : (int) rec->pid;
  fputs ("{\n  \"ociVersion\": \"" STATE_OCI_VERSION "\",\n  \"id\": ", f);
  put_string (f, rec->id);
  fprintf (f, ",\n  \"pid\": %d,\n  \"status\": ", pid);
  put_string (f, state_status_name (status));
  fputs (",\n  \"bundle\": ", f);
  put_string (f, rec->bundle);
  fputs (",\n  \"rootfs\": ", f);
  put_string (f, rec->rootfs);
  fputs (",\n  \"created\": ", f);
  put_string (f, rec->created);
  fputs (",\n", f);
  int ret = put_annotations (f, &rec->annotations);
  fputs ("  \"owner\": ", f);
  put_string (f, rec->owner);
  fputs ("\n}", f);

  if (fclose (f) != 0 && ret == 0)
    ret = -errno;
  if (ret < 0)
    {
      free (buf);
      errno = -ret;
      return bw_error_syscall (err, "format the state of %.64s", rec->id ? rec->id : "");
    }
  *out = buf;
  return 0;
}
