/*
 * The WebAssembly SIMD128 kernels against the scalar reference, compiled to WebAssembly
 * and run in Node by scripts/test-wasm.sh (scripts/wasm/kernel-test.mjs): every entry of
 * the simd128 table on random operands, with row lengths in bits of 0, 1, 63, 64, 65, 127,
 * 128, 129 and others that are not multiples of 64, batch sizes around the tiles' edges
 * (1 to 9 rows, 1 to 131 neurons), strides wider than the rows, and canary words after
 * every output (a kernel must write whole output words and nothing beyond).
 *
 * Exports: bnn_kernel_test(seed) -> failures (0 = all equal), bnn_kernel_test_checks()
 * -> comparisons made, bnn_kernel_test_message() -> the first failure, NUL-terminated.
 */
#include <stddef.h>
#include <stdint.h>

#include "cpopcount.h"
#include "bnn_conv.h"

void *malloc(size_t size);
void free(void *pointer);

static uint64_t state;
static uint64_t next(void) { /* SplitMix64 */
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static size_t below(size_t n) { return (size_t)(next() % n); }

static long checks, failures;
static char message[256];

static void append(char **p, const char *s) {
  while (*s && *p < message + sizeof message - 1) *(*p)++ = *s++;
}
static void append_number(char **p, long v) {
  char digits[24];
  int n = 0;
  if (v < 0) append(p, "-"), v = -v;
  do digits[n++] = (char)('0' + v % 10), v /= 10;
  while (v);
  while (n && *p < message + sizeof message - 1) *(*p)++ = digits[--n];
}

static void check(int equal, const char *what, size_t bits, size_t m, size_t n) {
  checks++;
  if (equal) return;
  if (failures++ == 0) {
    char *p = message;
    append(&p, what);
    append(&p, ": simd128 differs from scalar (bits ");
    append_number(&p, (long)bits);
    append(&p, ", m ");
    append_number(&p, (long)m);
    append(&p, ", n ");
    append_number(&p, (long)n);
    append(&p, ")");
    *p = 0;
  }
}

/* `count` random words; rows of `bits` bits at `stride` words keep bits >= `bits` zero. */
static void fill_rows(uint64_t *x, size_t rows, size_t stride, size_t bits) {
  size_t words = (bits + 63) / 64;
  for (size_t r = 0; r < rows; r++)
    for (size_t k = 0; k < stride; k++) {
      uint64_t v = next();
      if (k >= words)
        v = next(); /* stride padding: any value, never read */
      else if (k == words - 1 && bits % 64)
        v &= (1ull << (bits % 64)) - 1;
      x[r * stride + k] = v;
    }
}

static int same_words(const uint64_t *x, const uint64_t *y, size_t count) {
  for (size_t i = 0; i < count; i++)
    if (x[i] != y[i]) return 0;
  return 1;
}
static int same_ints(const int32_t *x, const int32_t *y, size_t count) {
  for (size_t i = 0; i < count; i++)
    if (x[i] != y[i]) return 0;
  return 1;
}

#define CANARY 0x5AA5C33CF00F9669ull

static const size_t bit_sizes[] = {0,   1,   2,   63,  64,  65,  127, 128,  129,
                                   191, 192, 193, 255, 256, 257, 784, 1000, 4097};

static void test_xor(const bnn_kernels *s, const bnn_kernels *v) {
  for (size_t b = 0; b < sizeof bit_sizes / sizeof bit_sizes[0]; b++) {
    size_t bits = bit_sizes[b], words = (bits + 63) / 64;
    for (int trial = 0; trial < 6; trial++) {
      size_t m = 1 + below(9), n = 1 + below(trial < 3 ? 9 : 131);
      size_t as = words + below(3), ws = words + below(3);
      uint64_t *a = malloc(8 * (m * as + 1)), *w = malloc(8 * (n * ws + 1));
      fill_rows(a, m, as, bits);
      fill_rows(w, n, ws, bits);
      if (trial == 5) { /* every bit differs: the largest lane counts (8 per byte, every step) */
        for (size_t i = 0; i < m * as; i++) a[i] = ~0ull;
        for (size_t i = 0; i < n * ws; i++) w[i] = 0;
        for (size_t r = 0; r < m && bits % 64; r++)
          a[r * as + words - 1] = (1ull << (bits % 64)) - 1;
      }
      /* counts */
      size_t cs = n + below(3);
      int32_t *c1 = malloc(4 * (m * cs + 1)), *c2 = malloc(4 * (m * cs + 1));
      for (size_t i = 0; i <= m * cs; i++) c1[i] = c2[i] = -7;
      s->xor_popcount_gemm(a, as, m, w, ws, n, words, c1, cs);
      v->xor_popcount_gemm(a, as, m, w, ws, n, words, c2, cs);
      check(same_ints(c1, c2, m * cs + 1), "xor_popcount_gemm", bits, m, n);
      if (trial == 5)
        check(c2[(m - 1) * cs + n - 1] == (int32_t)bits, "xor_popcount_gemm (all bits differ)",
              bits, m, n);
      /* thresholds */
      size_t ow = (n + 63) / 64, os = ow + below(2);
      int32_t *t = malloc(4 * n);
      uint64_t *flip = malloc(8 * ow);
      for (size_t j = 0; j < n; j++) t[j] = (int32_t)below(2 * bits + 3) - (int32_t)bits - 1;
      for (size_t k = 0; k < ow; k++) flip[k] = next();
      uint64_t *o1 = malloc(8 * (m * os + 1)), *o2 = malloc(8 * (m * os + 1));
      for (size_t i = 0; i <= m * os; i++) o1[i] = o2[i] = CANARY;
      s->xor_popcount_threshold(a, as, m, w, ws, n, words, (int32_t)bits, t, flip, o1, os);
      v->xor_popcount_threshold(a, as, m, w, ws, n, words, (int32_t)bits, t, flip, o2, os);
      check(same_words(o1, o2, m * os + 1) && o2[m * os] == CANARY, "xor_popcount_threshold", bits,
            m, n);
      free(o2), free(o1), free(flip), free(t), free(c2), free(c1), free(w), free(a);
    }
  }
}

static void test_bitplanes(const bnn_kernels *s, const bnn_kernels *v) {
  for (size_t b = 0; b < sizeof bit_sizes / sizeof bit_sizes[0]; b++) {
    size_t count = bit_sizes[b], words = (count + 63) / 64;
    for (int trial = 0; trial < 5; trial++) {
      size_t m = 1 + below(5), n = 1 + below(trial < 2 ? 9 : 131);
      size_t ps = 8 * words + below(3), ws = words + below(3);
      uint8_t *pixels = malloc(count + 1);
      uint64_t *planes = malloc(8 * (m * ps + 1)), *planes2 = malloc(8 * (8 * words + 1));
      for (size_t i = 0; i < m; i++) {
        for (size_t k = 0; k < count; k++) pixels[k] = (uint8_t)(trial == 4 ? 255 : next());
        s->pack_bitplanes(pixels, count, planes + i * ps, words);
        planes2[8 * words] = CANARY;
        v->pack_bitplanes(pixels, count, planes2, words);
        check(same_words(planes + i * ps, planes2, 8 * words) && planes2[8 * words] == CANARY,
              "pack_bitplanes", count, m, n);
      }
      uint64_t *w = malloc(8 * (n * ws + 1));
      fill_rows(w, n, ws, count);
      size_t ds = n + below(3);
      int32_t *d1 = malloc(4 * (m * ds + 1)), *d2 = malloc(4 * (m * ds + 1));
      for (size_t i = 0; i <= m * ds; i++) d1[i] = d2[i] = -7;
      s->bitplane_gemm(planes, ps, m, w, ws, n, words, d1, ds);
      v->bitplane_gemm(planes, ps, m, w, ws, n, words, d2, ds);
      check(same_ints(d1, d2, m * ds + 1), "bitplane_gemm", count, m, n);
      size_t ow = (n + 63) / 64, os = ow + below(2);
      int32_t *t = malloc(4 * n);
      uint64_t *flip = malloc(8 * ow);
      for (size_t j = 0; j < n; j++)
        t[j] = (int32_t)below(512 * count + 3) - (int32_t)(256 * count) - 1;
      for (size_t k = 0; k < ow; k++) flip[k] = next();
      uint64_t *o1 = malloc(8 * (m * os + 1)), *o2 = malloc(8 * (m * os + 1));
      for (size_t i = 0; i <= m * os; i++) o1[i] = o2[i] = CANARY;
      s->bitplane_threshold(planes, ps, m, w, ws, n, words, t, flip, o1, os);
      v->bitplane_threshold(planes, ps, m, w, ws, n, words, t, flip, o2, os);
      check(same_words(o1, o2, m * os + 1) && o2[m * os] == CANARY, "bitplane_threshold", count, m,
            n);
      free(o2), free(o1), free(flip), free(t), free(d2), free(d1), free(w), free(planes2),
          free(planes), free(pixels);
    }
  }
}

static void test_pixel_conv(const bnn_kernels *s, const bnn_kernels *v) {
  for (int trial = 0; trial < 40; trial++) {
    size_t c = trial % 3 == 2 ? 3 : 1, h = 1 + below(12), w = 1 + below(12);
    size_t kh = 1 + below(3), kw = 1 + below(3), stride = 1 + below(2);
    size_t pad_top = below(kh), pad_left = below(kw);
    if (h + 2 * pad_top < kh || w + 2 * pad_left < kw) continue;
    size_t out_h = (h + 2 * pad_top - kh) / stride + 1,
           out_w = (w + 2 * pad_left - kw) / stride + 1;
    size_t k = kh * kw * c, words = (k + 63) / 64, n = 1 + below(trial < 20 ? 9 : 70);
    size_t ws = words + below(2), ow = (n + 63) / 64, os = ow + below(2);
    uint8_t *in = malloc(h * w * c);
    for (size_t i = 0; i < h * w * c; i++) in[i] = (uint8_t)next();
    uint64_t *weights = malloc(8 * n * ws), *flip = malloc(8 * ow);
    fill_rows(weights, n, ws, k);
    for (size_t i = 0; i < ow; i++) flip[i] = next();
    int32_t *t = malloc(4 * n);
    for (size_t j = 0; j < n; j++) t[j] = (int32_t)below(512 * k + 3) - (int32_t)(256 * k) - 1;
    size_t outs = out_h * out_w * os + 1;
    uint64_t *o1 = malloc(8 * outs), *o2 = malloc(8 * outs);
    for (size_t i = 0; i < outs; i++) o1[i] = o2[i] = CANARY;
    int32_t *scratch = malloc(4 * bnn_pixel_conv_scratch_size(k, n));
    s->pixel_conv_threshold(in, h, w, c, kh, kw, stride, pad_top, pad_left, out_h, out_w, weights,
                            ws, n, t, flip, o1, os, scratch);
    v->pixel_conv_threshold(in, h, w, c, kh, kw, stride, pad_top, pad_left, out_h, out_w, weights,
                            ws, n, t, flip, o2, os, scratch);
    check(same_words(o1, o2, outs) && o2[outs - 1] == CANARY, "pixel_conv_threshold", k,
          out_h * out_w, n);
    free(scratch), free(o2), free(o1), free(t), free(flip), free(weights), free(in);
  }
}

__attribute__((export_name("bnn_kernel_test"))) long bnn_kernel_test(uint32_t seed) {
  state = seed;
  checks = failures = 0;
  message[0] = 0;
  const bnn_kernels *scalar = bnn_kernels_for(BNN_PATH_SCALAR);
  const bnn_kernels *simd = bnn_kernels_for(BNN_PATH_SIMD128);
  checks++;
  if (!simd || bnn_kernels_best() != simd) {
    char *p = message;
    append(&p, "the simd128 path is missing or not the best path of a -msimd128 build");
    *p = 0;
    return ++failures;
  }
  test_xor(scalar, simd);
  test_bitplanes(scalar, simd);
  test_pixel_conv(scalar, simd);
  return failures;
}

__attribute__((export_name("bnn_kernel_test_checks"))) long bnn_kernel_test_checks(void) {
  return checks;
}

__attribute__((export_name("bnn_kernel_test_message"))) const char *bnn_kernel_test_message(void) {
  return message;
}
