/* Shared between dispatch.c (the one place that selects a path), the SGEMM driver, its
   micro-kernels and the elementwise kernels. */
#ifndef CFLOATKERNELS_INTERNAL_H
#define CFLOATKERNELS_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

#include "cfloatkernels.h"

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

/* Packers of one block (layouts in sgemm.c). pack_a: the mc x kc block of op(A), element
   (i, p) at x[i*rs + p*cs], into MR-tall panels; pack_b: the kc x nc block of op(B), element
   (p, j) at y[p*rs + j*cs], into nr-wide panels. Both k-major and zero-padded. */
typedef void (*sgemm_pack_a_fn)(size_t mc, size_t kc, const float *x, size_t rs, size_t cs,
                                float *out);
typedef void (*sgemm_pack_b_fn)(size_t kc, size_t nc, const float *y, size_t rs, size_t cs,
                                size_t nr, float *out);
void sgemm_pack_a_portable(size_t mc, size_t kc, const float *x, size_t rs, size_t cs, float *out);
void sgemm_pack_b_portable(size_t kc, size_t nc, const float *y, size_t rs, size_t cs, size_t nr,
                           float *out);

/* What the blocked driver runs for one path: its micro-kernel, the kernel's tile width and
   the packers (which only move values: every packer gives the same bits). */
typedef struct {
  sgemm_micro_kernel kernel;
  size_t nr;
  sgemm_pack_a_fn pack_a;
  sgemm_pack_b_fn pack_b;
} sgemm_parts;

/* The blocked SGEMM driver (sgemm.c); contract of bnn_sgemm, with bnn_sgemm_with_path's
   early exits. */
void bnn_sgemm_blocked(const sgemm_parts *parts, int trans_a, int trans_b, size_t m, size_t n,
                       size_t k, float alpha, const float *a, size_t lda, const float *b,
                       size_t ldb, float beta, float *c, size_t ldc);

/* Each path's entries (the tables are in dispatch.c). */
void bnn_sgemm_portable(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                        const float *a, size_t lda, const float *b, size_t ldb, float beta,
                        float *c, size_t ldc);
void bnn_adam_update_portable(float *w, const float *g, float *m, float *v, float *sign_out,
                              size_t n, float beta1, float beta2, float step_size, float epsilon,
                              float clip);

/* int8 gradient products (gradient_int8.c): the portable entries, and the scalar steps that
 * every path shares, so that every path gives the same bits. */
void bnn_quantize_rows_s8_portable(const float *x, size_t rows, size_t cols, size_t ldx, int8_t *q,
                                   size_t ldq, float *scale, int32_t *sum);
void bnn_quantize_column_pairs_s8_portable(const float *x, size_t rows, size_t cols, size_t ldx,
                                           int8_t *q, size_t ldq, float *scale, int32_t *sum,
                                           float *work);
void bnn_pack_unit_pairs_portable(const float *x, size_t rows, size_t cols, size_t ldx, uint8_t *u,
                                  size_t ldu);
void bnn_im2col_unit_pairs_portable(const float *images, const bnn_window *window, float pad_value,
                                    size_t first_row, size_t rows, uint8_t *u, size_t ldu);
void bnn_s8_unit_gemm_portable(size_t m, size_t n, size_t depth, const int8_t *q,
                               size_t q_row_stride, size_t q_pair_stride, const float *scale,
                               const int32_t *sum, const uint8_t *u, size_t ldu, float *c,
                               size_t ldc, int accumulate);

/* The multiplier 127 / max of a row or column whose largest magnitude is max (0 for 0), and
 * its scale max / 127. */
static inline float s8_inverse_of(float max) { return max > 0.0f ? 127.0f / max : 0.0f; }
static inline float s8_scale_of(float max) { return max / 127.0f; }
static inline float s8_magnitude(float x) { return x < 0.0f ? -x : x; }

/* max[c] = the larger of max[c] and |x[c]|, for c in from ..< cols. */
static inline void s8_update_maxima(float *max, const float *x, size_t from, size_t cols) {
  for (size_t c = from; c < cols; c++) {
    const float a = s8_magnitude(x[c]);
    max[c] = a > max[c] ? a : max[c];
  }
}

/* The column quantiser's second step: work[c] holds column c's largest magnitude; it becomes
 * the multiplier, scale[c] the scale, and sum[c] starts at 0. */
static inline void s8_column_multipliers(float *work, float *scale, int32_t *sum, size_t cols) {
  for (size_t c = 0; c < cols; c++) {
    scale[c] = s8_scale_of(work[c]);
    work[c] = s8_inverse_of(work[c]);
    sum[c] = 0;
  }
}

/* round(x * inverse) to nearest, ties to even, as cvtps2dq does: adding and subtracting
 * 1.5 * 2^23 leaves the integer part (exact for |v| <= 2^22; here |v| <= 127 up to rounding,
 * which rounds back to 127). Separate float operations: no fast-math in this target. */
static inline int8_t s8_quantize(float x, float inverse) {
  const float magic = 12582912.0f;
  return (int8_t)((x * inverse + magic) - magic);
}

/* Output row t of an unfolding (t = (n * out_height + oy) * out_width + ox): the input span
 * of its window row ky, kernel_width * channels floats, or NULL when part of it is padding. */
static inline const float *s8_window_span(const float *images, const bnn_window *g, size_t t,
                                          size_t ky) {
  const size_t ox = t % g->out_width, oy = (t / g->out_width) % g->out_height;
  const size_t n = t / (g->out_width * g->out_height);
  const ptrdiff_t iy = (ptrdiff_t)(oy * g->stride + ky) - (ptrdiff_t)g->pad_top;
  const ptrdiff_t ix = (ptrdiff_t)(ox * g->stride) - (ptrdiff_t)g->pad_left;
  if (iy < 0 || iy >= (ptrdiff_t)g->height || ix < 0 ||
      ix + (ptrdiff_t)g->kernel_width > (ptrdiff_t)g->width)
    return NULL;
  return images + ((n * g->height + (size_t)iy) * g->width + (size_t)ix) * g->channels;
}

/* Element (ky, kx, c) of output row t's window: the input value, or pad_value. */
static inline float s8_window_value(const float *images, const bnn_window *g, float pad_value,
                                    size_t t, size_t ky, size_t kx, size_t c) {
  const size_t ox = t % g->out_width, oy = (t / g->out_width) % g->out_height;
  const size_t n = t / (g->out_width * g->out_height);
  const ptrdiff_t iy = (ptrdiff_t)(oy * g->stride + ky) - (ptrdiff_t)g->pad_top;
  const ptrdiff_t ix = (ptrdiff_t)(ox * g->stride + kx) - (ptrdiff_t)g->pad_left;
  if (iy < 0 || iy >= (ptrdiff_t)g->height || ix < 0 || ix >= (ptrdiff_t)g->width) return pad_value;
  return images[((n * g->height + (size_t)iy) * g->width + (size_t)ix) * g->channels + c];
}

/* c = (accumulate ? c : 0) + scale * (2 s - sum), as separate float operations in this order
 * (no contraction into FMA). */
static inline void s8_unit_finish(float *c, int32_t s, float scale, int32_t sum, int accumulate) {
  const float product = scale * (float)(2 * s - sum);
  *c = accumulate ? *c + product : product;
}

#if defined(__x86_64__) || defined(__i386__)
#define SGEMM_HAVE_X86 1
/* The AVX2 int8 gradient kernels (gradient_int8_avx2.c), also the avx512 table's. */
void bnn_quantize_rows_s8_avx2(const float *x, size_t rows, size_t cols, size_t ldx, int8_t *q,
                               size_t ldq, float *scale, int32_t *sum);
void bnn_quantize_column_pairs_s8_avx2(const float *x, size_t rows, size_t cols, size_t ldx,
                                       int8_t *q, size_t ldq, float *scale, int32_t *sum,
                                       float *work);
void bnn_pack_unit_pairs_avx2(const float *x, size_t rows, size_t cols, size_t ldx, uint8_t *u,
                              size_t ldu);
void bnn_im2col_unit_pairs_avx2(const float *images, const bnn_window *window, float pad_value,
                                size_t first_row, size_t rows, uint8_t *u, size_t ldu);
void bnn_s8_unit_gemm_avx2(size_t m, size_t n, size_t depth, const int8_t *q, size_t q_row_stride,
                           size_t q_pair_stride, const float *scale, const int32_t *sum,
                           const uint8_t *u, size_t ldu, float *c, size_t ldc, int accumulate);
void bnn_sgemm_avx2(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                    const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                    size_t ldc);
void bnn_sgemm_avx512(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                      const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                      size_t ldc);
/* AVX2 + FMA (also the avx512 table's entry: no AVX-512 version). */
void bnn_adam_update_avx2(float *w, const float *g, float *m, float *v, float *sign_out, size_t n,
                          float beta1, float beta2, float step_size, float epsilon, float clip);
void sgemm_kernel_avx2(size_t kc, const float *a, const float *b, float *c, size_t ldc, float alpha,
                       int accumulate);
/* AVX2 packers (sgemm_pack_avx2.c), also the AVX-512 path's: the transposes and copies that
   the portable packers do one float at a time, 8 at a time; the portable ones otherwise. */
void sgemm_pack_a_avx2(size_t mc, size_t kc, const float *x, size_t rs, size_t cs, float *out);
void sgemm_pack_b_avx2(size_t kc, size_t nc, const float *y, size_t rs, size_t cs, size_t nr,
                       float *out);
/* 6 x 32 tile (NR = SGEMM_NR_MAX). */
void sgemm_kernel_avx512(size_t kc, const float *a, const float *b, float *c, size_t ldc,
                         float alpha, int accumulate);
#endif

#endif
