/* The window bookkeeping of the channel-blocked binary convolutions (binary_conv.c for AVX2,
 * binary_conv_avx512.c): the packed weights' blocks, where each output pixel's 32-bit steps
 * are read (in place from the input for windows inside the image, else gathered with zero
 * padding), and the scratch layout. Plain C, shared by both; not a public header. */
#ifndef CPOPCOUNT_CONV_WINDOWS_H
#define CPOPCOUNT_CONV_WINDOWS_H

#include "kernels_internal.h"

/* Output channels per block of the packed weights: 4 AVX2 vectors of 8 lanes, or 2 AVX-512
 * vectors of 16. */
enum { CONV_BLOCK = 32 };

/* The 32-bit steps of a pixel: its used 32-bit halves (ceil(c/32)), at most its words'. */
static inline size_t conv_halves(size_t c, size_t wpp) {
  size_t halves = (c + 31) / 32;
  return halves == 0 || halves > 2 * wpp ? 2 * wpp : halves;
}

/* Output pixels whose windows one pass over a block's weights serves, at most. */
enum { CONV_GROUP = 4 };

#if defined(BNN_HAVE_X86) /* the channel-blocked forms are x86-64's */
#include <string.h>

/* One pixel's steps: for each tap (ky, kx) its used 32-bit halves, 0 for padding. */
static inline __attribute__((always_inline)) void
gather_steps(const uint64_t *in, size_t h, size_t w, size_t wpp, size_t halves, size_t kh,
             size_t kw, size_t stride, size_t pad_top, size_t pad_left, size_t oy, size_t ox,
             uint32_t *steps) {
  for (size_t ky = 0; ky < kh; ky++) {
    size_t iy = oy * stride + ky - pad_top; /* wraps when above the image */
    for (size_t kx = 0; kx < kw; kx++, steps += halves) {
      size_t ix = ox * stride + kx - pad_left;
      if (iy < h && ix < w) {
        const uint64_t *px = in + (iy * w + ix) * wpp;
        for (size_t d = 0; d < halves; d++) steps[d] = (uint32_t)(px[d / 2] >> (32 * (d % 2)));
      } else {
        for (size_t d = 0; d < halves; d++) steps[d] = 0;
      }
    }
  }
}

/* Where output pixel r's steps are read: in place from the input when its window lies
 * inside the image (offsets `in_place`, bytes from the window's first pixel), else gathered
 * into `buffer` (offsets `gathered`). */
static inline __attribute__((always_inline)) const unsigned char *
window_steps(const uint64_t *in, size_t h, size_t w, size_t wpp, size_t halves, size_t kh,
             size_t kw, size_t stride, size_t pad_top, size_t pad_left, size_t out_w, size_t r,
             const size_t *in_place, const size_t *gathered, uint32_t *buffer,
             const size_t **offsets) {
  size_t oy = r / out_w, ox = r % out_w;
  size_t iy = oy * stride - pad_top, ix = ox * stride - pad_left; /* wrap when negative */
  if (iy < h && h - iy >= kh && ix < w && w - ix >= kw) {
    *offsets = in_place;
    return (const unsigned char *)(in + (iy * w + ix) * wpp);
  }
  gather_steps(in, h, w, wpp, halves, kh, kw, stride, pad_top, pad_left, oy, ox, buffer);
  *offsets = gathered;
  return (const unsigned char *)buffer;
}

/* The 32-bit word at `p` (any alignment; x86 is little-endian, so the low half of a 64-bit
 * word comes first). */
static inline __attribute__((always_inline)) int32_t load_step(const unsigned char *p) {
  int32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* What the channel-blocked entries share: the packed weights (given, or packed into the
 * scratch), and the tables of where each step is read. */
typedef struct {
  const uint32_t *packed;
  int32_t *limits;  /* np int32 of scratch, for the threshold entry */
  uint32_t *pixel;  /* CONV_GROUP pixels' gathered steps */
  size_t *in_place; /* steps' byte offsets in a window of the input */
  size_t *gathered; /* and in a gathered pixel */
  size_t halves, steps, blocks;
} conv_setup;

/* The setup of one call; `thresholds` (NULL for the counts entry) are copied into the
 * limits, 0 past n. */
static inline conv_setup setup_conv(const uint64_t *weights, size_t w_stride,
                                    const uint32_t *packed, const int32_t *thresholds, size_t n,
                                    size_t c, size_t w, size_t wpp, size_t kh, size_t kw,
                                    uint64_t *scratch) {
  conv_setup u;
  u.halves = conv_halves(c, wpp);
  u.steps = kh * kw * u.halves;
  size_t np = (n + CONV_BLOCK - 1) / CONV_BLOCK * CONV_BLOCK;
  u.blocks = np / CONV_BLOCK;
  /* Scratch: the packed weights when not given, limits[np], CONV_GROUP pixels' gathered
   * steps, and the two offset tables (bnn_binary_conv_scratch_words). */
  uint32_t *own = (uint32_t *)scratch;
  u.limits = (int32_t *)(own + np * u.steps);
  u.pixel = (uint32_t *)(u.limits + np);
  u.in_place = (size_t *)(u.pixel + CONV_GROUP * u.steps);
  u.gathered = u.in_place + u.steps;
  if (!packed) {
    bnn_avx2_binary_conv_pack(weights, w_stride, n, c, kh, kw, wpp, own);
    packed = own;
  }
  u.packed = packed;
  if (thresholds)
    for (size_t j = 0; j < np; j++) u.limits[j] = j < n ? thresholds[j] : 0;
  for (size_t ky = 0, s = 0; ky < kh; ky++)
    for (size_t kx = 0; kx < kw; kx++)
      for (size_t d = 0; d < u.halves; d++, s++) {
        u.in_place[s] = (ky * w + kx) * wpp * 8 + 4 * d;
        u.gathered[s] = 4 * s;
      }
  return u;
}

/* Up to CONV_GROUP output pixels' steps: pixel i's step s is the 32 bits at
 * at[i] + offsets[i][s]. */
typedef struct {
  const unsigned char *at[CONV_GROUP];
  const size_t *offsets[CONV_GROUP];
} pixel_group;

/* Output pixels r0, r0 + 1, ..., r0 + count - 1, each clamped to the last pixel `last` (a
 * short last group computes that pixel again). */
static inline __attribute__((always_inline)) pixel_group
group_windows(const uint64_t *in, size_t h, size_t w, size_t wpp, size_t kh, size_t kw,
              size_t stride, size_t pad_top, size_t pad_left, size_t out_w, size_t r0, size_t count,
              size_t last, const conv_setup *u) {
  pixel_group group;
  for (size_t i = 0; i < count; i++)
    group.at[i] = window_steps(in, h, w, wpp, u->halves, kh, kw, stride, pad_top, pad_left, out_w,
                               r0 + i < last ? r0 + i : last, u->in_place, u->gathered,
                               u->pixel + i * u->steps, &group.offsets[i]);
  return group;
}

#endif /* x86-64 */

#endif
