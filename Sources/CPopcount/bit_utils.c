/* Bit-level helpers that are not dot products: bit-plane packing, bitwise pooling, CRC-32. */
#include "cpopcount.h"

void bnn_pack_bitplanes(const uint8_t *pixels, size_t count, uint64_t *planes, size_t words) {
  for (size_t i = 0; i < 8 * words; i++) planes[i] = 0;
  for (size_t k = 0; k < count; k++) {
    uint64_t px = pixels[k];
    size_t word = k / 64;
    unsigned shift = (unsigned)(k % 64);
    for (size_t b = 0; b < 8; b++) planes[b * words + word] |= ((px >> b) & 1u) << shift;
  }
}

void bnn_pool2x2_bits(const uint64_t *in, size_t h, size_t w, size_t words,
                      const uint64_t *or_mask, uint64_t *out) {
  size_t oh = h / 2, ow = w / 2;
  for (size_t y = 0; y < oh; y++) {
    for (size_t x = 0; x < ow; x++) {
      const uint64_t *p00 = in + ((2 * y) * w + 2 * x) * words;
      const uint64_t *p01 = p00 + words;
      const uint64_t *p10 = p00 + w * words;
      const uint64_t *p11 = p10 + words;
      uint64_t *o = out + (y * ow + x) * words;
      for (size_t k = 0; k < words; k++) {
        uint64_t all = p00[k] & p01[k] & p10[k] & p11[k];
        uint64_t any = p00[k] | p01[k] | p10[k] | p11[k];
        uint64_t mask = or_mask ? or_mask[k] : 0;
        o[k] = (all & ~mask) | (any & mask);
      }
    }
  }
}

static uint32_t crc_table[256];
static int crc_table_ready = 0;

static void crc_make_table(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
  crc_table_ready = 1; /* idempotent: racing threads write identical values */
}

uint32_t bnn_crc32(uint32_t crc, const void *data, size_t length) {
  if (!crc_table_ready) crc_make_table();
  const uint8_t *p = (const uint8_t *)data;
  crc = ~crc;
  for (size_t i = 0; i < length; i++) crc = crc_table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}
