/*
 * dispatch.c is the one place in CFloatKernels that selects a kernel; every kernel with
 * more than one version is an entry of the table (bnn_float_kernels in cfloatkernels.h, one
 * table per path: portable, avx2, avx512). The CPU is probed once, here; no other file
 * uses cpuid, target_clones or ifunc. Kernels with a single portable version (sign,
 * hard-tanh mask, BatchNorm, im2col, pooling) are plain functions outside the table.
 *
 * The environment variable BNN_FLOAT_KERNEL=portable|avx2|avx512 forces the path that
 * bnn_float_kernels_best() (and so bnn_sgemm, bnn_adam_update and the SGEMM AUTO path)
 * uses, when that path is available here; it is read once.
 */
#include <stdlib.h>

#include "cfloatkernels.h"
#include "kernels_internal.h"

static const bnn_float_kernels portable_kernels = {
    BNN_SGEMM_PORTABLE,
    "portable",
    bnn_sgemm_portable,
    bnn_adam_update_portable,
    bnn_quantize_rows_s8_portable,
    bnn_quantize_column_pairs_s8_portable,
    bnn_pack_unit_pairs_portable,
    bnn_im2col_unit_pairs_portable,
    bnn_s8_unit_gemm_portable,
};

#ifdef SGEMM_HAVE_X86
static const bnn_float_kernels avx2_kernels = {
    BNN_SGEMM_AVX2,
    "avx2",
    bnn_sgemm_avx2,
    bnn_adam_update_avx2,
    bnn_quantize_rows_s8_avx2,
    bnn_quantize_column_pairs_s8_avx2,
    bnn_pack_unit_pairs_avx2,
    bnn_im2col_unit_pairs_avx2,
    bnn_s8_unit_gemm_avx2,
};

/* Adam and the int8 gradient product have no AVX-512 version: the AVX2 ones (so both FMA
   paths train identically). */
static const bnn_float_kernels avx512_kernels = {
    BNN_SGEMM_AVX512,          "avx512",
    bnn_sgemm_avx512,          bnn_adam_update_avx2,
    bnn_quantize_rows_s8_avx2, bnn_quantize_column_pairs_s8_avx2,
    bnn_pack_unit_pairs_avx2,  bnn_im2col_unit_pairs_avx2,
    bnn_s8_unit_gemm_avx2,
};
#endif

/* CPU features, probed once: bit 0 = AVX2 + FMA, bit 1 = AVX-512F (__builtin_cpu_supports
 * reports it only when the OS saves the zmm state too). Racing first calls compute and
 * store the same value, so relaxed atomics are all the ordering needed. */
enum { HAS_AVX2_FMA = 1, HAS_AVX512F = 2, PROBED = 4 };

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && !defined(__STDC_NO_ATOMICS__)
#include <stdatomic.h>
static _Atomic(int) features = 0;
static _Atomic(const bnn_float_kernels *) chosen = NULL;
#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)
#define STORE(x, v) atomic_store_explicit(&(x), (v), memory_order_relaxed)
#else
static volatile int features = 0;
static const bnn_float_kernels *volatile chosen = NULL;
#define LOAD(x) (x)
#define STORE(x, v) ((x) = (v))
#endif

static int cpu_features(void) {
  int f = LOAD(features);
  if (!(f & PROBED)) {
    f = PROBED;
#ifdef SGEMM_HAVE_X86
    __builtin_cpu_init(); /* idempotent; needed if called before constructors */
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f |= HAS_AVX2_FMA;
    if (__builtin_cpu_supports("avx512f")) f |= HAS_AVX512F;
#endif
    STORE(features, f);
  }
  return f;
}

const bnn_float_kernels *bnn_float_kernels_for(bnn_sgemm_path path) {
  switch (path) {
  case BNN_SGEMM_AUTO:
    return bnn_float_kernels_best();
  case BNN_SGEMM_PORTABLE:
    return &portable_kernels;
#ifdef SGEMM_HAVE_X86
  case BNN_SGEMM_AVX2:
    return (cpu_features() & HAS_AVX2_FMA) ? &avx2_kernels : NULL;
  case BNN_SGEMM_AVX512:
#if defined(BNN_EMULATE_AVX512)
    /* The emulated build (scripts/test-avx512.sh) runs the AVX-512 micro-kernel on
       SIMDe's AVX2 forms of the intrinsics; it needs AVX2 + FMA, not AVX-512F. */
    return (cpu_features() & HAS_AVX2_FMA) ? &avx512_kernels : NULL;
#else
    /* The table's Adam is the AVX2 + FMA one (every AVX-512 CPU has both). */
    return (cpu_features() & (HAS_AVX512F | HAS_AVX2_FMA)) == (HAS_AVX512F | HAS_AVX2_FMA)
               ? &avx512_kernels
               : NULL;
#endif
#endif
  default:
    return NULL;
  }
}

static int same_name(const char *x, const char *y) {
  while (*x && *x == *y) x++, y++;
  return *x == *y;
}

/* Fastest first: AVX-512 (32-wide tile), AVX2 + FMA, portable C. */
static const bnn_sgemm_path preference[] = {BNN_SGEMM_AVX512, BNN_SGEMM_AVX2, BNN_SGEMM_PORTABLE};

static const bnn_float_kernels *choose(void) {
  const char *want = getenv("BNN_FLOAT_KERNEL");
  for (size_t i = 0; want && *want && i < sizeof preference / sizeof preference[0]; i++) {
    const bnn_float_kernels *k = bnn_float_kernels_for(preference[i]);
    if (k && same_name(k->name, want)) return k;
  }
  for (size_t i = 0; i < sizeof preference / sizeof preference[0]; i++) {
    const bnn_float_kernels *k = bnn_float_kernels_for(preference[i]);
    if (k) return k;
  }
  return &portable_kernels;
}

const bnn_float_kernels *bnn_float_kernels_best(void) {
  const bnn_float_kernels *k = LOAD(chosen);
  if (!k) {
    k = choose();
    STORE(chosen, k);
  }
  return k;
}

/* ------------------------------------------------------------------------ */
/* The free functions: the chosen table, or the one a caller asks for. */

int bnn_sgemm_path_available(bnn_sgemm_path path) { return bnn_float_kernels_for(path) != NULL; }

bnn_sgemm_path bnn_sgemm_best_path(void) { return bnn_float_kernels_best()->path; }

void bnn_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha, const float *a,
               size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc) {
  bnn_float_kernels_best()->sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void bnn_sgemm_with_path(bnn_sgemm_path path, int trans_a, int trans_b, size_t m, size_t n,
                         size_t k, float alpha, const float *a, size_t lda, const float *b,
                         size_t ldb, float beta, float *c, size_t ldc) {
  const bnn_float_kernels *table = bnn_float_kernels_for(path);
  if (!table) table = &portable_kernels;
  table->sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void bnn_adam_update(float *w, const float *g, float *m, float *v, float *sign_out, size_t n,
                     float beta1, float beta2, float step_size, float epsilon, float clip) {
  bnn_float_kernels_best()->adam_update(w, g, m, v, sign_out, n, beta1, beta2, step_size, epsilon,
                                        clip);
}

void bnn_quantize_rows_s8(const float *x, size_t rows, size_t cols, size_t ldx, int8_t *q,
                          size_t ldq, float *scale, int32_t *sum) {
  bnn_float_kernels_best()->quantize_rows_s8(x, rows, cols, ldx, q, ldq, scale, sum);
}

void bnn_quantize_column_pairs_s8(const float *x, size_t rows, size_t cols, size_t ldx, int8_t *q,
                                  size_t ldq, float *scale, int32_t *sum, float *work) {
  bnn_float_kernels_best()->quantize_column_pairs_s8(x, rows, cols, ldx, q, ldq, scale, sum, work);
}

void bnn_pack_unit_pairs(const float *x, size_t rows, size_t cols, size_t ldx, uint8_t *u,
                         size_t ldu) {
  bnn_float_kernels_best()->pack_unit_pairs(x, rows, cols, ldx, u, ldu);
}

void bnn_im2col_unit_pairs(const float *images, const bnn_window *window, float pad_value,
                           size_t first_row, size_t rows, uint8_t *u, size_t ldu) {
  bnn_float_kernels_best()->im2col_unit_pairs(images, window, pad_value, first_row, rows, u, ldu);
}

void bnn_s8_unit_gemm(size_t m, size_t n, size_t depth, const int8_t *q, size_t q_row_stride,
                      size_t q_pair_stride, const float *scale, const int32_t *sum,
                      const uint8_t *u, size_t ldu, float *c, size_t ldc, int accumulate) {
  bnn_float_kernels_best()->s8_unit_gemm(m, n, depth, q, q_row_stride, q_pair_stride, scale, sum, u,
                                         ldu, c, ldc, accumulate);
}
