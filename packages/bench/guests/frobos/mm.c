/** @file mm.c: physical frames (free stack + reference counts), the kernel direct map, per-process page directories, fork's copy-on-write and demand paging. */
#include "kernel.h"

#define MAX_FRAMES (MAX_RAM / PAGE_SIZE)

static uint32_t free_stack[MAX_FRAMES];
static uint32_t free_top;
static uint16_t refcount[MAX_FRAMES];
uint32_t *kernel_pd;
uint32_t *scratch_pt;

void load_cr3(uint32_t phys) { __asm__ volatile("mov %0, %%cr3" ::"r"(phys) : "memory"); }

uint32_t frame_alloc(void)
{
  if (!free_top) return 0;
  uint32_t f = free_stack[--free_top];
  refcount[f] = 1;
  memset(P2V(f << 12), 0, PAGE_SIZE);
  return f << 12;
}

void frame_ref(uint32_t phys) { refcount[phys >> 12]++; }

void frame_unref(uint32_t phys)
{
  uint32_t f = phys >> 12;
  if (!refcount[f]) panic("frame_unref of a free frame");
  if (--refcount[f] == 0) free_stack[free_top++] = f;
}

uint32_t frames_free(void) { return free_top; }

void mm_init(uint32_t mem_upper_kib)
{
  uint32_t ram_end = (1024u + mem_upper_kib) * 1024u;
  if (ram_end > MAX_RAM || ram_end < 1024u * 1024u) ram_end = ram_end < 1024u * 1024u ? 8u << 20 : MAX_RAM;
  ram_end &= ~(PAGE_SIZE - 1);
  uint32_t first = (V2P(__kernel_end) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
  /* Pushed high to low so that the lowest frames (inside the boot map's 8 MiB) come out first. */
  for (uint32_t p = ram_end; p > first; p -= PAGE_SIZE) free_stack[free_top++] = (p - PAGE_SIZE) >> 12;

  kernel_pd = P2V(frame_alloc());
  for (uint32_t p = 0; p < ram_end; p += PAGE_SIZE) {
    uint32_t pdi = (KERNEL_BASE + p) >> 22;
    if (!(kernel_pd[pdi] & PTE_P)) kernel_pd[pdi] = frame_alloc() | PTE_P | PTE_W;
    uint32_t *pt = P2V(kernel_pd[pdi] & ~0xFFFu);
    pt[(p >> 12) & 1023] = p | PTE_P | PTE_W;
  }
  uint32_t spt = frame_alloc();
  kernel_pd[SCRATCH_BASE >> 22] = spt | PTE_P | PTE_W;
  scratch_pt = P2V(spt);
  scratch_pt[(SCRATCH_PTEMOD >> 12) & 1023] = frame_alloc() | PTE_P | PTE_W;
  load_cr3(V2P(kernel_pd));
}

uint32_t *as_create(void)
{
  uint32_t f = frame_alloc();
  if (!f) return 0;
  uint32_t *pd = P2V(f);
  for (int i = KERNEL_BASE >> 22; i < 1024; i++) pd[i] = kernel_pd[i];
  return pd;
}

void as_destroy(uint32_t *pd)
{
  for (int i = 0; i < (int)(USER_TOP >> 22); i++) {
    if (!(pd[i] & PTE_P)) continue;
    uint32_t *pt = P2V(pd[i] & ~0xFFFu);
    for (int j = 0; j < 1024; j++) if (pt[j] & PTE_P) frame_unref(pt[j] & ~0xFFFu);
    frame_unref(pd[i] & ~0xFFFu);
  }
  frame_unref(V2P(pd));
}

uint32_t *as_pte(uint32_t *pd, uint32_t va)
{
  uint32_t pde = pd[va >> 22];
  if (!(pde & PTE_P)) return 0;
  return (uint32_t *)P2V(pde & ~0xFFFu) + ((va >> 12) & 1023);
}

int as_map(uint32_t *pd, uint32_t va, uint32_t phys, uint32_t flags)
{
  uint32_t *pde = &pd[va >> 22];
  if (!(*pde & PTE_P)) {
    uint32_t f = frame_alloc();
    if (!f) return -1;
    *pde = f | PTE_P | PTE_W | PTE_U;
  }
  ((uint32_t *)P2V(*pde & ~0xFFFu))[(va >> 12) & 1023] = phys | flags;
  return 0;
}

int as_fork(uint32_t *child, uint32_t *parent, int eager)
{
  for (uint32_t i = 0; i < (USER_TOP >> 22); i++) {
    if (!(parent[i] & PTE_P)) continue;
    uint32_t *pt = P2V(parent[i] & ~0xFFFu);
    for (uint32_t j = 0; j < 1024; j++) {
      uint32_t pte = pt[j];
      if (!(pte & PTE_P)) continue;
      uint32_t va = (i << 22) | (j << 12), frame = pte & ~0xFFFu;
      if (eager) {
        uint32_t f = frame_alloc();
        if (!f) return -1;
        memcpy(P2V(f), P2V(frame), PAGE_SIZE);
        if (as_map(child, va, f, pte & 0xFFFu & ~(PTE_A | PTE_D))) { frame_unref(f); return -1; }
        continue;
      }
      if (pte & (PTE_W | PTE_COW)) pt[j] = pte = (pte & ~PTE_W) | PTE_COW;
      if (as_map(child, va, frame, pte & 0xFFFu)) return -1;
      frame_ref(frame);
    }
  }
  return 0;
}

int as_fault(uint32_t *pd, uint32_t va, uint32_t err, uint32_t heap_lo, uint32_t heap_hi)
{
  if (va >= USER_TOP) return -1;
  uint32_t *pte = as_pte(pd, va);
  if (err & PTE_P) {
    /* Protection fault: only a write to a copy-on-write page is legitimate. */
    if (!(err & PTE_W) || !pte || !(*pte & PTE_COW)) return -1;
    uint32_t frame = *pte & ~0xFFFu;
    if (refcount[frame >> 12] == 1) {
      *pte = (*pte | PTE_W) & ~PTE_COW;
    } else {
      uint32_t f = frame_alloc();
      if (!f) return -1;
      memcpy(P2V(f), P2V(frame), PAGE_SIZE);
      *pte = f | (((*pte & 0xFFFu) | PTE_W) & ~PTE_COW);
      frame_unref(frame);
    }
    invlpg(va);
    return 0;
  }
  /* Not present: demand-zero pages in the heap and the stack. */
  int heap = va >= heap_lo && va < heap_hi;
  int stack = va >= USER_STACK_TOP - USER_STACK_SIZE && va < USER_STACK_TOP;
  if (!heap && !stack) return -1;
  uint32_t f = frame_alloc();
  if (!f) return -1;
  if (as_map(pd, va & ~0xFFFu, f, PTE_P | PTE_W | PTE_U)) { frame_unref(f); return -1; }
  return 0;
}
