/*
 * The popcount variants of popcount_portable.h as callable functions over whole rows of
 * words, for tests (every variant against the bit-by-bit definition) and measurements,
 * and the byte table of the table variant.
 */
#include "cpopcount.h"
#include "kernels_internal.h"

/* popcount of every byte value: entry v is the number of 1 bits in v, built from the
 * counts of 2-, 4- and 6-bit prefixes (P2(n) lists n, n+1, n+1, n+2 for the next 2 bits). */
#define P2(n) n, n + 1, n + 1, n + 2
#define P4(n) P2(n), P2(n + 1), P2(n + 1), P2(n + 2)
#define P6(n) P4(n), P4(n + 1), P4(n + 1), P4(n + 2)
const uint8_t bnn_popcount_byte_table[256] = {P6(0), P6(1), P6(1), P6(2)};
#undef P2
#undef P4
#undef P6

static uint32_t popcount64_reference(uint64_t x) {
  uint32_t n = 0;
  for (int b = 0; b < 64; b++) n += (uint32_t)((x >> b) & 1u);
  return n;
}

uint32_t bnn_popcount_words(bnn_popcount_variant variant, const uint64_t *words, size_t count) {
  uint32_t total = 0;
  switch (variant) {
  case BNN_POPCOUNT_REFERENCE:
    for (size_t i = 0; i < count; i++) total += popcount64_reference(words[i]);
    break;
  case BNN_POPCOUNT_SWAR_MUL:
    for (size_t i = 0; i < count; i++) total += (uint32_t)bnn_popcount64_swar_mul(words[i]);
    break;
  case BNN_POPCOUNT_SWAR_NOMUL:
    for (size_t i = 0; i < count; i++) total += (uint32_t)bnn_popcount64_swar_nomul(words[i]);
    break;
  case BNN_POPCOUNT_TABLE:
    for (size_t i = 0; i < count; i++) total += (uint32_t)bnn_popcount64_table(words[i]);
    break;
  default:
    return UINT32_MAX;
  }
  return total;
}

bnn_popcount_variant bnn_scalar_popcount_variant(void) {
  return (bnn_popcount_variant)BNN_SCALAR_POPCOUNT;
}

const char *bnn_popcount_variant_name(bnn_popcount_variant variant) {
  switch (variant) {
  case BNN_POPCOUNT_REFERENCE:
    return "reference";
  case BNN_POPCOUNT_SWAR_MUL:
    return "swar-mul";
  case BNN_POPCOUNT_SWAR_NOMUL:
    return "swar-nomul";
  case BNN_POPCOUNT_TABLE:
    return "table";
  default:
    return "unknown";
  }
}
