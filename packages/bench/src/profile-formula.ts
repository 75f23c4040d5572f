/** @file A tiny arithmetic evaluator for cost-profile formulas: numbers, dotted names, + - * / and parentheses. */

/** A formula that does not parse or names something unknown. */
export class FormulaError extends Error {
  override readonly name = 'FormulaError';
}

/** The dotted names a formula refers to, in order of appearance. */
export function formulaNames(formula: string): string[] {
  return tokenize(formula).filter((t) => /^[A-Za-z]/.test(t));
}

/** Evaluates `formula`, looking names up with `lookup` (which returns undefined for an unknown name). */
export function evaluateFormula(formula: string, lookup: (name: string) => number | undefined): number {
  const tokens = tokenize(formula);
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const expr = (): number => {
    let v = term();
    while (peek() === '+' || peek() === '-') v = tokens[i++] === '+' ? v + term() : v - term();
    return v;
  };
  const term = (): number => {
    let v = factor();
    while (peek() === '*' || peek() === '/') v = tokens[i++] === '*' ? v * factor() : v / factor();
    return v;
  };
  const factor = (): number => {
    const t = tokens[i++];
    if (t === undefined) throw new FormulaError(`formula '${formula}' ends too early`);
    if (t === '-') return -factor();
    if (t === '(') {
      const v = expr();
      if (tokens[i++] !== ')') throw new FormulaError(`formula '${formula}' lacks a ')'`);
      return v;
    }
    if (/^\d/.test(t)) return Number(t);
    if (/^[A-Za-z]/.test(t)) {
      const v = lookup(t);
      if (v === undefined) throw new FormulaError(`formula '${formula}' names '${t}', which is not a known number`);
      return v;
    }
    throw new FormulaError(`formula '${formula}': unexpected '${t}'`);
  };
  const v = expr();
  if (i !== tokens.length) throw new FormulaError(`formula '${formula}': unexpected '${tokens[i]}'`);
  return v;
}

function tokenize(formula: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:(\d+(?:\.\d+)?(?:e\d+)?)|([A-Za-z][\w.]*)|([-+*/()]))/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(formula)) !== null) {
    out.push(m[1] ?? m[2] ?? m[3]!);
    last = re.lastIndex;
  }
  if (formula.slice(last).trim() !== '') throw new FormulaError(`formula '${formula}': cannot read '${formula.slice(last).trim()}'`);
  return out;
}
