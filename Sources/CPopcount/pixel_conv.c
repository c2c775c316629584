/* First-layer convolution on raw 8-bit pixels: the pixel_conv_threshold entry of the kernel
 * tables (contract: bnn_pixel_conv_threshold_fn in cpopcount.h).
 *
 * With w = -1 where the weight bit is 1:  z_j = sum_i x_i * w_ji = S - 2 * N_j, where
 * S = sum_i x_i (shared by all channels) and N_j = sum of the x_i whose weight is -1.
 * N_j needs no multiply: acc_j += x_i AND mask_ji (mask = all ones for -1, else 0).
 * Channels are processed in blocks of 32 accumulators, which the compiler keeps in
 * vector registers.
 *
 * One body, compiled twice: bnn_scalar_pixel_conv_threshold for the baseline ISA (the
 * reference, and the entry of the scalar, popcnt and neon tables) and, on x86-64,
 * bnn_avx2_pixel_conv_threshold with target("avx2") (the entry of the avx2 and avx512
 * tables), where the same loops vectorise 8 channels per instruction. For windows of at
 * most 128 values (|z| fits int16) the AVX2 entry uses an explicit 16-bit form instead,
 * 16 channels per instruction with vector thresholds. The arithmetic is integer and
 * exact, so every form gives the same bits. dispatch.c picks the table; nothing here
 * selects. */
#include "bnn_conv.h"
#include "kernels_internal.h"

enum { CHANNEL_BLOCK = 32 };

static size_t padded_channels(size_t n) {
  return (n + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK * CHANNEL_BLOCK;
}

size_t bnn_pixel_conv_scratch_size(size_t k, size_t n) {
  /* Masks (k x padded n), the window (k) and the counts N_j (padded n). */
  size_t np = padded_channels(n);
  return k * np + k + np;
}

static inline __attribute__((always_inline)) void
pixel_conv_body(const uint8_t *in, size_t h, size_t w, size_t c, size_t kh, size_t kw,
                size_t stride, size_t pad_top, size_t pad_left, size_t out_h, size_t out_w,
                const uint64_t *weights, size_t w_stride, size_t n, const int32_t *thresholds,
                const uint64_t *flip, uint64_t *out, size_t out_stride, int32_t *scratch) {
  size_t k = kh * kw * c;
  size_t np = padded_channels(n);
  int32_t *masks = scratch;           /* [k][np]: -1 where the weight is -1, else 0 */
  int32_t *window = scratch + k * np; /* [k] */
  int32_t *negative = window + k;     /* [np]: N_j */
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < np; j++)
      masks[i * np + j] = j < n ? -(int32_t)((weights[j * w_stride + i / 64] >> (i % 64)) & 1) : 0;
  size_t out_words = (n + 63) / 64;
  for (size_t oy = 0; oy < out_h; oy++) {
    for (size_t ox = 0; ox < out_w; ox++) {
      size_t t = 0;
      int32_t sum = 0;
      for (size_t ky = 0; ky < kh; ky++) {
        size_t iy = oy * stride + ky - pad_top; /* wraps when above the image */
        for (size_t kx = 0; kx < kw; kx++) {
          size_t ix = ox * stride + kx - pad_left;
          const uint8_t *px = (iy < h && ix < w) ? in + (iy * w + ix) * c : 0;
          for (size_t ch = 0; ch < c; ch++) {
            int32_t x = px ? px[ch] : 0;
            window[t++] = x;
            sum += x;
          }
        }
      }
      for (size_t j0 = 0; j0 < np; j0 += CHANNEL_BLOCK) {
        int32_t acc[CHANNEL_BLOCK] = {0};
        for (size_t i = 0; i < k; i++) {
          int32_t x = window[i];
          const int32_t *m = masks + i * np + j0;
          for (size_t jj = 0; jj < CHANNEL_BLOCK; jj++) acc[jj] += x & m[jj];
        }
        for (size_t jj = 0; jj < CHANNEL_BLOCK; jj++) negative[j0 + jj] = acc[jj];
      }
      uint64_t *o = out + (oy * out_w + ox) * out_stride;
      for (size_t ow = 0; ow < out_words; ow++) {
        uint64_t bits = 0;
        size_t end = (ow + 1) * 64 < n ? (ow + 1) * 64 : n;
        for (size_t j = ow * 64; j < end; j++) {
          int32_t z = sum - 2 * negative[j];
          bits |= (uint64_t)(z < thresholds[j]) << (j % 64);
        }
        uint64_t used = (end - ow * 64) == 64 ? ~0ULL : ((1ULL << (end - ow * 64)) - 1);
        o[ow] = (bits ^ flip[ow]) & used;
      }
    }
  }
}

#define PIXEL_CONV_ARGUMENTS                                                                       \
  in, h, w, c, kh, kw, stride, pad_top, pad_left, out_h, out_w, weights, w_stride, n, thresholds,  \
      flip, out, out_stride, scratch

void bnn_scalar_pixel_conv_threshold(const uint8_t *in, size_t h, size_t w, size_t c, size_t kh,
                                     size_t kw, size_t stride, size_t pad_top, size_t pad_left,
                                     size_t out_h, size_t out_w, const uint64_t *weights,
                                     size_t w_stride, size_t n, const int32_t *thresholds,
                                     const uint64_t *flip, uint64_t *out, size_t out_stride,
                                     int32_t *scratch) {
  pixel_conv_body(PIXEL_CONV_ARGUMENTS);
}

#if defined(BNN_HAVE_X86)
#include <immintrin.h>

/* Windows up to this many pixels keep |z| <= 255 * K within int16. */
enum { INT16_MAX_K = 128 };

/* 16-bit AVX2 form for K <= 128: 16 channels per instruction, two window values per
 * multiply. A window row is kw*c contiguous bytes of the image, taken as byte pairs; per
 * pair, vpmaddubsw multiplies the two pixels (u8) by the channels' two weights (+1, -1, or 0
 * past the row and past n) and adds them, exactly (|sum| <= 510), into int16 lanes:
 * |z| <= 255 * K <= 32640. Windows inside the image are read in place; windows that cover
 * padding (or whose last pair would read past the image) are first copied into a zeroed
 * buffer. Then z < t is one compare per block, and two blocks pack into 32 output bits.
 * Thresholds are clamped to int16, which keeps every comparison. */
__attribute__((target("avx2"))) static void
avx2_pixel_conv_int16(const uint8_t *in, size_t h, size_t w, size_t c, size_t kh, size_t kw,
                      size_t stride, size_t pad_top, size_t pad_left, size_t out_h, size_t out_w,
                      const uint64_t *weights, size_t w_stride, size_t n, const int32_t *thresholds,
                      const uint64_t *flip, uint64_t *out, size_t out_stride, int32_t *scratch) {
  size_t seg = kw * c;               /* bytes of one window row */
  size_t pairs = (seg + 1) / 2;      /* byte pairs of one window row */
  size_t steps = kh * pairs;         /* pairs of the window */
  size_t blocks = (n + 31) / 32 * 2; /* 16-channel blocks, an even count */
  /* Scratch: pair weights [blocks][steps][16 channels x 2] int8, limits [blocks*16] int16,
   * the window [kh][2*pairs] bytes: within bnn_pixel_conv_scratch_size(K, n) int32 values
   * (steps <= K, so the weights take at most 32*blocks*K/2 bytes). */
  int8_t *pair_weights = (int8_t *)scratch;
  int16_t *limits = (int16_t *)(pair_weights + blocks * steps * 32);
  uint8_t *window = (uint8_t *)(limits + blocks * 16);
  for (size_t b = 0; b < blocks; b++)
    for (size_t ky = 0; ky < kh; ky++)
      for (size_t e = 0; e < 2 * pairs; e++)
        for (size_t l = 0; l < 16; l++) {
          size_t j = b * 16 + l, i = ky * seg + e;
          int8_t v = 0;
          if (j < n && e < seg) v = ((weights[j * w_stride + i / 64] >> (i % 64)) & 1) ? -1 : 1;
          pair_weights[((b * steps + ky * pairs + e / 2) * 16 + l) * 2 + e % 2] = v;
        }
  for (size_t j = 0; j < blocks * 16; j++) {
    int32_t t = j < n ? thresholds[j] : 0;
    limits[j] = (int16_t)(t > 32767 ? 32767 : t < -32768 ? -32768 : t);
  }
  size_t out_words = (n + 63) / 64;
  size_t row_bytes = w * c;
  for (size_t oy = 0; oy < out_h; oy++) {
    size_t iy0 = oy * stride - pad_top; /* wraps when above the image */
    int rows_inside = iy0 < h && kh <= h - iy0;
    for (size_t ox = 0; ox < out_w; ox++) {
      size_t ix0 = ox * stride - pad_left;
      int inside = rows_inside && ix0 < w && kw <= w - ix0;
      /* An odd row's last pair reads one byte past the window: past the image only for a
       * window in its bottom-right corner. */
      if (inside && seg % 2 && iy0 + kh == h && ix0 + kw == w) inside = 0;
      const uint8_t *base;
      size_t pitch;
      if (inside) {
        base = in + iy0 * row_bytes + ix0 * c;
        pitch = row_bytes;
      } else {
        for (size_t ky = 0; ky < kh; ky++) {
          size_t iy = iy0 + ky;
          uint8_t *dst = window + ky * 2 * pairs;
          for (size_t kx = 0; kx < kw; kx++) {
            size_t ix = ix0 + kx;
            const uint8_t *px = (iy < h && ix < w) ? in + iy * row_bytes + ix * c : 0;
            for (size_t ch = 0; ch < c; ch++) dst[kx * c + ch] = px ? px[ch] : 0;
          }
          if (seg % 2) dst[seg] = 0;
        }
        base = window;
        pitch = 2 * pairs;
      }
      uint64_t *o = out + (oy * out_w + ox) * out_stride;
      for (size_t b = 0; b < blocks; b += 2) {
        __m256i z0 = _mm256_setzero_si256(), z1 = _mm256_setzero_si256();
        const __m256i *w0 = (const __m256i *)pair_weights + b * steps;
        const __m256i *w1 = w0 + steps;
        for (size_t ky = 0; ky < kh; ky++) {
          const uint8_t *row = base + ky * pitch;
          for (size_t p = 0; p < pairs; p++, w0++, w1++) {
            int16_t two;
            __builtin_memcpy(&two, row + 2 * p, 2);
            __m256i x = _mm256_set1_epi16(two);
            z0 = _mm256_add_epi16(z0, _mm256_maddubs_epi16(x, _mm256_loadu_si256(w0)));
            z1 = _mm256_add_epi16(z1, _mm256_maddubs_epi16(x, _mm256_loadu_si256(w1)));
          }
        }
        __m256i lt0 =
            _mm256_cmpgt_epi16(_mm256_loadu_si256((const __m256i *)(limits + b * 16)), z0);
        __m256i lt1 =
            _mm256_cmpgt_epi16(_mm256_loadu_si256((const __m256i *)(limits + b * 16 + 16)), z1);
        /* packs interleaves 8-channel halves per 128-bit lane; the permute restores order. */
        __m256i packed = _mm256_permute4x64_epi64(_mm256_packs_epi16(lt0, lt1), 0xD8);
        uint64_t bits = (uint32_t)_mm256_movemask_epi8(packed);
        size_t word = b / 4, shift = (b % 4) * 16;
        if (shift == 0)
          o[word] = bits;
        else
          o[word] |= bits << 32;
      }
      for (size_t ow = 0; ow < out_words; ow++) {
        size_t used = n - ow * 64 < 64 ? n - ow * 64 : 64;
        o[ow] = (o[ow] ^ flip[ow]) & (used == 64 ? ~0ULL : (1ULL << used) - 1);
      }
    }
  }
}

__attribute__((target("avx2"))) void
bnn_avx2_pixel_conv_threshold(const uint8_t *in, size_t h, size_t w, size_t c, size_t kh, size_t kw,
                              size_t stride, size_t pad_top, size_t pad_left, size_t out_h,
                              size_t out_w, const uint64_t *weights, size_t w_stride, size_t n,
                              const int32_t *thresholds, const uint64_t *flip, uint64_t *out,
                              size_t out_stride, int32_t *scratch) {
  if (kh * kw * c <= INT16_MAX_K && n > 0)
    avx2_pixel_conv_int16(PIXEL_CONV_ARGUMENTS);
  else
    pixel_conv_body(PIXEL_CONV_ARGUMENTS);
}
#endif
