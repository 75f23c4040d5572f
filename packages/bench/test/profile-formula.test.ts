/** @file Formula arithmetic of derived profile values. */
import { describe, expect, it } from 'vitest';
import { evaluateFormula, FormulaError, formulaNames } from '../src/index.ts';

describe('evaluateFormula', () => {
  const names: Record<string, number> = { 'a.b': 10, 'paper.in.native': 3209 };
  const look = (n: string): number | undefined => names[n];
  it('follows precedence and parentheses', () => {
    expect(evaluateFormula('1 + 2 * 3', look)).toBe(7);
    expect(evaluateFormula('(1 + 2) * 3', look)).toBe(9);
    expect(evaluateFormula('paper.in.native - a.b / 2', look)).toBe(3204);
    expect(evaluateFormula('-a.b + 0.5', look)).toBe(-9.5);
  });
  it('lists the names it uses', () => {
    expect(formulaNames('(paper.in.native - a.b) / 4')).toEqual(['paper.in.native', 'a.b']);
  });
  it('rejects unknown names and bad syntax with FormulaError', () => {
    expect(() => evaluateFormula('x.y + 1', look)).toThrow(FormulaError);
    expect(() => evaluateFormula('1 +', look)).toThrow(/ends too early/);
    expect(() => evaluateFormula('(1', look)).toThrow(/lacks a '\)'/);
    expect(() => evaluateFormula('1 $ 2', look)).toThrow(/cannot read/);
  });
});
