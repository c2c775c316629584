/*
 * What the BinaryNet firmware needs from its board (board.c, startup.c): output, exit,
 * a tick counter, memory statistics, and the model and test images linked into flash.
 * Port the firmware to another Cortex-M board by rewriting these (see docs/EMBEDDED.md).
 */
#ifndef BNN_BOARD_H
#define BNN_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* Writes `count` bytes of text to the console (semihosting here; a UART on a board). */
void board_write(const char *text, size_t count);

/* Flushes the console and stops: on qemu the exit status becomes qemu's. */
void board_exit(int status) __attribute__((noreturn));

/* SysTick ticks since reset, 64-bit (SysTick clocked by the processor clock: on hardware
 * these are CPU cycles; under qemu see docs/EMBEDDED.md). */
uint64_t board_ticks(void);

/* SysTick frequency in Hz (the processor clock the board runs at). */
uint32_t board_tick_hz(void);

/* Peak bytes taken from the heap (malloc) and from the stack since reset. */
uint32_t board_heap_used(void);
uint32_t board_stack_used(void);
/* Sizes of the heap and stack regions the linker script reserves. */
uint32_t board_heap_size(void);
uint32_t board_stack_size(void);

/* The model linked into flash (from `bnn-run export-c`), NULL / 0 when none is linked. */
const uint8_t *board_model(void);
uint32_t board_model_size(void);

/* Test images linked with the model (`export-c --images`); count 0 when none. */
uint32_t board_image_count(void);
uint32_t board_image_bytes(void);
const uint8_t *board_images(void);
/* The class the desktop engine predicted for each image, and the true labels (-1: none). */
const uint16_t *board_expected(void);
const int16_t *board_labels(void);

#endif
