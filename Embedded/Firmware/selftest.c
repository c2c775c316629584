/*
 * On-target check of the popcount variants (Sources/CPopcount/popcount_portable.h): every
 * variant against the bit-by-bit definition, on the processor the firmware runs on (its
 * compiler, its multiplier, its shifts), before the model runs.
 */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "cpopcount.h"

static uint64_t next_random(uint64_t *state) { /* SplitMix64 */
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static void put_text(const char *text) { board_write(text, strlen(text)); }

static void put_number(uint32_t value) {
  char text[10];
  int n = 0;
  do {
    text[sizeof text - 1 - n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value != 0);
  board_write(text + sizeof text - n, (size_t)n);
}

uint32_t firmware_popcount_selftest(void) {
  static const uint16_t sizes[] = {0, 1, 63, 64, 65, 127, 128, 129};
  uint64_t row[129]; /* on the stack: free again when the model runs (no RAM kept for it) */
  uint64_t state = 0x5EEDu;
  uint32_t mismatches = 0, rows = 0;
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    for (int trial = 0; trial < 4; trial++) {
      /* Dense, sparse, nearly full, and edge words (all ones, zero, single bits). */
      for (size_t i = 0; i < sizes[s]; i++) {
        uint64_t a = next_random(&state), b = next_random(&state), c = next_random(&state);
        row[i] = trial == 0   ? a
                 : trial == 1 ? a & b & c
                 : trial == 2 ? a | b | c
                              : (i % 3 == 0   ? ~0ULL
                                 : i % 3 == 1 ? 0
                                              : 1ULL << (a & 63));
      }
      uint32_t expected = bnn_popcount_words(BNN_POPCOUNT_REFERENCE, row, sizes[s]);
      for (int v = BNN_POPCOUNT_SWAR_MUL; v < BNN_POPCOUNT_VARIANT_COUNT; v++) {
        uint32_t got = bnn_popcount_words((bnn_popcount_variant)v, row, sizes[s]);
        if (got != expected) {
          put_text("popcount MISMATCH: ");
          put_text(bnn_popcount_variant_name((bnn_popcount_variant)v));
          put_text(", ");
          put_number(sizes[s]);
          put_text(" words: ");
          put_number(got);
          put_text(" instead of ");
          put_number(expected);
          put_text("\n");
          mismatches++;
        }
      }
      rows++;
    }
  }
  put_text("popcount swar-mul, swar-nomul, table: ");
  put_number(rows);
  put_text(" rows of 0..129 words, ");
  put_number(mismatches);
  put_text(" mismatches with the bit-by-bit count; kernels use ");
  put_text(firmware_popcount_variant());
  put_text("\n");
  return mismatches;
}

const char *firmware_popcount_variant(void) {
  return bnn_popcount_variant_name(bnn_scalar_popcount_variant());
}

/* Runs exactly 2 * iterations instructions (a count-down loop of two instructions; a few
 * more to enter and leave), for converting ticks into instructions under qemu -icount. */
static void known_loop(uint32_t iterations) {
#if defined(__ARM_ARCH_6M__)
  /* GCC's inline assembly is in divided syntax for Thumb-1. */
  __asm__ volatile(".syntax unified\n1:\n\tsubs %0, %0, #1\n\tbne 1b\n\t.syntax divided"
                   : "+l"(iterations)::"cc");
#elif defined(__arm__)
  __asm__ volatile("1:\n\tsubs %0, %0, #1\n\tbne 1b" : "+l"(iterations)::"cc");
#elif defined(__riscv)
  __asm__ volatile("1:\n\taddi %0, %0, -1\n\tbnez %0, 1b" : "+r"(iterations));
#else
#error "known_loop: unknown architecture"
#endif
}

uint64_t firmware_ticks_per_million_instructions(void) {
  known_loop(1000); /* warm up (qemu translates the loop once) */
  uint64_t start = board_ticks();
  known_loop(500000);
  return board_ticks() - start;
}
