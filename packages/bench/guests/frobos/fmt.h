/** @file fmt.h: a small printf (%s %c %d %u %x %llu %llx, width and '0' flag) shared by the kernel and user programs. */
#ifndef FROBOS_FMT_H
#define FROBOS_FMT_H
#include <stdarg.h>
#include <stdint.h>

/* Divides *n by d in place (two 32-bit DIVs: no libgcc) and returns the remainder. */
static inline uint32_t fmt_div64(uint64_t *n, uint32_t d)
{
  uint32_t hi = (uint32_t)(*n >> 32), lo = (uint32_t)*n, qhi = hi / d, r = hi % d, qlo;
  __asm__("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
  *n = ((uint64_t)qhi << 32) | qlo;
  return r;
}

/* Formats into buf (always NUL-terminated); returns the length written. */
static inline int fmt_vformat(char *buf, int size, const char *f, va_list ap)
{
  int n = 0;
  for (; *f; f++) {
    if (*f != '%') { if (n < size - 1) buf[n++] = *f; continue; }
    f++;
    char pad = ' ';
    int width = 0, longs = 0;
    if (*f == '0') { pad = '0'; f++; }
    while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
    while (*f == 'l') { longs++; f++; }
    char tmp[24];
    int t = 0;
    const char *s = 0;
    if (*f == 's') {
      s = va_arg(ap, const char *);
      if (!s) s = "(null)";
    } else if (*f == 'c') {
      tmp[t++] = (char)va_arg(ap, int);
    } else if (*f == 'd' || *f == 'u' || *f == 'x') {
      uint64_t v;
      int neg = 0;
      if (longs >= 2) v = va_arg(ap, uint64_t);
      else if (*f == 'd') { int32_t x = va_arg(ap, int32_t); if (x < 0) { neg = 1; v = (uint64_t)(-(int64_t)x); } else v = (uint64_t)x; }
      else v = va_arg(ap, uint32_t);
      uint32_t base = *f == 'x' ? 16 : 10;
      char rev[24];
      int r = 0;
      do { uint32_t d = fmt_div64(&v, base); rev[r++] = (char)(d < 10 ? '0' + d : 'a' + d - 10); } while (v);
      if (neg) tmp[t++] = '-';
      while (r) tmp[t++] = rev[--r];
    } else {
      tmp[t++] = '%';
      if (*f) tmp[t++] = *f; else f--;
    }
    int len = 0;
    if (s) { while (s[len]) len++; } else { s = tmp; len = t; }
    for (int i = len; i < width; i++) if (n < size - 1) buf[n++] = pad;
    for (int i = 0; i < len; i++) if (n < size - 1) buf[n++] = s[i];
  }
  buf[n] = 0;
  return n;
}
#endif
