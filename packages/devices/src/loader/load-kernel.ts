/** @file One entry for every kernel format the board boots: a Linux bzImage by the 32-bit boot protocol, else a multiboot (v1) kernel. */
import type { MemoryRegion } from '../platform/memory-map.ts';
import { IMAGE_PROBLEM, ImageError } from './image-error.ts';
import type { InitialCpuState } from './initial-state.ts';
import { loadLinux } from './linux/linux-loader.ts';
import { isBzImage } from './linux/setup-header.ts';
import { loadMultiboot, type MultibootModule } from './multiboot.ts';

/** What to boot a kernel with, whatever its format. */
export interface KernelOptions {
  readonly memoryMap: readonly MemoryRegion[];
  readonly cmdline?: string;
  /** Multiboot modules (multiboot kernels only). */
  readonly modules?: readonly MultibootModule[];
  /** An initrd (Linux bzImages only). */
  readonly initrd?: Uint8Array;
}

/** A loaded kernel: its format and the processor state at its first instruction. */
export interface KernelLoad {
  readonly format: 'bzimage' | 'elf' | 'aout-kludge';
  readonly state: InitialCpuState;
}

/**
 * Loads `image` into `ram`: a Linux bzImage (boot flag and "HdrS" magic) by `loadLinux`, any
 * other image by `loadMultiboot` (an image that is neither gets a message naming both). Throws `ImageError` for a bad image, for an initrd given with
 * a multiboot kernel (use a module) and for modules given with a bzImage (use an initrd).
 */
export function loadKernel(ram: Uint8Array, image: Uint8Array, options: KernelOptions): KernelLoad {
  if (isBzImage(image)) {
    if (options.modules !== undefined && options.modules.length > 0) {
      throw new ImageError(IMAGE_PROBLEM.UNSUPPORTED_FLAGS, 'a Linux bzImage takes an initrd, not multiboot modules');
    }
    const load = loadLinux(ram, image, { memoryMap: options.memoryMap, cmdline: options.cmdline, initrd: options.initrd });
    return { format: 'bzimage', state: load.state };
  }
  if (options.initrd !== undefined) {
    throw new ImageError(IMAGE_PROBLEM.UNSUPPORTED_FLAGS, 'an initrd needs a Linux bzImage kernel; this image is not one (no "HdrS" setup header): pass the file as a multiboot module instead');
  }
  try {
    const load = loadMultiboot(ram, image, { memoryMap: options.memoryMap, cmdline: options.cmdline, modules: options.modules });
    return { format: load.format, state: load.state };
  } catch (e) {
    if (e instanceof ImageError && e.problem === IMAGE_PROBLEM.NOT_ELF) {
      throw new ImageError(IMAGE_PROBLEM.NOT_ELF, 'not a kernel image: neither a Linux bzImage ("HdrS" setup header) nor a multiboot kernel (ELF32, or the a.out kludge)');
    }
    throw e;
  }
}
