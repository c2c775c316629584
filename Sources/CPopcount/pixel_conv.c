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
 * 16 channels per instruction with vector thresholds (the output flip folded into the
 * weights' signs and the thresholds), on windows read from a zero-padded band of input rows
 * (see avx2_pixel_conv_int16). The arithmetic is integer and exact, so every form gives the
 * same bits. dispatch.c picks the table; nothing here
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
 * multiply. A window row is kw*c contiguous bytes, taken as byte pairs; per pair, vpmaddubsw
 * multiplies the two pixels (u8, one vpbroadcastw from memory) by the channels' two weights
 * (+1, -1, or 0 past the row and past n) and adds them, exactly (|sum| <= 510), into int16
 * lanes: |z| <= 255 * K <= 32640. The output bit is then one compare: the flip is folded in,
 *     (z < t) XOR 1  <=>  z >= t  <=>  -z < 1 - t,
 * so a flipped channel gets negated weights (z' = -z) and limit 1 - t, else z' = z and
 * limit t; limits are clamped to int16, which keeps every comparison. Two blocks of z' < limit
 * pack (vpacksswb) into 32 bytes whose byte order is the channel order (the blocks hold their
 * channels in the order packs interleaves), so one vpmovmskb gives 32 output bits.
 *
 * The pair weights and limits are laid out once per call (16 channels at a time, from a
 * bit-matrix transpose of their weight words). The windows are read from a band of kh input
 * rows in the scratch, covering a run of up to `run` output pixels of one output row, with
 * the padding as zeros and one spare byte a row (an odd row's last pair reads it, times
 * weight 0); the band is a ring of rows, so the next output row copies only its new input
 * rows. Every pixel then takes the same branch-free path, with no inside test and no
 * per-pixel copy. Pixels go four at a time, sharing each weight load; the common first layer
 * (3x3 window, one channel, stride 1, at most 32 channels) has its own unrolled instance. */

/* Scratch bytes past the pair weights and limits: at least kh * (kw*c + 1), one pixel's
 * band (see avx2_pixel_conv_int16). */
static size_t band_bytes(size_t k, size_t n, size_t steps) {
  size_t np = padded_channels(n);
  return bnn_pixel_conv_scratch_size(k, n) * sizeof(int32_t) - 2 * np * steps - 2 * np;
}

/* Block and lane of channel j: within each 32 channels, blocks 2g and 2g+1 hold channels
 * (0-7, 16-23) and (8-15, 24-31), so that packs_epi16(block 2g, block 2g+1) is in order. */
static inline size_t channel_slot(size_t j) {
  size_t g = j % 32;
  return (j / 32 * 2 + g / 8 % 2) * 16 + g % 8 + g / 16 * 8;
}

/* One pair step of `pix` windows: the pixel pairs at px + q*step times the weight pairs
 * of blocks a and b, into (init) or onto z0[q], z1[q]. */
static inline __attribute__((always_inline, target("avx2"))) void
pair_step(const uint8_t *px, size_t step, size_t pix, __m256i a, __m256i b, int init, __m256i *z0,
          __m256i *z1) {
  for (size_t q = 0; q < pix; q++) {
    int16_t two;
    __builtin_memcpy(&two, px + q * step, 2);
    __m256i x = _mm256_set1_epi16(two);
    __m256i y0 = _mm256_maddubs_epi16(x, a), y1 = _mm256_maddubs_epi16(x, b);
    z0[q] = init ? y0 : _mm256_add_epi16(z0[q], y0);
    z1[q] = init ? y1 : _mm256_add_epi16(z1[q], y1);
  }
}

/* For `pix` (<= 4) windows whose row ky starts at rows[ky] + at + q*step (q < pix):
 * bits[q] = 32 output bits (z' < limit) of the channels in blocks w0, w1 = w0 + steps. */
static inline __attribute__((always_inline, target("avx2"))) void
window_bits32(const uint8_t *const *rows, size_t at, size_t step, size_t pix, size_t kh,
              size_t pairs, const __m256i *w0, const int16_t *limit, uint64_t *bits) {
  size_t steps = kh * pairs;
  const __m256i *w1 = w0 + steps;
  __m256i z0[4], z1[4];
  /* The first pair sets z, the others add to it. */
  pair_step(rows[0] + at, step, pix, _mm256_loadu_si256(w0), _mm256_loadu_si256(w1), 1, z0, z1);
  for (size_t ky = 0; ky < kh; ky++)
    for (size_t p = ky == 0; p < pairs; p++)
      pair_step(rows[ky] + at + 2 * p, step, pix, _mm256_loadu_si256(w0 + ky * pairs + p),
                _mm256_loadu_si256(w1 + ky * pairs + p), 0, z0, z1);
  __m256i t0 = _mm256_loadu_si256((const __m256i *)limit);
  __m256i t1 = _mm256_loadu_si256((const __m256i *)(limit + 16));
  for (size_t q = 0; q < pix; q++) {
    __m256i lt0 = _mm256_cmpgt_epi16(t0, z0[q]), lt1 = _mm256_cmpgt_epi16(t1, z1[q]);
    bits[q] = (uint32_t)_mm256_movemask_epi8(_mm256_packs_epi16(lt0, lt1));
  }
}

/* `pix` output pixels, at o + q*out_stride, whose windows start at byte at + q*step of the
 * band rows. Channels past n have weights 0 and limit 0: bit 0. */
static inline __attribute__((always_inline, target("avx2"))) void
band_pixels(const uint8_t *const *rows, size_t at, size_t step, size_t pix, size_t kh, size_t pairs,
            size_t blocks, const __m256i *pair_weights, const int16_t *limits, uint64_t *o,
            size_t out_stride) {
  size_t steps = kh * pairs, out_words = (blocks + 3) / 4;
  for (size_t ow = 0; ow < out_words; ow++) {
    uint64_t bits[4] = {0, 0, 0, 0}, high[4] = {0, 0, 0, 0};
    window_bits32(rows, at, step, pix, kh, pairs, pair_weights + 4 * ow * steps, limits + 64 * ow,
                  bits);
    if (4 * ow + 2 < blocks)
      window_bits32(rows, at, step, pix, kh, pairs, pair_weights + (4 * ow + 2) * steps,
                    limits + 64 * ow + 32, high);
    for (size_t q = 0; q < pix; q++) o[q * out_stride + ow] = bits[q] | high[q] << 32;
  }
}

/* `count` output pixels of one band, four at a time. */
static inline __attribute__((always_inline, target("avx2"))) void
band_run(const uint8_t *const *rows, size_t step, size_t count, size_t kh, size_t pairs,
         size_t blocks, const __m256i *pair_weights, const int16_t *limits, uint64_t *o,
         size_t out_stride) {
  size_t t = 0;
  for (; t + 4 <= count; t += 4)
    band_pixels(rows, t * step, step, 4, kh, pairs, blocks, pair_weights, limits,
                o + t * out_stride, out_stride);
  for (; t < count; t++)
    band_pixels(rows, t * step, step, 1, kh, pairs, blocks, pair_weights, limits,
                o + t * out_stride, out_stride);
}

__attribute__((target("avx2"))) static void
avx2_pixel_conv_int16(const uint8_t *in, size_t h, size_t w, size_t c, size_t kh, size_t kw,
                      size_t stride, size_t pad_top, size_t pad_left, size_t out_h, size_t out_w,
                      const uint64_t *weights, size_t w_stride, size_t n, const int32_t *thresholds,
                      const uint64_t *flip, uint64_t *out, size_t out_stride, int32_t *scratch) {
  size_t seg = kw * c;               /* bytes of one window row */
  size_t pairs = (seg + 1) / 2;      /* byte pairs of one window row */
  size_t steps = kh * pairs;         /* pairs of the window */
  size_t blocks = (n + 31) / 32 * 2; /* 16-channel blocks, an even count */
  size_t k = kh * seg;
  /* Scratch: pair weights [blocks][steps][16 channels x 2] int8 (2*np*steps bytes, steps <= K),
   * limits [blocks*16] int16, then the band: within bnn_pixel_conv_scratch_size(K, n) int32
   * values, which leaves band_bytes >= 2*K*np + 4*K >= kh * (seg + 1) bytes. */
  int8_t *pair_weights = (int8_t *)scratch;
  int16_t *limits = (int16_t *)(pair_weights + blocks * steps * 32);
  uint8_t *band = (uint8_t *)(limits + blocks * 16);
  /* Pair (ky, p) of block bl, lane l (channel j, channel_slot(j) = 16*bl + l): bytes
   * 1 - 2*bit for weight bits i = ky*seg + 2p and i + 1 (0 past the row, 0 for j >= n),
   * of the weight row XOR all ones when j is flipped. m[i] holds bit i of the block's 16
   * lanes (a bit-matrix transpose by vmovmskpd), which one compare expands to lanes. */
  uint16_t m[INT16_MAX_K + 1];
  const __m256i lane_bits = _mm256_setr_epi16(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048,
                                              4096, 8192, (int16_t)16384, (int16_t)32768);
  for (size_t bl = 0; bl < blocks; bl++) {
    uint16_t valid = 0;
    for (size_t wi = 0; wi < (k + 63) / 64; wi++) {
      uint64_t words[16];
      for (size_t l = 0; l < 16; l++) {
        size_t j = bl / 2 * 32 + l % 8 + bl % 2 * 8 + l / 8 * 16;
        words[l] = 0;
        if (j >= n) continue;
        valid |= (uint16_t)(1u << l);
        uint64_t f = (flip[j / 64] >> (j % 64)) & 1;
        words[l] = weights[j * w_stride + wi] ^ (0 - f);
      }
      __m256i v[4];
      for (size_t r = 0; r < 4; r++) v[r] = _mm256_loadu_si256((const __m256i *)(words + 4 * r));
      for (size_t i = wi * 64; i < k && i < wi * 64 + 64; i++) {
        __m128i up = _mm_cvtsi64_si128((long long)(63 - i % 64));
        uint32_t bits = 0;
        for (size_t r = 0; r < 4; r++)
          bits |= (uint32_t)_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_sll_epi64(v[r], up)))
                  << (4 * r);
        m[i] = (uint16_t)bits;
      }
    }
    m[k] = 0;
    __m256i keep = _mm256_cmpeq_epi16(
        _mm256_and_si256(_mm256_set1_epi16((int16_t)valid), lane_bits), lane_bits);
    for (size_t ky = 0; ky < kh; ky++)
      for (size_t p = 0; p < pairs; p++) {
        size_t i = ky * seg + 2 * p;
        int second = 2 * p + 1 < seg;
        __m256i lo = _mm256_set1_epi16((int16_t)m[i]);
        __m256i hi = _mm256_set1_epi16((int16_t)(second ? m[i + 1] : 0));
        lo = _mm256_cmpeq_epi16(_mm256_and_si256(lo, lane_bits), lane_bits);
        hi = _mm256_cmpeq_epi16(_mm256_and_si256(hi, lane_bits), lane_bits);
        /* Bytes -1 where the bit is set: 1 + 2 * (-1) = -1, else 1. */
        __m256i set = _mm256_blendv_epi8(lo, hi, _mm256_set1_epi16((int16_t)0xFF00));
        __m256i pw = _mm256_add_epi8(_mm256_set1_epi8(1), _mm256_add_epi8(set, set));
        pw = _mm256_and_si256(pw, keep);
        if (!second) pw = _mm256_and_si256(pw, _mm256_set1_epi16(0x00FF));
        _mm256_storeu_si256((__m256i *)pair_weights + bl * steps + ky * pairs + p, pw);
      }
  }
  for (size_t j = 0; j < blocks * 16; j++) limits[j] = 0;
  for (size_t j = 0; j < n; j++) {
    int64_t t = thresholds[j];
    if ((flip[j / 64] >> (j % 64)) & 1) t = 1 - t;
    limits[channel_slot(j)] = (int16_t)(t > 32767 ? 32767 : t < -32768 ? -32768 : t);
  }
  /* A run of `run` output pixels takes a band of kh rows of span = (run-1)*stride + kw
   * pixels, plus the spare byte. */
  size_t room = band_bytes(k, n, steps) / kh;
  size_t run = (room - 1 - seg) / (stride * c) + 1;
  if (run > out_w) run = out_w;
  const __m256i *pw = (const __m256i *)pair_weights;
  /* The band holds kh input rows, row iy + pad_top in slot (iy + pad_top) % kh, so that
   * consecutive output rows reuse the rows they share; held[slot] is the row it holds. The
   * band is zeroed when the run's columns change, and only the image's columns
   * [lo, hi) of a row are written (zeros for a row outside the image). */
  const uint8_t *rows[INT16_MAX_K];
  size_t held[INT16_MAX_K];
  size_t band_ox0 = SIZE_MAX;
  for (size_t oy = 0; oy < out_h; oy++) {
    size_t first = oy * stride % kh; /* the slot of the window's first row */
    for (size_t ox0 = 0; ox0 < out_w; ox0 += run) {
      size_t count = out_w - ox0 < run ? out_w - ox0 : run;
      size_t span = (count - 1) * stride + kw, pitch = span * c + 1;
      /* Columns [x0, x0 + span) of the band, in signed pixels; [lo, hi) inside the image. */
      ptrdiff_t x0 = (ptrdiff_t)(ox0 * stride) - (ptrdiff_t)pad_left;
      ptrdiff_t lo = x0 > 0 ? x0 : 0, end = x0 + (ptrdiff_t)span;
      ptrdiff_t hi = end < (ptrdiff_t)w ? end : (ptrdiff_t)w;
      if (hi < lo) hi = lo;
      size_t left = (size_t)(lo - x0) * c, mid = (size_t)(hi - lo) * c;
      if (ox0 != band_ox0) {
        __builtin_memset(band, 0, kh * pitch);
        for (size_t s = 0; s < kh; s++) held[s] = SIZE_MAX;
        band_ox0 = ox0;
      }
      for (size_t ky = 0; ky < kh; ky++) {
        size_t r = oy * stride + ky, iy = r - pad_top;                /* wraps above */
        size_t slot = first + ky < kh ? first + ky : first + ky - kh; /* r % kh */
        uint8_t *dst = band + slot * pitch;
        rows[ky] = dst;
        if (held[slot] == r) continue;
        held[slot] = r;
        if (iy < h)
          __builtin_memcpy(dst + left, in + (iy * w + (size_t)lo) * c, mid);
        else
          __builtin_memset(dst + left, 0, mid);
      }
      uint64_t *o = out + (oy * out_w + ox0) * out_stride;
      if (kh == 3 && pairs == 2 && blocks == 2 && stride * c == 1)
        band_run(rows, 1, count, 3, 2, 2, pw, limits, o, out_stride);
      else
        band_run(rows, stride * c, count, kh, pairs, blocks, pw, limits, o, out_stride);
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
