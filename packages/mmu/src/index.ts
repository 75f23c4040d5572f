/** @file Public API of @x86virt/mmu (named exports only; see README.md). */
export {};
