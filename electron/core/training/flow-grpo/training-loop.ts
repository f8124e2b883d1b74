import fs from 'node:fs';
import path from 'node:path';
import { AdapterRegistry, type AdapterRecord } from '../../adapters/adapter-registry.ts';
import { DatasetStore, type DatasetItem } from '../../datasets/dataset-store.ts';
import { InflowError } from '../../errors.ts';
import { RunHistory } from '../../store/run-history.ts';
import { evaluateHeldOut } from './heldout-eval.ts';
import { rewardForAnswer, type Reward } from './rewards.ts';
import { noAdapterWarning, noSignalWarning, NO_SIGNAL_PATIENCE, type LearningWarning } from './learning-signal.ts';
import { plateaued, waitForIdle } from './run-control.ts';
import { approvedPlannerTurns } from './demonstrations.ts';
import { collectStep } from './step-collector.ts';
import { buildSamples, fitSamples } from './step-samples.ts';
import { TrainingStore, type StepMetrics } from '../training-store.ts';
import { openRun, resumePoint } from './open-run.ts';
import { stepLearningRate } from './training-config.ts';
import type { TrainingEvent, TrainingStopReason, TrainOptions, TrainResult } from './train-options.ts';
import { demonstrationRuns, replayDemonstrations } from './demonstration-replay.ts';
import type { PolicyTrainer, TrainSample } from '../trainer/trainer-protocol.ts';

export type { TrainingEvent, TrainingPhase, TrainingStopReason, TrainOptions, TrainResult, TrainStores } from './train-options.ts';
export { resumeSettings } from './open-run.ts';

/**
 * Flow-GRPO on the user's machine. Each step: a group of rollouts per task with the current planner, rewards,
 * group-normalised advantages broadcast to every planner turn, one clipped-objective update in the trainer
 * process, a new versioned adapter hot-swapped into the planner, a held-out check, then one transaction that
 * makes the step count. A run killed at any moment resumes from its last completed step.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const {
    training: store,
    datasets,
    adapters: registry,
    history: runHistory,
  } = options.stores ?? {
    training: new TrainingStore(options.db),
    datasets: new DatasetStore(options.db),
    adapters: new AdapterRegistry(options.db),
    history: new RunHistory(options.db),
  };
  const run = openRun(options, store, datasets);
  const config = run.config;
  const dataset = datasets.get(run.datasetId ?? '');
  const trainItems = datasets.items(dataset.id, 'train');
  const heldOut = limit(datasets.items(dataset.id, 'heldout'), config.evalLimit);
  if (trainItems.length === 0)
    throw new InflowError('DATASET_EMPTY', `Dataset "${dataset.name}" has no training items.`, {
      hint: 'Import more items or lower the held-out fraction.',
    });
  const runDir = path.join(options.adaptersDir, run.id);
  fs.mkdirSync(runDir, { recursive: true });
  const emit = (event: TrainingEvent) => options.onEvent?.(event);
  const reward = (item: DatasetItem, answer: string | null): Promise<Reward> =>
    rewardForAnswer(item, answer, { ...(options.judge ? { judge: options.judge } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  const signal = options.signal;
  const started = Date.now();
  const parallel = options.planner.parallelSequences ?? 1;
  const evalParallel = config.evalParallel === 0 ? parallel : Math.min(config.evalParallel, parallel);

  store.setStatus(run.id, 'running');
  emit({ type: 'phase', step: run.lastCompletedStep, phase: 'trainer' });
  let trainer: PolicyTrainer | undefined;
  let stopReason: TrainingStopReason = 'steps';
  const warnings: LearningWarning[] = [];
  try {
    let step = run.lastCompletedStep;
    const start = resumePoint(run, store, registry);
    const { checkpoint, stateKept, continueFrom } = start;
    let currentAdapter: AdapterRecord | null = start.adapter;
    if (start.warning !== null) warnings.push(start.warning);
    trainer = await options.startTrainer({
      modelPath: run.baseModel,
      lora: config.lora,
      maxSampleTokens: config.contextSize,
      ...(config.threads > 0 ? { threads: config.threads } : {}),
      // a run that starts from an adapter (e.g. an SFT warm start, or a finished run's last adapter) trains on from its weights
      ...(continueFrom === null ? {} : { resumeAdapter: continueFrom }),
      // and its KL term measures the distance from that starting policy, not from the bare base model (also on a resume)
      ...(config.initAdapter === null ? {} : { referenceAdapter: config.initAdapter }),
    });
    if (checkpoint !== undefined && stateKept) await trainer.loadState(checkpoint.statePath);
    await options.planner.setAdapter(currentAdapter?.path ?? config.initAdapter);
    emit({ type: 'started', run: store.getRun(run.id), resumedFromStep: step });
    for (const warning of warnings) emit({ type: 'warning', step, warning });

    // held-out success of the planner as it stands: the baseline, then after each evaluated step, with the same settings
    const evaluate = () =>
      evaluateHeldOut({
        items: heldOut,
        runs: options.runs,
        agent: options.agent,
        reward,
        temperature: config.evalTemperature,
        seed: config.seed,
        parallel: evalParallel,
        ...(signal ? { signal } : {}),
      });
    const history = store.stepMetrics(run.id);
    let baselineAccuracy = history.find((h) => h.step === 0)?.metrics.heldoutAccuracy ?? null;
    if (history.length === 0 && heldOut.length > 0) {
      emit({ type: 'phase', step: 0, phase: 'baseline' });
      await options.planner.setAdapter(config.initAdapter);
      const base = await evaluate();
      await options.planner.setAdapter(currentAdapter?.path ?? config.initAdapter);
      baselineAccuracy = base.accuracy;
      store.recordBaseline(run.id, { heldoutAccuracy: base.accuracy, timings: { evalMs: base.durationMs } });
      emit({ type: 'step', step: 0, metrics: { heldoutAccuracy: base.accuracy } });
    }
    let bestAccuracy = Math.max(
      baselineAccuracy ?? -1,
      ...history.map((h) => (typeof h.metrics.heldoutAccuracy === 'number' ? h.metrics.heldoutAccuracy : -1)),
    );
    const rewardHistory = history.filter((h) => h.step > 0).map((h) => h.metrics.rewardMean ?? 0);
    const recent: Array<{ step: number; metrics: StepMetrics }> = [];
    const stepRewards: number[][] = [];
    const runRewards: number[] = [];
    let lastWarnedAt = -NO_SIGNAL_PATIENCE;
    const demonstrations = config.objective === 'sft' ? approvedPlannerTurns(runHistory, run.baseModel) : null;
    const demonstrated = demonstrations === null ? [] : demonstrationRuns(runHistory, options.runs, run.baseModel);
    if (demonstrations !== null && demonstrations.length === 0) {
      throw new InflowError(
        'TRAINING_NO_DEMONSTRATIONS',
        `No demonstrations for ${path.basename(run.baseModel)}: SFT trains on the planner turns of runs you gave a thumbs-up, and there are none with this model.`,
        {
          hint: 'Ask with this model (inflow ask --demonstrate TOOLS shows it which tools to use) and give right answers a thumbs-up (inflow runs rate RUN_ID up, or the app), or train with --objective grpo.',
        },
      );
    }

    while (step < config.steps) {
      if (signal?.aborted) {
        stopReason = 'cancelled';
        break;
      }
      if (config.budgetMs > 0 && Date.now() - started >= config.budgetMs) {
        stopReason = 'budget';
        break;
      }
      if (plateaued(rewardHistory, config)) {
        stopReason = 'plateau';
        break;
      }
      if (config.onlyWhenIdle) await waitForIdle(options, config, step, emit);
      step++;
      const timings: Record<string, number> = {};
      const stepStart = performance.now();

      let samples: TrainSample[];
      let metrics: StepMetrics;
      if (demonstrations !== null) {
        // SFT: one pass over the demonstrations per step, in `miniBatches` updates
        const fitted = fitSamples(demonstrations, config.contextSize);
        samples = fitted.samples;
        metrics = {
          samples: samples.length,
          demonstrations: demonstrations.length,
          truncatedSamples: fitted.truncated,
          droppedSamples: fitted.dropped,
          loss: null,
          kl: null,
          clipFraction: null,
          tokensPerSecond: null,
          heldoutAccuracy: null,
        };
      } else {
        emit({ type: 'phase', step, phase: 'rollout' });
        const collected = await collectStep({
          store,
          runs: options.runs,
          agent: options.agent,
          reward,
          trainingRunId: run.id,
          step,
          trainItems,
          config,
          parallel,
          ...(signal ? { signal } : {}),
          onRollout: (done, total) => emit({ type: 'rollout', step, done, total }),
        });
        timings.rewardMs = collected.rewardMs;
        timings.rolloutMs = collected.rolloutMs;
        stepRewards.push(collected.groups.flatMap((g) => g.rewards));
        runRewards.push(...collected.groups.flatMap((g) => g.rewards));
        const built = buildSamples(store, collected.groups, config, step);
        const fitted = fitSamples(built.samples, config.contextSize);
        samples = fitted.samples;
        const stats = built.stats;
        metrics = {
          rewardMean: stats.rewardMean,
          rewardStd: stats.rewardSpread,
          groups: stats.groups,
          zeroGroups: stats.zeroGroups,
          samples: samples.length,
          informativeFraction: stats.groups > 0 ? (stats.groups - stats.zeroGroups) / stats.groups : 0,
          extraTasks: collected.extraTasks,
          exploredGroups: collected.exploredGroups,
          rollouts: collected.rollouts,
          failedRollouts: collected.failedRollouts,
          truncatedSamples: fitted.truncated,
          droppedSamples: fitted.dropped,
          loss: null,
          kl: null,
          clipFraction: null,
          tokensPerSecond: null,
          heldoutAccuracy: null,
        };
      }

      let adapterPath = currentAdapter?.path ?? config.initAdapter;
      let newAdapterPath: string | null = null;
      if (samples.length > 0) {
        emit({ type: 'phase', step, phase: 'update' });
        const updateStart = performance.now();
        const unload = config.unloadDuringUpdate === 'always' || (config.unloadDuringUpdate === 'auto' && options.planner.memoryIsShort?.() === true);
        if (unload) await options.planner.unload?.();
        const learningRate = stepLearningRate(config, step);
        const result = await trainer.step({
          samples,
          objective: config.objective,
          clipLow: config.clipLow,
          clipHigh: config.clipHigh,
          dualClip: config.dualClip,
          klBeta: config.klBeta,
          learningRate,
          weightDecay: config.weightDecay,
          maxGradNorm: config.maxGradNorm,
          miniBatches: config.miniBatches,
          epochs: config.ppoEpochs,
          seed: config.seed * 1000 + step,
        });
        newAdapterPath = path.join(runDir, `step-${String(step).padStart(4, '0')}.gguf`);
        await trainer.saveAdapter(newAdapterPath);
        if (unload) await options.planner.reload?.();
        timings.updateMs = performance.now() - updateStart;
        Object.assign(metrics, {
          loss: result.loss,
          kl: result.kl,
          clipFraction: result.clipFraction,
          tokensPerSecond: result.tokens / (result.durationMs / 1000),
          trainedTokens: result.tokens,
          learningRate,
          ...(result.skipped === undefined ? {} : { updateSkipped: result.skipped }),
          ...(result.updates
            ? { updates: result.updates.map((u) => ({ loss: u.loss, kl: u.kl, clipFraction: u.clipFraction, samples: u.samples })) }
            : {}),
        });
        emit({ type: 'phase', step, phase: 'swap' });
        const swapStart = performance.now();
        await options.planner.setAdapter(newAdapterPath);
        timings.swapMs = performance.now() - swapStart;
        adapterPath = newAdapterPath;
      }

      if (heldOut.length > 0 && (step % config.evalEvery === 0 || step === config.steps)) {
        emit({ type: 'phase', step, phase: 'eval' });
        const evaluation = await evaluate();
        metrics.heldoutAccuracy = evaluation.accuracy;
        timings.evalMs = evaluation.durationMs;
      }
      // SFT: does the planner now make the choices the user showed it?
      if (demonstrated.length > 0 && (step % config.evalEvery === 0 || step === config.steps)) {
        const replay = await replayDemonstrations({
          demonstrations: demonstrated,
          runs: options.runs,
          agent: options.agent,
          seed: config.seed,
          ...(signal ? { signal } : {}),
        });
        metrics.demonstrationsReproduced = replay.reproduced / replay.total;
        metrics.demonstratedRuns = replay.total;
        timings.replayMs = replay.durationMs;
      }

      emit({ type: 'phase', step, phase: 'checkpoint' });
      const checkpointStart = performance.now();
      const statePath = path.join(runDir, `step-${String(step).padStart(4, '0')}.state`);
      await trainer.saveState(statePath);
      timings.checkpointMs = performance.now() - checkpointStart;
      timings.totalMs = performance.now() - stepStart;
      metrics.timings = timings;

      recent.push({ step, metrics });
      const warning = demonstrations !== null ? null : noSignalWarning(recent, stepRewards.slice(-NO_SIGNAL_PATIENCE).flat());
      const warnNow = warning !== null && recent.length - lastWarnedAt >= NO_SIGNAL_PATIENCE;
      // stored with the step, so the app shows it after a restart too
      if (warnNow) metrics.warning = `${warning.message} Fix: ${warning.hint}`;
      let promoted: AdapterRecord | null = null;
      store.commitStep({
        trainingRunId: run.id,
        step,
        metrics,
        statePath,
        adapterId: null,
        extra: () => {
          if (newAdapterPath !== null) {
            currentAdapter = registry.register({
              path: newAdapterPath,
              baseModel: run.baseModel,
              trainingRunId: run.id,
              parentId: currentAdapter?.id ?? null,
              metrics: {
                step,
                ...(metrics.heldoutAccuracy == null ? {} : { heldoutAccuracy: metrics.heldoutAccuracy }),
                rewardMean: metrics.rewardMean,
              },
            });
            if (config.autoPromote && typeof metrics.heldoutAccuracy === 'number' && metrics.heldoutAccuracy > bestAccuracy) {
              bestAccuracy = metrics.heldoutAccuracy;
              promoted = registry.promote(currentAdapter.id);
            }
          }
          metrics.adapterId = currentAdapter?.id ?? null;
          return metrics.adapterId;
        },
      });
      if (adapterPath !== (currentAdapter?.path ?? config.initAdapter)) await options.planner.setAdapter(currentAdapter?.path ?? config.initAdapter);
      rewardHistory.push(metrics.rewardMean ?? 0);
      emit({ type: 'step', step, metrics });
      if (warnNow) {
        lastWarnedAt = recent.length;
        warnings.push(warning);
        emit({ type: 'warning', step, warning });
      }
      if (promoted !== null) emit({ type: 'promoted', adapter: promoted });
      if (config.untilReproduced && metrics.demonstrationsReproduced === 1) {
        stopReason = 'reproduced';
        break;
      }
    }
    if (signal?.aborted) stopReason = 'cancelled';
    if (currentAdapter === null && stopReason !== 'cancelled') {
      const warning = noAdapterWarning(store.getRun(run.id).lastCompletedStep, runRewards);
      if (warning !== null) {
        warnings.push(warning);
        store.addStepWarning(run.id, store.getRun(run.id).lastCompletedStep, `${warning.message} Fix: ${warning.hint}`);
        emit({ type: 'warning', step, warning });
      }
    }
    store.setStatus(run.id, stopReason === 'cancelled' || stopReason === 'budget' ? 'paused' : 'completed');
    emit({ type: 'stopped', reason: stopReason });
    return {
      trainingRunId: run.id,
      stopReason,
      lastCompletedStep: store.getRun(run.id).lastCompletedStep,
      baselineAccuracy,
      bestAdapter: registry.best(run.baseModel),
      warnings,
    };
  } catch (error) {
    if (signal?.aborted) {
      store.setStatus(run.id, 'paused');
      throw new InflowError(
        'CANCELLED',
        `Training stopped; run ${run.id} resumes from step ${store.getRun(run.id).lastCompletedStep} with --resume.`,
        { cause: error },
      );
    }
    store.setStatus(run.id, 'failed', error instanceof Error ? error.message : String(error));
    throw error;
  } finally {
    await trainer?.close();
  }
}

function limit<T>(items: T[], count: number): T[] {
  return count > 0 ? items.slice(0, count) : items;
}
