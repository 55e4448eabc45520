/* sha256: a small SHA-256 (FIPS 180-4) for content keys, such as the
 * compiled seccomp cache's file names. Not for secrets: no constant-time
 * promises are needed or made. */
#ifndef BULWARK_SHA256_H
#define BULWARK_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256
{
  uint32_t h[8];
  uint64_t total;              /* bytes fed so far */
  uint8_t block[64];
  size_t used;                 /* bytes waiting in `block` */
};

void sha256_init (struct sha256 *s);
void sha256_update (struct sha256 *s, const void *data, size_t len);
void sha256_final (struct sha256 *s, uint8_t digest[32]);

/* The digest as 64 lower-case hex digits and a NUL. */
void sha256_hex (const uint8_t digest[32], char hex[65]);

#endif
