/** @file console.c: the serial console on COM1 (16550, polled), kprintf, panic and the exit port 0xf4. */
#include "kernel.h"
#include "fmt.h"

#define COM1 0x3F8
#define EXIT_PORT 0xF4

void console_init(void)
{
  outb(COM1 + 1, 0x00);   /* IER: no interrupts */
  outb(COM1 + 3, 0x80);   /* LCR: DLAB */
  outb(COM1 + 0, 0x01);   /* divisor 1: 115200 baud */
  outb(COM1 + 1, 0x00);
  outb(COM1 + 3, 0x03);   /* 8N1 */
  outb(COM1 + 2, 0xC7);   /* FCR: FIFO on, cleared, 14-byte trigger */
  outb(COM1 + 4, 0x03);   /* MCR: DTR, RTS */
}

void kputc(char c)
{
  while (!(inb(COM1 + 5) & 0x20)) {}
  outb(COM1, (uint8_t)c);
}

void kwrite(const char *s, uint32_t n)
{
  for (uint32_t i = 0; i < n; i++) kputc(s[i]);
}

void kprintf(const char *f, ...)
{
  char buf[256];
  va_list ap;
  va_start(ap, f);
  int n = fmt_vformat(buf, sizeof buf, f, ap);
  va_end(ap);
  kwrite(buf, (uint32_t)n);
}

void machine_exit(uint32_t code)
{
  outl(EXIT_PORT, code);
  for (;;) __asm__ volatile("cli; hlt");
}

void panic(const char *why)
{
  kprintf("PANIC %s\n", why);
  machine_exit(EXIT_PANIC);
}
