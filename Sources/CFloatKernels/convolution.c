/*
 * im2col and its adjoint col2im over NHWC images: a convolution becomes one SGEMM.
 *
 * Row (n, oy, ox) of the unfolded matrix holds the window of output pixel (oy, ox) of
 * image n, in (ky, kx, channel) order (the weights' [C_out][kh][kw][C_in] layout):
 *
 *   cols[((n*OH + oy)*OW + ox)][(ky*KW + kx)*C + c] = x[n][iy][ix][c]   (or pad_value)
 *   with iy = oy*stride + ky - pad_top,  ix = ox*stride + kx - pad_left
 *
 * where positions outside the image read `pad_value` (+1 for binary activations, 0 for
 * pixels). col2im adds every element of `cols` back onto the input position it came from
 * (padding positions are dropped): the gradient of im2col.
 */
#include <string.h>

#include "cfloatkernels.h"

void bnn_im2col(const float *restrict images, size_t count, const bnn_window *g, float pad_value,
                float *restrict cols) {
  const size_t c = g->channels;
  const size_t image_size = g->height * g->width * c;
  const size_t row_size = g->kernel_height * g->kernel_width * c;
  for (size_t n = 0; n < count; n++) {
    const float *x = images + n * image_size;
    for (size_t oy = 0; oy < g->out_height; oy++) {
      for (size_t ox = 0; ox < g->out_width; ox++) {
        float *row = cols + ((n * g->out_height + oy) * g->out_width + ox) * row_size;
        for (size_t ky = 0; ky < g->kernel_height; ky++) {
          const ptrdiff_t iy = (ptrdiff_t)(oy * g->stride + ky) - (ptrdiff_t)g->pad_top;
          float *out = row + ky * g->kernel_width * c;
          if (iy < 0 || iy >= (ptrdiff_t)g->height) {
            for (size_t i = 0; i < g->kernel_width * c; i++) out[i] = pad_value;
            continue;
          }
          for (size_t kx = 0; kx < g->kernel_width; kx++) {
            const ptrdiff_t ix = (ptrdiff_t)(ox * g->stride + kx) - (ptrdiff_t)g->pad_left;
            float *o = out + kx * c;
            if (ix < 0 || ix >= (ptrdiff_t)g->width) {
              for (size_t i = 0; i < c; i++) o[i] = pad_value;
            } else {
              memcpy(o, x + ((size_t)iy * g->width + (size_t)ix) * c, c * sizeof(float));
            }
          }
        }
      }
    }
  }
}

void bnn_col2im(const float *restrict cols, size_t count, const bnn_window *g,
                float *restrict images) {
  /* Gathered per input position: its sum starts at 0 and adds the elements that read it
     in the order of their output pixels (oy, ox) (each output pixel reads an input
     position at most once), the order a scatter over the rows would add them in. Every
     input position is written once, while it is in cache. */
  const size_t c = g->channels, s = g->stride;
  const size_t image_size = g->height * g->width * c;
  const size_t row_size = g->kernel_height * g->kernel_width * c;
  for (size_t n = 0; n < count; n++) {
    float *x = images + n * image_size;
    const float *image_cols = cols + n * g->out_height * g->out_width * row_size;
    for (size_t iy = 0; iy < g->height; iy++) {
      /* output rows oy with ky = iy + pad_top - oy * s in [0, kernel_height) */
      const size_t y_top = iy + g->pad_top;
      const size_t oy_first =
          y_top + 1 > g->kernel_height ? (y_top + 1 - g->kernel_height + s - 1) / s : 0;
      const size_t oy_end = y_top / s + 1 < g->out_height ? y_top / s + 1 : g->out_height;
      for (size_t ix = 0; ix < g->width; ix++) {
        const size_t x_left = ix + g->pad_left;
        const size_t ox_first =
            x_left + 1 > g->kernel_width ? (x_left + 1 - g->kernel_width + s - 1) / s : 0;
        const size_t ox_end = x_left / s + 1 < g->out_width ? x_left / s + 1 : g->out_width;
        float *target = x + (iy * g->width + ix) * c;
        for (size_t i = 0; i < c; i++) target[i] = 0.0f;
        for (size_t oy = oy_first; oy < oy_end; oy++) {
          const size_t ky = y_top - oy * s;
          for (size_t ox = ox_first; ox < ox_end; ox++) {
            const size_t kx = x_left - ox * s;
            const float *in =
                image_cols + (oy * g->out_width + ox) * row_size + (ky * g->kernel_width + kx) * c;
            for (size_t i = 0; i < c; i++) target[i] += in[i];
          }
        }
      }
    }
  }
}
