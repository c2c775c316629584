/* The AVX-512 intrinsics on SIMDe's portable forms, for the emulated build of
 * Sources/CFloatKernels/sgemm_kernel_avx512.c (scripts/test-avx512-sgemm.sh): the kernel
 * includes this header instead of <immintrin.h> when BNN_EMULATE_AVX512 is defined, so a CPU
 * without AVX-512 runs the same kernel code (built with -mavx2 -mfma: SIMDe computes each
 * 512-bit operation as two AVX2 halves, its FMAs as real FMAs) and the harness
 * (sgemm_harness.c) checks it against the portable and AVX2 paths.
 *
 * SIMDe 0.7.4 (Debian's libsimde-dev) has native aliases for every intrinsic the kernel uses
 * (_mm512_setzero_ps, _mm512_set1_ps, _mm512_load_ps, _mm512_loadu_ps, _mm512_storeu_ps,
 * _mm512_fmadd_ps). One is redefined here: SIMDe's _mm512_load_ps accepts any address, while
 * the instruction faults unless it is 64-byte aligned, so the aligned load below aborts on a
 * misaligned address as the hardware would (the packed B panels must stay 64-byte aligned). */
#ifndef BNN_SGEMM_AVX512_EMULATION_H
#define BNN_SGEMM_AVX512_EMULATION_H

#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline simde__m512 bnn_emulated_load_ps(const float *p) {
  if ((uintptr_t)p % 64 != 0) {
    fprintf(stderr, "_mm512_load_ps: address %p is not 64-byte aligned\n", (const void *)p);
    abort();
  }
  return simde_mm512_loadu_ps(p);
}

#undef _mm512_load_ps
#define _mm512_load_ps(p) bnn_emulated_load_ps(p)

#endif
