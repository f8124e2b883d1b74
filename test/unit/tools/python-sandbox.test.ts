import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { forkSandboxProcess, PythonSandbox } from '../../../electron/core/tools/python/python-sandbox.ts';

const sandbox = new PythonSandbox({ timeoutMs: 4_000, memoryLimitBytes: 256 * 1024 * 1024 });
after(() => sandbox.dispose());

test('runs Python and returns printed output and variables, like the reference tool', async () => {
  const result = await sandbox.run('import math\nx = 17 * 23\nroot = math.sqrt(16)\nprint("The answer is", x)');
  assert.equal(result.error, null);
  assert.equal(result.printedOutput, 'The answer is 391\n');
  assert.deepEqual(result.variables, { x: '391', root: '4.0' });
});

test('errors come back as "Type: message (line n)" and the sandbox stays usable', async () => {
  const result = await sandbox.run('a = 1\nb = a / 0');
  assert.equal(result.error, 'ZeroDivisionError: division by zero (line 2)');
  assert.equal((await sandbox.run('print(2 + 2)')).printedOutput, '4\n');
});

test('each run starts with a fresh namespace', async () => {
  await sandbox.run('secret = 42');
  const result = await sandbox.run('print(secret)');
  assert.match(result.error!, /NameError: name 'secret' is not defined/);
});

test('the host file system is not reachable', async () => {
  assert.match((await sandbox.run("open('/etc/passwd').read()")).error!, /FileNotFoundError/);
  assert.match((await sandbox.run(`open(${JSON.stringify(import.meta.filename)}).read()`)).error!, /FileNotFoundError/);
  const write = await sandbox.run("open('/tmp/x.txt', 'w').write('hi')\nimport os\nprint(os.listdir('/'))");
  assert.equal(write.error, null, 'writes land in the in-memory file system');
  assert.doesNotMatch(write.printedOutput, /etc|usr|work/);
});

test('the network is not reachable', async () => {
  assert.match((await sandbox.run("import socket\ns = socket.create_connection(('127.0.0.1', 80), timeout=1)")).error!, /Error/);
  assert.match((await sandbox.run("import urllib.request\nurllib.request.urlopen('http://127.0.0.1:9/')")).error!, /URLError|Error/);
});

test('JavaScript and subprocesses are not reachable', async () => {
  assert.match((await sandbox.run('import js\nprint(js.process.pid)')).error!, /ModuleNotFoundError/);
  assert.match((await sandbox.run("from pyodide.code import run_js\nrun_js('globalThis.process.exit(3)')")).error!, /Error/);
  assert.match((await sandbox.run("import subprocess\nsubprocess.run(['ls'])")).error!, /OSError/);
  assert.match((await sandbox.run("import os\nos.system('touch /tmp/escaped')")).error!, /not available|stopped/);
  assert.equal((await sandbox.run('print("still works")')).printedOutput, 'still works\n', 'a fresh sandbox replaces a broken one');
});

test('JavaScript reached by re-importing js cannot load Node modules (process, net, fs) or see the real process', async () => {
  // The imports settle after the run has answered, in the moments before its process is replaced: a sandbox
  // process of its own is watched over that time (what it prints to stderr is the probe).
  const child = forkSandboxProcess({ memoryLimitBytes: 256 * 1024 * 1024, maxOutputChars: 3_500, snapshotMode: 'none' });
  after(() => {
    child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.on('message', (message: { ready?: boolean }) => {
      if (message.ready) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the sandbox process ended (${code}): ${stderr}`)));
  });
  const reopen = "import sys\ndel sys.modules['js']\nimport js\n";
  const code = `${reopen}js.eval("for (const m of ['node:process', 'node:net', 'net', 'node:fs', 'node:child_process', 'node:util']) import(m).then(() => console.error(m + ' LOADED'), () => console.error(m + ' blocked'))")\nprint(js.eval('typeof process.getBuiltinModule + typeof process.binding + typeof fetch + typeof require'))`;
  const result = await new Promise<{ output: string }>((resolve) => {
    child.on('message', (message: { id?: number; result?: { output: string } }) => {
      if (message.id === 1 && message.result) resolve(message.result);
    });
    child.send({ id: 1, code });
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const probe = `${stderr}\n${result.output}`;
  assert.doesNotMatch(probe, /LOADED/);
  assert.match(probe, /node:process blocked/);
  assert.match(probe, /^undefinedundefinedundefinedundefined$/m);
});

test('an infinite loop is stopped at the wall-clock limit and the next run works', async () => {
  const started = Date.now();
  const result = await sandbox.run('while True:\n    pass', { timeoutMs: 1_000 });
  assert.match(result.error!, /timed out after 1 seconds/);
  assert.ok(Date.now() - started < 3_000);
  assert.equal((await sandbox.run('print("alive")')).printedOutput, 'alive\n');
});

test('a memory bomb ends in MemoryError within the memory limit', async () => {
  const result = await sandbox.run("chunks = []\nwhile True:\n    chunks.append(' ' * 10**7)");
  assert.match(result.error!, /MemoryError/);
  assert.equal((await sandbox.run('print("ok")')).printedOutput, 'ok\n');
});

test('a cancelled run rejects at once and stops the process', async () => {
  const controller = new AbortController();
  const pending = sandbox.run('while True:\n    pass', { signal: controller.signal });
  setTimeout(() => controller.abort(new Error('cancelled by test')), 200);
  await assert.rejects(pending, /cancelled by test/);
  assert.equal(sandbox.warm, false);
});

test('the Python tool has a model write the code and returns printed output, variables and the code', async () => {
  const { createPythonTool } = await import('../../../electron/core/tools/builtin/python-tool.ts');
  const { ScriptedLanguageModel } = await import('../../support/scripted-model.ts');
  const model = new ScriptedLanguageModel({ turns: ['Here:\n```python\ntotal = 17 * 23 + 5\nprint(f"The result is {total}")\n```', 'no code here'] });
  const tool = createPythonTool({ sandbox });
  const signal = new AbortController().signal;
  assert.deepEqual(await tool.execute({ query: 'Compute 17 * 23 + 5' }, { signal, model }), {
    printed_output: 'The result is 396\n',
    variables: { total: '396' },
    execution_code: 'total = 17 * 23 + 5\nprint(f"The result is {total}")',
  });
  assert.match(model.requests[0]!.messages[0]!.content, /Query: Compute 17 \* 23 \+ 5/);
  assert.match(((await tool.execute({ query: 'x' }, { signal, model })) as { error: string }).error, /did not write/);
});

test('a snapshot file makes later sandboxes start fast; a damaged one is replaced without failing a run', async () => {
  const { tempDir } = await import('../../support/temp-dir.ts');
  const fs = await import('node:fs');
  const path = await import('node:path');
  const snapshotFile = path.join(tempDir(), 'cache', 'pyodide.snapshot');
  const first = new PythonSandbox({ snapshotFile });
  try {
    assert.equal((await first.run('print(6 * 7)')).printedOutput, '42\n');
  } finally {
    first.dispose();
  }
  const [saved] = fs.readdirSync(path.dirname(snapshotFile));
  assert.match(saved!, /^pyodide\.snapshot\.\d+\.\d+\.\d+\.\d+$/);
  fs.writeFileSync(path.join(path.dirname(snapshotFile), saved!), 'not a snapshot');
  const second = new PythonSandbox({ snapshotFile });
  try {
    assert.equal((await second.run('print(1 + 1)')).printedOutput, '2\n');
  } finally {
    second.dispose();
  }
  assert.ok(fs.statSync(path.join(path.dirname(snapshotFile), saved!)).size > 1_000_000, 'a good snapshot replaced the damaged one');
});
