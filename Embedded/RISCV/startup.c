/*
 * Start-up code for the BinaryNet firmware on RISC-V 32 (machine mode, no OS): _start sets
 * the stack and global pointers, copies .data from flash, zeroes .bss, paints the stack for
 * the high-water mark and points mtvec at a trap handler that reports and exits (a Swift
 * trap is an illegal instruction: it ends here).
 */
#include <stdint.h>
#include <string.h>

#include "board.h"

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
extern uint32_t __stack_bottom[], __stack_top[];
extern int firmware_main(void);

#define STACK_PAINT 0x5AC4F00Du

uint32_t board_stack_paint_value(void) { return STACK_PAINT; }

void board_start(void) __attribute__((noreturn));
void board_trap(void) __attribute__((noreturn));

__attribute__((naked, section(".text.start"))) void _start(void) {
  __asm__ volatile(".option push\n\t"
                   ".option norelax\n\t"
                   "la gp, __global_pointer$\n\t"
                   ".option pop\n\t"
                   "la sp, __stack_top\n\t"
                   "j board_start\n\t");
}

/* Traps are not expected: every one is reported with its cause and ends the run. */
__attribute__((aligned(4))) void board_trap(void) {
  uint32_t cause, pc, value;
  __asm__ volatile("csrr %0, mcause" : "=r"(cause));
  __asm__ volatile("csrr %0, mepc" : "=r"(pc));
  __asm__ volatile("csrr %0, mtval" : "=r"(value));
  char text[] = "\nFAULT: mcause=0x........ mepc=0x........ mtval=0x........\n";
  const char *digits = "0123456789abcdef";
  uint32_t fields[3] = {cause, pc, value};
  size_t at[3] = {16, 32, 49};
  for (int f = 0; f < 3; f++)
    for (int i = 0; i < 8; i++) text[at[f] + (size_t)i] = digits[(fields[f] >> (28 - 4 * i)) & 0xF];
  board_write(text, sizeof text - 1);
  if (cause == 2) {
    const char *note = "(illegal instruction: a Swift runtime trap, e.g. a failed precondition)\n";
    board_write(note, strlen(note));
  }
  board_exit(128 + (int)(cause & 0xFF));
}

void board_start(void) {
  memcpy(__data_start, __data_load, (size_t)((char *)__data_end - (char *)__data_start));
  memset(__bss_start, 0, (size_t)((char *)__bss_end - (char *)__bss_start));

  /* Paint the stack below the current frame, for board_stack_used(). */
  volatile uint32_t *here = (volatile uint32_t *)__builtin_frame_address(0);
  for (volatile uint32_t *p = __stack_bottom; p + 64 < here; p++) *p = STACK_PAINT;

  __asm__ volatile("csrw mtvec, %0" ::"r"((uintptr_t)board_trap));
  board_exit(firmware_main());
}

/* Retired instructions (minstret, 64-bit read without tearing). Under qemu with -icount
 * it counts exactly the executed instructions; on hardware, the same. */
uint64_t board_ticks(void) {
  uint32_t hi, lo, again;
  do {
    __asm__ volatile("csrr %0, minstreth" : "=r"(hi));
    __asm__ volatile("csrr %0, minstret" : "=r"(lo));
    __asm__ volatile("csrr %0, minstreth" : "=r"(again));
  } while (hi != again);
  return (uint64_t)hi << 32 | lo;
}
