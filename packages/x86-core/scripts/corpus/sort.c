/* sort.c: pointers, structs, recursion, function pointers, switch tables (x86virt decoder corpus). */
struct item { int key; short tag; char name[10]; };

static void swap(struct item *a, struct item *b) { struct item t = *a; *a = *b; *b = t; }

void quicksort(struct item *v, int lo, int hi) {
  if (lo >= hi) return;
  int p = v[(lo + hi) / 2].key, i = lo, j = hi;
  while (i <= j) {
    while (v[i].key < p) i++;
    while (v[j].key > p) j--;
    if (i <= j) swap(&v[i++], &v[j--]);
  }
  quicksort(v, lo, j);
  quicksort(v, i, hi);
}

int apply(int (*f)(int, int), int *xs, int n, int init) {
  for (int i = 0; i < n; i++) init = f(init, xs[i]);
  return init;
}

const char *kind(int c) {
  switch (c) {
    case 0: return "zero"; case 1: return "one"; case 2: return "two"; case 3: return "three";
    case 4: return "four"; case 5: return "five"; case 6: return "six"; default: return "many";
  }
}

int count_bits(unsigned x) { int n = 0; while (x) { x &= x - 1; n++; } return n; }

signed char clamp8(int v) { return v < -128 ? -128 : v > 127 ? 127 : (signed char)v; }
