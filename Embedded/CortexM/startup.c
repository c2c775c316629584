/*
 * Start-up code for a Cortex-M4F (ARMv7E-M) or Cortex-M0/M0+ (ARMv6-M): vector table, reset
 * (FPU on where there is one, .data copied from flash, .bss zeroed, stack painted for the
 * high-water mark, SysTick started), fault handlers that report and exit (a Swift trap is
 * an undefined instruction: it ends here), SysTick.
 */
#include <stdint.h>
#include <string.h>

#include "board.h"

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
extern uint32_t __stack_bottom[], __stack_top[];
extern void __libc_init_array(void);
extern int firmware_main(void);

#define REG(address) (*(volatile uint32_t *)(address))
#define SCB_ICSR REG(0xE000ED04)
#define SCB_CPACR REG(0xE000ED88)
#define SCB_SHCSR REG(0xE000ED24)
#define SCB_CFSR REG(0xE000ED28)
#define SCB_HFSR REG(0xE000ED2C)
#define SCB_MMFAR REG(0xE000ED34)
#define SCB_BFAR REG(0xE000ED38)
#define SYST_CSR REG(0xE000E010)
#define SYST_RVR REG(0xE000E014)
#define SYST_CVR REG(0xE000E018)

#define STACK_PAINT 0x5AC4F00Du

/* ARMv7-M has the configurable fault status registers; ARMv6-M has only HardFault. */
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
#define HAVE_FAULT_STATUS 1
#endif

void board_report_fault(const uint32_t *frame, uint32_t exception);
uint32_t board_stack_paint_value(void) { return STACK_PAINT; }

static volatile uint32_t systick_wraps;

void Reset_Handler(void) __attribute__((noreturn));
void Reset_Handler(void) {
#if defined(__ARM_FP)
  /* Full access to the FPU (CP10, CP11) before any floating-point instruction. */
  SCB_CPACR |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif

  memcpy(__data_start, __data_load, (size_t)((char *)__data_end - (char *)__data_start));
  memset(__bss_start, 0, (size_t)((char *)__bss_end - (char *)__bss_start));

  /* Paint the stack below the current frame, for board_stack_used(). */
  volatile uint32_t *here = (volatile uint32_t *)__builtin_frame_address(0);
  for (volatile uint32_t *p = __stack_bottom; p + 64 < here; p++) *p = STACK_PAINT;

#if defined(HAVE_FAULT_STATUS)
  /* UsageFault, BusFault, MemManage reported as themselves rather than as HardFault. */
  SCB_SHCSR |= (1u << 18) | (1u << 17) | (1u << 16);
#endif

  /* SysTick: processor clock, 24-bit wrap counted in the interrupt. */
  SYST_RVR = 0x00FFFFFFu;
  SYST_CVR = 0;
  SYST_CSR = 0x7u; /* ENABLE | TICKINT | CLKSOURCE = processor clock */
  /* The counter holds 0 until its first clock loads RVR: wait, so ticks start at 0. */
  for (uint32_t spin = 0; SYST_CVR == 0 && spin < 100000; spin++) {
  }

  __libc_init_array();
  board_exit(firmware_main());
}

/* __libc_init_array calls these (crti.o is not linked: -nostartfiles). */
void _init(void) {}
void _fini(void) {}

void SysTick_Handler(void) { systick_wraps++; }

uint64_t board_ticks(void) {
  uint32_t wraps, value, pending;
  do {
    wraps = systick_wraps;
    value = SYST_CVR;
    pending = SCB_ICSR & (1u << 26); /* PENDSTSET: wrapped, interrupt not taken yet */
  } while (wraps != systick_wraps);
  if (pending && value > 0x00800000u) wraps++;
  return (uint64_t)wraps * 0x01000000u + (0x00FFFFFFu - value);
}

/* Every fault lands here with the stacked exception frame (r0-r3, r12, lr, pc, xpsr). */
__attribute__((naked)) void Fault_Handler(void) {
#if defined(HAVE_FAULT_STATUS)
  __asm__ volatile("tst lr, #4\n\t"
                   "ite eq\n\t"
                   "mrseq r0, msp\n\t"
                   "mrsne r0, psp\n\t"
                   "mrs r1, ipsr\n\t"
                   "b board_report_fault\n\t");
#else
  /* Thumb-1: no IT blocks, and a far branch goes through a register. */
  __asm__ volatile("movs r0, #4\n\t"
                   "mov r1, lr\n\t"
                   "tst r0, r1\n\t"
                   "bne 1f\n\t"
                   "mrs r0, msp\n\t"
                   "b 2f\n"
                   "1:\n\t"
                   "mrs r0, psp\n"
                   "2:\n\t"
                   "mrs r1, ipsr\n\t"
                   "ldr r2, =board_report_fault\n\t"
                   "bx r2\n\t"
                   ".ltorg\n\t");
#endif
}

static void put_hex(uint32_t value) {
  char text[11] = "0x";
  for (int i = 0; i < 8; i++) text[2 + i] = "0123456789abcdef"[(value >> (28 - 4 * i)) & 0xF];
  board_write(text, 10);
}

static void put_text(const char *text) { board_write(text, strlen(text)); }

void board_report_fault(const uint32_t *frame, uint32_t exception) {
  static const char *const names[] = {"?",         "?",        "NMI",       "HardFault",
                                      "MemManage", "BusFault", "UsageFault"};
  exception &= 0x1FF;
  put_text("\nFAULT: ");
  put_text(exception < 7 ? names[exception] : "unexpected interrupt");
  put_text(" at pc=");
  put_hex(frame[6]);
  put_text(" lr=");
  put_hex(frame[5]);
#if defined(HAVE_FAULT_STATUS)
  put_text(" CFSR=");
  put_hex(SCB_CFSR);
  put_text(" HFSR=");
  put_hex(SCB_HFSR);
  if (SCB_CFSR & 0x00010000u)
    put_text("\n(undefined instruction: a Swift runtime trap, e.g. a failed precondition)");
#else
  /* ARMv6-M: an undefined instruction (a Swift trap) is a HardFault; show the opcode. */
  put_text(" opcode=");
  put_hex(*(const uint16_t *)(frame[6] & ~1u));
  if (*(const uint16_t *)(frame[6] & ~1u) >> 8 == 0xDEu)
    put_text("\n(udf: a Swift runtime trap, e.g. a failed precondition)");
#endif
  put_text("\n");
  board_exit(128 + (int)exception);
}

void Default_Handler(void) __attribute__((alias("Fault_Handler")));
void NMI_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void HardFault_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void MemManage_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void BusFault_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void DebugMon_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Fault_Handler")));

/* 16 system exceptions, then the board's 32 interrupts (none enabled here). */
__attribute__((section(".isr_vector"), used)) void (*const vector_table[16 + 32])(void) = {
    (void (*)(void))__stack_top,
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    0,
    0,
    0,
    0,
    SVC_Handler,
    DebugMon_Handler,
    0,
    PendSV_Handler,
    SysTick_Handler,
    [16 ... 16 + 31] = Default_Handler,
};
