/**
 * Small-sample statistics for accuracy: the Wilson score interval (sound near 0 % and 100 % and for a few
 * dozen items, where the normal approximation is not) and the exact McNemar test for two planners answering
 * the same items.
 */

/** The Wilson score interval of a proportion, as fractions in [0, 1]; 95 % by default. n = 0 gives [0, 1]. */
export function wilsonInterval(successes: number, n: number, z = 1.959964): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const p = successes / n;
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

function logChoose(n: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= k; i++) sum += Math.log(n - k + i) - Math.log(i);
  return sum;
}

/**
 * Two-sided exact McNemar test: `onlyA` items only the first planner got right, `onlyB` only the second.
 * Under "no difference" each discordant item is a fair coin, so p = P(Binomial(b + c, 1/2) as extreme), doubled,
 * capped at 1. No discordant items → p = 1.
 */
export function mcnemarExact(onlyA: number, onlyB: number): number {
  const n = onlyA + onlyB;
  if (n === 0) return 1;
  const k = Math.min(onlyA, onlyB);
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}
