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
 * Cache-blocked (packed A and B panels) with a 6x16 (AVX2+FMA, portable C) or 6x32 (AVX-512F)
 * register micro-kernel. The SIMD micro-kernels are compiled with per-function target
 * attributes; dispatch.c, the one place that selects, probes the CPU once and hands out one
 * table of functions per path (bnn_float_kernels below); the portable one runs anywhere. The AVX2
 * and AVX-512 paths give bit-identical results (same FMA chain per element of C); the portable path
 * (separate multiply and add) may differ in the last bits. The functions are thread-safe (no global
 * state besides the read-only dispatch decision): callers thread by splitting M or N into disjoint
 * blocks of C.
 */
#ifndef CFLOATKERNELS_H
#define CFLOATKERNELS_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Micro-kernel implementations. */
typedef enum {
  BNN_SGEMM_AUTO = 0,     /**< the fastest one this CPU supports */
  BNN_SGEMM_PORTABLE = 1, /**< plain C, any CPU */
  BNN_SGEMM_AVX2 = 2,     /**< x86-64 AVX2 + FMA */
  BNN_SGEMM_AVX512 = 3,   /**< x86-64 AVX-512F */
} bnn_sgemm_path;

/*
 * Convolution windows over NHWC images (convolution.c). Output pixel (oy, ox) reads input
 * rows oy*stride - pad_top + (0 ... kernel_height-1) and columns ox*stride - pad_left + ...;
 * positions outside the image are padding.
 */
typedef struct bnn_window {
  size_t height, width, channels; /* one input image */
  size_t kernel_height, kernel_width, stride;
  size_t pad_top, pad_left;
  size_t out_height, out_width;
} bnn_window;

typedef void (*bnn_sgemm_fn)(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                             const float *a, size_t lda, const float *b, size_t ldb, float beta,
                             float *c, size_t ldc);
typedef void (*bnn_adam_update_fn)(float *w, const float *g, float *m, float *v, float *sign_out,
                                   size_t n, float beta1, float beta2, float step_size,
                                   float epsilon, float clip);
typedef void (*bnn_quantize_rows_s8_fn)(const float *x, size_t rows, size_t cols, size_t ldx,
                                        int8_t *q, size_t ldq, float *scale, int32_t *sum);
typedef void (*bnn_quantize_column_pairs_s8_fn)(const float *x, size_t rows, size_t cols,
                                                size_t ldx, int8_t *q, size_t ldq, float *scale,
                                                int32_t *sum, float *work);
typedef void (*bnn_pack_unit_pairs_fn)(const float *x, size_t rows, size_t cols, size_t ldx,
                                       uint8_t *u, size_t ldu);
typedef void (*bnn_im2col_unit_pairs_fn)(const float *images, const bnn_window *window,
                                         float pad_value, size_t first_row, size_t rows, uint8_t *u,
                                         size_t ldu);
typedef void (*bnn_s8_unit_gemm_fn)(size_t m, size_t n, size_t depth, const int8_t *q,
                                    size_t q_row_stride, size_t q_pair_stride, const float *scale,
                                    const int32_t *sum, const uint8_t *u, size_t ldu, float *c,
                                    size_t ldc, int accumulate);

/** One path's kernels: every float kernel with more than one version is an entry. */
typedef struct bnn_float_kernels {
  bnn_sgemm_path path;                                      /**< PORTABLE, AVX2 or AVX512 */
  const char *name;                                         /**< "portable", "avx2", "avx512" */
  bnn_sgemm_fn sgemm;                                       /**< contract of bnn_sgemm */
  bnn_adam_update_fn adam_update;                           /**< contract of bnn_adam_update */
  bnn_quantize_rows_s8_fn quantize_rows_s8;                 /**< bnn_quantize_rows_s8 */
  bnn_quantize_column_pairs_s8_fn quantize_column_pairs_s8; /**< bnn_quantize_column_pairs_s8 */
  bnn_pack_unit_pairs_fn pack_unit_pairs;                   /**< bnn_pack_unit_pairs */
  bnn_im2col_unit_pairs_fn im2col_unit_pairs;               /**< bnn_im2col_unit_pairs */
  bnn_s8_unit_gemm_fn s8_unit_gemm;                         /**< bnn_s8_unit_gemm */
} bnn_float_kernels;

/** The table of `path` (AUTO: bnn_float_kernels_best()), or NULL when this CPU cannot run it. */
const bnn_float_kernels *bnn_float_kernels_for(bnn_sgemm_path path);

/** The fastest table this CPU runs, chosen once. BNN_FLOAT_KERNEL=portable|avx2|avx512 in the
 *  environment forces a path when it is available. */
const bnn_float_kernels *bnn_float_kernels_best(void);

/** 1 if `path` can run on this CPU (AUTO and PORTABLE always can). */
int bnn_sgemm_path_available(bnn_sgemm_path path);

/** The path AUTO resolves to on this CPU (bnn_float_kernels_best()->path). */
bnn_sgemm_path bnn_sgemm_best_path(void);

/** C = alpha * op(A) * op(B) + beta * C with the fastest available micro-kernel. */
void bnn_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha, const float *a,
               size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc);

/** The same with an explicit micro-kernel (an unavailable one falls back to PORTABLE). */
void bnn_sgemm_with_path(bnn_sgemm_path path, int trans_a, int trans_b, size_t m, size_t n,
                         size_t k, float alpha, const float *a, size_t lda, const float *b,
                         size_t ldb, float beta, float *c, size_t ldc);

/** Reference triple loop (double accumulation), for tests. Same contract as bnn_sgemm. */
void bnn_sgemm_reference(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                         const float *a, size_t lda, const float *b, size_t ldb, float beta,
                         float *c, size_t ldc);

/** For tests: packs one block as `path`'s SGEMM does (layouts in sgemm.c) and returns the
 *  number of floats written to out, 0 when the path is unavailable. operand 0: the rows x cols
 *  block of op(A), element (i, p) at x[i*rs + p*cs], into 6-tall panels
 *  (round_up(rows, 6) * cols floats); operand 1: the rows x cols block of op(B), element (p, j)
 *  at x[p*rs + j*cs], into nr-wide panels (rows * round_up(cols, nr) floats; nr 16 or 32). */
size_t bnn_sgemm_pack_for_tests(bnn_sgemm_path path, int operand, size_t rows, size_t cols,
                                const float *x, size_t rs, size_t cs, size_t nr, float *out);

/*
 * Adam step over n parameters, bias corrections folded into step_size and epsilon:
 *   m = beta1 m + (1 - beta1) g;   v = beta2 v + (1 - beta2) g^2
 *   w = clamp(w - step_size * m / (sqrt(v) + epsilon), -clip, clip)
 * If sign_out is not NULL it receives sign(w) of the updated weights (w < 0 ? -1 : +1).
 * The entry of bnn_float_kernels_best() (AVX2 + FMA when the CPU has it, else portable C);
 * the arrays must not overlap.
 */
void bnn_adam_update(float *w, const float *g, float *m, float *v, float *sign_out, size_t n,
                     float beta1, float beta2, float step_size, float epsilon, float clip);

/*
 * int8 gradient products (bnn-train --gradients int8; gradient_int8.c, gradient_int8_avx2.c).
 *
 * In every backward product of a binary layer but the first layer's weight gradient, one
 * operand is ±1: x = 2u - 1 with u in {0, 1}. The other, a gradient g, is quantised per row of
 * the product's left operand, q = round(g / s) in [-127, 127] with s = max|g| / 127, so
 *
 *   sum_t g_it x_tj  ~  s_i (2 sum_t q_it u_tj - sum_t q_it),
 *
 * whose integer part is exact (int8 x {0, 1} products, int32 sums): the result does not depend
 * on the path or on how a caller splits the product between threads. The product reads both
 * operands in pairs along t (t = 2p, 2p + 1), as vpmaddubsw does. Every entry below is a member
 * of the kernel tables; the free functions use bnn_float_kernels_best()'s, and every path gives
 * the same bytes.
 */

/* Per row r of x (rows x cols, row stride ldx): max_r = max_c |x_rc|, scale[r] = max_r / 127,
 * q[r*ldq + c] = round_to_nearest_even(x_rc * (127 / max_r)) (0 for a row of zeros),
 * sum[r] = sum_c q[r*ldq + c]; q[r*ldq + cols] = 0 when cols is odd (the pair's padding). */
void bnn_quantize_rows_s8(const float *x, size_t rows, size_t cols, size_t ldx, int8_t *q,
                          size_t ldq, float *scale, int32_t *sum);

/* The same per column c of x (scale[c], sum[c]), written in pairs of rows: row r, column c at
 * q[(r/2)*2*ldq + 2*c + r%2]; a missing last row of a pair (rows odd) is 0. Columns
 * cols ..< ldq are not written (ldq >= cols), so that threads can quantise disjoint column
 * ranges of one matrix. work: cols floats of scratch. */
void bnn_quantize_column_pairs_s8(const float *x, size_t rows, size_t cols, size_t ldx, int8_t *q,
                                  size_t ldq, float *scale, int32_t *sum, float *work);

/* The rows of x (rows x cols, stride ldx; ±1 values) as bytes u = (x > 0), in the same pairs
 * of rows: row t, column j at u[(t/2)*2*ldu + 2*j + t%2]; padding 0 as above (ldu >= cols). */
void bnn_pack_unit_pairs(const float *x, size_t rows, size_t cols, size_t ldx, uint8_t *u,
                         size_t ldu);

/* bnn_pack_unit_pairs of rows first_row ..< first_row + rows of bnn_im2col's unfolding of
 * `images` (padding reads pad_value), without the float unfolding: u points at the pair of
 * first_row (even). */
void bnn_im2col_unit_pairs(const float *images, const bnn_window *window, float pad_value,
                           size_t first_row, size_t rows, uint8_t *u, size_t ldu);

/*
 * c[i*ldc + j] = (accumulate ? c[i*ldc + j] : 0) + scale[i] * (float)(2 S_ij - sum[i]),
 *   S_ij = sum_{t < depth} q_it u_tj,   i < m, j < n,
 * where the pair (q_i,2p, q_i,2p+1) is the two bytes at q + i*q_row_stride + p*q_pair_stride:
 * bnn_quantize_rows_s8's layout (q_row_stride = ldq, q_pair_stride = 2) or
 * bnn_quantize_column_pairs_s8's (q_row_stride = 2, q_pair_stride = 2*ldq); t = depth (depth
 * odd) must be the padding 0. u: bnn_pack_unit_pairs' layout. The kernels read u's columns in
 * blocks of 32: columns n ..< round_up(n, 32) of every pair row must be readable (ldu >=
 * round_up(n, 32) gives that; a caller that splits the columns between threads starts each
 * part at a multiple of 32).
 */
void bnn_s8_unit_gemm(size_t m, size_t n, size_t depth, const int8_t *q, size_t q_row_stride,
                      size_t q_pair_stride, const float *scale, const int32_t *sum,
                      const uint8_t *u, size_t ldu, float *c, size_t ldc, int accumulate);

/* out[i] = x[i] < 0 ? -1 : +1  (sign with sign(0) = +1; -0.0 counts as 0). */
void bnn_sign(const float *x, float *out, size_t n);

/* Packs `rows` rows of `cols` floats into ceil(cols/64) words a row, bit c of row r = 1
 * where x < 0 (the engine's bit 1 = -1; bits past `cols` are 0). Returns 1 when every value
 * is exactly -1 or +1 (then the bits hold all of x), else 0. */
int bnn_pack_signs(const float *x, size_t rows, size_t cols, uint64_t *bits);

/* The rows of x (rows x cols, ±1 values) as int8 rows of out_stride bytes (>= cols): -1 where
 * the sign bit is set, else +1, then 0 up to out_stride. Returns 1 when every value is exactly
 * -1 or +1 (then the bytes hold all of x), else 0. */
int bnn_signs_to_int8_rows(const float *x, size_t rows, size_t cols, int8_t *out,
                           size_t out_stride);

/* out[i] = x[i] as a byte. Returns 1 when every x[i] is an integer in 0...255 (then the bytes
 * hold all of x), else 0 (then out is unspecified). */
int bnn_pixels_to_bytes(const float *x, size_t count, uint8_t *out);

/* In place over `count` 4-byte values: the int32 c becomes the float base + mul * c (the sum in
 * int32). With base k, mul -2, a popcount c becomes k - 2c (exact: |k - 2c| <= k < 2^24), the
 * dot product of two ±1 rows of k values; with base 0, mul 1, a dot product stays itself. */
void bnn_int32_to_float(void *values, size_t count, int32_t base, int32_t mul);

/* Straight-through hard-tanh window: gradient[i] = 0 where |x[i]| > 1. */
void bnn_hardtanh_mask(float *gradient, const float *x, size_t n);

/*
 * BatchNorm training forward over `width` feature columns of row-major [rows][ld] matrices
 * (pointers offset to the first column of the block): per feature j, over the rows b,
 *   mean_j = (1/B) sum_b z_bj,  variance_j = (1/B) sum_b (z_bj - mean_j)^2,
 *   inverse_std_j = 1/sqrt(variance_j + epsilon),
 *   xhat_bj = (z_bj - mean_j) inverse_std_j,  y_bj = gamma_j xhat_bj + beta_j,
 * and, unless `signs` is NULL, signs_bj = sign(y_bj) (-1 below 0, else +1: the next
 * layer's input, in the same pass).
 */
void bnn_batchnorm_forward(const float *z, float *xhat, float *y, float *signs, size_t rows,
                           size_t width, size_t ld, const float *gamma, const float *beta,
                           float *mean, float *variance, float *inverse_std, float epsilon);

/*
 * BatchNorm training backward, in place on `gradient` (dy in, dz out):
 *   dbeta_j = sum_b dy_bj,  dgamma_j = sum_b dy_bj xhat_bj,
 *   dz_bj = gamma_j inverse_std_j / B * (B dy_bj - dbeta_j - xhat_bj dgamma_j),
 * where, unless `window` is NULL, dy is first masked by the hard-tanh window of the sign
 * after the BatchNorm: dy_bj *= (|window_bj| <= 1), window = the forward output y.
 */
void bnn_batchnorm_backward(float *gradient, const float *xhat, const float *window, size_t rows,
                            size_t width, size_t ld, const float *gamma, const float *inverse_std,
                            float *dgamma, float *dbeta);

/*
 * The pieces of the two above, for callers that split the rows into blocks (each of these
 * covers the block's rows only): sum_j = sum_r x_rj, and sum_j = sum_r (x_rj - mean_j)^2
 * (both overwrite `sum`); the normalisation given mean and inverse_std; dgamma and dbeta
 * of the block (overwritten; with `window`, dy is masked first and stored back); and dz
 * of the block given the batch's dgamma and dbeta, where B = batch_rows is the whole
 * batch's row count.
 */
void bnn_column_sums(const float *x, size_t rows, size_t width, size_t ld, float *sum);
void bnn_column_squared_deviations(const float *x, size_t rows, size_t width, size_t ld,
                                   const float *mean, float *sum);
void bnn_batchnorm_normalize(const float *z, float *xhat, float *y, float *signs, size_t rows,
                             size_t width, size_t ld, const float *gamma, const float *beta,
                             const float *mean, const float *inverse_std);
void bnn_batchnorm_gradient_sums(float *gradient, const float *xhat, const float *window,
                                 size_t rows, size_t width, size_t ld, float *dgamma, float *dbeta);
void bnn_batchnorm_gradient_apply(float *gradient, const float *xhat, size_t rows, size_t width,
                                  size_t ld, size_t batch_rows, const float *gamma,
                                  const float *inverse_std, const float *dgamma,
                                  const float *dbeta);

/*
 * The first convolution on its pixel images, with no unfolded matrix (pixel_convolution.c):
 * forward z[(n, oy, ox)][j] = sum_t x_t * wt[t][j] over the window's in-bounds positions t
 * (padding is pixel 0), the weights transposed to wt[K][n_out]; exact, so equal to
 * im2col + SGEMM, when the pixels are integers and the weights +-1 (sums below 2^24).
 * Weight gradient acc[t][j] += sum over the rows of x_t * dz[row][j] (transposed, rows
 * added in order, no fused multiply-add).
 */
void bnn_pixel_conv_forward(const float *images, size_t count, const bnn_window *window,
                            const float *wt, size_t n_out, float *z);
void bnn_pixel_conv_weight_gradient(const float *images, size_t count, const bnn_window *window,
                                    const float *dz, size_t n_out, float *acc);

/*
 * im2col: `count` images -> rows [count * out_height * out_width][kh * kw * channels], each
 * the window of one output pixel in (ky, kx, channel) order; padding reads `pad_value`.
 */
void bnn_im2col(const float *images, size_t count, const bnn_window *window, float pad_value,
                float *cols);

/* col2im, the adjoint of im2col: images = 0, then every element of cols is added onto the
   input position it was read from (padding positions are dropped). */
void bnn_col2im(const float *cols, size_t count, const bnn_window *window, float *images);

/*
 * 2x2 max pooling, stride 2, over NHWC images (pooling.c); odd last rows/columns dropped.
 * index[o] = 2*dy + dx of the winning input (the first in that order on ties).
 */
void bnn_maxpool2x2_forward(const float *in, size_t count, size_t height, size_t width,
                            size_t channels, float *out, unsigned char *index);

/* The same pooling of XOR-popcount results: in[] holds popcounts c of dots z = k - 2c, and
   out[] gets the pooled dots as floats, index[] the winners. The largest dot is the smallest
   count (the map is strictly decreasing), so out and index equal bnn_int32_to_float (base k,
   mul -2) followed by bnn_maxpool2x2_forward. */
void bnn_maxpool2x2_popcounts(const int32_t *in, int32_t k, size_t count, size_t height,
                              size_t width, size_t channels, float *out, unsigned char *index);

/* Gradient of the pooling: gradient_in = 0 except at each window's winner, which gets the
   output's gradient. height, width: the pooling's input. */
void bnn_maxpool2x2_backward(const float *gradient_out, const unsigned char *index, size_t count,
                             size_t height, size_t width, size_t channels, float *gradient_in);

#ifdef __cplusplus
}
#endif
#endif
