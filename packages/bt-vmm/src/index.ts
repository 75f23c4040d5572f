/** @file Public API of @x86virt/bt-vmm (named exports only; see README.md). */
export {};
