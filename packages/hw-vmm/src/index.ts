/** @file Public API of @x86virt/hw-vmm (named exports only; see README.md). */
export {};
