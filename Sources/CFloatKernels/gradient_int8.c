/*
 * int8 gradient products (bnn-train --gradients int8): the quantisers and packers, which
 * every path shares, and the portable product. The AVX2 product is gradient_int8_avx2.c;
 * dispatch.c selects. Contracts and the math: cfloatkernels.h, "int8 gradient products".
 */
#include <string.h>

#include "cfloatkernels.h"
#include "kernels_internal.h"

/* The portable entries of the kernel tables (dispatch.c). */

void bnn_quantize_rows_s8_portable(const float *restrict x, size_t rows, size_t cols, size_t ldx,
                                   int8_t *restrict q, size_t ldq, float *restrict scale,
                                   int32_t *restrict sum) {
  for (size_t r = 0; r < rows; r++) {
    const float *row = x + r * ldx;
    int8_t *out = q + r * ldq;
    float max = 0.0f;
    for (size_t c = 0; c < cols; c++) {
      const float a = s8_magnitude(row[c]);
      max = a > max ? a : max;
    }
    const float inverse = s8_inverse_of(max);
    int32_t total = 0;
    for (size_t c = 0; c < cols; c++) {
      const int8_t v = s8_quantize(row[c], inverse);
      out[c] = v;
      total += v;
    }
    if (cols & 1) out[cols] = 0;
    scale[r] = s8_scale_of(max);
    sum[r] = total;
  }
}

void bnn_quantize_column_pairs_s8_portable(const float *restrict x, size_t rows, size_t cols,
                                           size_t ldx, int8_t *restrict q, size_t ldq,
                                           float *restrict scale, int32_t *restrict sum,
                                           float *restrict work) {
  /* work: the column maxima, then the multipliers (cols floats). */
  for (size_t c = 0; c < cols; c++) work[c] = 0.0f;
  for (size_t r = 0; r < rows; r++) s8_update_maxima(work, x + r * ldx, 0, cols);
  s8_column_multipliers(work, scale, sum, cols);
  for (size_t r = 0; r < rows; r += 2) {
    const float *x0 = x + r * ldx;
    const float *x1 = r + 1 < rows ? x0 + ldx : NULL;
    int8_t *out = q + r * ldq; /* pair r/2 starts at (r/2) * 2 * ldq */
    for (size_t c = 0; c < cols; c++) {
      const int8_t v0 = s8_quantize(x0[c], work[c]);
      const int8_t v1 = x1 ? s8_quantize(x1[c], work[c]) : 0;
      out[2 * c] = v0;
      out[2 * c + 1] = v1;
      sum[c] += v0 + v1;
    }
  }
}

void bnn_pack_unit_pairs_portable(const float *restrict x, size_t rows, size_t cols, size_t ldx,
                                  uint8_t *restrict u, size_t ldu) {
  for (size_t t = 0; t < rows; t += 2) {
    const float *x0 = x + t * ldx;
    const float *x1 = t + 1 < rows ? x0 + ldx : NULL;
    uint8_t *out = u + t * ldu; /* pair t/2 starts at (t/2) * 2 * ldu */
    if (x1) {
      for (size_t j = 0; j < cols; j++) {
        out[2 * j] = x0[j] > 0.0f;
        out[2 * j + 1] = x1[j] > 0.0f;
      }
    } else {
      for (size_t j = 0; j < cols; j++) {
        out[2 * j] = x0[j] > 0.0f;
        out[2 * j + 1] = 0;
      }
    }
    memset(out + 2 * cols, 0, 2 * (ldu - cols));
  }
}

void bnn_im2col_unit_pairs_portable(const float *restrict images, const bnn_window *g,
                                    float pad_value, size_t first_row, size_t rows,
                                    uint8_t *restrict u, size_t ldu) {
  const size_t c = g->channels, kw = g->kernel_width;
  const size_t depth = g->kernel_height * kw * c;
  for (size_t i = 0; i < rows; i += 2) {
    uint8_t *out = u + i * ldu; /* pair i/2 starts at (i/2) * 2 * ldu */
    for (size_t half = 0; half < 2; half++) {
      if (i + half == rows) {
        for (size_t j = 0; j < depth; j++) out[2 * j + 1] = 0;
        continue;
      }
      const size_t t = first_row + i + half;
      for (size_t ky = 0; ky < g->kernel_height; ky++)
        for (size_t kx = 0; kx < kw; kx++)
          for (size_t ch = 0; ch < c; ch++)
            out[2 * ((ky * kw + kx) * c + ch) + half] =
                s8_window_value(images, g, pad_value, t, ky, kx, ch) > 0.0f;
    }
    memset(out + 2 * depth, 0, 2 * (ldu - depth));
  }
}

/* Columns of the product that the portable form sums at a time (an int32 row on the stack). */
enum { PORTABLE_BLOCK = 256 };

void bnn_s8_unit_gemm_portable(size_t m, size_t n, size_t depth, const int8_t *q,
                               size_t q_row_stride, size_t q_pair_stride, const float *scale,
                               const int32_t *sum, const uint8_t *u, size_t ldu, float *c,
                               size_t ldc, int accumulate) {
  const size_t pairs = (depth + 1) / 2;
  int32_t s[PORTABLE_BLOCK];
  for (size_t i = 0; i < m; i++) {
    const int8_t *qi = q + i * q_row_stride;
    for (size_t j0 = 0; j0 < n; j0 += PORTABLE_BLOCK) {
      const size_t width = n - j0 < PORTABLE_BLOCK ? n - j0 : PORTABLE_BLOCK;
      for (size_t j = 0; j < width; j++) s[j] = 0;
      /* Pair by pair along a row of u, so that the inner loop reads u contiguously (and
         vectorises). */
      for (size_t p = 0; p < pairs; p++) {
        const int32_t q0 = qi[p * q_pair_stride], q1 = qi[p * q_pair_stride + 1];
        const uint8_t *up = u + p * 2 * ldu + 2 * j0;
        for (size_t j = 0; j < width; j++) s[j] += q0 * up[2 * j] + q1 * up[2 * j + 1];
      }
      for (size_t j = 0; j < width; j++)
        s8_unit_finish(c + i * ldc + j0 + j, s[j], scale[i], sum[i], accumulate);
    }
  }
}
