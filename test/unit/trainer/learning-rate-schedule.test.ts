import assert from 'node:assert/strict';
import { test } from 'node:test';
import { learningRateAt, scheduleProblems } from '../../../electron/core/training/trainer/native-trainer-schedule.ts';

test('warm-up rises linearly to the peak, then cosine decays to the floor at totalSteps', () => {
  const schedule = { peak: 1e-3, type: 'cosine' as const, warmupSteps: 4, totalSteps: 14, minRatio: 0.1 };
  assert.equal(learningRateAt(schedule, 1), 2.5e-4);
  assert.equal(learningRateAt(schedule, 4), 1e-3);
  assert.ok(Math.abs(learningRateAt(schedule, 9) - (1e-4 + 0.9e-3 * 0.5)) < 1e-12);
  assert.ok(Math.abs(learningRateAt(schedule, 14) - 1e-4) < 1e-12);
  assert.ok(Math.abs(learningRateAt(schedule, 40) - 1e-4) < 1e-12, 'stays at the floor after totalSteps');
});

test('linear decay reaches zero and constant stays at the peak', () => {
  assert.equal(learningRateAt({ peak: 2, type: 'linear', totalSteps: 4 }, 2), 1);
  assert.equal(learningRateAt({ peak: 2, type: 'linear', totalSteps: 4 }, 4), 0);
  assert.equal(learningRateAt({ peak: 2 }, 1000), 2);
});

test('invalid schedules are described', () => {
  assert.deepEqual(scheduleProblems({ peak: 1e-3, type: 'cosine' }), ['cosine needs totalSteps > 0']);
  assert.deepEqual(scheduleProblems({ peak: -1, minRatio: 2 }), ['peak must be a finite number >= 0', 'minRatio must be in [0, 1]']);
  assert.deepEqual(scheduleProblems({ peak: 1e-3, type: 'linear', totalSteps: 10 }), []);
});
