import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../support/temp-dir.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const node = process.execPath;
const trainerModule = path.join(repoRoot, 'electron', 'core', 'training', 'trainer', 'native-trainer.ts');

/** Runs a TypeScript snippet in a fresh Node process (the addon is loaded once per process) and parses its last line. */
function runScript(source: string, env: NodeJS.ProcessEnv): unknown {
  const file = path.join(tempDir(), 'script.ts');
  fs.writeFileSync(file, source);
  const output = execFileSync(node, [file], { cwd: repoRoot, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(output.trim().split('\n').pop() as string);
}

test('a failed native build lets npm install finish, and training then fails with the build error', () => {
  const buildDir = tempDir();
  const env = { ...process.env, INFLOW_NATIVE_BUILD_DIR: buildDir, CXX: path.join(buildDir, 'no-such-compiler') };
  const build = spawnSync(node, ['native/build.ts'], { cwd: repoRoot, env, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  assert.match(build.stderr, /could not be built; training will be unavailable/);
  const info = JSON.parse(fs.readFileSync(path.join(buildDir, 'build-info.json'), 'utf8')) as { ok: boolean; error: string };
  assert.equal(info.ok, false);
  assert.match(info.error, /no-such-compiler/);
  const error = runScript(
    `import { loadNativeTrainer } from ${JSON.stringify(trainerModule)};
    try { await loadNativeTrainer({ gpu: false }); console.log('{}'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, hint: e.hint })); }`,
    env,
  ) as { code: string; message: string; hint: string };
  assert.equal(error.code, 'NATIVE_TRAINER_UNAVAILABLE');
  assert.match(error.message, /the build failed: .*no-such-compiler/s);
  assert.match(error.hint, /C\+\+17 compiler/);
});

test("the addon builds against node-llama-cpp's libraries and loads beside node-llama-cpp in one process", () => {
  const buildDir = tempDir();
  const env = { ...process.env, INFLOW_NATIVE_BUILD_DIR: buildDir };
  const build = spawnSync(node, ['native/build.ts', '--strict'], { cwd: repoRoot, env, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  const result = runScript(
    `import fs from 'node:fs';
    import { loadNativeTrainer } from ${JSON.stringify(trainerModule)};
    const module = await loadNativeTrainer({ gpu: false });
    const maps = fs.readFileSync('/proc/self/maps', 'utf8');
    const copies = new Set(maps.split('\\n').filter((l) => l.includes('libggml-base.so')).map((l) => l.trim().split(/\\s+/).pop()));
    console.log(JSON.stringify({ runtime: module.runtime, copies: [...copies] }));`,
    env,
  ) as { runtime: { registryLibrary: string; devices: string[] }; copies: string[] };
  assert.match(result.runtime.registryLibrary, /libggml\.v\d+\.\d+\.\d+\.so$/);
  assert.ok(result.runtime.devices.some((device) => device.startsWith('CPU')));
  assert.equal(result.copies.length, 1, `one libggml-base in the process: ${result.copies.join(', ')}`);
});
