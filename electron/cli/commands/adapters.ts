import fs from 'node:fs';
import path from 'node:path';
import { applyRetention, planRetention } from '../../core/adapters/retention.ts';
import { parseArgs } from 'node:util';
import { type AdapterRecord } from '../../core/adapters/adapter-registry.ts';
import { importPeftAdapter } from '../../core/adapters/peft-import.ts';
import { InflowError } from '../../core/errors.ts';
import { resolveModelFile } from '../../core/llm/resolve-model.ts';
import type { CliCommand } from '../command.ts';
import { evaluateAdapter } from '../adapter-eval.ts';
import { wholeNumberFlag, numberFlag } from '../flag-values.ts';

const usage = `Usage:
  inflow adapters list [--model PATH|ID]
  inflow adapters eval ID|VERSION --dataset NAME [--model PATH|ID] [--limit N] [--max-steps 3]   held-out accuracy
  inflow adapters promote ID|VERSION [--model PATH|ID]    the agent uses it from now on (hot-swapped)
  inflow adapters rollback --model PATH|ID                back to the adapter used before
  inflow adapters base --model PATH|ID                    the base model without adapter
  inflow adapters import PEFT_DIR --model PATH|ID [--alpha A]   convert a PEFT LoRA (safetensors) to GGUF; also a
                                                          verl checkpoint's global_step_N or actor folder (its lora_adapter)
  inflow adapters gc [--dry-run] [--keep N]            delete adapter files and trainer states the retention rule
      does not keep (kept: promoted, best, rollback history, resumable runs, last N=3; states of finished runs go)`;

/** `inflow adapters`: the planner's LoRA versions and which one is active. */
export const command: CliCommand = {
  name: 'adapters',
  summary: 'list, evaluate, promote and roll back planner adapters; import PEFT LoRA adapters',
  usage,
  async run(context, args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        dataset: { type: 'string' },
        limit: { type: 'string' },
        'max-steps': { type: 'string' },
        threads: { type: 'string' },
        alpha: { type: 'string' },
        'dry-run': { type: 'boolean' },
        keep: { type: 'string' },
      },
    });
    const [action, target] = positionals;
    const backend = await context.backend();
    const registry = backend.adapters;
    const baseModel = values.model === undefined ? undefined : resolveModelFile(values.model, backend.paths.models);
    const needModel = () => {
      if (baseModel === undefined) throw new InflowError('USAGE', 'Name the base model with --model PATH|ID.', { hint: usage });
      return baseModel;
    };
    const find = (idOrVersion: string): AdapterRecord => registry.get(idOrVersion, baseModel);
    const line = (a: AdapterRecord, active: boolean) => {
      const accuracy = typeof a.metrics.heldoutAccuracy === 'number' ? `${(a.metrics.heldoutAccuracy * 100).toFixed(1)}%` : '—';
      return `${active ? '*' : ' '} v${String(a.version).padEnd(4)} ${(fs.existsSync(a.path) ? a.status : 'pruned').padEnd(9)} held-out ${accuracy.padStart(6)}  step ${String(a.metrics.step ?? '—').padStart(4)}  ${a.id}  ${path.basename(a.baseModel)}`;
    };
    switch (action) {
      case 'list':
      case undefined: {
        const list = registry.list(baseModel);
        const activeIds = new Set(list.map((a) => registry.active(a.baseModel)?.id).filter(Boolean));
        if (context.json) context.printJson(list.map((a) => ({ ...a, active: activeIds.has(a.id) })));
        else if (list.length === 0) context.print('No adapters yet. Train one with `inflow train --dataset FILE --model PATH|ID`.');
        else for (const a of list) context.print(line(a, activeIds.has(a.id)));
        return;
      }
      case 'promote': {
        const adapter = registry.promote(find(target ?? '').id);
        if (context.json) context.printJson(adapter);
        else context.print(`Promoted v${adapter.version}; the agent uses it from its next question.`);
        return;
      }
      case 'rollback': {
        const back = registry.rollback(needModel());
        if (context.json) context.printJson({ active: back });
        else context.print(back === null ? 'Rolled back to the base model.' : `Rolled back to v${back.version}.`);
        return;
      }
      case 'base':
        registry.useBase(needModel());
        context.print('The agent now uses the base model without adapter.');
        return;
      case 'eval': {
        const limit = wholeNumberFlag(values.limit, 'limit', { min: 1 }, usage);
        const maxSteps = wholeNumberFlag(values['max-steps'], 'max-steps', { min: 1 }, usage);
        const threads = wholeNumberFlag(values.threads, 'threads', { min: 1 }, usage);
        const adapter = find(target ?? '');
        const dataset = backend.datasets.get(values.dataset ?? '');
        const result = await evaluateAdapter(context, {
          adapter,
          dataset,
          baseModel: adapter.baseModel,
          ...(limit === undefined ? {} : { limit }),
          ...(maxSteps === undefined ? {} : { maxSteps }),
          ...(threads === undefined ? {} : { threads }),
        });
        registry.updateMetrics(adapter.id, { heldoutAccuracy: result.accuracy, evaluatedOn: dataset.name });
        if (context.json) context.printJson(result);
        else context.print(`v${adapter.version}: ${result.correct}/${result.total} held-out correct (${(result.accuracy * 100).toFixed(1)}%)`);
        return;
      }
      case 'import': {
        const model = needModel();
        const outPath = path.join(backend.paths.adapters, 'imported', `${path.basename(path.resolve(target ?? 'adapter'))}-${Date.now()}.gguf`);
        const alpha = numberFlag(values.alpha, 'alpha', { text: 'a positive number', holds: (value) => value > 0 }, usage);
        const result = importPeftAdapter({ source: target ?? '', baseModelPath: model, outPath, ...(alpha === undefined ? {} : { alpha }) });
        const adapter = registry.register({
          path: result.path,
          baseModel: model,
          metrics: { importedFrom: path.resolve(target ?? ''), rank: result.rank, alpha: result.alpha },
        });
        if (context.json) context.printJson(adapter);
        else
          context.print(
            `Imported as v${adapter.version} (rank ${result.rank}, ${result.tensors} tensors). Promote it with \`inflow adapters promote ${adapter.id}\`.`,
          );
        return;
      }
      case 'gc': {
        const keepLast = wholeNumberFlag(values.keep, 'keep', { min: 1 }, usage);
        const plan = (values['dry-run'] ? planRetention : applyRetention)(backend, keepLast === undefined ? {} : { keepLast });
        if (context.json)
          context.printJson({
            dryRun: values['dry-run'] === true,
            bytes: plan.bytes,
            adapters: plan.adapters.map((a) => ({ id: a.adapter.id, version: a.adapter.version, path: a.adapter.path, bytes: a.bytes })),
            states: plan.states,
          });
        else {
          const verb = values['dry-run'] ? 'Would delete' : 'Deleted';
          for (const { adapter } of plan.adapters) context.print(`${verb} adapter v${adapter.version} ${adapter.path}`);
          for (const state of plan.states) context.print(`${verb} trainer state ${state.path}`);
          context.print(
            `${values['dry-run'] ? 'Would free' : 'Freed'} ${(plan.bytes / 1024 / 1024).toFixed(1)} MiB (${plan.adapters.length} adapters, ${plan.states.length} trainer states).`,
          );
        }
        return;
      }
      default:
        throw new InflowError('USAGE', `Unknown action "${action}".`, { hint: usage });
    }
  },
};
