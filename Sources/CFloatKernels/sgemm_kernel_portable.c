/* Portable 6x16 micro-kernel: plain C that the compiler may vectorise for the baseline ISA. */
#include "kernels_internal.h"

void sgemm_kernel_portable(size_t kc, const float *a, const float *b, float *c, size_t ldc,
                           float alpha, int accumulate) {
  float acc[SGEMM_MR][SGEMM_NR] = {{0}};
  for (size_t p = 0; p < kc; p++) {
    const float *bp = b + p * SGEMM_NR;
    for (int i = 0; i < SGEMM_MR; i++) {
      const float ai = a[p * SGEMM_MR + i];
      for (int j = 0; j < SGEMM_NR; j++) acc[i][j] += ai * bp[j];
    }
  }
  for (int i = 0; i < SGEMM_MR; i++)
    for (int j = 0; j < SGEMM_NR; j++)
      c[i * ldc + j] = alpha * acc[i][j] + (accumulate ? c[i * ldc + j] : 0.0f);
}
