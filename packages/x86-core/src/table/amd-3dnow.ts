/** @file AMD 3DNow! (0F 0F ModRM imm8): the imm8 suffix selects the operation. Decoded for length; #UD on this i686. */

/** Mnemonic per suffix byte (AMD 3DNow! Technology Manual, and the Athlon extensions), '' when undefined. */
export const AMD3DNOW_SUFFIX: readonly string[] = (() => {
  const t: string[] = new Array<string>(256).fill('');
  const known: [number, string][] = [
    [0x0c, 'pi2fw'], [0x0d, 'pi2fd'], [0x1c, 'pf2iw'], [0x1d, 'pf2id'], [0x8a, 'pfnacc'], [0x8e, 'pfpnacc'],
    [0x90, 'pfcmpge'], [0x94, 'pfmin'], [0x96, 'pfrcp'], [0x97, 'pfrsqrt'], [0x9a, 'pfsub'], [0x9e, 'pfadd'],
    [0xa0, 'pfcmpgt'], [0xa4, 'pfmax'], [0xa6, 'pfrcpit1'], [0xa7, 'pfrsqit1'], [0xaa, 'pfsubr'], [0xae, 'pfacc'],
    [0xb0, 'pfcmpeq'], [0xb4, 'pfmul'], [0xb6, 'pfrcpit2'], [0xb7, 'pmulhrw'], [0xbb, 'pswapd'], [0xbf, 'pavgusb'],
  ];
  for (const [b, m] of known) t[b] = m;
  return t;
})();
