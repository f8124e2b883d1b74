import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mcnemarExact, wilsonInterval } from '../../../electron/core/eval/index.ts';

describe('wilsonInterval', () => {
  it('matches the textbook value for 8 of 10 (0.490–0.943)', () => {
    const { low, high } = wilsonInterval(8, 10);
    assert.ok(Math.abs(low - 0.4902) < 1e-3 && Math.abs(high - 0.9433) < 1e-3, `${low} ${high}`);
  });
  it('stays inside [0, 1] and is not degenerate at 0 and 100 %', () => {
    const zero = wilsonInterval(0, 5);
    const all = wilsonInterval(5, 5);
    assert.equal(zero.low, 0);
    assert.ok(zero.high > 0.4 && zero.high < 0.5);
    assert.ok(all.low > 0.5 && all.low < 0.6);
    assert.ok(Math.abs(all.high - 1) < 1e-12);
    assert.deepEqual(wilsonInterval(0, 0), { low: 0, high: 1 });
  });
});

describe('mcnemarExact', () => {
  it('gives p = 1 without discordant pairs and for a perfectly balanced split', () => {
    assert.equal(mcnemarExact(0, 0), 1);
    assert.equal(mcnemarExact(3, 3), 1);
  });
  it('matches the binomial tail: 0 vs 6 discordant gives 2/64, 1 vs 9 gives 22/1024', () => {
    assert.ok(Math.abs(mcnemarExact(0, 6) - 2 / 64) < 1e-12);
    assert.ok(Math.abs(mcnemarExact(9, 1) - 22 / 1024) < 1e-12);
  });
  it('is stable for large counts', () => {
    const p = mcnemarExact(400, 600);
    assert.ok(p > 0 && p < 1e-9, String(p));
  });
});
