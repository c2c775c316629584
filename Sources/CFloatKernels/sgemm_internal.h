/* Shared between the SGEMM driver and its micro-kernels. */
#ifndef SGEMM_INTERNAL_H
#define SGEMM_INTERNAL_H
#include <stddef.h>

/* Register tile: a micro-kernel computes an MR x NR block of C. MR is shared; NR is 16
   (AVX2, portable: two 8-float vectors) or 32 (AVX-512: two 16-float vectors). */
#define SGEMM_MR 6
#define SGEMM_NR 16
#define SGEMM_NR_MAX 32

/*
 * Micro-kernel, with acc_ij = sum_p a[p*MR + i] * b[p*NR + j] accumulated in order p = 0, 1, ...
 * (so every path with FMA gives the same bits, whatever its tile):
 *   accumulate != 0:  C_ij = fma(alpha, acc_ij, C_ij)
 *   accumulate == 0:  C_ij = fma(alpha, acc_ij, 0)      (C is not read)
 * a: packed A micro-panel (kc x MR, k-major), b: packed B micro-panel (kc x NR, k-major),
 * c: the tile of C with row stride ldc.
 */
typedef void (*sgemm_micro_kernel)(size_t kc, const float *a, const float *b, float *c, size_t ldc,
                                   float alpha, int accumulate);

void sgemm_kernel_portable(size_t kc, const float *a, const float *b, float *c, size_t ldc,
                           float alpha, int accumulate);

#if defined(__x86_64__) || defined(__i386__)
#define SGEMM_HAVE_X86 1
void sgemm_kernel_avx2(size_t kc, const float *a, const float *b, float *c, size_t ldc, float alpha,
                       int accumulate);
/* 6 x 32 tile (NR = SGEMM_NR_MAX). */
void sgemm_kernel_avx512(size_t kc, const float *a, const float *b, float *c, size_t ldc,
                         float alpha, int accumulate);
#endif

#endif
