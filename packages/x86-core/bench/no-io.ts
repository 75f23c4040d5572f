/** @file The port and MMIO bus of the benchmark programs' bare CPUs: reads float high, writes vanish, nothing is MMIO. */
import type { AccessSize, IoPorts } from '../src/cpu/interfaces.ts';

/** A bus with no devices on it. */
export const noIo: IoPorts = {
  portRead: (_p: number, _s: AccessSize) => 0xff,
  portWrite: () => {},
  isMmio: () => false,
  mmioRead: () => 0,
  mmioWrite: () => {},
};
