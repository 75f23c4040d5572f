/** @file Where the built-in guest images live on disk, whether run from source or from the CLI bundle. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findGuestsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // From source: packages/bench/src → ../guests. From the bundle: apps/cli/dist → walk up to the repository root.
  if (existsSync(join(here, '..', 'guests', 'build'))) return join(here, '..', 'guests');
  for (let d = here; d !== dirname(d); d = dirname(d)) {
    const p = join(d, 'packages', 'bench', 'guests');
    if (existsSync(join(p, 'build'))) return p;
  }
  return join(here, '..', 'guests');
}

/** The folder of the built-in guests' sources and committed images. */
export const GUESTS_DIR: string = findGuestsDir();

/** The committed image of built-in guest `name`, or undefined if there is none. */
export function guestImagePath(name: string): string | undefined {
  const p = join(GUESTS_DIR, name, `${name}.elf`);
  return existsSync(p) ? p : undefined;
}
