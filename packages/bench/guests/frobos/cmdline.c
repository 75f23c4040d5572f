/** @file cmdline.c: the multiboot command line: which workloads run and how big they are (grammar in README.md). */
#include "kernel.h"

const char *const nano_names[NANO_COUNT] = { "syscall", "sysenter", "in", "cr8wr", "call/ret", "pgfault", "divzero", "ptemod" };

/* Sizes of the short default run (no selector, or `quick`) and of a bare selector (`forkwait`). */
#define QUICK_NANO 2000u
#define QUICK_FORKWAIT 200u
#define QUICK_COMPUTE 32u
#define QUICK_IOMIX 500u
#define FULL_NANO 10000u
#define FULL_FORKWAIT 40000u
#define FULL_COMPUTE 256u
#define FULL_IOMIX 10000u

static int word_eq(const char *s, uint32_t n, const char *w) { return strlen(w) == n && strncmp(s, w, n) == 0; }

/* Parses a decimal number filling all of [s, s+n); returns -1 on anything else. */
static int parse_u32(const char *s, uint32_t n, uint32_t *out)
{
  uint64_t v = 0;
  if (!n || n > 9) return -1;
  for (uint32_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (uint32_t)(s[i] - '0');
  }
  *out = (uint32_t)v;
  return 0;
}

static int nano_index(const char *s, uint32_t n)
{
  for (int i = 0; i < NANO_COUNT; i++) if (word_eq(s, n, nano_names[i])) return i;
  if (word_eq(s, n, "callret")) return 4;
  return -1;
}

/* nano=all | none | name[:iterations][,name[:iterations]]... ; iterations 0 means the default. */
static int parse_nano_list(const char *s, uint32_t n, uint32_t *iters)
{
  if (word_eq(s, n, "all")) { for (int i = 0; i < NANO_COUNT; i++) iters[i] = 0xFFFFFFFFu; return 0; }
  if (word_eq(s, n, "none")) return 0;
  while (n) {
    uint32_t len = 0;
    while (len < n && s[len] != ',') len++;
    uint32_t name_len = 0, count = 0xFFFFFFFFu;
    while (name_len < len && s[name_len] != ':') name_len++;
    int k = nano_index(s, name_len);
    if (k < 0) return -1;
    if (name_len < len && (parse_u32(s + name_len + 1, len - name_len - 1, &count) || count == 0)) return -1;
    iters[k] = count;
    s += len;
    n -= len;
    if (n) { s++; n--; if (!n) return -1; }
  }
  return 0;
}

int cmdline_parse(const char *s, struct config *c)
{
  uint32_t nano[NANO_COUNT] = { 0 };
  uint32_t fw = 0, cp = 0, io = 0, iters = 0;
  int selected = 0, any_nano = 0, first = 1;
  memset(c, 0, sizeof *c);
  c->hz = 100;
  for (;;) {
    while (*s == ' ') s++;
    if (!*s) break;
    const char *tok = s;
    while (*s && *s != ' ') s++;
    uint32_t n = (uint32_t)(s - tok), klen = 0;
    while (klen < n && tok[klen] != '=') klen++;
    const char *val = tok + klen + 1;
    uint32_t vlen = klen < n ? n - klen - 1 : 0;
    int has_val = klen < n;
    uint32_t num = 0xFFFFFFFFu;
    int is_first = first;
    first = 0;
    if (word_eq(tok, klen, "quick") && !has_val) { c->quick = 1; continue; }
    if (word_eq(tok, klen, "nano")) {
      selected = any_nano = 1;
      if (!has_val) { for (int i = 0; i < NANO_COUNT; i++) nano[i] = 0xFFFFFFFFu; continue; }
      if (parse_nano_list(val, vlen, nano)) goto bad;
      continue;
    }
    if (has_val && !word_eq(tok, klen, "fork") && !word_eq(tok, klen, "crash") && parse_u32(val, vlen, &num)) goto bad;
    if (word_eq(tok, klen, "forkwait")) { selected = 1; fw = num; continue; }
    if (word_eq(tok, klen, "compute")) { selected = 1; cp = num; continue; }
    if (word_eq(tok, klen, "iomix")) { selected = 1; io = num; continue; }
    if (word_eq(tok, klen, "iters") && has_val && num) { iters = num; continue; }
    if (word_eq(tok, klen, "hz") && has_val && num <= 10000) { c->hz = num; continue; }
    if (word_eq(tok, klen, "fork") && has_val) {
      if (word_eq(val, vlen, "cow")) { c->fork_eager = 0; continue; }
      if (word_eq(val, vlen, "eager")) { c->fork_eager = 1; continue; }
      goto bad;
    }
    if (word_eq(tok, klen, "crash") && has_val) {
      if (word_eq(val, vlen, "user")) { c->crash = 1; continue; }
      if (word_eq(val, vlen, "kernel")) { c->crash = 2; continue; }
      goto bad;
    }
    if (is_first && !has_val) continue;   /* the boot loader's first word: the kernel's own name */
  bad:
    kprintf("config: bad option '");
    kwrite(tok, n);
    kprintf("'\n");
    return -1;
  }
  int quick = c->quick || !selected;
  if (!selected) {
    for (int i = 0; i < NANO_COUNT; i++) nano[i] = 0xFFFFFFFFu;
    fw = cp = io = 0xFFFFFFFFu;
  }
  (void)any_nano;
  uint32_t dn = iters ? iters : quick ? QUICK_NANO : FULL_NANO;
  for (int i = 0; i < NANO_COUNT; i++) c->nano_iters[i] = nano[i] == 0xFFFFFFFFu ? dn : nano[i];
  c->forkwait = fw == 0xFFFFFFFFu ? (quick ? QUICK_FORKWAIT : FULL_FORKWAIT) : fw;
  c->compute_kib = cp == 0xFFFFFFFFu ? (quick ? QUICK_COMPUTE : FULL_COMPUTE) : cp;
  c->iomix = io == 0xFFFFFFFFu ? (quick ? QUICK_IOMIX : FULL_IOMIX) : io;
  if (c->compute_kib > 4096) { kprintf("config: compute is at most 4096 KiB\n"); return -1; }
  return 0;
}

void config_print(const struct config *c)
{
  kprintf("config nano=");
  int any = 0;
  for (int i = 0; i < NANO_COUNT; i++) {
    if (!c->nano_iters[i]) continue;
    kprintf("%s%s:%u", any ? "," : "", nano_names[i], c->nano_iters[i]);
    any = 1;
  }
  if (!any) kprintf("none");
  kprintf(" forkwait=%u compute=%u iomix=%u hz=%u fork=%s%s\n", c->forkwait, c->compute_kib, c->iomix, c->hz,
          c->fork_eager ? "eager" : "cow", c->crash == 1 ? " crash=user" : c->crash == 2 ? " crash=kernel" : "");
}
