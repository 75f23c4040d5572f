/* kernel.c: freestanding system code: port I/O, control registers, string ops, x87 (x86virt decoder corpus). */
static inline void outb(unsigned short port, unsigned char v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline unsigned char inb(unsigned short port) { unsigned char v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

void serial_write(const char *s) {
  while (*s) { while (!(inb(0x3fd) & 0x20)) { } outb(0x3f8, (unsigned char)*s++); }
}

unsigned int read_cr0(void) { unsigned int v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
void write_cr3(unsigned int v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
void cli(void) { __asm__ volatile("cli"); }
void sti_hlt(void) { __asm__ volatile("sti; hlt"); }
void lgdt(void *p) { __asm__ volatile("lgdt (%0)" : : "r"(p)); }
void invlpg(void *p) { __asm__ volatile("invlpg (%0)" : : "r"(p) : "memory"); }
unsigned long long rdtsc(void) { unsigned long long v; __asm__ volatile("rdtsc" : "=A"(v)); return v; }

void *memset_(void *d, int c, unsigned long n) { __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory"); return d; }
void *memcpy_(void *d, const void *s, unsigned long n) { __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory"); return d; }

double poly(double x, const double *c, int n) { double r = 0; for (int i = n - 1; i >= 0; i--) r = r * x + c[i]; return r; }
float mixf(float a, float b, float t) { return a + (b - a) * t; }
long double ldsum(long double a, int b) { return a * b + 1.5L; }
int to_int(double d) { return (int)d; }
