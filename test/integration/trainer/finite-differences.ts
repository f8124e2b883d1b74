import assert from 'node:assert/strict';
import type { NativeTrainer, StepRequest } from '../../../electron/core/training/trainer/native-trainer.ts';

/** Loss of the current adapter (no update); gradients are left in the trainer. */
export async function lossOf(trainer: NativeTrainer, request: StepRequest): Promise<number> {
  const metrics = await trainer.step({ ...request, apply: false });
  return metrics.loss;
}

/** Largest relative error between autodiff and central differences over the top entry of every LoRA tensor. */
export async function worstRelativeError(trainer: NativeTrainer, request: StepRequest, h = 1e-2): Promise<number> {
  await lossOf(trainer, request);
  const names = trainer.parameterNames();
  const gradients = new Map(names.map((name) => [name, trainer.getParameter(name, { gradient: true })]));
  let worst = 0;
  for (const name of names) {
    const gradient = gradients.get(name) as Float32Array;
    let index = 0;
    for (let i = 1; i < gradient.length; i++) if (Math.abs(gradient[i] as number) > Math.abs(gradient[index] as number)) index = i;
    const values = trainer.getParameter(name);
    const original = values[index] as number;
    values[index] = original + h;
    trainer.setParameter(name, values);
    const plus = await lossOf(trainer, request);
    values[index] = original - h;
    trainer.setParameter(name, values);
    const minus = await lossOf(trainer, request);
    values[index] = original;
    trainer.setParameter(name, values);
    const numeric = (plus - minus) / (2 * h);
    const analytic = gradient[index] as number;
    assert.ok(Math.abs(analytic) > 1e-6, `${name}: the gradient is zero, so the check would prove nothing`);
    worst = Math.max(worst, Math.abs(numeric - analytic) / Math.max(Math.abs(analytic), Math.abs(numeric)));
  }
  return worst;
}

/** The largest absolute gradient entry over all LoRA tensors after the trainer's last step. */
export function largestGradient(trainer: NativeTrainer): number {
  let max = 0;
  for (const name of trainer.parameterNames()) for (const g of trainer.getParameter(name, { gradient: true })) max = Math.max(max, Math.abs(g));
  return max;
}
