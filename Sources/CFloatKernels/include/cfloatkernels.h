/*
 * CFloatKernels: float32 kernels for the BinaryNet trainer.
 *
 * SGEMM, row-major:  C = alpha * op(A) * op(B) + beta * C
 *   op(A) is M x K: A itself (trans_a = 0, A is M x K with row stride lda)
 *                   or A^T   (trans_a = 1, A is K x M with row stride lda);
 *   op(B) is K x N: B itself (trans_b = 0, B is K x N with row stride ldb)
 *                   or B^T   (trans_b = 1, B is N x K with row stride ldb);
 *   C is M x N with row stride ldc. beta == 0 overwrites C (NaNs in C are ignored).
 *
 * Cache-blocked (packed A and B panels) with a 6x16 register micro-kernel. The AVX2+FMA
 * micro-kernel is compiled with a per-function target attribute and chosen at run time
 * (__builtin_cpu_supports); a portable C micro-kernel is used elsewhere. The functions are
 * thread-safe (no global state besides the read-only dispatch decision): callers thread by
 * splitting M or N into disjoint blocks of C.
 */
#ifndef CFLOATKERNELS_H
#define CFLOATKERNELS_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Micro-kernel implementations. */
typedef enum {
  BNN_SGEMM_AUTO = 0,     /**< the fastest one this CPU supports */
  BNN_SGEMM_PORTABLE = 1, /**< plain C, any CPU */
  BNN_SGEMM_AVX2 = 2,     /**< x86-64 AVX2 + FMA */
} bnn_sgemm_path;

/** 1 if `path` can run on this CPU (AUTO and PORTABLE always can). */
int bnn_sgemm_path_available(bnn_sgemm_path path);

/** The path AUTO resolves to on this CPU. */
bnn_sgemm_path bnn_sgemm_best_path(void);

/** C = alpha * op(A) * op(B) + beta * C with the fastest available micro-kernel. */
void bnn_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
               const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
               size_t ldc);

/** The same with an explicit micro-kernel (an unavailable one falls back to PORTABLE). */
void bnn_sgemm_with_path(bnn_sgemm_path path, int trans_a, int trans_b, size_t m, size_t n,
                         size_t k, float alpha, const float *a, size_t lda, const float *b,
                         size_t ldb, float beta, float *c, size_t ldc);

/** Reference triple loop (double accumulation), for tests. Same contract as bnn_sgemm. */
void bnn_sgemm_reference(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                         const float *a, size_t lda, const float *b, size_t ldb, float beta,
                         float *c, size_t ldc);

#ifdef __cplusplus
}
#endif
#endif
