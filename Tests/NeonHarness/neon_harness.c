/*
 * Kernel-path harness: checks every optimised kernel table this build and CPU can
 * run against the scalar reference, on seeded random data. A plain C program, not
 * part of the Swift package; scripts/test-neon.sh cross-compiles it for AArch64
 * and runs it under qemu to test the NEON path (kernels_neon.c).
 *
 *   build:  cc -O2 -ISources/CPopcount/include -ISources/CPopcount \
 *               Tests/NeonHarness/neon_harness.c Sources/CPopcount/{kernels_scalar,
 *               kernels_neon,kernels_x86,kernels_avx512,bit_utils,pixel_conv,binary_conv,
 *               im2col,dispatch}.c \
 *               -o harness
 *   run:    [BNN_KERNEL=path] ./harness [--require neon] [--without PATH] [--best PATH]
 *
 * Prints one line per failure, then exactly "N passed, N failed"; exits 1 on any
 * failure. With --require NAME, a build where that path is unavailable fails; with
 * --without NAME, one where it is available (e.g. neon-dotprod on a CPU without the
 * dot-product extension); with --best NAME, one where bnn_kernels_best() is another.
 * On Unix it also places inputs right before an inaccessible page, so a kernel that
 * reads past base + (rows-1)*stride + words crashes the harness (SIGSEGV).
 * It also checks the scalar reference itself against a bit-by-bit definition
 * (a cheap sanity check of the oracle).
 */
#define _DEFAULT_SOURCE /* mmap, MAP_ANONYMOUS */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bnn_conv.h"
#include "cpopcount.h"

#if defined(__unix__)
#include <sys/mman.h>
#include <unistd.h>
#define HAVE_GUARD_PAGES 1
#endif

static unsigned long passed = 0, failed = 0;

static void fail(const char *fmt, const char *path, const char *kernel, size_t k, size_t m,
                 size_t n, long detail) {
  failed++;
  printf("FAIL %s %s K=%zu m=%zu n=%zu: ", path, kernel, k, m, n);
  printf(fmt, detail);
  printf("\n");
}

/* SplitMix64: small, seeded, good enough for test data. */
static uint64_t rng_state = 0x2545F4914F6CDD1DULL;
static uint64_t next_u64(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
static int32_t next_in(int32_t lo, int32_t hi) { /* inclusive */
  return lo + (int32_t)(next_u64() % (uint64_t)(hi - lo + 1));
}

#define GUARD 4
static const uint64_t CANARY64 = 0xC0FFEE00DEADBEEFULL;
static const int32_t CANARY32 = 0x5A5A1234;

static size_t words_for(size_t bits) { return (bits + 63) / 64; }

/* Rows of k bits at `stride` words: random (dense = 0), or all ones in the rows
 * where (r + dense) is odd and all zeros elsewhere (dense = 1, 2: the largest
 * counts, to overflow narrow counters). Padding bits past k are 0; the gap words
 * between rows hold random garbage the kernels must never read. */
static void fill_rows(uint64_t *rows, size_t count, size_t stride, size_t k, int dense) {
  size_t words = words_for(k);
  for (size_t r = 0; r < count; r++) {
    uint64_t *row = rows + r * stride;
    for (size_t x = 0; x < stride; x++) row[x] = next_u64();
    if (dense)
      for (size_t x = 0; x < words; x++) row[x] = (r + (size_t)dense) % 2 ? ~0ULL : 0;
    if (k % 64) row[words - 1] &= (1ULL << (k % 64)) - 1;
  }
}

static uint64_t *alloc_u64(size_t count) { return (uint64_t *)malloc((count + 2 * GUARD) * 8); }
static int32_t *alloc_i32(size_t count) { return (int32_t *)malloc((count + 2 * GUARD) * 4); }

/* Compare two int32 outputs of m rows (n used of stride), and check canaries around
 * and between rows of `got`. Returns 1 when all is well. */
static int check_i32(const int32_t *want, const int32_t *got_g, size_t m, size_t n, size_t stride,
                     const char *path, const char *kern, size_t k) {
  const int32_t *got = got_g + GUARD;
  for (size_t g = 0; g < GUARD; g++)
    if (got_g[g] != CANARY32 || got[m * stride + g] != CANARY32) {
      fail("wrote outside the block (guard %ld)", path, kern, k, m, n, (long)g);
      return 0;
    }
  for (size_t i = 0; i < m; i++)
    for (size_t x = 0; x < stride; x++) {
      size_t at = i * stride + x;
      if (x < n && got[at] != want[at]) {
        fail("value differs at flat index %ld", path, kern, k, m, n, (long)at);
        return 0;
      }
      if (x >= n && got[at] != CANARY32) {
        fail("wrote into the row gap at flat index %ld", path, kern, k, m, n, (long)at);
        return 0;
      }
    }
  return 1;
}

static int check_bits(const uint64_t *want, const uint64_t *got_g, size_t m, size_t n,
                      size_t stride, const char *path, const char *kern, size_t k) {
  const uint64_t *got = got_g + GUARD;
  size_t ow = words_for(n);
  for (size_t g = 0; g < GUARD; g++)
    if (got_g[g] != CANARY64 || got[m * stride + g] != CANARY64) {
      fail("wrote outside the block (guard %ld)", path, kern, k, m, n, (long)g);
      return 0;
    }
  for (size_t i = 0; i < m; i++)
    for (size_t x = 0; x < stride; x++) {
      size_t at = i * stride + x;
      if (x < ow && got[at] != want[at]) {
        fail("output word differs at flat index %ld", path, kern, k, m, n, (long)at);
        return 0;
      }
      if (x == ow - 1 && n % 64 && (got[at] >> (n % 64)) != 0) {
        fail("padding bits >= n set in row %ld", path, kern, k, m, n, (long)i);
        return 0;
      }
      if (x >= ow && got[at] != CANARY64) {
        fail("wrote into the row gap at flat index %ld", path, kern, k, m, n, (long)at);
        return 0;
      }
    }
  return 1;
}

static void reset_i32(int32_t *buf, size_t count) {
  for (size_t x = 0; x < count + 2 * GUARD; x++) buf[x] = CANARY32;
}
static void reset_u64(uint64_t *buf, size_t count) {
  for (size_t x = 0; x < count + 2 * GUARD; x++) buf[x] = CANARY64;
}

/* Thresholds near the actual values (so ties and off-by-ones are exercised), some
 * far away; flips random. */
static void make_thresholds(int32_t *t, const int32_t *values, size_t n, int32_t span) {
  for (size_t j = 0; j < n; j++) {
    switch (next_u64() % 4) {
    case 0:
      t[j] = values[j];
      break;
    case 1:
      t[j] = values[j] + 1;
      break;
    case 2:
      t[j] = values[j] - 1;
      break;
    default:
      t[j] = next_in(-span - 2, span + 2);
      break;
    }
  }
}

static void check_path(const bnn_kernels *kp, size_t k, size_t m, size_t n, int dense) {
  const bnn_kernels *ref = bnn_kernels_for(BNN_PATH_SCALAR);
  size_t words = words_for(k);
  size_t as = words + 1 + (size_t)(next_u64() % 3), ws = words + 2;
  size_t cs = n + 3, os = words_for(n) + 2, ps = 8 * words + 3;
  size_t ow = words_for(n);

  uint64_t *a = alloc_u64(m * as), *w = alloc_u64(n * ws), *planes = alloc_u64(m * ps);
  int32_t *cnt_ref = alloc_i32(m * cs), *cnt = alloc_i32(m * cs), *t = alloc_i32(n);
  uint64_t *out_ref = alloc_u64(m * os), *out = alloc_u64(m * os), *flip = alloc_u64(ow + 1);
  uint8_t *pixels = (uint8_t *)malloc(k + 1);

  fill_rows(a, m, as, k, dense);
  fill_rows(w, n, ws, k, dense ? 3 - dense : 0);
  for (size_t x = 0; x < ow; x++) flip[x] = next_u64();
  for (size_t i = 0; i < m; i++) {
    int sparse = (int)(next_u64() % 3) == 0; /* MNIST-like: mostly 0 pixels */
    for (size_t x = 0; x < k; x++)
      pixels[x] = dense    ? 255
                  : sparse ? ((next_u64() % 5 == 0) ? (uint8_t)next_u64() : 0)
                           : (uint8_t)next_u64();
    for (size_t x = 0; x < ps; x++) planes[i * ps + x] = next_u64(); /* garbage in the gap */
    bnn_pack_bitplanes(pixels, k, planes + i * ps, words);
  }

  /* XOR-popcount GEMM */
  reset_i32(cnt_ref, m * cs);
  reset_i32(cnt, m * cs);
  ref->xor_popcount_gemm(a, as, m, w, ws, n, words, cnt_ref + GUARD, cs);
  kp->xor_popcount_gemm(a, as, m, w, ws, n, words, cnt + GUARD, cs);
  if (check_i32(cnt_ref + GUARD, cnt, m, n, cs, kp->name, "xor_popcount_gemm", k)) passed++;

  /* XOR-popcount threshold: thresholds near row 0's z values. */
  {
    int32_t z0[1024];
    for (size_t j = 0; j < n; j++) z0[j] = (int32_t)k - 2 * cnt_ref[GUARD + j];
    make_thresholds(t, z0, n, (int32_t)k);
    reset_u64(out_ref, m * os);
    reset_u64(out, m * os);
    ref->xor_popcount_threshold(a, as, m, w, ws, n, words, (int32_t)k, t, flip, out_ref + GUARD,
                                os);
    kp->xor_popcount_threshold(a, as, m, w, ws, n, words, (int32_t)k, t, flip, out + GUARD, os);
    if (check_bits(out_ref + GUARD, out, m, n, os, kp->name, "xor_popcount_threshold", k)) passed++;
  }

  /* Bit-plane GEMM */
  reset_i32(cnt_ref, m * cs);
  reset_i32(cnt, m * cs);
  ref->bitplane_gemm(planes, ps, m, w, ws, n, words, cnt_ref + GUARD, cs);
  kp->bitplane_gemm(planes, ps, m, w, ws, n, words, cnt + GUARD, cs);
  if (check_i32(cnt_ref + GUARD, cnt, m, n, cs, kp->name, "bitplane_gemm", k)) passed++;

  /* Bit-plane threshold */
  make_thresholds(t, cnt_ref + GUARD + (m - 1) * cs, n, 255 * (int32_t)k);
  reset_u64(out_ref, m * os);
  reset_u64(out, m * os);
  ref->bitplane_threshold(planes, ps, m, w, ws, n, words, t, flip, out_ref + GUARD, os);
  kp->bitplane_threshold(planes, ps, m, w, ws, n, words, t, flip, out + GUARD, os);
  if (check_bits(out_ref + GUARD, out, m, n, os, kp->name, "bitplane_threshold", k)) passed++;

  free(a);
  free(w);
  free(planes);
  free(cnt_ref);
  free(cnt);
  free(t);
  free(out_ref);
  free(out);
  free(flip);
  free(pixels);
}

/* kp's pixel_conv_threshold against the scalar one: a random h x w x c image, a kh x kw
 * window with random stride and padding, n channels; canaries after every output pixel,
 * after the output and after exactly bnn_pixel_conv_scratch_size int32s of scratch. */
static void check_pixel_conv(const bnn_kernels *kp, size_t kh, size_t kw, size_t c, size_t n,
                             int32_t max_h, int32_t max_w) {
  const bnn_kernels *ref = bnn_kernels_for(BNN_PATH_SCALAR);
  size_t k = kh * kw * c, stride = (size_t)next_in(1, 2);
  size_t h = (size_t)next_in(1, max_h), w = (size_t)next_in(1, max_w);
  size_t pt = (size_t)next_in(0, (int32_t)kh - 1), pl = (size_t)next_in(0, (int32_t)kw - 1);
  size_t pb = (size_t)next_in(0, (int32_t)kh - 1), pr = (size_t)next_in(0, (int32_t)kw - 1);
  size_t oh = h + pt + pb >= kh ? (h + pt + pb - kh) / stride + 1 : 0;
  size_t owd = w + pl + pr >= kw ? (w + pl + pr - kw) / stride + 1 : 0;
  size_t ow = words_for(n), os = ow + 1, rows = oh * owd, ws = words_for(k) + 1;
  size_t scratch = bnn_pixel_conv_scratch_size(k, n);
  uint8_t *in = (uint8_t *)malloc(h * w * c);
  uint64_t *wt = alloc_u64((n ? n : 1) * ws), *flip = alloc_u64(ow + 1);
  uint64_t *want = alloc_u64(rows * os), *got = alloc_u64(rows * os);
  int32_t *t = alloc_i32(n ? n : 1), *sw = alloc_i32(scratch), *sg = alloc_i32(scratch);
  for (size_t x = 0; x < h * w * c; x++) in[x] = (uint8_t)(next_u64() % 3 ? next_u64() : 0);
  fill_rows(wt, n, ws, k, 0);
  for (size_t x = 0; x <= ow; x++) flip[x] = next_u64();
  for (size_t j = 0; j < n; j++) t[j] = next_in(-64 * (int32_t)k, 64 * (int32_t)k);
  for (size_t x = 0; x < rows * os + GUARD; x++) want[x] = got[x] = CANARY64;
  for (size_t x = 0; x < scratch + GUARD; x++) sw[x] = sg[x] = CANARY32;
  ref->pixel_conv_threshold(in, h, w, c, kh, kw, stride, pt, pl, oh, owd, wt, ws, n, t, flip, want,
                            os, sw);
  kp->pixel_conv_threshold(in, h, w, c, kh, kw, stride, pt, pl, oh, owd, wt, ws, n, t, flip, got,
                           os, sg);
  int ok = memcmp(want, got, (rows * os + GUARD) * 8) == 0;
  for (size_t r = 0; r < rows; r++) ok &= got[r * os + ow] == CANARY64;
  for (size_t g = 0; g < GUARD; g++)
    ok &= got[rows * os + g] == CANARY64 && sg[scratch + g] == CANARY32;
  if (ok)
    passed++;
  else
    fail("pixel_conv_threshold differs from scalar or writes outside (out %ld pixels)", kp->name,
         "pixel_conv_threshold", k, rows, n, (long)rows);
  free(in);
  free(wt);
  free(flip);
  free(want);
  free(got);
  free(t);
  free(sw);
  free(sg);
}

#if defined(HAVE_GUARD_PAGES)
/* A copy of the first `used` bytes of src that ends exactly where an inaccessible
 * page begins. Release with munmap(*map, *len). */
static void *guarded_bytes(const void *src, size_t used, void **map, size_t *len) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t bytes = (used + page - 1) / page * page;
  char *base =
      (char *)mmap(NULL, bytes + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == (char *)MAP_FAILED || mprotect(base + bytes, page, PROT_NONE) != 0) {
    perror("guard page");
    exit(2);
  }
  *map = base;
  *len = bytes + page;
  char *dst = base + bytes - used;
  if (used) memcpy(dst, src, used);
  return dst;
}
static uint64_t *guarded_copy(const uint64_t *src, size_t used, void **map, size_t *len) {
  return (uint64_t *)guarded_bytes(src, used * 8, map, len);
}

/* kp's pack_bitplanes against the scalar one, on pixels that end at a guard page,
 * with planes of `words` words and canaries after them. */
static void check_pack(const bnn_kernels *kp, size_t count, size_t words) {
  const bnn_kernels *ref = bnn_kernels_for(BNN_PATH_SCALAR);
  uint8_t *pixels0 = (uint8_t *)malloc(count + 1);
  for (size_t x = 0; x < count; x++) pixels0[x] = (uint8_t)next_u64();
  void *map;
  size_t len;
  const uint8_t *pixels = (const uint8_t *)guarded_bytes(pixels0, count, &map, &len);
  uint64_t *want = alloc_u64(8 * words), *got = alloc_u64(8 * words);
  for (size_t x = 0; x < 8 * words + GUARD; x++) want[x] = got[x] = next_u64(); /* garbage */
  got[8 * words] = want[8 * words] = CANARY64;
  ref->pack_bitplanes(pixels, count, want, words);
  kp->pack_bitplanes(pixels, count, got, words);
  if (memcmp(want, got, (8 * words + 1) * 8) == 0 && got[8 * words] == CANARY64)
    passed++;
  else
    fail("pack_bitplanes differs from scalar (words %ld)", kp->name, "pack_bitplanes", count, 1, 1,
         (long)words);
  munmap(map, len);
  free(pixels0);
  free(want);
  free(got);
}

/* All four kernels of kp on inputs that end at a guard page (activation rows,
 * weight rows and bit-plane rows each end at base + (rows-1)*stride + row words),
 * compared with the scalar reference on the same inputs. */
static void check_no_overread(const bnn_kernels *kp, size_t k, size_t m, size_t n) {
  const bnn_kernels *ref = bnn_kernels_for(BNN_PATH_SCALAR);
  size_t words = words_for(k), as = words + 1, ws = words + 3, ps = 8 * words + 1;
  size_t ow = words_for(n), os = ow, cs = n;
  uint64_t *a0 = alloc_u64(m * as), *w0 = alloc_u64(n * ws), *p0 = alloc_u64(m * ps);
  uint8_t *pixels = (uint8_t *)malloc(k + 1);
  fill_rows(a0, m, as, k, 0);
  fill_rows(w0, n, ws, k, 0);
  for (size_t i = 0; i < m; i++) {
    for (size_t x = 0; x < k; x++) pixels[x] = (uint8_t)next_u64();
    bnn_pack_bitplanes(pixels, k, p0 + i * ps, words);
  }
  void *ma, *mw, *mp;
  size_t la, lw, lp;
  uint64_t *a = guarded_copy(a0, (m - 1) * as + words, &ma, &la);
  uint64_t *w = guarded_copy(w0, (n - 1) * ws + words, &mw, &lw);
  uint64_t *p = guarded_copy(p0, (m - 1) * ps + 8 * words, &mp, &lp);
  int32_t *want = alloc_i32(m * cs), *got = alloc_i32(m * cs), *t = alloc_i32(n);
  uint64_t *bits_want = alloc_u64(m * os), *bits_got = alloc_u64(m * os), *flip = alloc_u64(ow);
  for (size_t x = 0; x < ow; x++) flip[x] = next_u64();
  for (size_t j = 0; j < n; j++) t[j] = next_in(-(int32_t)k, (int32_t)k);
  long bad = 0; /* bit q: kernel q of the table differs */
  ref->xor_popcount_gemm(a, as, m, w, ws, n, words, want, cs);
  kp->xor_popcount_gemm(a, as, m, w, ws, n, words, got, cs);
  bad |= memcmp(want, got, m * cs * 4) != 0;
  ref->xor_popcount_threshold(a, as, m, w, ws, n, words, (int32_t)k, t, flip, bits_want, os);
  kp->xor_popcount_threshold(a, as, m, w, ws, n, words, (int32_t)k, t, flip, bits_got, os);
  bad |= (long)(memcmp(bits_want, bits_got, m * os * 8) != 0) << 1;
  ref->bitplane_gemm(p, ps, m, w, ws, n, words, want, cs);
  kp->bitplane_gemm(p, ps, m, w, ws, n, words, got, cs);
  bad |= (long)(memcmp(want, got, m * cs * 4) != 0) << 2;
  for (size_t j = 0; j < n; j++) t[j] = want[j] + next_in(-1, 1);
  ref->bitplane_threshold(p, ps, m, w, ws, n, words, t, flip, bits_want, os);
  kp->bitplane_threshold(p, ps, m, w, ws, n, words, t, flip, bits_got, os);
  bad |= (long)(memcmp(bits_want, bits_got, m * os * 8) != 0) << 3;
  if (!bad)
    passed++;
  else
    fail("guard-page inputs: kernels differ (mask %ld)", kp->name, "all four", k, m, n, bad);
  munmap(ma, la);
  munmap(mw, lw);
  munmap(mp, lp);
  free(a0);
  free(w0);
  free(p0);
  free(pixels);
  free(want);
  free(got);
  free(t);
  free(bits_want);
  free(bits_got);
  free(flip);
}
#endif

/* kp's binary_conv_threshold and binary_conv_gemm against the scalar ones: a random h x w image of
 * c channels (ceil(c/64) words a pixel, bits >= c zero), a kh x kw window with random stride and
 * padding, n output channels; canaries after every output pixel, after the output and after
 * exactly bnn_binary_conv_scratch_words of scratch. */
static void check_binary_conv(const bnn_kernels *kp, size_t kh, size_t kw, size_t c, size_t n) {
  const bnn_kernels *ref = bnn_kernels_for(BNN_PATH_SCALAR);
  size_t wpp = words_for(c), stride = (size_t)next_in(1, 3);
  size_t h = (size_t)next_in(1, 9), w = (size_t)next_in(1, 9);
  size_t pt = (size_t)next_in(0, (int32_t)kh - 1), pl = (size_t)next_in(0, (int32_t)kw - 1);
  size_t pb = (size_t)next_in(0, (int32_t)kh - 1), pr = (size_t)next_in(0, (int32_t)kw - 1);
  size_t oh = h + pt + pb >= kh ? (h + pt + pb - kh) / stride + 1 : 0;
  size_t owd = w + pl + pr >= kw ? (w + pl + pr - kw) / stride + 1 : 0;
  size_t ow = words_for(n), os = ow + 1, rows = oh * owd, row_words = kh * kw * wpp;
  size_t ws = row_words + 1, scratch = bnn_binary_conv_scratch_words(rows, row_words, n);
  uint64_t *in = alloc_u64(h * w * wpp), *wt = alloc_u64(n * ws), *flip = alloc_u64(ow + 1);
  uint64_t *want = alloc_u64(rows * os), *got = alloc_u64(rows * os);
  uint64_t *sw = alloc_u64(scratch), *sg = alloc_u64(scratch);
  int32_t *t = alloc_i32(n);
  fill_rows(in, h * w, wpp, c, 0);
  for (size_t j = 0; j < n; j++) fill_rows(wt + j * ws, kh * kw, wpp, c, 0);
  for (size_t x = 0; x <= ow; x++) flip[x] = next_u64();
  for (size_t j = 0; j < n; j++) t[j] = next_in(-(int32_t)(kh * kw * c), (int32_t)(kh * kw * c));
  for (size_t x = 0; x < rows * os + GUARD; x++) want[x] = got[x] = CANARY64;
  for (size_t x = 0; x < scratch + GUARD; x++) sw[x] = sg[x] = CANARY64;
  int32_t k_bits = (int32_t)(kh * kw * c);
  /* No packed weights: a path with a layout of its own packs them per call (the Swift tests
   * check the packed form). */
  ref->binary_conv_threshold(in, h, w, wpp, c, kh, kw, stride, pt, pl, oh, owd, wt, ws, NULL, n,
                             k_bits, t, flip, want, os, sw);
  kp->binary_conv_threshold(in, h, w, wpp, c, kh, kw, stride, pt, pl, oh, owd, wt, ws, NULL, n,
                            k_bits, t, flip, got, os, sg);
  int ok = memcmp(want, got, (rows * os + GUARD) * 8) == 0;
  for (size_t r = 0; r < rows; r++) ok &= got[r * os + ow] == CANARY64;
  for (size_t g = 0; g < GUARD; g++) ok &= sg[scratch + g] == CANARY64;
  if (ok)
    passed++;
  else
    fail("binary_conv_threshold differs from scalar or writes outside (out %ld pixels)", kp->name,
         "binary_conv_threshold", kh * kw * c, rows, n, (long)rows);

  /* The counts (binary_conv_gemm): n counts a pixel and a canary gap, n + 1 apart. */
  size_t cs = n + 1;
  int32_t *cw = alloc_i32(rows * cs), *cg = alloc_i32(rows * cs);
  for (size_t x = 0; x < rows * cs + GUARD; x++) cw[x] = cg[x] = CANARY32;
  for (size_t x = 0; x < scratch + GUARD; x++) sw[x] = sg[x] = CANARY64;
  ref->binary_conv_gemm(in, h, w, wpp, c, kh, kw, stride, pt, pl, oh, owd, wt, ws, NULL, n, cw, cs,
                        sw);
  kp->binary_conv_gemm(in, h, w, wpp, c, kh, kw, stride, pt, pl, oh, owd, wt, ws, NULL, n, cg, cs,
                       sg);
  ok = memcmp(cw, cg, (rows * cs + GUARD) * 4) == 0;
  for (size_t r = 0; r < rows; r++) ok &= cg[r * cs + n] == CANARY32;
  for (size_t g = 0; g < GUARD; g++) ok &= sg[scratch + g] == CANARY64;
  if (ok)
    passed++;
  else
    fail("binary_conv_gemm differs from scalar or writes outside (out %ld pixels)", kp->name,
         "binary_conv_gemm", kh * kw * c, rows, n, (long)rows);

  /* The same two entries on weights packed once (binary_conv_pack, where the path has one),
   * into exactly bnn_binary_conv_packed_words dwords and a canary gap. */
  if (kp->binary_conv_pack) {
    size_t pw = bnn_binary_conv_packed_words(n, c, kh, kw, wpp);
    uint32_t *packed = malloc((pw + GUARD) * sizeof *packed);
    for (size_t x = 0; x < pw + GUARD; x++) packed[x] = (uint32_t)CANARY32;
    kp->binary_conv_pack(wt, ws, n, c, kh, kw, wpp, packed);
    ok = 1;
    for (size_t g = 0; g < GUARD; g++) ok &= packed[pw + g] == (uint32_t)CANARY32;
    for (size_t x = 0; x < rows * os + GUARD; x++) got[x] = CANARY64;
    for (size_t x = 0; x < rows * cs + GUARD; x++) cg[x] = CANARY32;
    kp->binary_conv_threshold(in, h, w, wpp, c, kh, kw, stride, pt, pl, oh, owd, wt, ws, packed, n,
                              k_bits, t, flip, got, os, sg);
    kp->binary_conv_gemm(in, h, w, wpp, c, kh, kw, stride, pt, pl, oh, owd, wt, ws, packed, n, cg,
                         cs, sg);
    ok &= memcmp(want, got, (rows * os + GUARD) * 8) == 0;
    ok &= memcmp(cw, cg, (rows * cs + GUARD) * 4) == 0;
    for (size_t g = 0; g < GUARD; g++) ok &= sg[scratch + g] == CANARY64;
    if (ok)
      passed++;
    else
      fail("binary_conv with packed weights differs from scalar or writes outside (%ld words)",
           kp->name, "binary_conv_pack", kh * kw * c, rows, n, (long)pw);
    free(packed);
  }
  free(cw);
  free(cg);
  free(in);
  free(wt);
  free(flip);
  free(want);
  free(got);
  free(sw);
  free(sg);
  free(t);
}

#if defined(HAVE_GUARD_PAGES)
/* kp's int8_dense_threshold (where it has one) against the dot products of the scalar
 * bit-plane GEMM, which are first checked against sum x*w written out here. Pixel rows
 * (xs = k + gap bytes apart) and the expanded weight rows each end at a guard page (no
 * read past the last row); output rows are `os` > ceil(n/64) words apart with canaries
 * in the gaps, before the first and after the last row. Thresholds: for every row r, one
 * call with t_j = dot_rj and one with dot_rj + 1, so row r's bits are exactly
 * (0, 1) ^ flip only if every dot of row r is exact; the other rows' bits are compared with
 * (dot < t) ^ flip. dense: 255 in every pixel, and weight rows all -1 or all +1 (the
 * largest |dot|). */
static void check_int8_dense(const bnn_kernels *kp, size_t k, size_t m, size_t n, int dense) {
  if (!kp->int8_dense_threshold) return;
  const bnn_kernels *ref = bnn_kernels_for(BNN_PATH_SCALAR);
  size_t words = words_for(k), ws = words + 1, ow = words_for(n), os = ow + 1;
  size_t xs = k + (size_t)next_in(0, 17), xbytes = (m - 1) * xs + k;
  size_t row = bnn_int8_row_bytes(k);
  uint8_t *pixels0 = (uint8_t *)malloc(xbytes + 1);
  for (size_t x = 0; x < xbytes; x++)
    pixels0[x] = dense ? 255 : (uint8_t)(next_u64() % 3 ? 0 : next_u64());
  void *map, *wmap;
  size_t len, wlen;
  const uint8_t *pixels = (const uint8_t *)guarded_bytes(pixels0, xbytes, &map, &len);
  uint64_t *wt = alloc_u64(n * ws), *planes = alloc_u64(m * 8 * words), *flip = alloc_u64(ow);
  uint64_t *got = alloc_u64(m * os);
  int32_t *t = alloc_i32(n), *dots = alloc_i32(m * n);
  int8_t *expanded0 = (int8_t *)malloc(n * row + 1);
  fill_rows(wt, n, ws, k, dense ? 1 : 0);
  bnn_expand_weights_int8(wt, ws, n, k, expanded0);
  const int8_t *expanded = (const int8_t *)guarded_bytes(expanded0, n * row, &wmap, &wlen);
  for (size_t x = 0; x < ow; x++) flip[x] = next_u64();
  for (size_t i = 0; i < m; i++)
    bnn_pack_bitplanes(pixels + i * xs, k, planes + i * 8 * words, words);
  ref->bitplane_gemm(planes, 8 * words, m, wt, ws, n, words, dots, n);
  const char *problem = NULL;
  long detail = 0;
  /* the oracle: sum x*w, directly */
  for (size_t i = 0; i < m && !problem; i++)
    for (size_t j = 0; j < n && !problem; j++) {
      int32_t dot = 0;
      for (size_t x = 0; x < k; x++)
        dot += (int32_t)pixels[i * xs + x] * (int32_t)expanded0[j * row + x];
      if (dot != dots[i * n + j])
        problem = "the bit-plane oracle differs from sum x*w (row %ld)", detail = (long)i;
    }
  for (size_t r = 0; r < 2 * m && !problem; r++) {
    size_t tr = r / 2;
    for (size_t j = 0; j < n; j++) t[j] = dots[tr * n + j] + (int32_t)(r % 2);
    reset_u64(got, m * os);
    kp->int8_dense_threshold(pixels, xs, m, expanded, n, k, t, flip, got + GUARD, os);
    const uint64_t *out = got + GUARD;
    for (size_t g = 0; g < GUARD; g++)
      if (got[g] != CANARY64 || out[m * os + g] != CANARY64)
        problem = "wrote outside the output (threshold row %ld)", detail = (long)tr;
    for (size_t i = 0; i < m && !problem; i++) {
      for (size_t x = ow; x < os; x++)
        if (out[i * os + x] != CANARY64)
          problem = "wrote into the row gap (row %ld)", detail = (long)i;
      for (size_t q = 0; q < ow && !problem; q++) {
        uint64_t want = 0;
        for (size_t b = 0; b < 64 && q * 64 + b < n; b++) {
          size_t j = q * 64 + b;
          want |= (uint64_t)(dots[i * n + j] < t[j]) << b;
        }
        want = (want ^ flip[q]) & (q * 64 + 64 <= n ? ~0ULL : (1ULL << (n % 64)) - 1);
        if (out[i * os + q] != want)
          problem = i == tr
                        ? "bits of row %ld differ at thresholds = its dots (+0, +1): a dot is off"
                        : "bits of row %ld differ",
          detail = (long)i;
      }
    }
  }
  if (!problem) {
    /* the gemm form: the same dots, rows n + 1 apart, canaries around and between rows */
    size_t cs = n + 1;
    int32_t *want = alloc_i32(m * cs), *sums = alloc_i32(m * cs);
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < n; j++) want[i * cs + j] = dots[i * n + j];
    reset_i32(sums, m * cs);
    kp->int8_dense_gemm(pixels, xs, m, expanded, n, k, sums + GUARD, cs);
    if (check_i32(want, sums, m, n, cs, kp->name,
                  dense ? "int8_dense_gemm (dense)" : "int8_dense_gemm", k))
      passed++;
    free(want);
    free(sums);
  }
  if (!problem)
    passed++;
  else {
    char what[64];
    snprintf(what, sizeof what, "int8_dense%s", dense ? " (dense)" : "");
    fail(problem, kp->name, what, k, m, n, detail);
  }
  munmap(map, len);
  munmap(wmap, wlen);
  free(pixels0);
  free(expanded0);
  free(wt);
  free(planes);
  free(flip);
  free(got);
  free(t);
  free(dots);
}
#endif

/* The oracle itself: scalar counts against a bit-by-bit definition. */
static void check_scalar_oracle(size_t k, size_t m, size_t n) {
  const bnn_kernels *ref = bnn_kernels_for(BNN_PATH_SCALAR);
  size_t words = words_for(k), as = words + 1, ws = words + 1;
  uint64_t *a = alloc_u64(m * as), *w = alloc_u64(n * ws);
  int32_t *cnt = alloc_i32(m * n);
  fill_rows(a, m, as, k, 0);
  fill_rows(w, n, ws, k, 0);
  ref->xor_popcount_gemm(a, as, m, w, ws, n, words, cnt, n);
  int ok = 1;
  for (size_t i = 0; i < m && ok; i++)
    for (size_t j = 0; j < n && ok; j++) {
      int32_t p = 0;
      for (size_t x = 0; x < k; x++)
        p += (int32_t)(((a[i * as + x / 64] ^ w[j * ws + x / 64]) >> (x % 64)) & 1);
      if (p != cnt[i * n + j]) {
        fail("scalar count %ld differs from bit-by-bit definition", "scalar", "oracle", k, m, n,
             (long)cnt[i * n + j]);
        ok = 0;
      }
    }
  if (ok) passed++;
  free(a);
  free(w);
  free(cnt);
}

int main(int argc, char **argv) {
  const char *require = NULL, *without = NULL, *want_best = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--require") == 0 && i + 1 < argc)
      require = argv[++i];
    else if (strcmp(argv[i], "--without") == 0 && i + 1 < argc)
      without = argv[++i];
    else if (strcmp(argv[i], "--best") == 0 && i + 1 < argc)
      want_best = argv[++i];
    else {
      fprintf(stderr, "usage: %s [--require PATH] [--without PATH] [--best PATH]\n", argv[0]);
      return 2;
    }
  }
  static const size_t ks[] = {0,   1,   2,   63,  64,  65,  127,  128,
                              129, 191, 192, 193, 255, 784, 1000, 3000};
  static const size_t ms[] = {1, 2, 3, 4, 5, 7};
  static const size_t ns[] = {1, 2, 3, 5, 63, 64, 65, 130};
  const size_t nk = sizeof ks / sizeof ks[0], nm = sizeof ms / sizeof ms[0],
               nn = sizeof ns / sizeof ns[0];

  int tested_required = require == NULL;
  for (int p = 0; p < BNN_PATH_COUNT; p++) {
    const bnn_kernels *kp = bnn_kernels_for((bnn_kernel_path)p);
    if (!kp) continue;
    if (require && strcmp(kp->name, require) == 0) tested_required = 1;
    if (without && strcmp(kp->name, without) == 0) {
      failed++;
      printf("FAIL path %s is available in this build on this CPU\n", without);
    }
    /* the int8 first layer: the paths with an int8 form have it, the others NULL */
    int int8_path = p == BNN_PATH_AVX2 || p == BNN_PATH_NEON_DOTPROD;
    if ((kp->int8_dense_threshold != NULL) != int8_path ||
        (kp->int8_dense_gemm != NULL) != int8_path) {
      failed++;
      printf("FAIL path %s: int8_dense_threshold is %s, int8_dense_gemm %s\n", kp->name,
             kp->int8_dense_threshold ? "set" : "NULL", kp->int8_dense_gemm ? "set" : "NULL");
    }
    if (p == BNN_PATH_SCALAR) continue;
    printf("path %s%s\n", kp->name, kp->int8_dense_threshold ? " (with the int8 first layer)" : "");
    for (size_t a = 0; a < nk; a++)
      for (size_t b = 0; b < nm; b++)
        for (size_t c = 0; c < nn; c++) check_path(kp, ks[a], ms[b], ns[c], 0);
    /* direct pixel convolution: K = kh*kw*c around word boundaries, channels around the
     * 32-channel blocks and 64-bit output words */
    static const size_t windows[][3] = {{1, 1, 1},  {3, 3, 1}, {3, 3, 3},  {7, 9, 1}, {8, 8, 1},
                                        {5, 13, 1}, {8, 8, 2}, {43, 3, 1}, {5, 5, 3}, {7, 7, 3}};
    static const size_t channels[] = {0, 1, 2, 31, 32, 33, 63, 64, 65, 127, 128, 129};
    for (size_t a = 0; a < sizeof windows / sizeof windows[0]; a++)
      for (size_t b = 0; b < sizeof channels / sizeof channels[0]; b++)
        for (int r = 0; r < 3; r++)
          check_pixel_conv(kp, windows[a][0], windows[a][1], windows[a][2], channels[b], 8, 8);
    /* wide images: rows longer than the scratch holds, so a form that copies input rows
     * into its scratch must split them */
    for (size_t a = 0; a < sizeof windows / sizeof windows[0]; a++)
      for (int r = 0; r < 4; r++)
        check_pixel_conv(kp, windows[a][0], windows[a][1], windows[a][2],
                         channels[next_in(0, sizeof channels / sizeof channels[0] - 1)], 4, 1500);
    /* binary convolution: input channels around the 32-bit steps and 64-bit words, output
     * channels around the 32-channel blocks; 129 channels in 3x3 make 45 steps (> 31) */
    static const size_t conv_windows[][2] = {{1, 1}, {3, 3}, {2, 3}, {5, 5}};
    static const size_t conv_in[] = {1, 5, 31, 32, 33, 64, 65, 129};
    static const size_t conv_out[] = {1, 8, 31, 32, 33, 64, 65, 129};
    for (size_t a = 0; a < sizeof conv_windows / sizeof conv_windows[0]; a++)
      for (size_t b = 0; b < sizeof conv_in / sizeof conv_in[0]; b++)
        for (size_t c = 0; c < sizeof conv_out / sizeof conv_out[0]; c++)
          check_binary_conv(kp, conv_windows[a][0], conv_windows[a][1], conv_in[b], conv_out[c]);
    /* a few random lengths */
    for (int r = 0; r < 40; r++)
      check_path(kp, (size_t)next_in(1, 3000), (size_t)next_in(1, 9), (size_t)next_in(1, 200), 0);
#if defined(HAVE_GUARD_PAGES)
    /* no reads past the last row: every tail length, and the bit-plane fallbacks */
    for (size_t k = 1; k <= 1100; k += (k < 600 ? 7 : 61))
      for (size_t mm = 1; mm <= 9; mm += 4) check_no_overread(kp, k, mm, 1 + (k % 19));
    check_no_overread(kp, 784, 1, 1024);
    check_no_overread(kp, 4097, 2, 9);
    check_no_overread(kp, 9999, 3, 70);
    for (size_t count = 0; count <= 300; count++) {
      check_pack(kp, count, words_for(count));
      check_pack(kp, count, words_for(count) + 2);
    }
    check_pack(kp, 784, 13);
    check_pack(kp, 4097, 65);
    if (kp->int8_dense_threshold) {
      /* the int8 first layer: inputs around the 16/32-byte steps and 64-bit words, rows
       * around the 4/2/1-row tiles, neurons around the 4-neuron tiles and output words */
      static const size_t int8_ks[] = {0,  1,  2,   15,  16,  17,  31,  32,  33,  63,
                                       64, 65, 127, 128, 129, 255, 256, 784, 1000};
      static const size_t int8_ms[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
      static const size_t int8_ns[] = {1, 3, 4, 5, 63, 64, 65, 130};
      for (size_t a = 0; a < sizeof int8_ks / sizeof int8_ks[0]; a++)
        for (size_t b = 0; b < sizeof int8_ms / sizeof int8_ms[0]; b++)
          for (size_t c = 0; c < sizeof int8_ns / sizeof int8_ns[0]; c++)
            check_int8_dense(kp, int8_ks[a], int8_ms[b], int8_ns[c], 0);
      for (int r = 0; r < 60; r++)
        check_int8_dense(kp, (size_t)next_in(0, 2200), (size_t)next_in(1, 12),
                         (size_t)next_in(1, 200), 0);
      for (size_t k = 1; k <= 2200; k += (k < 300 ? 13 : 211))
        for (size_t mm = 1; mm <= 3; mm++) check_int8_dense(kp, k, mm, 1 + (k % 70), 0);
      /* several weight blocks (192 KB of rows: 64 rows of 4128 bytes, 192 of 800), largest
       * |dot|, long rows (a 32-bit lane gains 1020 a step) */
      check_int8_dense(kp, 4097, 5, 130, 0);
      check_int8_dense(kp, 784, 6, 450, 0);
      check_int8_dense(kp, 784, 5, 9, 1);
      check_int8_dense(kp, 65, 4, 67, 1);
      check_int8_dense(kp, 20000, 3, 5, 1);
      check_int8_dense(kp, 70001, 2, 3, 1);
    }
#endif
    /* long rows, random and all-ones: counters that must be widened mid-row
     * (AVX2 bytes after 31 steps, NEON 16-bit lanes after 2048 steps) */
    static const size_t long_ks[] = {1000, 9920, 9984, 10049, 20000, 524288, 540017};
    for (size_t a = 0; a < sizeof long_ks / sizeof long_ks[0]; a++)
      for (int dense = 0; dense <= 2; dense++) {
        check_path(kp, long_ks[a], 1, 5, dense);
        check_path(kp, long_ks[a], 5, 3, dense);
      }
  }
  if (!tested_required) {
    failed++;
    printf("FAIL path %s is not available in this build or on this CPU\n", require);
  }
  /* Cheap sanity check of the reference itself. */
  for (size_t a = 0; a < nk; a++) check_scalar_oracle(ks[a], 3, 5);
  /* bnn_kernels_best: an available path, the one BNN_KERNEL names if available. */
  const bnn_kernels *best = bnn_kernels_best();
  printf("best path: %s\n", best ? best->name : "(none)");
  const char *forced = getenv("BNN_KERNEL");
  int forced_available = 0;
  for (int p = 0; p < BNN_PATH_COUNT && forced; p++) {
    const bnn_kernels *kp = bnn_kernels_for((bnn_kernel_path)p);
    if (kp && strcmp(kp->name, forced) == 0) forced_available = 1;
  }
  if (!best || bnn_kernels_for(best->path) != best || bnn_kernels_best() != best ||
      (forced_available && strcmp(best->name, forced) != 0) ||
      (want_best && strcmp(best->name, want_best) != 0)) {
    failed++;
    printf("FAIL bnn_kernels_best() returned %s (BNN_KERNEL=%s, --best %s)\n",
           best ? best->name : "NULL", forced ? forced : "(unset)", want_best ? want_best : "-");
  } else {
    passed++;
  }
  printf("%lu passed, %lu failed\n", passed, failed);
  return failed ? 1 : 0;
}
