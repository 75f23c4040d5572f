/** @file Branded address types (vm-memory style): a Gpa passed where an Hpa is expected is a type error. */

declare const brand: unique symbol;

/** A number tagged with an address space at the type level only (no run-time cost). */
type Branded<Tag extends string> = number & { readonly [brand]: Tag };

/** Guest-virtual (linear) address: what guest code uses after segmentation. */
export type Gva = Branded<'Gva'>;
/** Guest-physical address: the output of the guest's own page tables. */
export type Gpa = Branded<'Gpa'>;
/** Host-physical address: an offset into the silicon's RAM array. */
export type Hpa = Branded<'Hpa'>;
/** Linear address of the silicon itself (native mode, or host side of a monitor). */
export type LinearAddr = Branded<'LinearAddr'>;
/** Physical address of the silicon itself (an offset into RAM). */
export type PhysAddr = Branded<'PhysAddr'>;

/** Tags a number as a guest-virtual address (reduced to 32 bits, unsigned). */
export function gva(n: number): Gva {
  return (n >>> 0) as Gva;
}

/** Tags a number as a guest-physical address (reduced to 32 bits, unsigned). */
export function gpa(n: number): Gpa {
  return (n >>> 0) as Gpa;
}

/** Tags a number as a host-physical address (reduced to 32 bits, unsigned). */
export function hpa(n: number): Hpa {
  return (n >>> 0) as Hpa;
}

/** Tags a number as a linear address (reduced to 32 bits, unsigned). */
export function linearAddr(n: number): LinearAddr {
  return (n >>> 0) as LinearAddr;
}

/** Tags a number as a physical address (reduced to 32 bits, unsigned). */
export function physAddr(n: number): PhysAddr {
  return (n >>> 0) as PhysAddr;
}
