import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { locateNativeAddon } from '../../../electron/core/training/trainer/native-addon-location.ts';
import { tempDir } from '../../support/temp-dir.ts';

function build(dir: string, ok: boolean): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'build-info.json'), JSON.stringify({ ok }));
  if (ok) fs.writeFileSync(path.join(dir, 'inflow-trainer.node'), 'x');
}

test('a working local build wins, then the prebuilt binary for this platform and arch (node-gyp-build order)', () => {
  const native = tempDir();
  const prebuilt = path.join(native, 'prebuilds', 'win32-x64');
  build(prebuilt, true);
  assert.deepEqual(locateNativeAddon(native, {}, 'win32', 'x64'), { dir: prebuilt, kind: 'prebuilt' });
  assert.equal(
    locateNativeAddon(native, {}, 'darwin', 'arm64').dir,
    path.join(native, 'prebuilds', 'darwin-arm64'),
    "another platform's prebuild is never taken",
  );
  build(path.join(native, 'build'), false);
  assert.deepEqual(
    locateNativeAddon(native, {}, 'win32', 'x64'),
    { dir: prebuilt, kind: 'prebuilt' },
    'a failed local build falls back to the prebuilt binary',
  );
  build(path.join(native, 'build'), true);
  assert.deepEqual(locateNativeAddon(native, {}, 'win32', 'x64'), { dir: path.join(native, 'build'), kind: 'local-build' });
  assert.deepEqual(locateNativeAddon(native, { INFLOW_NATIVE_BUILD_DIR: '/elsewhere' }, 'win32', 'x64'), {
    dir: path.resolve('/elsewhere'),
    kind: 'env',
  });
});

test('with only a failed local build, that build is reported (its reason reaches the user)', () => {
  const native = tempDir();
  build(path.join(native, 'build'), false);
  assert.deepEqual(locateNativeAddon(native, {}, 'linux', 'x64'), { dir: path.join(native, 'build'), kind: 'local-build' });
});
