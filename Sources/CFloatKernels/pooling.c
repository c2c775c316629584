/*
 * 2x2 max pooling with stride 2 over NHWC images (an odd last row or column is dropped):
 *
 *   out[n][y][x][c] = max_{dy,dx in {0,1}} in[n][2y+dy][2x+dx][c]
 *
 * The forward pass records which of the four inputs won (index 2*dy + dx, the first one
 * in that order on ties); the backward pass routes each output gradient to that input
 * alone and gives every other input (dropped rows and columns included) gradient 0.
 */
#include <string.h>

#include "cfloatkernels.h"

/* Both forward poolings: every 2x2 window of `in` (TYPE values), its winner by BETTER(a, b)
 * (a strictly better than b: the first in the order 00, 01, 10, 11 wins ties), stored as
 * CONVERT(best) and its index. Selects rather than branches, so the loop vectorises. */
#define MAXPOOL2X2(TYPE, BETTER, CONVERT)                                                          \
  const size_t oh = height / 2, ow = width / 2;                                                    \
  for (size_t n = 0; n < count; n++) {                                                             \
    const TYPE *image = in + n * height * width * channels;                                        \
    for (size_t y = 0; y < oh; y++) {                                                              \
      for (size_t x = 0; x < ow; x++) {                                                            \
        const TYPE *p00 = image + ((2 * y) * width + 2 * x) * channels;                            \
        const TYPE *p01 = p00 + channels;                                                          \
        const TYPE *p10 = p00 + width * channels;                                                  \
        const TYPE *p11 = p10 + channels;                                                          \
        const size_t o = ((n * oh + y) * ow + x) * channels;                                       \
        for (size_t c = 0; c < channels; c++) {                                                    \
          TYPE best = p00[c];                                                                      \
          int which = 0;                                                                           \
          const int w1 = BETTER(p01[c], best);                                                     \
          best = w1 ? p01[c] : best;                                                               \
          which = w1 ? 1 : which;                                                                  \
          const int w2 = BETTER(p10[c], best);                                                     \
          best = w2 ? p10[c] : best;                                                               \
          which = w2 ? 2 : which;                                                                  \
          const int w3 = BETTER(p11[c], best);                                                     \
          best = w3 ? p11[c] : best;                                                               \
          which = w3 ? 3 : which;                                                                  \
          out[o + c] = CONVERT(best);                                                              \
          index[o + c] = (unsigned char)which;                                                     \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
  }

#define GREATER(a, b) ((a) > (b))
#define LESS(a, b) ((a) < (b))
#define SAME(v) (v)

void bnn_maxpool2x2_forward(const float *restrict in, size_t count, size_t height, size_t width,
                            size_t channels, float *restrict out, unsigned char *restrict index) {
  MAXPOOL2X2(float, GREATER, SAME)
}

void bnn_maxpool2x2_popcounts(const int32_t *restrict in, int32_t k, size_t count, size_t height,
                              size_t width, size_t channels, float *restrict out,
                              unsigned char *restrict index) {
  /* The largest dot k - 2c is the smallest count c. */
#define DOT(c) ((float)(k - 2 * (c)))
  MAXPOOL2X2(int32_t, LESS, DOT)
#undef DOT
}

void bnn_maxpool2x2_backward(const float *restrict gradient_out,
                             const unsigned char *restrict index, size_t count, size_t height,
                             size_t width, size_t channels, float *restrict gradient_in) {
  const size_t oh = height / 2, ow = width / 2;
  /* Every window writes all four of its inputs; only a dropped odd row or column needs the
     zeros up front. */
  if ((height | width) & 1)
    memset(gradient_in, 0, count * height * width * channels * sizeof(float));
  for (size_t n = 0; n < count; n++) {
    float *image = gradient_in + n * height * width * channels;
    for (size_t y = 0; y < oh; y++) {
      for (size_t x = 0; x < ow; x++) {
        float *p00 = image + ((2 * y) * width + 2 * x) * channels;
        float *p01 = p00 + channels;
        float *p10 = p00 + width * channels;
        float *p11 = p10 + channels;
        const size_t o = ((n * oh + y) * ow + x) * channels;
        for (size_t c = 0; c < channels; c++) {
          const int which = index[o + c];
          const float g = gradient_out[o + c];
          p00[c] = which == 0 ? g : 0.0f;
          p01[c] = which == 1 ? g : 0.0f;
          p10[c] = which == 2 ? g : 0.0f;
          p11[c] = which == 3 ? g : 0.0f;
        }
      }
    }
  }
}
