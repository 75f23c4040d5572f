/** @file trap.c: the one C entry for every interrupt, exception and system call; expected faults resume through .extable, anything unexpected panics. */
#include "kernel.h"

volatile uint32_t timer_ticks;

static int extable_fixup(struct trapframe *tf)
{
  for (const struct extable_entry *e = __extable_start; e < __extable_end; e++) {
    if (e->fault_eip == tf->eip) { tf->eip = e->fixup_eip; return 1; }
  }
  return 0;
}

static void irq(struct trapframe *tf)
{
  uint32_t n = tf->vector - VEC_IRQ0;
  if (n == 7 || n == 15) {                      /* spurious unless the ISR bit is set (OCW3 read ISR) */
    uint16_t cmd = n == 7 ? 0x20 : 0xA0;
    outb(cmd, 0x0B);
    if (!(inb(cmd) & 0x80)) { if (n == 15) outb(0x20, 0x20); return; }
  }
  pic_eoi(n);
  if (n == 0) {
    timer_ticks++;
    if ((tf->cs & 3) == 3) proc_yield();      /* preempt user code; the kernel is not preemptible */
  }
}

__attribute__((noreturn)) static void fatal(struct trapframe *tf, uint32_t cr2)
{
  kprintf("PANIC vector=0x%02x err=0x%08x eip=0x%08x cr2=0x%08x cs=0x%02x pid=%d\n", tf->vector, tf->err, tf->eip,
          cr2, tf->cs & 0xFFFF, current ? current->pid : -1);
  machine_exit(EXIT_PANIC);
}

void trap(struct trapframe *tf)
{
  uint32_t v = tf->vector;
  if (v == VEC_SYSCALL) { syscall_dispatch(tf); return; }
  if (v >= VEC_IRQ0 && v < VEC_IRQ0 + 16) { irq(tf); return; }
  uint32_t cr2 = v == VEC_PF ? read_cr2() : 0;
  if ((tf->cs & 3) == 0 && (v == VEC_DE || v == VEC_PF) && extable_fixup(tf)) return;
  if (v == VEC_PF && current && current->pid != 0 &&
      as_fault(current->pd, cr2, tf->err, current->heap_lo, current->brk) == 0)
    return;
  fatal(tf, cr2);
}
