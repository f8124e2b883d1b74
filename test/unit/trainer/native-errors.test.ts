import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import { toInflowError } from '../../../electron/core/training/trainer/native-trainer.ts';

test('addon errors keep their code and hint as InflowErrors', () => {
  const native = Object.assign(new Error('sample 2 has no response tokens'), { code: 'EMPTY_SAMPLE', hint: 'Drop samples with empty responses.' });
  const error = toInflowError(native);
  assert.ok(InflowError.isInstance(error));
  assert.equal(error.code, 'EMPTY_SAMPLE');
  assert.equal(error.hint, 'Drop samples with empty responses.');
  assert.match(error.message, /sample 2 has no response tokens/);
});

test('errors without a code become TRAINER_FAILED, and InflowErrors pass through unchanged', () => {
  assert.equal(toInflowError(new Error('boom')).code, 'TRAINER_FAILED');
  const original = new InflowError('CANCELLED', 'stop');
  assert.equal(toInflowError(original), original);
});
