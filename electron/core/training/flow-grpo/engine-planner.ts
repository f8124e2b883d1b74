import fs from 'node:fs';
import type { Engine, LoadModelOptions } from '../../llm/engine.ts';
import type { GenerateRequest, Generation, LanguageModel } from '../../llm/language-model.ts';
import type { LocalModel } from '../../llm/local-model.ts';
import type { PlannerHandle } from './rollout-agent.ts';

/**
 * The trainable planner on the local engine, as both the agent's LanguageModel and the training loop's
 * PlannerHandle: adapters are hot-swapped (engine `setAdapter`), and during an update the model can be unloaded
 * to give the trainer the GPU memory, then reloaded with the same adapter; generations asked for meanwhile wait.
 * `memoryIsShort` is true on a GPU whose free memory is under three times the model file (the F32 training
 * graph needs several times the weights); on CPU the two share RAM and nothing is unloaded.
 */
export class EnginePlanner implements LanguageModel, PlannerHandle {
  private model: LocalModel | null;
  private reloading: Promise<LocalModel> | null = null;
  private adapterPath: string | null = null;
  private freeVram = Infinity;
  private readonly engine: Engine;
  private readonly loadOptions: LoadModelOptions;

  private constructor(engine: Engine, loadOptions: LoadModelOptions, model: LocalModel) {
    this.engine = engine;
    this.loadOptions = loadOptions;
    this.model = model;
  }

  static async load(engine: Engine, options: LoadModelOptions): Promise<EnginePlanner> {
    const planner = new EnginePlanner(engine, options, await engine.loadModel(options));
    await planner.refreshMemory();
    return planner;
  }

  get id(): string {
    return this.current().id;
  }
  get adapterId(): string | null {
    return this.model?.adapterId ?? null;
  }
  get contextSize(): number {
    return this.current().contextSize;
  }
  get parallelSequences(): number {
    return this.model?.parallelSequences ?? 1;
  }

  async generate(request: GenerateRequest): Promise<Generation> {
    return (await this.ready()).generate(request);
  }

  countTokens(text: string): number {
    return this.current().countTokens(text);
  }

  async setAdapter(filePath: string | null): Promise<void> {
    this.adapterPath = filePath;
    const model = await this.ready();
    await model.setAdapter(filePath);
  }

  memoryIsShort(): boolean {
    if (this.engine.backend === 'CPU' || this.loadOptions.path === undefined) return false;
    return this.freeVram < 3 * fs.statSync(this.loadOptions.path).size;
  }

  async unload(): Promise<void> {
    const model = this.model;
    this.model = null;
    await model?.dispose();
  }

  async reload(): Promise<void> {
    await this.ready();
    await this.refreshMemory();
  }

  async dispose(): Promise<void> {
    await this.unload();
  }

  private current(): LocalModel {
    if (this.model === null) throw new Error('The planner model is unloaded during a training update.');
    return this.model;
  }

  private async ready(): Promise<LocalModel> {
    if (this.model !== null) return this.model;
    this.reloading ??= (async () => {
      const model = await this.engine.loadModel(this.loadOptions);
      if (this.adapterPath !== null) await model.setAdapter(this.adapterPath);
      this.model = model;
      this.reloading = null;
      return model;
    })();
    return this.reloading;
  }

  private async refreshMemory(): Promise<void> {
    if (this.engine.backend !== 'CPU') this.freeVram = (await this.engine.info()).vram.free;
  }
}
