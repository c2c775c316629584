/* The AVX-512 intrinsics on SIMDe's portable forms, for the emulated builds of the AVX-512
 * kernels (scripts/test-avx512.sh): Sources/CPopcount/kernels_avx512.h and
 * Sources/CFloatKernels/sgemm_kernel_avx512.c include this header instead of <immintrin.h>
 * when BNN_EMULATE_AVX512 is defined, so a CPU without AVX-512 runs the same kernel code
 * (built with -mavx2 -mfma: SIMDe computes each 512-bit operation as AVX2 halves, its FMAs
 * as real FMAs) and the harnesses check it against the scalar / portable paths.
 *
 * SIMDe 0.7.4 (Debian's libsimde-dev) lacks native aliases for a few of the intrinsics the
 * kernels use; they are defined here. The masked loads and stores touch only the lanes
 * whose mask bit is set, as the instructions do, so the harness's guard pages still catch
 * a kernel that reads or writes past its buffers. SIMDe's _mm512_load_ps accepts any
 * address, while the instruction faults unless it is 64-byte aligned: the aligned load
 * here aborts on a misaligned address as the hardware would. */
#ifndef BNN_AVX512_EMULATION_H
#define BNN_AVX512_EMULATION_H

#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline simde__m512 bnn_emulated_load_ps(const float *p) {
  if ((uintptr_t)p % 64 != 0) {
    fprintf(stderr, "_mm512_load_ps: address %p is not 64-byte aligned\n", (const void *)p);
    abort();
  }
  return simde_mm512_loadu_ps(p);
}

/* Lane i (of `size` bytes) from src to dst where bit i of k is set; the others untouched. */
static inline void bnn_emulated_masked_copy(void *dst, const void *src, uint64_t k, int lanes,
                                            int size) {
  for (int i = 0; i < lanes; i++)
    if (k >> i & 1) memcpy((char *)dst + size * i, (const char *)src + size * i, (size_t)size);
}

static inline simde__m512i bnn_emulated_maskz_load512(uint64_t k, const void *p, int lanes) {
  unsigned char bytes[64] = {0};
  bnn_emulated_masked_copy(bytes, p, k, lanes, 64 / lanes);
  return simde_mm512_loadu_si512(bytes);
}

static inline simde__m256i bnn_emulated_maskz_load256(uint64_t k, const void *p, int lanes) {
  unsigned char bytes[32] = {0};
  bnn_emulated_masked_copy(bytes, p, k, lanes, 32 / lanes);
  return simde_mm256_loadu_si256(bytes);
}

static inline void bnn_emulated_mask_store256(void *p, uint64_t k, simde__m256i v, int lanes) {
  unsigned char bytes[32];
  simde_mm256_storeu_si256(bytes, v);
  bnn_emulated_masked_copy(p, bytes, k, lanes, 32 / lanes);
}

/* Bit i: lane i of x < lane i of y (signed 32-bit) where bit i of k is set. */
static inline uint64_t bnn_emulated_mask_lt32(uint64_t k, const int32_t *x, const int32_t *y,
                                              int lanes) {
  uint64_t m = 0;
  for (int i = 0; i < lanes; i++) m |= (uint64_t)((k >> i & 1) && x[i] < y[i]) << i;
  return m;
}

static inline simde__mmask16 bnn_emulated_mask_cmplt_epi32_mask(simde__mmask16 k, simde__m512i a,
                                                                simde__m512i b) {
  int32_t x[16], y[16];
  simde_mm512_storeu_si512(x, a);
  simde_mm512_storeu_si512(y, b);
  return (simde__mmask16)bnn_emulated_mask_lt32(k, x, y, 16);
}

static inline simde__mmask8 bnn_emulated_mask_cmplt_epi32_mask_256(simde__mmask8 k, simde__m256i a,
                                                                   simde__m256i b) {
  int32_t x[8], y[8];
  simde_mm256_storeu_si256(x, a);
  simde_mm256_storeu_si256(y, b);
  return (simde__mmask8)bnn_emulated_mask_lt32(k, x, y, 8);
}

static inline simde__m512i bnn_emulated_i64gather_epi64(simde__m512i index, const void *base,
                                                        int scale) {
  int64_t at[8], lanes[8];
  simde_mm512_storeu_si512(at, index);
  for (int i = 0; i < 8; i++) memcpy(&lanes[i], (const char *)base + at[i] * scale, 8);
  return simde_mm512_loadu_si512(lanes);
}

static inline int64_t bnn_emulated_reduce_add_epi64(simde__m512i v) {
  int64_t lanes[8], sum = 0;
  simde_mm512_storeu_si512(lanes, v);
  for (int i = 0; i < 8; i++) sum += lanes[i];
  return sum;
}

#undef _mm256_maskz_loadu_epi32
#define _mm256_maskz_loadu_epi32(k, p) bnn_emulated_maskz_load256((k), (p), 8)
#undef _mm512_maskz_loadu_epi8
#define _mm512_maskz_loadu_epi8(k, p) bnn_emulated_maskz_load512((k), (p), 64)
#undef _mm512_mask_cmplt_epi32_mask
#define _mm512_mask_cmplt_epi32_mask(k, a, b) bnn_emulated_mask_cmplt_epi32_mask((k), (a), (b))
#undef _mm256_mask_cmplt_epi32_mask
#define _mm256_mask_cmplt_epi32_mask(k, a, b) bnn_emulated_mask_cmplt_epi32_mask_256((k), (a), (b))
#undef _mm512_i64gather_epi64
#define _mm512_i64gather_epi64(i, b, s) bnn_emulated_i64gather_epi64((i), (b), (s))
#undef _mm512_reduce_add_epi64
#define _mm512_reduce_add_epi64(v) bnn_emulated_reduce_add_epi64(v)
#undef _mm512_load_ps
#define _mm512_load_ps(p) bnn_emulated_load_ps(p)
#undef _mm512_maskz_loadu_epi64
#define _mm512_maskz_loadu_epi64(k, p) bnn_emulated_maskz_load512((k), (p), 8)
#undef _mm512_maskz_loadu_epi32
#define _mm512_maskz_loadu_epi32(k, p) bnn_emulated_maskz_load512((k), (p), 16)
#undef _mm256_mask_storeu_epi32
#define _mm256_mask_storeu_epi32(p, k, v) bnn_emulated_mask_store256((p), (k), (v), 8)
#undef _mm512_undefined_epi32
#define _mm512_undefined_epi32() simde_mm512_setzero_si512()
#undef _mm512_shuffle_i64x2
#define _mm512_shuffle_i64x2(a, b, imm8) simde_mm512_shuffle_i64x2((a), (b), (imm8))

#endif
