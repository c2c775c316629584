/*
 * Exact popcounts for cores without a popcount instruction (Cortex-M, RISC-V without Zbb,
 * and the scalar reference path everywhere). Three variants, one result:
 *
 *   BNN_POPCOUNT_SWAR_MUL    SWAR in 32-bit halves, the bytes summed by one 32-bit multiply
 *                            (GCC 12 -O2 expands it into shifted adds on Cortex-M and RV32)
 *   BNN_POPCOUNT_SWAR_NOMUL  the same SWAR, the bytes summed by two shifts and adds (for
 *                            cores whose multiplier is slow, e.g. the 32-cycle Cortex-M0+ one)
 *   BNN_POPCOUNT_TABLE       a 256-entry byte table (8 loads per 64-bit word)
 *
 * 64-bit hosts use the 64-bit SWAR with a multiply for the swar-mul variant. Which one the
 * scalar kernels use is chosen at build time in kernels_internal.h (BNN_SCALAR_POPCOUNT,
 * measured per target: docs/EMBEDDED.md). Portable C, no builtins: no libgcc call.
 */
#ifndef CPOPCOUNT_POPCOUNT_PORTABLE_H
#define CPOPCOUNT_POPCOUNT_PORTABLE_H

#include <stdint.h>

#include "cpopcount.h"

/* Variant numbers for BNN_SCALAR_POPCOUNT (the values of bnn_popcount_variant). */
#define BNN_POPCOUNT_ID_SWAR_MUL 1
#define BNN_POPCOUNT_ID_SWAR_NOMUL 2
#define BNN_POPCOUNT_ID_TABLE 3

/* popcount of each byte value (bit_utils.c). */
extern const uint8_t bnn_popcount_byte_table[256];

/* Bytes of a 32-bit word reduced to per-byte popcounts (each byte <= 8). */
static inline uint32_t bnn_popcount_bytes32(uint32_t x) {
  x = x - ((x >> 1) & 0x55555555u);
  x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
  return (x + (x >> 4)) & 0x0F0F0F0Fu;
}

static inline int32_t bnn_popcount64_swar_mul(uint64_t x) {
#if UINTPTR_MAX <= 0xFFFFFFFFu
  /* Two 32-bit halves and one 32-bit multiply: the 64-bit formula would carry between
   * halves and multiply in 64 bits (about twice the instructions on a 32-bit core). */
  uint32_t bytes = bnn_popcount_bytes32((uint32_t)x) + bnn_popcount_bytes32((uint32_t)(x >> 32));
  return (int32_t)((bytes * 0x01010101u) >> 24); /* bytes <= 16: no overflow */
#else
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
  return (int32_t)((x * 0x0101010101010101ULL) >> 56);
#endif
}

static inline int32_t bnn_popcount64_swar_nomul(uint64_t x) {
  uint32_t bytes = bnn_popcount_bytes32((uint32_t)x) + bnn_popcount_bytes32((uint32_t)(x >> 32));
  bytes += bytes >> 8;  /* byte 0: bytes 0+1, byte 2: bytes 2+3 (each <= 32) */
  bytes += bytes >> 16; /* byte 0: all four (<= 64) */
  return (int32_t)(bytes & 0x7Fu);
}

static inline int32_t bnn_popcount64_table(uint64_t x) {
  uint32_t lo = (uint32_t)x, hi = (uint32_t)(x >> 32);
  const uint8_t *t = bnn_popcount_byte_table;
  return (int32_t)(t[lo & 0xFFu] + t[(lo >> 8) & 0xFFu] + t[(lo >> 16) & 0xFFu] + t[lo >> 24] +
                   t[hi & 0xFFu] + t[(hi >> 8) & 0xFFu] + t[(hi >> 16) & 0xFFu] + t[hi >> 24]);
}

#endif
