import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../../electron/core/paths.ts';
import { targetRuntime, type TargetOs } from '../../../scripts/packaging/target-runtime.ts';
import { tempDir } from '../../support/temp-dir.ts';

/**
 * For the targets that cannot be packed here (mac-arm64, mac-x64, win-x64), the file set electron-builder would
 * pack, resolved by electron-builder's own code (app-builder-lib's macro expander, node-module file matcher and
 * node-module copy walker) from electron-builder.yml, over a node_modules tree holding every @node-llama-cpp package
 * node-llama-cpp lists (as a host of each platform would have after npm ci, plus the others) and better-sqlite3's
 * prebuilds. `${platform}` is the packing host's process.platform, set to the target's (each OS packs on its own
 * runner). linux-x64 is resolved too and must agree with what pack-linux.test.ts finds in the real pack.
 */
const requireBuilder = createRequire(path.join(repoRoot, 'node_modules', 'app-builder-lib', 'package.json'));
const { expandMacro } = requireBuilder(path.join(repoRoot, 'node_modules', 'app-builder-lib', 'out', 'util', 'macroExpander.js')) as {
  expandMacro: (p: string, arch: string | null, appInfo: object, extra: object) => string;
};
const { getNodeModuleFileMatcher, FileMatcher } = requireBuilder(path.join(repoRoot, 'node_modules', 'app-builder-lib', 'out', 'fileMatcher.js')) as {
  getNodeModuleFileMatcher: (
    appDir: string,
    destination: string,
    expander: (p: string) => string,
    platformOptions: object,
    packager: object,
  ) => { patterns: string[] };
  FileMatcher: new (from: string, to: string, expander: (p: string) => string, patterns: string[]) => object;
};
const { NodeModuleCopyHelper } = requireBuilder(path.join(repoRoot, 'node_modules', 'app-builder-lib', 'out', 'util', 'NodeModuleCopyHelper.js')) as {
  NodeModuleCopyHelper: new (
    matcher: object,
    packager: object,
  ) => { collectNodeModules(dep: { name: string; dir: string }, excludedExts: string[], destination: string): Promise<string[]> };
};
const yaml = requireBuilder('js-yaml') as { load(text: string): Record<string, unknown> };

const config = yaml.load(fs.readFileSync(path.join(repoRoot, 'electron-builder.yml'), 'utf8'));
const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { optionalDependencies?: Record<string, string> }>;
};
const llamaPackages = Object.keys(lock.packages['node_modules/node-llama-cpp']?.optionalDependencies ?? {}).filter((name) =>
  name.startsWith('@node-llama-cpp/'),
);
const sqlitePrebuilds = fs.readdirSync(path.join(repoRoot, 'node_modules', 'better-sqlite3', 'prebuilds'));
const platformKeys: Record<TargetOs, string> = { mac: 'mac', win: 'win', linux: 'linux' };

/** A node_modules tree with placeholder files where the real packages keep theirs. */
function syntheticTree(): string {
  const root = tempDir();
  const write = (file: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'x');
  };
  for (const name of llamaPackages) {
    const dir = path.join(root, 'node_modules', name);
    const short = name.split('/')[1]!;
    for (const file of ['package.json', 'dist/index.js', `bins/${short}/llama-addon.node`, `bins/${short}/libggml-base.so`])
      write(path.join(dir, file));
  }
  const sqlite = path.join(root, 'node_modules', 'better-sqlite3');
  for (const file of ['package.json', 'lib/index.js', 'deps/sqlite3/sqlite3.c', 'src/addon.cpp', ...sqlitePrebuilds.map((p) => `prebuilds/${p}`)])
    write(path.join(sqlite, file));
  return root;
}

async function resolveFileSet(os: TargetOs, arch: string, root: string): Promise<string[]> {
  const runtime = targetRuntime(os, arch);
  const hostPlatform = Object.getOwnPropertyDescriptor(process, 'platform')!;
  Object.defineProperty(process, 'platform', { value: runtime.platform });
  try {
    const expander = (pattern: string) =>
      expandMacro(pattern, arch, { productName: 'Inflow', sanitizedProductName: 'Inflow' }, { os: platformKeys[os], '/*': '{,/**/*}' });
    const packager = { config, appInfo: { type: 'module' }, debugLogger: { isEnabled: false }, getWorkspaceRoot: async () => root };
    const platformOptions = (config[platformKeys[os]] ?? {}) as object;
    const moduleMatcher = getNodeModuleFileMatcher(root, '/app', expander, platformOptions, packager);
    const files: string[] = [];
    for (const name of ['better-sqlite3', ...llamaPackages]) {
      const dir = path.join(root, 'node_modules', name);
      const helper = new NodeModuleCopyHelper(
        new FileMatcher(dir, path.join('/app', 'node_modules', name), expander, moduleMatcher.patterns),
        packager,
      );
      for (const file of await helper.collectNodeModules({ name, dir }, [], path.join('node_modules', name)))
        files.push(path.relative(root, file).replaceAll('\\', '/'));
    }
    return files.sort();
  } finally {
    Object.defineProperty(process, 'platform', hostPlatform);
  }
}

const packagesIn = (files: string[]) =>
  [...new Set(files.filter((f) => f.startsWith('node_modules/@node-llama-cpp/')).map((f) => f.split('/')[2]))].sort();

describe('the file set electron-builder.yml selects per target', () => {
  const root = syntheticTree();
  it('lists every platform package node-llama-cpp can install', () => {
    assert.ok(llamaPackages.length >= 14, llamaPackages.join(', '));
  });
  for (const [os, arch] of [
    ['mac', 'arm64'],
    ['mac', 'x64'],
    ['win', 'x64'],
    ['linux', 'x64'],
  ] as Array<[TargetOs, string]>) {
    it(`${os}-${arch}: this target's model runtime packages with their binaries, its SQLite binary, nothing else`, async () => {
      const files = await resolveFileSet(os, arch, root);
      const runtime = targetRuntime(os, arch);
      assert.deepEqual(packagesIn(files), [...runtime.llamaPackages].sort());
      for (const name of runtime.llamaPackages)
        assert.ok(files.includes(`node_modules/@node-llama-cpp/${name}/bins/${name}/llama-addon.node`), `${name} keeps its binaries`);
      assert.deepEqual(
        files.filter((f) => f.includes('better-sqlite3/prebuilds/')),
        [`node_modules/better-sqlite3/prebuilds/${runtime.sqlitePrebuild}`],
      );
      assert.ok(!files.some((f) => /better-sqlite3\/(deps|src)\//.test(f)), 'no SQLite sources');
    });
  }
  it('names the macOS packages by their real names (mac-arm64-metal), which ${platform} (darwin) would have missed', async () => {
    assert.deepEqual(packagesIn(await resolveFileSet('mac', 'arm64', root)), ['mac-arm64-metal']);
    assert.ok(!llamaPackages.some((name) => name.includes('darwin')), 'no @node-llama-cpp package is named after process.platform');
  });
});
