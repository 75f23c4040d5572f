/* checksum.c: integer loops, shifts, table lookups (x86virt decoder corpus). */
unsigned int crc_table[256];

void crc_init(void) {
  for (unsigned int i = 0; i < 256; i++) {
    unsigned int c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}

unsigned int crc32(const unsigned char *p, unsigned long n) {
  unsigned int c = 0xffffffffu;
  while (n--) c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

unsigned short ip_checksum(const unsigned short *p, int words) {
  unsigned long sum = 0;
  for (int i = 0; i < words; i++) sum += p[i];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (unsigned short)~sum;
}

long long mul64(long long a, long long b, int shift) { return (a * b) >> shift; }

int divide(int a, int b, int *rem) { *rem = a % b; return a / b; }
