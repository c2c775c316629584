/* What every board's firmware shares: the heap behind malloc, the stack and heap figures,
 * and the model and test images the build links (bnn-run export-c's C file; weak, so a
 * runtime-only build links none and reports that). board.c holds what differs per board. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"

/* ---- Memory: the C library's malloc takes its heap from sbrk (board.c names it as its
 * library wants: _sbrk for newlib, sbrk for picolibc) ---- */

extern char __heap_start[], __heap_end[], __stack_bottom[], __stack_top[];
static char *heap_break = __heap_start;

void *board_sbrk(ptrdiff_t increment) {
  if (increment > __heap_end - heap_break || increment < __heap_start - heap_break) {
    errno = ENOMEM;
    return (void *)-1;
  }
  char *previous = heap_break;
  heap_break += increment;
  return previous;
}

uint32_t board_heap_used(void) { return (uint32_t)(heap_break - __heap_start); }
uint32_t board_heap_size(void) { return (uint32_t)(__heap_end - __heap_start); }
uint32_t board_stack_size(void) { return (uint32_t)(__stack_top - __stack_bottom); }

extern uint32_t board_stack_paint_value(void);

uint32_t board_stack_used(void) {
  const uint32_t paint = board_stack_paint_value();
  const uint32_t *p = (const uint32_t *)__stack_bottom;
  while ((const char *)p < __stack_top && *p == paint) p++;
  return (uint32_t)(__stack_top - (const char *)p);
}

/* ---- The model and test images (weak: a runtime-only build links none) ---- */

extern const uint8_t bnn_model[] __attribute__((weak));
extern const uint32_t bnn_model_size __attribute__((weak));
extern const uint32_t bnn_model_check __attribute__((weak));
extern const uint8_t bnn_model_images[] __attribute__((weak));
extern const uint32_t bnn_model_image_count __attribute__((weak));
extern const uint32_t bnn_model_image_bytes __attribute__((weak));
extern const uint16_t bnn_model_expected[] __attribute__((weak));
extern const int16_t bnn_model_labels[] __attribute__((weak));
extern const uint32_t bnn_model_expected_scores[] __attribute__((weak));
extern const uint32_t bnn_model_class_count __attribute__((weak));

const uint8_t *board_model(void) { return &bnn_model_size ? bnn_model : NULL; }
uint32_t board_model_size(void) { return &bnn_model_size ? bnn_model_size : 0; }
uint32_t board_model_check(void) { return &bnn_model_check ? bnn_model_check : 0; }
uint32_t board_image_count(void) { return &bnn_model_image_count ? bnn_model_image_count : 0; }
uint32_t board_image_bytes(void) { return &bnn_model_image_bytes ? bnn_model_image_bytes : 0; }
const uint8_t *board_images(void) { return bnn_model_images; }
const uint16_t *board_expected(void) { return bnn_model_expected; }
const int16_t *board_labels(void) { return bnn_model_labels; }
const uint32_t *board_expected_scores(void) { return bnn_model_expected_scores; }
uint32_t board_expected_class_count(void) {
  return &bnn_model_class_count ? bnn_model_class_count : 0;
}
