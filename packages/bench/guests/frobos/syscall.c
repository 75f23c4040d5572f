/** @file syscall.c: the system calls (abi.h), dispatched on EAX for both int 0x80 and sysenter. */
#include "kernel.h"

static int user_range_ok(uint32_t p, uint32_t n) { return p < USER_TOP && n <= USER_TOP - p; }

static uint32_t sys_brk(uint32_t want)
{
  struct proc *p = current;
  if (want == 0 || want < p->heap_lo || want > USER_STACK_TOP - USER_STACK_SIZE) return p->brk;
  /* Shrinking gives the pages above the new break back. */
  uint32_t keep = (want + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
  for (uint32_t va = keep; va < p->brk; va += PAGE_SIZE) {
    uint32_t *pte = as_pte(p->pd, va);
    if (!pte || !(*pte & PTE_P)) continue;
    frame_unref(*pte & ~0xFFFu);
    *pte = 0;
    invlpg(va);
  }
  p->brk = want;
  return want;
}

/* iomix's "device driver": a POST code, a round trip through the UART scratch register, the PIC mask. */
static uint32_t sys_ioreq(uint32_t v)
{
  outb(0x80, (uint8_t)v);
  outb(0x3F8 + 7, (uint8_t)(v >> 8));
  uint32_t scratch = inb(0x3F8 + 7);
  uint32_t imr = inb(0x21);
  return (scratch << 8) | imr;
}

void syscall_dispatch(struct trapframe *tf)
{
  uint32_t a = tf->ebx, b = tf->ecx, c = tf->edx;
  switch (tf->eax) {
  case SYS_EXIT: proc_exit((int)a);
  case SYS_FORK: tf->eax = (uint32_t)proc_fork(tf); break;
  case SYS_WRITE:
    if (a != 1 || !user_range_ok(b, c)) { tf->eax = (uint32_t)-1; break; }
    kwrite((const char *)b, c);
    tf->eax = c;
    break;
  case SYS_GETPID: tf->eax = (uint32_t)current->pid; break;
  case SYS_WAITPID: tf->eax = (uint32_t)proc_wait((int)a); break;
  case SYS_BRK: tf->eax = sys_brk(a); break;
  case SYS_YIELD: proc_yield(); tf->eax = 0; break;
  case SYS_IOREQ: tf->eax = sys_ioreq(a); break;
  default: tf->eax = (uint32_t)-1; break;
  }
}
