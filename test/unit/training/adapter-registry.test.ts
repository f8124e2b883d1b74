import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { AdapterRegistry } from '../../../electron/core/adapters/adapter-registry.ts';
import { InflowError } from '../../../electron/core/errors.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { tempDir } from '../../support/temp-dir.ts';

function setup() {
  const dir = tempDir();
  const file = path.join(dir, 'inflow.db');
  const db = openDatabase(file);
  const registry = new AdapterRegistry(db);
  const write = (name: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, 'gguf bytes');
    return p;
  };
  return { db, file, registry, write };
}

test('candidates get increasing versions per base model; promote, rollback and return to base are remembered', () => {
  const { db, file, registry, write } = setup();
  const v1 = registry.register({ path: write('a1.gguf'), baseModel: 'm', metrics: { heldoutAccuracy: 0.4 } });
  const v2 = registry.register({ path: write('a2.gguf'), baseModel: 'm', parentId: v1.id, metrics: { heldoutAccuracy: 0.7 } });
  const other = registry.register({ path: write('b1.gguf'), baseModel: 'other' });
  assert.deepEqual([v1.version, v2.version, other.version], [1, 2, 1]);
  assert.equal(registry.active('m'), null);
  assert.equal(registry.best('m')?.id, v2.id);

  const seen: Array<string | null> = [];
  registry.onActiveChange((_base, active) => seen.push(active?.id ?? null));
  registry.promote(v1.id);
  registry.promote(v2.id);
  assert.equal(registry.active('m')?.id, v2.id);
  assert.deepEqual(
    registry.list('m').map((a) => a.status),
    ['archived', 'promoted'],
  );
  assert.equal(registry.rollback('m')?.id, v1.id);
  assert.equal(registry.rollback('m'), null, 'rolling back again returns to the bare model');
  assert.throws(
    () => registry.rollback('m'),
    (e: unknown) => InflowError.isInstance(e) && e.code === 'ADAPTER_NO_HISTORY',
  );
  registry.promote(v2.id);
  registry.useBase('m');
  assert.equal(registry.active('m'), null);
  assert.deepEqual(seen, [v1.id, v2.id, v1.id, null, v2.id, null]);
  db.close();

  const reopened = new AdapterRegistry(openDatabase(file));
  assert.equal(reopened.rollback('m')?.id, v2.id, 'history survives a restart');
  assert.equal(reopened.get('2', 'm').id, v2.id);
  reopened.db.close();
});

test('an adapter whose file is missing cannot be registered or promoted', () => {
  const { db, registry, write } = setup();
  assert.throws(
    () => registry.register({ path: '/nope/x.gguf', baseModel: 'm' }),
    (e: unknown) => InflowError.isInstance(e) && e.code === 'ADAPTER_NOT_FOUND',
  );
  const p = write('gone.gguf');
  const adapter = registry.register({ path: p, baseModel: 'm' });
  fs.rmSync(p);
  assert.throws(
    () => registry.promote(adapter.id),
    (e: unknown) => InflowError.isInstance(e) && /lost its file/.test(e.message),
  );
  assert.equal(registry.active('m'), null);
  db.close();
});

test('a promotion through one registry reaches listeners registered through another on the same database', () => {
  const { db, registry, write } = setup();
  const engineSide = new AdapterRegistry(db);
  const seen: Array<string | null> = [];
  const stop = engineSide.onActiveChange((_base, active) => seen.push(active?.id ?? null));
  const adapter = registry.register({ path: write('x.gguf'), baseModel: 'm' });
  registry.promote(adapter.id);
  stop();
  registry.useBase('m');
  assert.deepEqual(seen, [adapter.id]);
  db.close();
});
