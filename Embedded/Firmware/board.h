/*
 * What the BinaryNet firmware (main.swift, shared by every board) needs from its board:
 * output, exit, a tick counter, memory statistics, and the model and test images linked
 * into flash. Embedded/CortexM (MPS2-AN386 Cortex-M4F, micro:bit nRF51 Cortex-M0) and
 * Embedded/RISCV (qemu virt, rv32imc) implement them; port the firmware to another board
 * by rewriting these (see docs/EMBEDDED.md).
 */
#ifndef BNN_BOARD_H
#define BNN_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* The board and processor, for the banner (e.g. "Cortex-M0, nRF51 micro:bit"). */
const char *board_name(void);
/* Where board_write goes: "semihosting" or "UART" (the board's serial port). */
const char *board_console(void);

/* Writes `count` bytes of text to the console. */
void board_write(const char *text, size_t count);

/* Flushes the console and stops: on qemu the exit status becomes qemu's. */
void board_exit(int status) __attribute__((noreturn));

/* Ticks since reset, 64-bit: SysTick (Cortex-M, clocked by the processor clock: on
 * hardware CPU cycles) or minstret (RISC-V: retired instructions). Under qemu see
 * docs/EMBEDDED.md. */
uint64_t board_ticks(void);

/* Tick frequency in Hz (the processor clock), and what one tick is ("SysTick", "instret"). */
uint32_t board_tick_hz(void);
const char *board_tick_name(void);

/* Peak bytes taken from the heap (malloc) and from the stack since reset. */
uint32_t board_heap_used(void);
uint32_t board_stack_used(void);
/* Sizes of the heap and stack regions the linker script reserves. */
uint32_t board_heap_size(void);
uint32_t board_stack_size(void);
/* The heap's sbrk (board_common.c), which each board.c exports under its C library's name. */
void *board_sbrk(ptrdiff_t increment);

/* The model linked into flash (from `bnn-run export-c`), NULL / 0 when none is linked. */
const uint8_t *board_model(void);
uint32_t board_model_size(void);
/* The model's check value (`export-c` writes NAME_check: the CRC-32 it validated), for
 * the trusted loader of the minimal firmware; 0 when none is linked. */
uint32_t board_model_check(void);

/* Test images linked with the model (`export-c --images`); count 0 when none. */
uint32_t board_image_count(void);
uint32_t board_image_bytes(void);
const uint8_t *board_images(void);
/* The class the desktop engine predicted for each image, and the true labels (-1: none). */
const uint16_t *board_expected(void);
const int16_t *board_labels(void);
/* The desktop's class scores of each image as float bit patterns (class_count per image),
 * NULL / 0 when the data file has none. */
const uint32_t *board_expected_scores(void);
uint32_t board_expected_class_count(void);

/* Checks every popcount variant of the C kernels (swar-mul, swar-nomul, table) against the
 * bit-by-bit definition on pseudo-random rows of 0, 1, 63, 64, 65, 127, 128 and 129 words,
 * on this processor; prints one line, returns the number of mismatches (selftest.c). */
uint32_t firmware_popcount_selftest(void);
/* Ticks taken by a loop of exactly 1,000,000 instructions (selftest.c): under qemu -icount
 * shift=0 the factor between ticks and instructions (docs/EMBEDDED.md). */
uint64_t firmware_ticks_per_million_instructions(void);
/* The popcount variant the scalar kernels of this image were built with. */
const char *firmware_popcount_variant(void);

#endif
