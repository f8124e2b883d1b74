import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { PythonSandbox } from '../../../electron/core/tools/python/python-sandbox.ts';
import { repoRoot } from '../../../electron/core/paths.ts';

const limit = 256 * 1024 * 1024;
/** Python reaches JavaScript by re-importing the hidden js module. */
const js = "import sys\ndel sys.modules['js']\nimport js\n";
const sandbox = new PythonSandbox({ timeoutMs: 8_000, memoryLimitBytes: limit });
after(() => sandbox.dispose());

test('a run that patches builtins, sys.modules or JavaScript cannot change what later runs return', async () => {
  const attack = [
    'import builtins, sys, json',
    'def fake(*args, **kwargs):',
    "    print('attacker-chosen output')",
    'builtins.exec = fake',
    'builtins.print = lambda *a, **k: None',
    "sys.modules['math'] = type(sys)('math')",
    'del sys.modules["js"]',
    'import js',
    'js.eval("Object.fromEntries = () => ({ answer: \'attacker\' }); globalThis.poisoned = 1")',
  ].join('\n');
  await sandbox.run(attack);
  for (let run = 0; run < 3; run++) {
    const result = await sandbox.run(
      `${js}import math\nanswer = 6 * 7\nprint(math.sqrt(answer * answer))\nprint(js.eval("typeof globalThis.poisoned"))`,
    );
    assert.equal(result.error, null, `run ${run}`);
    assert.equal(result.printedOutput, '42.0\nundefined\n', `run ${run}`);
    assert.equal(result.variables.answer, '42', `run ${run}`);
  }
});

test('JavaScript timers a run starts do not outlive it', async () => {
  await sandbox.run(`${js}js.eval("globalThis.ticks = 0; setInterval(() => { globalThis.ticks++ }, 5)")`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const result = await sandbox.run(`${js}print(js.eval("String(globalThis.ticks)"))`);
  assert.equal(result.printedOutput, 'undefined\n');
});

test('new WebAssembly.Memory cannot take more than the memory limit', async () => {
  const result = await sandbox.run(
    `${js}js.eval("globalThis.big = new WebAssembly.Memory({ initial: 32768 }); new Uint8Array(globalThis.big.buffer).fill(1)")`,
  );
  assert.match(result.error ?? '', /memory/i);
  assert.equal((await sandbox.run('print("ok")')).printedOutput, 'ok\n');
});

test('ArrayBuffers and many WebAssembly memories together are stopped at the memory limit of the whole process', async () => {
  for (const code of [
    'globalThis.keep = []; for (let i = 0; i < 40; i++) { const b = new ArrayBuffer(64 * 2 ** 20); new Uint8Array(b).fill(1); globalThis.keep.push(b) }',
    'globalThis.keep = []; for (let i = 0; i < 40; i++) { const m = new WebAssembly.Memory({ initial: 1024 }); new Uint8Array(m.buffer).fill(1); globalThis.keep.push(m) }',
  ]) {
    // A generous wall-clock limit, so on a loaded machine the memory limit is what stops the run.
    const result = await sandbox.run(`${js}js.eval(${JSON.stringify(code)})\nprint('survived')`, { timeoutMs: 120_000 });
    assert.doesNotMatch(result.printedOutput, /survived/, code);
    assert.match(result.error ?? '', /MemoryError/, code);
  }
  assert.equal((await sandbox.run('print("ok")')).printedOutput, 'ok\n');
});

test('a 200 MB print is cut in the sandbox process: the result is capped and this process does not grow by the output', async () => {
  const printer = new PythonSandbox(); // the default limits: 200 MB fit in Python's memory
  after(() => printer.dispose());
  await printer.run('print(1)'); // started, and its snapshot held, before measuring
  const before = process.memoryUsage().rss;
  const result = await printer.run("print('x' * 200_000_000)\nraise ValueError('y' * 50_000_000)", { timeoutMs: 120_000 });
  const grew = process.memoryUsage().rss - before;
  assert.ok(result.printedOutput.length <= 3_500, `printed ${result.printedOutput.length} characters`);
  assert.match(result.printedOutput, /\[truncated\]/);
  assert.ok((result.error ?? '').length <= 3_500, `error of ${result.error?.length} characters`);
  assert.ok(grew < 100 * 1024 * 1024, `this process grew by ${Math.round(grew / 2 ** 20)} MiB`);
});

test('Python sees no host path in its environment, sys or sysconfig', async () => {
  const result = await sandbox.run(
    'import os, sys, sysconfig\nprint(repr(os.environ.get("_")))\nprint(dict(os.environ), sys.argv, sys.executable, sys.orig_argv, sys.path, sysconfig.get_config_vars(), os.getcwd())',
  );
  assert.match(result.printedOutput, /^None\n/);
  assert.ok(!result.printedOutput.includes(repoRoot), result.printedOutput);
  assert.equal(result.error, null);
});

test(
  'the sandbox process dies within a second when its parent is killed, even in the middle of a run',
  { skip: process.platform === 'win32' },
  async () => {
    const script = path.join(fs.mkdtempSync(path.join(repoRoot, '.cache', 'sandbox-parent-')), 'parent.ts');
    after(() => fs.rmSync(path.dirname(script), { recursive: true, force: true }));
    fs.writeFileSync(
      script,
      `import { PythonSandbox } from ${JSON.stringify(path.join(repoRoot, 'electron/core/tools/python/python-sandbox.ts'))};
const sandbox = new PythonSandbox({ timeoutMs: 60_000 });
await sandbox.start();
process.stdout.write('started\\n');
await sandbox.run('while True:\\n    pass');\n`,
    );
    const parent = spawn(path.join(repoRoot, 'node_modules', '.bin', 'node'), [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      parent.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('started')) resolve();
      });
      parent.on('exit', (code) => reject(new Error(`the parent ended first (${code})`)));
    });
    await new Promise((resolve) => setTimeout(resolve, 500)); // the run is under way
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(parent.pid)])
      .toString()
      .trim()
      .split(/\s+/)
      .map(Number);
    assert.equal(children.length, 1, 'one sandbox process');
    const child = children[0]!;
    parent.kill('SIGKILL');
    const killed = Date.now();
    const alive = () => {
      try {
        return !/^\s*Z/.test(execFileSync('ps', ['-o', 'stat=', '-p', String(child)]).toString());
      } catch {
        return false;
      }
    };
    while (alive() && Date.now() - killed < 5_000) await new Promise((resolve) => setTimeout(resolve, 25));
    const took = Date.now() - killed;
    if (alive()) process.kill(child, 'SIGKILL'); // a failing run leaves no spinning process behind
    assert.ok(took < 1_000, `the sandbox outlived its parent by ${took} ms`);
  },
);
