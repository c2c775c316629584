/*
 * AVX2 int8 gradient kernels (contracts: "int8 gradient products" in cfloatkernels.h). Compiled
 * for AVX2 by the target attribute only; dispatch.c hands them out only when the CPU has AVX2.
 * Each gives the portable entry's bytes: the same integers, and the same float operations in
 * the same order (cvtps2dq rounds to nearest even as s8_quantize does).
 *
 * The product's tile:
 * Tile: 6 rows of q x 32 columns of u. A step takes one pair t = 2p, 2p+1: two loads of u's
 * pair row (32 columns x 2 bytes), and per row a broadcast of (q[2p], q[2p+1]) as one 16-bit
 * lane; vpmaddubsw then gives, per column j, u[2p][j] q[2p] + u[2p+1][j] q[2p+1] as int16
 * (|.| <= 2 * 127, no saturation). 12 int16 accumulators + 2 u vectors + 1 broadcast = 15 ymm.
 * The int16 sums are widened into int32 every 128 steps (128 * 254 < 2^15), so the integers
 * are exact for any depth; the finishing step is the portable one's, 8 lanes at a time.
 */
#include "kernels_internal.h"

#ifdef SGEMM_HAVE_X86
#include <immintrin.h>
#include <string.h>

#define INT8_AVX2 __attribute__((target("avx2")))

enum { TILE_ROWS = 6, TILE_COLS = 32, PAIRS_PER_FLUSH = 128 };

static inline INT8_AVX2 __m256i broadcast_pair(const int8_t *q) {
  int16_t pair;
  memcpy(&pair, q, sizeof pair);
  return _mm256_set1_epi16(pair);
}

/* The 32 int16 lanes of (low, high) sign-extended to int32, in column order. */
static inline INT8_AVX2 void widen(__m256i low, __m256i high, __m256i out[4]) {
  out[0] = _mm256_cvtepi16_epi32(_mm256_castsi256_si128(low));
  out[1] = _mm256_cvtepi16_epi32(_mm256_extracti128_si256(low, 1));
  out[2] = _mm256_cvtepi16_epi32(_mm256_castsi256_si128(high));
  out[3] = _mm256_cvtepi16_epi32(_mm256_extracti128_si256(high, 1));
}

/* total[0..<32] (+)= the widened lanes of (low, high); `first`: store instead of add. */
static inline INT8_AVX2 void widen_into(int32_t *total, __m256i low, __m256i high, int first) {
  __m256i parts[4];
  widen(low, high, parts);
  for (int k = 0; k < 4; k++) {
    __m256i *t = (__m256i *)(total + 8 * k);
    _mm256_store_si256(t, first ? parts[k] : _mm256_add_epi32(_mm256_load_si256(t), parts[k]));
  }
}

/* Row i of the tile: S = the widened (low, high) (+ total, the earlier chunks', if not NULL),
 * then c[0..<cols] gets s8_unit_finish, 8 lanes at a time when cols == 32: the same float
 * operations in the same order. */
static inline INT8_AVX2 void finish_row(__m256i low, __m256i high, const int32_t *total,
                                        size_t cols, float scale, int32_t sum, float *c,
                                        int accumulate) {
  __m256i s[4];
  widen(low, high, s);
  if (total)
    for (int k = 0; k < 4; k++)
      s[k] = _mm256_add_epi32(s[k], _mm256_load_si256((const __m256i *)(total + 8 * k)));
  if (cols == TILE_COLS) {
    const __m256 vscale = _mm256_set1_ps(scale);
    const __m256i vsum = _mm256_set1_epi32(sum);
    for (int k = 0; k < 4; k++) {
      const __m256i twice = _mm256_sub_epi32(_mm256_add_epi32(s[k], s[k]), vsum);
      const __m256 product = _mm256_mul_ps(vscale, _mm256_cvtepi32_ps(twice));
      float *ck = c + 8 * k;
      _mm256_storeu_ps(ck, accumulate ? _mm256_add_ps(_mm256_loadu_ps(ck), product) : product);
    }
    return;
  }
  _Alignas(32) int32_t lanes[TILE_COLS];
  for (int k = 0; k < 4; k++) _mm256_store_si256((__m256i *)(lanes + 8 * k), s[k]);
  for (size_t j = 0; j < cols; j++) s8_unit_finish(c + j, lanes[j], scale, sum, accumulate);
}

#define ROW_STEP(r)                                                                                \
  do {                                                                                             \
    const __m256i b = broadcast_pair(row##r + p * q_pair_stride);                                  \
    acc##r##0 = _mm256_add_epi16(acc##r##0, _mm256_maddubs_epi16(u0, b));                          \
    acc##r##1 = _mm256_add_epi16(acc##r##1, _mm256_maddubs_epi16(u1, b));                          \
  } while (0)

/* One tile's pairs start ..< end (at most PAIRS_PER_FLUSH of them): `rows` (1...6) rows
 * from q, `cols` (1...32) columns from u (which holds 32 readable columns from there). Rows
 * past `rows` repeat the last one, unstored. The sums go into total (int32, 6 x 32; stored
 * when start == 0, else added), unless end == pairs: then the tile is finished into c, with
 * total's earlier sums when start > 0. */
static INT8_AVX2 void tile(size_t rows, size_t cols, size_t start, size_t end, size_t pairs,
                           const int8_t *q, size_t q_row_stride, size_t q_pair_stride,
                           const float *scale, const int32_t *sum, const uint8_t *u, size_t ldu,
                           int32_t (*total)[TILE_COLS], float *c, size_t ldc, int accumulate) {
  const int8_t *row0 = q, *row1 = q + (rows > 1 ? 1 : 0) * q_row_stride;
  const int8_t *row2 = q + (rows > 2 ? 2 : rows - 1) * q_row_stride;
  const int8_t *row3 = q + (rows > 3 ? 3 : rows - 1) * q_row_stride;
  const int8_t *row4 = q + (rows > 4 ? 4 : rows - 1) * q_row_stride;
  const int8_t *row5 = q + (rows > 5 ? 5 : rows - 1) * q_row_stride;
  __m256i acc00 = _mm256_setzero_si256(), acc01 = _mm256_setzero_si256();
  __m256i acc10 = _mm256_setzero_si256(), acc11 = _mm256_setzero_si256();
  __m256i acc20 = _mm256_setzero_si256(), acc21 = _mm256_setzero_si256();
  __m256i acc30 = _mm256_setzero_si256(), acc31 = _mm256_setzero_si256();
  __m256i acc40 = _mm256_setzero_si256(), acc41 = _mm256_setzero_si256();
  __m256i acc50 = _mm256_setzero_si256(), acc51 = _mm256_setzero_si256();
  for (size_t p = start; p < end; p++) {
    const uint8_t *up = u + p * 2 * ldu;
    const __m256i u0 = _mm256_loadu_si256((const __m256i *)up);
    const __m256i u1 = _mm256_loadu_si256((const __m256i *)(up + 32));
    ROW_STEP(0);
    ROW_STEP(1);
    ROW_STEP(2);
    ROW_STEP(3);
    ROW_STEP(4);
    ROW_STEP(5);
  }
  if (end < pairs) {
    const int first = start == 0;
    widen_into(total[0], acc00, acc01, first);
    widen_into(total[1], acc10, acc11, first);
    widen_into(total[2], acc20, acc21, first);
    widen_into(total[3], acc30, acc31, first);
    widen_into(total[4], acc40, acc41, first);
    widen_into(total[5], acc50, acc51, first);
    return;
  }
  const int earlier = start > 0;
#define FINISH_ROW(r)                                                                              \
  if (r < rows)                                                                                    \
  finish_row(acc##r##0, acc##r##1, earlier ? total[r] : NULL, cols, scale[r], sum[r], c + (r)*ldc, \
             accumulate)
  FINISH_ROW(0);
  FINISH_ROW(1);
  FINISH_ROW(2);
  FINISH_ROW(3);
  FINISH_ROW(4);
  FINISH_ROW(5);
#undef FINISH_ROW
}

/* Row tiles that share each chunk of PAIRS_PER_FLUSH pairs of u (64 bytes a pair: 8 KiB,
 * which stays in L1 while they run); their int32 sums take 12 KiB of stack. */
enum { GROUP_TILES = 16 };

INT8_AVX2 void bnn_s8_unit_gemm_avx2(size_t m, size_t n, size_t depth, const int8_t *q,
                                     size_t q_row_stride, size_t q_pair_stride, const float *scale,
                                     const int32_t *sum, const uint8_t *u, size_t ldu, float *c,
                                     size_t ldc, int accumulate) {
  const size_t pairs = (depth + 1) / 2;
  _Alignas(32) int32_t total[GROUP_TILES][TILE_ROWS][TILE_COLS];
  for (size_t j = 0; j < n; j += TILE_COLS) {
    const size_t cols = n - j < TILE_COLS ? n - j : TILE_COLS;
    for (size_t group = 0; group < m; group += GROUP_TILES * TILE_ROWS) {
      const size_t group_end =
          m - group < GROUP_TILES * TILE_ROWS ? m : group + GROUP_TILES * TILE_ROWS;
      /* Chunk by chunk over every tile of the group (the integer sums do not depend on the
         order); the last chunk finishes each tile. With pairs == 0 the one pass finishes. */
      for (size_t start = 0; start < pairs || start == 0; start += PAIRS_PER_FLUSH) {
        const size_t end = pairs - start > PAIRS_PER_FLUSH ? start + PAIRS_PER_FLUSH : pairs;
        for (size_t i = group; i < group_end; i += TILE_ROWS) {
          const size_t rows = group_end - i < TILE_ROWS ? group_end - i : TILE_ROWS;
          tile(rows, cols, start, end, pairs, q + i * q_row_stride, q_row_stride, q_pair_stride,
               scale + i, sum + i, u + 2 * j, ldu, total[(i - group) / TILE_ROWS], c + i * ldc + j,
               ldc, accumulate);
        }
      }
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Quantisers and packers, 32 columns at a time; the tails are the portable steps. */

/* 32 int32 lanes (4 vectors of 8, in column order) as 32 bytes in column order. vpackssdw
 * and vpacksswb work within 128-bit lanes, so the dwords come out as (0a 1a 2a 3a 0b 1b 2b 3b)
 * for vectors 0-3 and halves a, b; vpermd puts them back. Values must lie in [-128, 127]. */
static inline INT8_AVX2 __m256i bytes_of(__m256i v0, __m256i v1, __m256i v2, __m256i v3) {
  const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(v0, v1), _mm256_packs_epi32(v2, v3));
  return _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/* The bytes of two rows' 32 columns, interleaved (row 0's, row 1's) and stored: 64 bytes. */
static inline INT8_AVX2 void store_pairs(void *out, __m256i first, __m256i second) {
  const __m256i low = _mm256_unpacklo_epi8(first, second);  /* columns 0-7 | 16-23 */
  const __m256i high = _mm256_unpackhi_epi8(first, second); /* columns 8-15 | 24-31 */
  _mm256_storeu_si256((__m256i *)out, _mm256_permute2x128_si256(low, high, 0x20));
  _mm256_storeu_si256((__m256i *)out + 1, _mm256_permute2x128_si256(low, high, 0x31));
}

static inline INT8_AVX2 __m256 magnitudes(__m256 x) {
  return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
}

/* The quantised values of x[0..<32] with multipliers inverse[0..<32] (stride 0: one
 * multiplier for all), as int32 vectors in column order. */
static inline INT8_AVX2 void quantize32(const float *x, const float *inverse, size_t stride,
                                        __m256i v[4]) {
  for (int k = 0; k < 4; k++) {
    const __m256 m = stride ? _mm256_loadu_ps(inverse + 8 * k) : _mm256_broadcast_ss(inverse);
    v[k] = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), m));
  }
}

static inline INT8_AVX2 int32_t horizontal_sum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

INT8_AVX2 void bnn_quantize_rows_s8_avx2(const float *restrict x, size_t rows, size_t cols,
                                         size_t ldx, int8_t *restrict q, size_t ldq,
                                         float *restrict scale, int32_t *restrict sum) {
  for (size_t r = 0; r < rows; r++) {
    const float *row = x + r * ldx;
    int8_t *out = q + r * ldq;
    __m256 vmax = _mm256_setzero_ps();
    size_t c = 0;
    for (; c + 8 <= cols; c += 8) vmax = _mm256_max_ps(vmax, magnitudes(_mm256_loadu_ps(row + c)));
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(vmax), _mm256_extractf128_ps(vmax, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_shuffle_ps(m4, m4, 1));
    float max = _mm_cvtss_f32(m4);
    for (; c < cols; c++) {
      const float a = s8_magnitude(row[c]);
      max = a > max ? a : max;
    }
    const float inverse = s8_inverse_of(max);
    __m256i total = _mm256_setzero_si256();
    c = 0;
    for (; c + 32 <= cols; c += 32) {
      __m256i v[4];
      quantize32(row + c, &inverse, 0, v);
      total = _mm256_add_epi32(
          total, _mm256_add_epi32(_mm256_add_epi32(v[0], v[1]), _mm256_add_epi32(v[2], v[3])));
      _mm256_storeu_si256((__m256i *)(out + c), bytes_of(v[0], v[1], v[2], v[3]));
    }
    int32_t rest = horizontal_sum(total);
    for (; c < cols; c++) {
      out[c] = s8_quantize(row[c], inverse);
      rest += out[c];
    }
    if (cols & 1) out[cols] = 0;
    scale[r] = s8_scale_of(max);
    sum[r] = rest;
  }
}

INT8_AVX2 void bnn_quantize_column_pairs_s8_avx2(const float *restrict x, size_t rows, size_t cols,
                                                 size_t ldx, int8_t *restrict q, size_t ldq,
                                                 float *restrict scale, int32_t *restrict sum,
                                                 float *restrict work) {
  const size_t wide = cols & ~(size_t)31; /* columns done 32 at a time */
  /* Column maxima: 64 columns at a time in eight registers over all rows, then 8 at a
     time, then the last cols % 8 one by one (the same max operations as a running
     maximum in memory, row by row). */
  size_t c0 = 0;
  for (; c0 + 64 <= cols; c0 += 64) {
    __m256 m[8];
    for (int k = 0; k < 8; k++) m[k] = _mm256_setzero_ps();
    for (size_t r = 0; r < rows; r++) {
      const float *row = x + r * ldx + c0;
      for (int k = 0; k < 8; k++)
        m[k] = _mm256_max_ps(m[k], magnitudes(_mm256_loadu_ps(row + 8 * k)));
    }
    for (int k = 0; k < 8; k++) _mm256_storeu_ps(work + c0 + 8 * k, m[k]);
  }
  for (; c0 + 8 <= cols; c0 += 8) {
    __m256 m = _mm256_setzero_ps();
    for (size_t r = 0; r < rows; r++)
      m = _mm256_max_ps(m, magnitudes(_mm256_loadu_ps(x + r * ldx + c0)));
    _mm256_storeu_ps(work + c0, m);
  }
  for (size_t c = c0; c < cols; c++) work[c] = 0.0f;
  for (size_t r = 0; r < rows && c0 < cols; r++) s8_update_maxima(work, x + r * ldx, c0, cols);
  s8_column_multipliers(work, scale, sum, cols);
  for (size_t r = 0; r < rows; r += 2) {
    const float *x0 = x + r * ldx;
    const int second = r + 1 < rows;
    const float *x1 = second ? x0 + ldx : x0;
    int8_t *out = q + r * ldq; /* pair r/2 starts at (r/2) * 2 * ldq */
    for (size_t c = 0; c < wide; c += 32) {
      __m256i v0[4], v1[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(),
                              _mm256_setzero_si256(), _mm256_setzero_si256()};
      quantize32(x0 + c, work + c, 1, v0);
      if (second) quantize32(x1 + c, work + c, 1, v1);
      for (int k = 0; k < 4; k++) {
        __m256i *s = (__m256i *)(sum + c + 8 * k);
        _mm256_storeu_si256(
            s, _mm256_add_epi32(_mm256_loadu_si256(s), _mm256_add_epi32(v0[k], v1[k])));
      }
      store_pairs(out + 2 * c, bytes_of(v0[0], v0[1], v0[2], v0[3]),
                  bytes_of(v1[0], v1[1], v1[2], v1[3]));
    }
    for (size_t c = wide; c < cols; c++) {
      const int8_t v0 = s8_quantize(x0[c], work[c]);
      const int8_t v1 = second ? s8_quantize(x1[c], work[c]) : 0;
      out[2 * c] = v0;
      out[2 * c + 1] = v1;
      sum[c] += v0 + v1;
    }
  }
}

/* The units (x > 0, as bytes 0 or 1) of x[0..<32], in column order. */
static inline INT8_AVX2 __m256i unit_bytes(const float *x) {
  const __m256 zero = _mm256_setzero_ps();
  __m256i m[4];
  for (int k = 0; k < 4; k++)
    m[k] = _mm256_castps_si256(_mm256_cmp_ps(_mm256_loadu_ps(x + 8 * k), zero, _CMP_GT_OQ));
  return _mm256_and_si256(bytes_of(m[0], m[1], m[2], m[3]), _mm256_set1_epi8(1));
}

/* Two rows' units interleaved into out[0..<2n]: x0[0..<n] and x1[0..<n], where a NULL row
 * reads the constant unit pad0 or pad1 instead. */
static inline INT8_AVX2 void unit_pairs_padded(const float *x0, const float *x1, uint8_t pad0,
                                               uint8_t pad1, size_t n, uint8_t *out) {
  const __m256i fill0 = _mm256_set1_epi8((char)pad0), fill1 = _mm256_set1_epi8((char)pad1);
  size_t j = 0;
  for (; j + 32 <= n; j += 32)
    store_pairs(out + 2 * j, x0 ? unit_bytes(x0 + j) : fill0, x1 ? unit_bytes(x1 + j) : fill1);
  for (; j < n; j++) {
    out[2 * j] = x0 ? x0[j] > 0.0f : pad0;
    out[2 * j + 1] = x1 ? x1[j] > 0.0f : pad1;
  }
}

static inline INT8_AVX2 void unit_pairs(const float *x0, const float *x1, size_t n, uint8_t *out) {
  unit_pairs_padded(x0, x1, 0, 0, n, out);
}

INT8_AVX2 void bnn_pack_unit_pairs_avx2(const float *restrict x, size_t rows, size_t cols,
                                        size_t ldx, uint8_t *restrict u, size_t ldu) {
  for (size_t t = 0; t < rows; t += 2) {
    uint8_t *out = u + t * ldu; /* pair t/2 starts at (t/2) * 2 * ldu */
    unit_pairs(x + t * ldx, t + 1 < rows ? x + (t + 1) * ldx : NULL, cols, out);
    memset(out + 2 * cols, 0, 2 * (ldu - cols));
  }
}

/* An output pixel of an unfolding, stepped in row order without divisions. */
typedef struct {
  size_t n, oy, ox;
} pixel_cursor;

static inline void cursor_step(pixel_cursor *p, const bnn_window *g) {
  if (++p->ox < g->out_width) return;
  p->ox = 0;
  if (++p->oy < g->out_height) return;
  p->oy = 0;
  p->n++;
}

/* The input row of window row ky of p: its first element (column ix0 may be padding) or NULL
 * when the whole row is padding; *inside: whether all kernel_width pixels are in the image. */
static inline const float *window_row(const float *images, const bnn_window *g,
                                      const pixel_cursor *p, size_t ky, ptrdiff_t *ix0,
                                      int *inside) {
  const ptrdiff_t iy = (ptrdiff_t)(p->oy * g->stride + ky) - (ptrdiff_t)g->pad_top;
  *ix0 = (ptrdiff_t)(p->ox * g->stride) - (ptrdiff_t)g->pad_left;
  *inside = *ix0 >= 0 && *ix0 + (ptrdiff_t)g->kernel_width <= (ptrdiff_t)g->width;
  if (iy < 0 || iy >= (ptrdiff_t)g->height) return NULL;
  return images + (p->n * g->height + (size_t)iy) * g->width * g->channels;
}

/* Pixel ix0 + kx of an input row (NULL: padding). */
static inline const float *row_pixel(const float *row, const bnn_window *g, ptrdiff_t ix0,
                                     size_t kx) {
  const ptrdiff_t ix = ix0 + (ptrdiff_t)kx;
  if (!row || ix < 0 || ix >= (ptrdiff_t)g->width) return NULL;
  return row + (size_t)ix * g->channels;
}

INT8_AVX2 void bnn_im2col_unit_pairs_avx2(const float *restrict images, const bnn_window *g,
                                          float pad_value, size_t first_row, size_t rows,
                                          uint8_t *restrict u, size_t ldu) {
  const size_t c = g->channels, kw = g->kernel_width, span = kw * c;
  const size_t depth = g->kernel_height * span;
  const uint8_t pad = pad_value > 0.0f;
  const size_t per_image = g->out_height * g->out_width;
  pixel_cursor p0 = {first_row / per_image, (first_row % per_image) / g->out_width,
                     first_row % g->out_width};
  for (size_t i = 0; i < rows; i += 2) {
    uint8_t *out = u + i * ldu; /* pair i/2 starts at (i/2) * 2 * ldu */
    const int second = i + 1 < rows;
    pixel_cursor p1 = p0;
    cursor_step(&p1, g);
    for (size_t ky = 0; ky < g->kernel_height; ky++) {
      uint8_t *o = out + 2 * ky * span;
      ptrdiff_t ix0 = 0, ix1 = 0;
      int inside0 = 0, inside1 = 0;
      const float *r0 = window_row(images, g, &p0, ky, &ix0, &inside0);
      const float *r1 = second ? window_row(images, g, &p1, ky, &ix1, &inside1) : NULL;
      if (r0 && inside0 && (!second || (r1 && inside1))) {
        unit_pairs(r0 + (size_t)ix0 * c, second ? r1 + (size_t)ix1 * c : NULL, span, o);
        continue;
      }
      for (size_t kx = 0; kx < kw; kx++)
        unit_pairs_padded(row_pixel(r0, g, ix0, kx), second ? row_pixel(r1, g, ix1, kx) : NULL, pad,
                          second ? pad : 0, c, o + 2 * kx * c);
    }
    memset(out + 2 * depth, 0, 2 * (ldu - depth));
    p0 = p1;
    cursor_step(&p0, g);
  }
}
#endif
