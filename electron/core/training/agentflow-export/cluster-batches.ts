/**
 * Batch sizes verl accepts for a cluster: every GPU must get whole samples of each step (train batch × n
 * divisible by the GPU count), the PPO mini-batch must divide the train batch and give each GPU whole samples,
 * and the micro-batch must divide a GPU's share of a mini-batch. Starts from the Inflow run's values and raises
 * them as little as needed, saying what changed.
 */
export function clusterBatches(input: { trainBatch: number; miniBatch?: number | undefined; groupSize: number; gpus: number }): {
  trainBatch: number;
  miniBatch: number;
  microBatchPerGpu: number;
  adjustments: string[];
} {
  const { groupSize: n, gpus } = input;
  const adjustments: string[] = [];
  let trainBatch = Math.max(1, input.trainBatch);
  while ((trainBatch * n) % gpus !== 0) trainBatch++;
  if (trainBatch !== input.trainBatch)
    adjustments.push(`train batch ${input.trainBatch} → ${trainBatch} prompts so ${gpus} GPUs each get whole samples`);
  // The reference: train batch 32, mini-batch 8 (four updates per step).
  const wanted = input.miniBatch ?? Math.max(1, Math.round(trainBatch / 4));
  let miniBatch = Math.min(trainBatch, Math.max(1, wanted));
  while (miniBatch < trainBatch && (trainBatch % miniBatch !== 0 || (miniBatch * n) % gpus !== 0)) miniBatch++;
  if (miniBatch !== wanted)
    adjustments.push(`PPO mini-batch ${wanted} → ${miniBatch} prompts (it must divide the train batch and give each GPU whole samples)`);
  const perGpu = (miniBatch * n) / gpus;
  let microBatchPerGpu = Math.min(4, perGpu);
  while (perGpu % microBatchPerGpu !== 0) microBatchPerGpu--;
  return { trainBatch, miniBatch, microBatchPerGpu, adjustments };
}
