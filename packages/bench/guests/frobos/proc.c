/** @file proc.c: processes: a fixed table, kernel stacks, round-robin scheduling, spawn, fork, exit and wait. */
#include "kernel.h"

extern void u_start(void);   /* the user image's entry (u-main.c), linked at a user address */

struct proc procs[NPROC];
struct proc *current;
int fork_eager;
static uint8_t kstacks[NPROC][KSTACK_SIZE] __attribute__((aligned(16)));
static int next_pid = 1;

void proc_init(void)
{
  struct proc *p = &procs[0];   /* the kernel itself: runs kmain on the boot stack */
  p->state = P_RUNNING;
  p->pid = 0;
  p->parent = -1;
  p->pd = kernel_pd;
  p->kstack_top = (uint32_t)boot_stack_top;
  current = p;
  tss_set_kernel_stack(p->kstack_top);
}

static void schedule(void)
{
  int me = (int)(current - procs);
  for (int k = 1; k <= NPROC; k++) {
    struct proc *n = &procs[(me + k) % NPROC];
    if (n->state != P_RUNNABLE) continue;
    if (n == current) { n->state = P_RUNNING; return; }
    struct proc *prev = current;
    current = n;
    n->state = P_RUNNING;
    tss_set_kernel_stack(n->kstack_top);
    if (n->pd != prev->pd) load_cr3(V2P(n->pd));
    swtch(&prev->ksp, n->ksp);
    return;
  }
  panic("no runnable process");
}

void proc_yield(void)
{
  current->state = P_RUNNABLE;
  schedule();
}

static struct proc *proc_alloc(void)
{
  for (int i = 1; i < NPROC; i++) {
    struct proc *p = &procs[i];
    if (p->state != P_FREE) continue;
    memset(p, 0, sizeof *p);
    p->pid = next_pid++;
    p->parent = (int)(current - procs);
    p->kstack_top = (uint32_t)(kstacks[i] + KSTACK_SIZE);
    return p;
  }
  return 0;
}

/* Lays out the new kernel stack: the trap frame on top, below it a swtch frame returning to trap_return. */
static struct trapframe *kstack_prepare(struct proc *p)
{
  struct trapframe *tf = (struct trapframe *)(p->kstack_top - sizeof *tf);
  uint32_t *sp = (uint32_t *)tf;
  *--sp = (uint32_t)trap_return;
  *--sp = 0; *--sp = 0; *--sp = 0; *--sp = 0;   /* ebp, ebx, esi, edi */
  p->ksp = (uint32_t)sp;
  return tf;
}

int proc_spawn(uint32_t job, uint32_t arg)
{
  struct proc *p = proc_alloc();
  if (!p) return -1;
  p->pd = as_create();
  if (!p->pd) return -1;
  uint32_t size = (uint32_t)(__user_image_end - __user_image_start);
  for (uint32_t off = 0; off < size; off += PAGE_SIZE) {
    uint32_t f = frame_alloc();
    if (!f || as_map(p->pd, USER_BASE + off, f, PTE_P | PTE_W | PTE_U)) panic("out of memory in spawn");
    memcpy(P2V(f), P2V((uint32_t)__user_image_lma + off), PAGE_SIZE);
  }
  uint32_t sf = frame_alloc();
  if (!sf || as_map(p->pd, USER_STACK_TOP - PAGE_SIZE, sf, PTE_P | PTE_W | PTE_U)) panic("out of memory in spawn");
  uint32_t *top = (uint32_t *)((uint8_t *)P2V(sf) + PAGE_SIZE);
  top[-4] = 0;     /* return address: u_start never returns */
  top[-3] = job;
  top[-2] = arg;
  p->heap_lo = p->brk = USER_BASE + size;
  struct trapframe *tf = kstack_prepare(p);
  memset(tf, 0, sizeof *tf);
  tf->gs = tf->fs = tf->es = tf->ds = tf->ss = SEL_UDATA;
  tf->cs = SEL_UCODE;
  tf->eip = (uint32_t)u_start;
  tf->eflags = 0x202;
  tf->esp = USER_STACK_TOP - 16;
  p->state = P_RUNNABLE;
  return p->pid;
}

int proc_fork(struct trapframe *ptf)
{
  struct proc *p = proc_alloc();
  if (!p) return -1;
  p->pd = as_create();
  if (!p->pd) return -1;
  if (as_fork(p->pd, current->pd, fork_eager)) {
    as_destroy(p->pd);
    load_cr3(V2P(current->pd));
    p->state = P_FREE;
    return -1;
  }
  load_cr3(V2P(current->pd));     /* the parent's writable pages just became read-only */
  p->heap_lo = current->heap_lo;
  p->brk = current->brk;
  struct trapframe *tf = kstack_prepare(p);
  *tf = *ptf;
  tf->eax = 0;
  p->state = P_RUNNABLE;
  return p->pid;
}

void proc_exit(int code)
{
  struct proc *p = current;
  int me = (int)(p - procs);
  load_cr3(V2P(kernel_pd));
  as_destroy(p->pd);
  p->pd = kernel_pd;
  p->exit_code = code & 0xFF;
  for (int i = 1; i < NPROC; i++) {
    if (procs[i].state == P_FREE || procs[i].parent != me) continue;
    if (procs[i].state == P_ZOMBIE) procs[i].state = P_FREE;
    else procs[i].parent = -1;
  }
  if (p->parent < 0) {
    p->state = P_FREE;          /* nobody will wait: the slot is free once we switch away */
  } else {
    p->state = P_ZOMBIE;
    struct proc *parent = &procs[p->parent];
    if (parent->state == P_WAITING && (parent->wait_for == -1 || parent->wait_for == p->pid)) parent->state = P_RUNNABLE;
  }
  schedule();
  panic("exited process ran again");
}

int proc_wait(int pid)
{
  int me = (int)(current - procs);
  for (;;) {
    int found = 0;
    for (int i = 1; i < NPROC; i++) {
      struct proc *c = &procs[i];
      if (c->state == P_FREE || c->parent != me || (pid != -1 && c->pid != pid)) continue;
      found = 1;
      if (c->state == P_ZOMBIE) {
        c->state = P_FREE;
        return c->exit_code;
      }
    }
    if (!found) return -1;
    current->state = P_WAITING;
    current->wait_for = pid;
    schedule();
  }
}
