/*
 * The first convolution of a network, straight on its pixel images (NHWC floats), with no
 * unfolded matrix: padding reads pixel 0 and adds nothing, so only in-bounds positions are
 * visited, and zero pixels (most of a digit) are skipped.
 *
 * Forward, with the weights transposed to wt[K][n_out], K = kh * kw * C in (ky, kx, c)
 * order:   z[(n, oy, ox)][j] = sum_{ky, kx, c} x[n][iy][ix][c] * wt[(ky*kw + kx)*C + c][j].
 * Integer pixels times +-1 weights make every partial sum an integer, exact in float below
 * 2^24 in any order: the result is bit for bit that of im2col + SGEMM.
 *
 * Weight gradient, accumulated into acc[K][n_out] (transposed):
 *   acc[(ky*kw + kx)*C + c][j] += sum_{(n, oy, ox)} x[n][iy][ix][c] * dz[(n, oy, ox)][j],
 * adding the rows in order with a separate multiply and add (no fused multiply-add), so
 * every compiler and vector width gives the same bytes.
 */
#include "cfloatkernels.h"

/* Scatter form: every nonzero input pixel adds its weighted taps onto the outputs whose
 * window holds it (output (oy, ox) reads input (oy*stride + ky - pad_top, ...)), so the
 * zero test runs once per pixel rather than once per window position. */
void bnn_pixel_conv_forward(const float *restrict images, size_t count, const bnn_window *g,
                            const float *restrict wt, size_t n_out, float *restrict z) {
  const size_t c_in = g->channels, image_size = g->height * g->width * c_in;
  const size_t out_size = g->out_height * g->out_width * n_out;
  for (size_t n = 0; n < count; n++) {
    const float *x = images + n * image_size;
    float *zn = z + n * out_size;
    for (size_t i = 0; i < out_size; i++) zn[i] = 0.0f;
    for (size_t iy = 0; iy < g->height; iy++) {
      for (size_t ix = 0; ix < g->width; ix++) {
        const float *pixel = x + (iy * g->width + ix) * c_in;
        for (size_t c = 0; c < c_in; c++) {
          const float v = pixel[c];
          if (v == 0.0f) continue;
          for (size_t ky = 0; ky < g->kernel_height; ky++) {
            /* oy * stride = iy + pad_top - ky */
            const ptrdiff_t sy = (ptrdiff_t)(iy + g->pad_top) - (ptrdiff_t)ky;
            if (sy < 0 || sy % (ptrdiff_t)g->stride) continue;
            const size_t oy = (size_t)sy / g->stride;
            if (oy >= g->out_height) continue;
            for (size_t kx = 0; kx < g->kernel_width; kx++) {
              const ptrdiff_t sx = (ptrdiff_t)(ix + g->pad_left) - (ptrdiff_t)kx;
              if (sx < 0 || sx % (ptrdiff_t)g->stride) continue;
              const size_t ox = (size_t)sx / g->stride;
              if (ox >= g->out_width) continue;
              float *out = zn + (oy * g->out_width + ox) * n_out;
              const float *row = wt + ((ky * g->kernel_width + kx) * c_in + c) * n_out;
              for (size_t j = 0; j < n_out; j++) out[j] += v * row[j];
            }
          }
        }
      }
    }
  }
}

void bnn_pixel_conv_weight_gradient(const float *restrict images, size_t count, const bnn_window *g,
                                    const float *restrict dz, size_t n_out, float *restrict acc) {
#pragma STDC FP_CONTRACT OFF
  const size_t c_in = g->channels, image_size = g->height * g->width * c_in;
  for (size_t n = 0; n < count; n++) {
    const float *x = images + n * image_size;
    for (size_t oy = 0; oy < g->out_height; oy++) {
      for (size_t ox = 0; ox < g->out_width; ox++) {
        const float *d = dz + ((n * g->out_height + oy) * g->out_width + ox) * n_out;
        for (size_t ky = 0; ky < g->kernel_height; ky++) {
          const ptrdiff_t iy = (ptrdiff_t)(oy * g->stride + ky) - (ptrdiff_t)g->pad_top;
          if (iy < 0 || iy >= (ptrdiff_t)g->height) continue;
          for (size_t kx = 0; kx < g->kernel_width; kx++) {
            const ptrdiff_t ix = (ptrdiff_t)(ox * g->stride + kx) - (ptrdiff_t)g->pad_left;
            if (ix < 0 || ix >= (ptrdiff_t)g->width) continue;
            const float *pixel = x + ((size_t)iy * g->width + (size_t)ix) * c_in;
            float *a = acc + (ky * g->kernel_width + kx) * c_in * n_out;
            for (size_t c = 0; c < c_in; c++) {
              const float v = pixel[c];
              if (v == 0.0f) continue;
              float *row = a + c * n_out;
              for (size_t j = 0; j < n_out; j++) {
                const float product = v * d[j];
                row[j] += product;
              }
            }
          }
        }
      }
    }
  }
}
