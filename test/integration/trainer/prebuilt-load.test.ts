import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../electron/core/paths.ts';
import { ensurePrebuiltTrainer } from '../../support/prebuilt-trainer.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

/**
 * A user's checkout or install has no compiler: the trainer must load from the prebuilt binary
 * (native/prebuilds/<platform>-<arch>/, as the release workflow makes it) with no local build present. The check runs
 * in a copy of the code with only that prebuild under native/, and trains one step with it.
 */
test(
  'with no local build, the trainer loads from its prebuilt binary and trains a step',
  { skip: process.platform !== 'linux' && 'reads /proc/self/maps (Linux) to see which files are loaded' },
  () => {
    const prebuilt = ensurePrebuiltTrainer();
    const checkout = tempDir();
    fs.cpSync(path.join(repoRoot, 'electron'), path.join(checkout, 'electron'), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(checkout, 'package.json'));
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(checkout, 'node_modules'), 'junction');
    const copied = path.join(checkout, 'native', 'prebuilds', path.basename(prebuilt));
    fs.cpSync(prebuilt, copied, { recursive: true });
    assert.ok(!fs.existsSync(path.join(checkout, 'native', 'build')), 'no local build');
    const script = path.join(checkout, 'probe.ts');
    fs.writeFileSync(
      script,
      `import fs from 'node:fs';
    import { loadNativeTrainer } from './electron/core/training/trainer/native-trainer.ts';
    const module = await loadNativeTrainer({ gpu: false });
    const trainer = await module.createTrainer({ modelPath: ${JSON.stringify(testModelPath())}, lora: { rank: 2, alpha: 4, targets: ['q', 'v'], seed: 1 }, threads: 1 });
    const metrics = await trainer.step({ samples: [{ promptTokens: [5, 6, 7, 8], responseTokens: [9, 10, 11], advantage: 1 }], objective: 'grpo', learningRate: 1e-3 });
    await trainer.dispose();
    const maps = fs.readFileSync('/proc/self/maps', 'utf8').split('\\n');
    const loaded = (name: string) => [...new Set(maps.filter((l) => l.includes(name)).map((l) => l.trim().split(/\\s+/).pop()))];
    console.log(JSON.stringify({ devices: module.runtime.devices, loss: metrics.loss, addon: loaded('inflow-trainer.node'), ggml: loaded('libggml-base') }));`,
    );
    const env = { ...process.env };
    delete env.INFLOW_NATIVE_BUILD_DIR;
    const output = execFileSync(process.execPath, [script], { cwd: checkout, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const result = JSON.parse(output.trim().split('\n').pop()!) as { devices: string[]; loss: number; addon: string[]; ggml: string[] };
    assert.deepEqual(result.addon, [fs.realpathSync(path.join(copied, 'inflow-trainer.node'))]);
    assert.equal(result.ggml.length, 1, 'one libggml-base, shared with node-llama-cpp');
    assert.ok(result.devices.some((d) => d.startsWith('CPU')));
    assert.ok(Number.isFinite(result.loss));
  },
);
