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

typedef void (*bnn_sgemm_fn)(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                             const float *a, size_t lda, const float *b, size_t ldb, float beta,
                             float *c, size_t ldc);
typedef void (*bnn_adam_update_fn)(float *w, const float *g, float *m, float *v, float *sign_out,
                                   size_t n, float beta1, float beta2, float step_size,
                                   float epsilon, float clip);

/** One path's kernels: every float kernel with more than one version is an entry. */
typedef struct bnn_float_kernels {
  bnn_sgemm_path path;            /**< PORTABLE, AVX2 or AVX512 */
  const char *name;               /**< "portable", "avx2", "avx512" */
  bnn_sgemm_fn sgemm;             /**< contract of bnn_sgemm */
  bnn_adam_update_fn adam_update; /**< contract of bnn_adam_update */
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

/* out[i] = x[i] < 0 ? -1 : +1  (sign with sign(0) = +1; -0.0 counts as 0). */
void bnn_sign(const float *x, float *out, size_t n);

/* Packs `rows` rows of `cols` floats into ceil(cols/64) words a row, bit c of row r = 1
 * where x < 0 (the engine's bit 1 = -1; bits past `cols` are 0). Returns 1 when every value
 * is exactly -1 or +1 (then the bits hold all of x), else 0. */
int bnn_pack_signs(const float *x, size_t rows, size_t cols, uint64_t *bits);

/* In place over `count` 4-byte values: the int32 popcount c becomes the float k - 2c (exact:
 * |k - 2c| <= k < 2^24), the dot product of two ±1 rows of k values. */
void bnn_popcounts_to_dots(void *values, size_t count, int32_t k);

/* Straight-through hard-tanh window: gradient[i] = 0 where |x[i]| > 1. */
void bnn_hardtanh_mask(float *gradient, const float *x, size_t n);

/*
 * BatchNorm training forward over `width` feature columns of row-major [rows][ld] matrices
 * (pointers offset to the first column of the block): per feature j, over the rows b,
 *   mean_j = (1/B) sum_b z_bj,  variance_j = (1/B) sum_b (z_bj - mean_j)^2,
 *   inverse_std_j = 1/sqrt(variance_j + epsilon),
 *   xhat_bj = (z_bj - mean_j) inverse_std_j,  y_bj = gamma_j xhat_bj + beta_j.
 */
void bnn_batchnorm_forward(const float *z, float *xhat, float *y, size_t rows, size_t width,
                           size_t ld, const float *gamma, const float *beta, float *mean,
                           float *variance, float *inverse_std, float epsilon);

/*
 * BatchNorm training backward, in place on `gradient` (dy in, dz out):
 *   dbeta_j = sum_b dy_bj,  dgamma_j = sum_b dy_bj xhat_bj,
 *   dz_bj = gamma_j inverse_std_j / B * (B dy_bj - dbeta_j - xhat_bj dgamma_j).
 */
void bnn_batchnorm_backward(float *gradient, const float *xhat, size_t rows, size_t width,
                            size_t ld, const float *gamma, const float *inverse_std, float *dgamma,
                            float *dbeta);

/*
 * Convolution windows over NHWC images (convolution.c). Output pixel (oy, ox) reads input
 * rows oy*stride - pad_top + (0 ... kernel_height-1) and columns ox*stride - pad_left + ...;
 * positions outside the image are padding.
 */
typedef struct {
  size_t height, width, channels; /* one input image */
  size_t kernel_height, kernel_width, stride;
  size_t pad_top, pad_left;
  size_t out_height, out_width;
} bnn_window;

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

/* Gradient of the pooling: gradient_in = 0 except at each window's winner, which gets the
   output's gradient. height, width: the pooling's input. */
void bnn_maxpool2x2_backward(const float *gradient_out, const unsigned char *index, size_t count,
                             size_t height, size_t width, size_t channels, float *gradient_in);

#ifdef __cplusplus
}
#endif
#endif
