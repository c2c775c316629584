/* Shared between the SGEMM driver and its micro-kernels. */
#ifndef SGEMM_INTERNAL_H
#define SGEMM_INTERNAL_H
#include <stddef.h>

/* Register tile: the micro-kernel computes an MR x NR block of C. */
#define SGEMM_MR 6
#define SGEMM_NR 16

/*
 * Micro-kernel, with acc_ij = sum_p a[p*MR + i] * b[p*NR + j]:
 *   accumulate != 0:  C_ij = fma(alpha, acc_ij, C_ij)
 *   accumulate == 0:  C_ij = fma(alpha, acc_ij, 0)      (C is not read)
 * a: packed A micro-panel (kc x MR, k-major), b: packed B micro-panel (kc x NR, k-major),
 * c: the tile of C with row stride ldc.
 */
typedef void (*sgemm_micro_kernel)(size_t kc, const float *a, const float *b, float *c,
                                   size_t ldc, float alpha, int accumulate);

void sgemm_kernel_portable(size_t kc, const float *a, const float *b, float *c, size_t ldc,
                           float alpha, int accumulate);

#if defined(__x86_64__) || defined(__i386__)
#define SGEMM_HAVE_X86 1
void sgemm_kernel_avx2(size_t kc, const float *a, const float *b, float *c, size_t ldc,
                       float alpha, int accumulate);
#endif

#endif
