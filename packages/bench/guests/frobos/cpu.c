/** @file cpu.c: processor set-up: CPUID features, GDT, TSS, IDT, sysenter MSRs, the 8259A pair and the 8254 PIT. */
#include "kernel.h"

struct cpu_features cpu;

static uint64_t gdt[6];
static uint32_t tss[26];        /* 32-bit TSS (SDM vol. 3 §7.2.1): only ESP0/SS0 and the I/O map base matter */
uint32_t tss_esp0;              /* a copy of TSS.ESP0 for the sysenter entry */
static uint64_t idt[256];
static uint8_t sysenter_stack[64];

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
  __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

void cpu_detect(void)
{
  uint32_t a, b, c, d;
  cpuid(0, &a, &b, &c, &d);
  cpu.max_leaf = a;
  if (a >= 1) {
    cpuid(1, &a, &b, &c, &d);
    cpu.edx1 = d;
    uint32_t family = (a >> 8) & 15, model = (a >> 4) & 15, stepping = a & 15;
    cpu.tsc = (d >> 4) & 1;
    cpu.pse = (d >> 3) & 1;
    cpu.apic = (d >> 9) & 1;
    /* SDM vol. 2B SYSENTER: family 6, model < 3, stepping < 3 reports SEP but lacks it. */
    cpu.sep = ((d >> 11) & 1) && !(family == 6 && model < 3 && stepping < 3);
  }
  cpuid(0x80000000u, &a, &b, &c, &d);
  cpu.max_ext = (a & 0xFFFF0000u) == 0x80000000u ? a : 0;
  if (cpu.max_ext >= 0x80000001u) {
    cpuid(0x80000001u, &a, &b, &c, &d);
    cpu.ecx81 = c;
    cpu.altmovcr8 = (c >> 4) & 1;   /* AMD APM vol. 3, CPUID Fn8000_0001 ECX[4] AltMovCr8 */
  }
}

static uint64_t seg(uint32_t base, uint32_t limit, uint32_t access, uint32_t flags)
{
  return (uint64_t)(limit & 0xFFFF) | ((uint64_t)(base & 0xFFFFFF) << 16) | ((uint64_t)access << 40) |
         ((uint64_t)((limit >> 16) & 0xF) << 48) | ((uint64_t)flags << 52) | ((uint64_t)(base >> 24) << 56);
}

void gdt_init(void)
{
  gdt[0] = 0;
  gdt[1] = seg(0, 0xFFFFF, 0x9A, 0xC);   /* kernel code */
  gdt[2] = seg(0, 0xFFFFF, 0x92, 0xC);   /* kernel data */
  gdt[3] = seg(0, 0xFFFFF, 0xFA, 0xC);   /* user code */
  gdt[4] = seg(0, 0xFFFFF, 0xF2, 0xC);   /* user data */
  gdt[5] = seg((uint32_t)tss, sizeof tss - 1, 0x89, 0x0);   /* available 32-bit TSS */
  tss[2] = SEL_KDATA;
  tss[25] = (uint32_t)sizeof tss << 16;  /* I/O map base beyond the limit: no I/O bitmap */
  struct __attribute__((packed)) { uint16_t limit; uint32_t base; } d = { sizeof gdt - 1, (uint32_t)gdt };
  __asm__ volatile("lgdt %0" ::"m"(d));
  __asm__ volatile("ljmp %0, $1f\n1:" ::"i"(SEL_KCODE));
  __asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%fs; mov %0, %%gs; mov %0, %%ss" ::"r"(SEL_KDATA));
  __asm__ volatile("ltr %w0" ::"r"(SEL_TSS));
}

void tss_set_kernel_stack(uint32_t esp0)
{
  tss[1] = esp0;
  tss_esp0 = esp0;
}

static void idt_set(int v, uint32_t handler, uint32_t dpl)
{
  idt[v] = (uint64_t)(handler & 0xFFFF) | ((uint64_t)SEL_KCODE << 16) | ((uint64_t)(0x8E | (dpl << 5)) << 40) |
           ((uint64_t)(handler >> 16) << 48);
}

void idt_init(void)
{
  for (int v = 0; v < 48; v++) idt_set(v, isr_table[v], 0);
  idt_set(3, isr_table[3], 3);       /* int3 from user mode */
  idt_set(0x80, (uint32_t)isr_syscall, 3);
  struct __attribute__((packed)) { uint16_t limit; uint32_t base; } d = { sizeof idt - 1, (uint32_t)idt };
  __asm__ volatile("lidt %0" ::"m"(d));
}

void sysenter_init(void)
{
  if (!cpu.sep) return;
  wrmsr(0x174, SEL_KCODE, 0);                                          /* IA32_SYSENTER_CS */
  wrmsr(0x175, (uint32_t)(sysenter_stack + sizeof sysenter_stack), 0);  /* IA32_SYSENTER_ESP */
  wrmsr(0x176, (uint32_t)sysenter_entry, 0);                           /* IA32_SYSENTER_EIP */
}

void pic_init(void)
{
  outb(0x20, 0x11); outb(0xA0, 0x11);   /* ICW1: edge, cascade, ICW4 */
  outb(0x21, 0x20); outb(0xA1, 0x28);   /* ICW2: vectors 0x20 and 0x28 */
  outb(0x21, 0x04); outb(0xA1, 0x02);   /* ICW3: slave on IR2 */
  outb(0x21, 0x01); outb(0xA1, 0x01);   /* ICW4: 8086 mode */
  outb(0x21, 0xFF); outb(0xA1, 0xFF);   /* everything masked until the PIT is set */
}

void pic_eoi(uint32_t irq)
{
  if (irq >= 8) outb(0xA0, 0x20);
  outb(0x20, 0x20);
}

void pit_init(uint32_t hz)
{
  if (!hz) return;
  uint32_t divisor = (1193182u + hz / 2) / hz;
  if (divisor > 65535) divisor = 65535;
  if (divisor < 2) divisor = 2;
  outb(0x43, 0x34);                     /* channel 0, lobyte/hibyte, mode 2 (rate generator) */
  outb(0x40, (uint8_t)divisor);
  outb(0x40, (uint8_t)(divisor >> 8));
  outb(0x21, 0xFE);                     /* unmask IRQ0 */
}
