/*
 * AVX2 packers of the SGEMM driver (layouts in sgemm.c and kernels_internal.h). They write
 * exactly the floats the portable packers write, in an order that suits the memory:
 *
 *   pack_b, op(B) = B^T (rs == 1, stored rows are columns of op(B)): 8 columns x 8 k values
 *     are read as 8 row vectors and written as 8 panel rows by one 8x8 transpose (the
 *     portable packer writes one float per panel row, 64 bytes apart).
 *   pack_a, op(A) = A (cs == 1): a full 6-row panel is 6 row vectors of 8 k values, turned by
 *     the same transpose (2 zero rows) into 8 panel rows of 6.
 *   pack_b, op(B) = B (cs == 1) and pack_a, op(A) = A^T (rs == 1): one stored row feeds the
 *     same row of every panel, so they go stored row by stored row (pack_b_rows,
 *     pack_a_columns) and read sequentially; the portable packers go panel by panel, reading
 *     24 or 64 bytes per stored row, each in another 4 KB page for a 1024-wide matrix, where
 *     the prefetchers do not follow.
 *
 * Edges narrower than 8 and blocks with neither stride 1 are the portable packers' work.
 * Compiled for AVX2 by the target attribute only; the avx2 and avx512 tables use them
 * (dispatch.c selects), so they only run where the CPU has AVX2.
 */
#include "kernels_internal.h"

#ifdef SGEMM_HAVE_X86
#include <immintrin.h>

#define SGEMM_PACK_AVX2 __attribute__((target("avx2")))

_Static_assert(SGEMM_MR == 6, "pack_a_columns and sgemm_pack_a_avx2 store 4 + 2 floats a row");

/* r[0..7] (rows) -> r[0..7] (columns): afterwards r[p] lane j = old r[j] lane p. */
static inline SGEMM_PACK_AVX2 void transpose8x8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

/* Panel rows p0..p0+7, columns 8g..8g+7 of an nr-wide panel, from 8 stored rows
   (columns[j][p] = op(B)(p, 8g + j)). */
static inline SGEMM_PACK_AVX2 void pack_b_8x8(const float *const columns[8], size_t p0, size_t nr,
                                              float *out) {
  __m256 r[8];
  for (int j = 0; j < 8; j++) r[j] = _mm256_loadu_ps(columns[j] + p0);
  transpose8x8(r);
  for (int p = 0; p < 8; p++) _mm256_storeu_ps(out + (p0 + p) * nr, r[p]);
}

/* op(B) = B (cs == 1): row p of the block goes to row p of every panel. Row by row, so
   every read is sequential (a panel at a time would read 64 bytes per stored row, each in
   another 4 KB page for a 1024-wide B, out of reach of the prefetchers) and every write a
   whole nr-float panel row. */
static SGEMM_PACK_AVX2 void pack_b_rows(size_t kc, size_t nc, const float *y, size_t rs, size_t nr,
                                        float *out) {
  const size_t full_panels = nc / nr, panel_size = kc * nr;
  for (size_t p = 0; p < kc; p++) {
    const float *row = y + p * rs;
    float *dst = out + p * nr;
    for (size_t s = 0; s < full_panels; s++, row += nr, dst += panel_size)
      for (size_t j = 0; j < nr; j += 8) _mm256_storeu_ps(dst + j, _mm256_loadu_ps(row + j));
    if (full_panels * nr < nc) {
      const size_t cols = nc - full_panels * nr;
      size_t j = 0;
      for (; j < cols; j++) dst[j] = row[j];
      for (; j < nr; j++) dst[j] = 0.0f;
    }
  }
}

SGEMM_PACK_AVX2 void sgemm_pack_b_avx2(size_t kc, size_t nc, const float *y, size_t rs, size_t cs,
                                       size_t nr, float *out) {
  if (cs == 1) {
    pack_b_rows(kc, nc, y, rs, nr, out);
    return;
  }
  if (rs != 1) {
    sgemm_pack_b_portable(kc, nc, y, rs, cs, nr, out);
    return;
  }
  for (size_t j0 = 0; j0 < nc; j0 += nr) {
    const size_t cols = nc - j0 < nr ? nc - j0 : nr;
    const size_t vector_cols = cols / 8 * 8;
    for (size_t g = 0; g < vector_cols; g += 8) {
      const float *columns[8];
      for (int j = 0; j < 8; j++) columns[j] = y + (j0 + g + j) * cs;
      size_t p = 0;
      /* 16 k values at a time use whole 64-byte lines of each stored row. */
      for (; p + 16 <= kc; p += 16) {
        pack_b_8x8(columns, p, nr, out + g);
        pack_b_8x8(columns, p + 8, nr, out + g);
      }
      for (; p + 8 <= kc; p += 8) pack_b_8x8(columns, p, nr, out + g);
      for (; p < kc; p++)
        for (int j = 0; j < 8; j++) out[p * nr + g + j] = columns[j][p];
    }
    for (size_t j = vector_cols; j < nr; j++) {
      if (j < cols) {
        const float *column = y + (j0 + j) * cs;
        for (size_t p = 0; p < kc; p++) out[p * nr + j] = column[p];
      } else {
        for (size_t p = 0; p < kc; p++) out[p * nr + j] = 0.0f;
      }
    }
    out += kc * nr;
  }
}

/* op(A) = A^T (rs == 1): stored row p holds op(A)(.., p), which goes to row p of every
   panel, 6 floats each. Stored row by stored row, so reads are sequential (a panel at a
   time would read 24 bytes per stored row, each in another page for a wide A). */
static SGEMM_PACK_AVX2 void pack_a_columns(size_t mc, size_t kc, const float *x, size_t cs,
                                           float *out) {
  const size_t full_panels = mc / SGEMM_MR, panel_size = kc * SGEMM_MR;
  for (size_t p = 0; p < kc; p++) {
    const float *row = x + p * cs;
    float *dst = out + p * SGEMM_MR;
    for (size_t r = 0; r < full_panels; r++, row += SGEMM_MR, dst += panel_size) {
      _mm_storeu_ps(dst, _mm_loadu_ps(row));
      _mm_storel_pi((__m64 *)(dst + 4), _mm_castpd_ps(_mm_load_sd((const double *)(row + 4))));
    }
    if (full_panels * SGEMM_MR < mc) {
      const size_t rows = mc - full_panels * SGEMM_MR;
      size_t i = 0;
      for (; i < rows; i++) dst[i] = row[i];
      for (; i < SGEMM_MR; i++) dst[i] = 0.0f;
    }
  }
}

SGEMM_PACK_AVX2 void sgemm_pack_a_avx2(size_t mc, size_t kc, const float *x, size_t rs, size_t cs,
                                       float *out) {
  if (rs == 1) {
    pack_a_columns(mc, kc, x, cs, out);
    return;
  }
  if (cs != 1) {
    sgemm_pack_a_portable(mc, kc, x, rs, cs, out);
    return;
  }
  const size_t full_rows = mc / SGEMM_MR * SGEMM_MR;
  for (size_t i0 = 0; i0 < full_rows; i0 += SGEMM_MR) {
    const float *rows[SGEMM_MR];
    for (int i = 0; i < SGEMM_MR; i++) rows[i] = x + (i0 + i) * rs;
    size_t p0 = 0;
    for (; p0 + 8 <= kc; p0 += 8) {
      __m256 r[8];
      for (int i = 0; i < SGEMM_MR; i++) r[i] = _mm256_loadu_ps(rows[i] + p0);
      r[6] = r[7] = _mm256_setzero_ps();
      transpose8x8(r);
      /* Panel row p is lanes 0..5 of r[p]: 8-wide stores in increasing p, each one's lanes
         6..7 overwritten by the next; the last stores 4 + 2 so nothing past p0 + 8 is written. */
      float *dst = out + p0 * SGEMM_MR;
      for (int p = 0; p < 7; p++) _mm256_storeu_ps(dst + p * SGEMM_MR, r[p]);
      _mm_storeu_ps(dst + 7 * SGEMM_MR, _mm256_castps256_ps128(r[7]));
      _mm_storel_pi((__m64 *)(dst + 7 * SGEMM_MR + 4), _mm256_extractf128_ps(r[7], 1));
    }
    for (; p0 < kc; p0++)
      for (int i = 0; i < SGEMM_MR; i++) out[p0 * SGEMM_MR + i] = rows[i][p0];
    out += kc * SGEMM_MR;
  }
  if (full_rows < mc) sgemm_pack_a_portable(mc - full_rows, kc, x + full_rows * rs, rs, cs, out);
}
#endif
