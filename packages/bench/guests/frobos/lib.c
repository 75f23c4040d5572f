/** @file lib.c: the C library routines the kernel (and GCC's generated code) needs: memset, memcpy, strncmp, strlen. */
#include "kernel.h"

/* Whole dwords when size and addresses allow (pages always do), bytes otherwise. */
void *memset(void *d, int c, size_t n)
{
  void *r = d;
  if (((uint32_t)d | n) & 3) {
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  } else {
    uint32_t v = (uint8_t)c * 0x01010101u;
    n /= 4;
    __asm__ volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(v) : "memory");
  }
  return r;
}

void *memcpy(void *d, const void *s, size_t n)
{
  void *r = d;
  if (((uint32_t)d | (uint32_t)s | n) & 3) {
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
  } else {
    n /= 4;
    __asm__ volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
  }
  return r;
}

int strncmp(const char *a, const char *b, size_t n)
{
  for (; n; n--, a++, b++) {
    if (*a != *b) return (unsigned char)*a - (unsigned char)*b;
    if (!*a) return 0;
  }
  return 0;
}

size_t strlen(const char *s)
{
  size_t n = 0;
  while (s[n]) n++;
  return n;
}
