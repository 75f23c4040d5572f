/** @file u-compute.c: the compute workload: LZSS-compress a few hundred KiB of generated text, decompress, verify, checksum (CRC-32). */
#include "u-lib.h"

#define WINDOW 4096u
#define MIN_MATCH 3u
#define MAX_MATCH 18u
#define HASH_SIZE 4096u
#define MAX_CHAIN 32u

static uint32_t crc_table[256];

static void crc_init(void)
{
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}

static uint32_t crc32(const uint8_t *p, uint32_t n)
{
  uint32_t c = 0xFFFFFFFFu;
  for (uint32_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return ~c;
}

/* Text-like input: words from a small vocabulary, some numbers, line breaks (an LCG, fixed seed). */
static void generate(uint8_t *out, uint32_t n)
{
  static const char *const words[16] = { "the", "virtual", "machine", "monitor", "traps", "and", "emulates",
                                         "privileged", "instructions", "of", "guest", "kernel", "page", "table",
                                         "binary", "translation" };
  uint32_t seed = 2006, i = 0;
  while (i < n) {
    seed = seed * 1103515245u + 12345u;
    uint32_t r = seed >> 16;
    const char *w = words[r & 15];
    char num[4] = { (char)('0' + (r >> 4) % 10), (char)('0' + (r >> 8) % 10), 0, 0 };
    if ((r & 0x70) == 0x70) w = num;
    for (; *w && i < n; w++) out[i++] = (uint8_t)*w;
    if (i < n) out[i++] = (r & 0x780) == 0x780 ? '\n' : ' ';
  }
}

static uint32_t hash3(const uint8_t *p) { return ((p[0] << 8) ^ (p[1] << 4) ^ p[2]) & (HASH_SIZE - 1); }

/* Output: groups of up to 8 items after a flag byte (bit set = literal byte; clear = 2-byte match
 * with a 12-bit distance - 1 and a 4-bit length - 3). Returns the compressed size. */
static uint32_t compress(const uint8_t *in, uint32_t n, uint8_t *out, int32_t *head, int32_t *prev)
{
  for (uint32_t i = 0; i < HASH_SIZE; i++) head[i] = -1;
  uint32_t o = 0, flag_at = 0, items = 8, i = 0;
  while (i < n) {
    if (items == 8) { flag_at = o++; out[flag_at] = 0; items = 0; }
    uint32_t best_len = 0, best_dist = 0;
    if (i + MIN_MATCH <= n) {
      int32_t cand = head[hash3(in + i)];
      uint32_t limit = n - i < MAX_MATCH ? n - i : MAX_MATCH;
      for (uint32_t chain = 0; cand >= 0 && i - (uint32_t)cand <= WINDOW && chain < MAX_CHAIN; chain++) {
        uint32_t len = 0;
        while (len < limit && in[(uint32_t)cand + len] == in[i + len]) len++;
        if (len > best_len) { best_len = len; best_dist = i - (uint32_t)cand; if (len == limit) break; }
        cand = prev[(uint32_t)cand & (WINDOW - 1)];
      }
    }
    uint32_t step = best_len >= MIN_MATCH ? best_len : 1;
    if (best_len >= MIN_MATCH) {
      out[o++] = (uint8_t)((best_dist - 1) & 0xFF);
      out[o++] = (uint8_t)((((best_dist - 1) >> 8) << 4) | (best_len - MIN_MATCH));
    } else {
      out[flag_at] |= (uint8_t)(1u << items);
      out[o++] = in[i];
    }
    items++;
    for (uint32_t k = 0; k < step; k++, i++) {
      if (i + MIN_MATCH > n) continue;
      uint32_t h = hash3(in + i);
      prev[i & (WINDOW - 1)] = head[h];
      head[h] = (int32_t)i;
    }
  }
  return o;
}

static uint32_t decompress(const uint8_t *in, uint32_t n, uint8_t *out, uint32_t cap)
{
  uint32_t i = 0, o = 0;
  while (i < n) {
    uint32_t flags = in[i++];
    for (int k = 0; k < 8 && i < n; k++) {
      if (flags & (1u << k)) {
        if (o >= cap) return 0xFFFFFFFFu;
        out[o++] = in[i++];
        continue;
      }
      if (i + 2 > n) return 0xFFFFFFFFu;
      uint32_t dist = (in[i] | ((uint32_t)(in[i + 1] >> 4) << 8)) + 1, len = (in[i + 1] & 15u) + MIN_MATCH;
      i += 2;
      if (dist > o || o + len > cap) return 0xFFFFFFFFu;
      for (uint32_t m = 0; m < len; m++, o++) out[o] = out[o - dist];
    }
  }
  return o;
}

int u_compute(uint32_t kib)
{
  uint32_t n = kib * 1024u;
  uint8_t *in = u_sbrk(n), *packed = u_sbrk(n + n / 8 + 16), *back = u_sbrk(n);
  int32_t *head = u_sbrk(HASH_SIZE * 4), *prev = u_sbrk(WINDOW * 4);
  if (!in || !packed || !back || !head || !prev) { u_printf("FAIL compute out of memory\n"); return 1; }
  uint64_t t0 = u_rdtsc();
  crc_init();
  generate(in, n);
  uint32_t m = compress(in, n, packed, head, prev);
  uint32_t r = decompress(packed, m, back, n);
  int ok = r == n;
  for (uint32_t i = 0; ok && i < n; i++) ok = in[i] == back[i];
  uint32_t sum = crc32(packed, m) ^ crc32(in, n);
  uint64_t t = u_rdtsc() - t0;
  if (!ok) { u_printf("FAIL compute round trip (%u of %u bytes)\n", r, n); return 1; }
  u_printf("RESULT macro compute cycles=%llu checksum=%08x in=%u out=%u\n", t, sum, n, m);
  return 0;
}
