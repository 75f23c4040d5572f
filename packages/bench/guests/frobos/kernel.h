/** @file kernel.h: FrobOS kernel-wide constants, types and the functions each kernel file exports. */
#ifndef FROBOS_KERNEL_H
#define FROBOS_KERNEL_H
#include <stdint.h>
#include <stddef.h>
#include "abi.h"

/* Layout: the kernel lives at KERNEL_BASE + physical (a direct map of all RAM); user space is below. */
#define KERNEL_BASE     0xC0000000u
#define P2V(p)          ((void *)((uint32_t)(p) + KERNEL_BASE))
#define V2P(v)          ((uint32_t)(v) - KERNEL_BASE)
#define PAGE_SIZE       4096u
#define MAX_RAM         (256u << 20)            /* the direct map covers at most this much RAM */
#define SCRATCH_BASE    0xF0000000u             /* one page table of benchmark mappings */
#define SCRATCH_ABSENT  (SCRATCH_BASE + 0x0000) /* never present: the pgfault target */
#define SCRATCH_PTEMOD  (SCRATCH_BASE + 0x1000) /* present: the ptemod target */

/* GDT selectors (sysenter needs KCODE, KDATA, UCODE, UDATA in this order). */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UCODE 0x1B
#define SEL_UDATA 0x23
#define SEL_TSS   0x28

/* Page-table entry bits (SDM vol. 3 §4.3). PTE_COW is an AVL bit: "shared, copy on write". */
#define PTE_P   0x001u
#define PTE_W   0x002u
#define PTE_U   0x004u
#define PTE_A   0x020u
#define PTE_D   0x040u
#define PTE_COW 0x200u

/* Exception vectors used by name. */
#define VEC_DE  0
#define VEC_PF  14
#define VEC_IRQ0 32
#define VEC_SYSCALL 0x80

/* Exit codes through port 0xf4. */
#define EXIT_OK 0
#define EXIT_PANIC 1
#define EXIT_BAD_CMDLINE 2
#define EXIT_WORKLOAD_FAILED 3

/* The registers the common interrupt stub saves, lowest address first (entry.asm builds it). */
struct trapframe {
  uint32_t gs, fs, es, ds;
  uint32_t edi, esi, ebp, esp0, ebx, edx, ecx, eax;   /* pusha order */
  uint32_t vector, err;
  uint32_t eip, cs, eflags;
  uint32_t esp, ss;                                     /* only when coming from CPL 3 */
};

/* console.c */
void console_init(void);
void kputc(char c);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kwrite(const char *s, uint32_t n);
__attribute__((noreturn)) void machine_exit(uint32_t code);
__attribute__((noreturn)) void panic(const char *why);

/* lib.c */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int strncmp(const char *a, const char *b, size_t n);
size_t strlen(const char *s);

/* cpu.c */
struct cpu_features { uint32_t max_leaf, max_ext, edx1, ecx81; int tsc, sep, pse, apic, altmovcr8; };
extern struct cpu_features cpu;
void cpu_detect(void);
void gdt_init(void);
void idt_init(void);
void tss_set_kernel_stack(uint32_t esp0);
void pic_init(void);
void pic_eoi(uint32_t irq);
void pit_init(uint32_t hz);
void sysenter_init(void);

/* mm.c */
extern uint32_t *kernel_pd;          /* virtual address of the kernel's page directory */
extern uint32_t *scratch_pt;         /* virtual address of the page table that maps SCRATCH_BASE */
void mm_init(uint32_t mem_upper_kib);
uint32_t frame_alloc(void);          /* a zeroed physical frame, or 0 when memory is exhausted */
void frame_ref(uint32_t phys);
void frame_unref(uint32_t phys);
uint32_t frames_free(void);
uint32_t *as_create(void);           /* a new address space: kernel half shared, user half empty */
void as_destroy(uint32_t *pd);       /* frees the user half and the directory */
int as_map(uint32_t *pd, uint32_t va, uint32_t phys, uint32_t flags);
uint32_t *as_pte(uint32_t *pd, uint32_t va);   /* the PTE of va, or 0 when its page table is absent */
int as_fork(uint32_t *child, uint32_t *parent, int eager);
int as_fault(uint32_t *pd, uint32_t va, uint32_t err, uint32_t heap_lo, uint32_t heap_hi);
void load_cr3(uint32_t phys);
static inline void invlpg(uint32_t va) { __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory"); }
static inline uint32_t read_cr2(void) { uint32_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }

/* proc.c */
#define NPROC 64
#define KSTACK_SIZE 8192
enum { P_FREE = 0, P_RUNNABLE, P_RUNNING, P_WAITING, P_ZOMBIE };
struct proc {
  int state, pid, parent, exit_code, wait_for;
  uint32_t *pd;
  uint32_t ksp;              /* saved kernel stack pointer while switched out */
  uint32_t kstack_top;
  uint32_t heap_lo, brk;     /* user heap: [heap_lo, brk) */
};
extern struct proc procs[NPROC];
extern struct proc *current;
extern int fork_eager;
void proc_init(void);
int proc_spawn(uint32_t job, uint32_t arg);        /* a new user process running u_start(job, arg) */
int proc_fork(struct trapframe *tf);
__attribute__((noreturn)) void proc_exit(int code);
int proc_wait(int pid);
void proc_yield(void);

/* trap.c */
void trap(struct trapframe *tf);
extern volatile uint32_t timer_ticks;

/* syscall.c */
void syscall_dispatch(struct trapframe *tf);

/* cmdline.c */
#define NANO_COUNT 8
extern const char *const nano_names[NANO_COUNT];
struct config {
  uint32_t nano_iters[NANO_COUNT];   /* 0 = do not run */
  uint32_t forkwait, compute_kib, iomix, hz;
  int fork_eager, quick;
  int crash;                         /* 0, or a deliberate fault to check the panic path: 1 user, 2 kernel */
};
int cmdline_parse(const char *s, struct config *c);
void config_print(const struct config *c);

/* nano.c */
void nano_run(int which, uint32_t iters);

/* entry.asm / nano.asm / boot.asm symbols */
extern uint32_t isr_table[];
extern void isr_syscall(void);
extern void sysenter_entry(void);
extern void trap_return(void);
void swtch(uint32_t *save_esp, uint32_t new_esp);
struct extable_entry { uint32_t fault_eip, fixup_eip; };
extern const struct extable_entry __extable_start[], __extable_end[];
extern char __user_image_start[], __user_image_end[], __user_image_lma[], __kernel_end[];
extern uint8_t boot_stack_top[];

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint64_t rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((uint64_t)hi << 32) | lo; }
static inline void wrmsr(uint32_t msr, uint32_t lo, uint32_t hi) { __asm__ volatile("wrmsr" ::"c"(msr), "a"(lo), "d"(hi)); }

#endif
