import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildBridge } from '../../../electron/preload/build-bridge.ts';
import { channelOf, eventChannelOf, eventNames, methodNames } from '../../../electron/core/contract/index.ts';

test("the preload API has exactly the contract's methods, grouped by domain, and forwards calls by name", async () => {
  const calls: Array<[string, unknown]> = [];
  const bridge = buildBridge({
    methodNames,
    eventNames,
    invoke: async (name, input) => {
      calls.push([name, input]);
      return { ok: true, value: name };
    },
    subscribe: () => () => undefined,
  });
  const exposed = Object.entries(bridge).flatMap(([domain, value]) =>
    typeof value === 'function' ? [] : Object.keys(value as object).map((method) => `${domain}.${method}`),
  );
  assert.deepEqual(exposed.sort(), [...methodNames].sort());
  assert.deepEqual(await bridge.runs.get({ runId: 'run_1' }), { ok: true, value: 'runs.get' });
  assert.deepEqual(calls, [['runs.get', { runId: 'run_1' }]]);
  assert.ok(Object.isFrozen(bridge), 'the page cannot swap methods');
  assert.equal(channelOf('runs.get'), 'inflow:runs.get');
  assert.equal(eventChannelOf('run-trace'), 'inflow-event:run-trace');
});

test('only allow-listed events can be subscribed, with a function, and unsubscribing stops delivery', () => {
  const listeners = new Map<string, (payload: unknown) => void>();
  const bridge = buildBridge({
    methodNames,
    eventNames,
    invoke: async () => ({ ok: true, value: null }),
    subscribe: (name, listener) => {
      listeners.set(name, listener);
      return () => listeners.delete(name);
    },
  });
  assert.throws(() => bridge.on('ipc-anything' as 'run-trace', () => undefined), /Unknown event/);
  assert.throws(() => bridge.on('run-trace', 'alert(1)' as unknown as () => void), /must be a function/);
  const seen: unknown[] = [];
  const off = bridge.on('training-progress', (payload) => seen.push(payload));
  listeners.get('training-progress')!({ step: 1 });
  off();
  assert.equal(listeners.has('training-progress'), false);
  assert.deepEqual(seen, [{ step: 1 }]);
});
