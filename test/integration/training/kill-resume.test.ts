import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { test } from 'node:test';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { tempDir } from '../../support/temp-dir.ts';

const child = path.join(import.meta.dirname, 'train-child.ts');

interface Line {
  type: string;
  step?: number;
  phase?: string;
  done?: number;
  pid?: number;
  resumedFromStep?: number;
  result?: { lastCompletedStep: number };
}

/** Runs the training child until `killWhen` matches a line (then SIGKILL), or to its end. */
function runChild(
  dataDir: string,
  resume: boolean,
  killWhen?: (line: Line) => boolean,
): Promise<{ lines: Line[]; killed: boolean; trainerPid: number | undefined }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, dataDir, ...(resume ? ['--resume'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Line[] = [];
    let killed = false;
    let trainerPid: number | undefined;
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    readline.createInterface({ input: proc.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as Line;
      lines.push(line);
      if (line.type === 'trainer' && line.pid !== undefined) trainerPid = line.pid;
      if (!killed && killWhen?.(line)) {
        killed = true;
        proc.kill('SIGKILL');
      }
    });
    proc.on('exit', (code, signal) => {
      if (killed && signal === 'SIGKILL') resolve({ lines, killed, trainerPid });
      else if (code === 0) resolve({ lines, killed, trainerPid });
      else reject(new Error(`training child exited with ${code ?? signal}: ${stderr}`));
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test(
  'kill -9 during an update and during rollouts: each restart resumes from the last completed step, no sample lost or counted twice',
  { timeout: 240_000 },
  async () => {
    const dataDir = tempDir();
    const first = await runChild(dataDir, false, (line) => line.type === 'phase' && line.step === 2 && line.phase === 'update');
    assert.ok(first.killed, "killed in step 2's update");
    assert.ok(first.lines.some((l) => l.type === 'step' && l.step === 1));
    assert.ok(first.trainerPid !== undefined);
    for (let i = 0; i < 50 && alive(first.trainerPid!); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive(first.trainerPid!), false, 'the trainer process does not outlive its killed parent');

    const second = await runChild(dataDir, true, (line) => line.type === 'rollout' && line.step === 3 && (line.done ?? 0) >= 2);
    assert.equal(second.lines.find((l) => l.type === 'started')?.resumedFromStep, 1);
    assert.ok(second.killed, "killed during step 3's rollouts");

    const third = await runChild(dataDir, true);
    assert.equal(third.lines.find((l) => l.type === 'started')?.resumedFromStep, 2);
    assert.equal(third.lines.at(-1)?.result?.lastCompletedStep, 3);

    const db = openDatabase(path.join(dataDir, 'inflow.db'));
    try {
      const run = db.prepare('SELECT * FROM training_runs').get() as { id: string; status: string; last_completed_step: number };
      assert.deepEqual([run.status, run.last_completed_step], ['completed', 3]);
      assert.deepEqual(
        (db.prepare('SELECT step FROM training_steps ORDER BY step').all() as Array<{ step: number }>).map((r) => r.step),
        [0, 1, 2, 3],
      );
      // Every step trained on exactly its own groups: 2 tasks x 3 rollouts, one planner turn each.
      const perStep = db
        .prepare(
          `SELECT g.step, COUNT(DISTINCT g.id) AS groups, COUNT(s.id) AS samples, COUNT(s.consumed_step) AS consumed, SUM(s.consumed_step <> g.step) AS wrong
      FROM rollout_groups g LEFT JOIN turn_samples s ON s.group_id = g.id WHERE g.status = 'consumed' GROUP BY g.step ORDER BY g.step`,
        )
        .all() as Array<Record<string, number>>;
      assert.deepEqual(
        perStep.map((r) => [r.step, r.groups, r.samples, r.consumed, r.wrong]),
        [
          [1, 2, 6, 6, 0],
          [2, 2, 6, 6, 0],
          [3, 2, 6, 6, 0],
        ],
      );
      const unconsumed = db.prepare('SELECT COUNT(*) AS n FROM turn_samples WHERE consumed_step IS NULL').get() as { n: number };
      assert.equal(unconsumed.n, 0, 'no finished rollout was left out');
      // Step 2's rollouts were all finished before the first kill, so the restart reused them instead of sampling again.
      const step2Runs = db.prepare(`SELECT COUNT(*) AS n FROM runs r JOIN rollout_groups g ON g.id = r.group_id WHERE g.step = 2`).get() as {
        n: number;
      };
      assert.equal(step2Runs.n, 6);
      const adapters = db.prepare('SELECT version FROM adapters ORDER BY version').all() as Array<{ version: number }>;
      assert.deepEqual(
        adapters.map((a) => a.version),
        [1, 2, 3],
        'one adapter per completed step, none from the killed attempts',
      );
      const checkpoints = db.prepare('SELECT step FROM training_checkpoints ORDER BY step').all() as Array<{ step: number }>;
      assert.deepEqual(
        checkpoints.map((c) => c.step),
        [1, 2, 3],
      );
    } finally {
      db.close();
    }
  },
);
