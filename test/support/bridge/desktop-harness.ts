import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { build, preview, type PreviewServer } from 'vite';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createBackend, type Backend } from '../../../electron/core/backend.ts';
import { createApi, type Api, type ApiOptions } from '../../../electron/core/api/create-api.ts';
import { repoRoot } from '../../../electron/core/paths.ts';
import { testModelPath } from '../test-model.ts';
import { startBridgeServer, type BridgeServer } from './bridge-server.ts';
import { bridgeInitScript } from './bridge-script.ts';
import type { PickPathRequest, PickPathResult } from '../../../electron/core/contract/system.ts';

export const chromiumPath = '/usr/bin/chromium';
const bridgePrefix = '/__inflow';
let built: Promise<void> | null = null;

/** Builds the renderer once per test process (about a second), into dist/renderer as `npm run build:renderer` does. */
export function buildRenderer(): Promise<void> {
  built ??= build({ configFile: path.join(repoRoot, 'vite.config.ts'), root: path.join(repoRoot, 'renderer'), logLevel: 'warn' }).then(
    () => undefined,
  );
  return built;
}

export interface Desktop {
  backend: Backend;
  api: Api;
  bridge: BridgeServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  url: string;
  /** Messages the page logged as errors, and uncaught exceptions (tests assert there are none). */
  pageErrors: string[];
  /**
   * The native picker's stand-in: push the answers the next "Browse…" dialogs give (a path, or
   * `{cancelled:true}`); with none left a dialog answers cancelled. `requests` records what the UI asked for.
   */
  picker: { answers: PickPathResult[]; requests: PickPathRequest[] };
  screenshot(name: string): Promise<string>;
  /** Runs `body`; if it throws, saves a `failure-<time>` screenshot first, then rethrows. */
  recordFailure(body: (page: Page) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export interface DesktopOptions {
  dataDir: string;
  api?: Omit<ApiOptions, 'backend'>;
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
  deviceScaleFactor?: number;
  /** Where screenshots go (default test-output/e2e). */
  screenshotDir?: string;
}

/**
 * The desktop app minus Electron: the real back end over a data directory, the service layer, the built
 * renderer served by Vite's preview server on 127.0.0.1 (which proxies the bridge under its own origin), and
 * Debian's Chromium with `window.inflow` provided by the bridge script.
 */
export async function startDesktop(options: DesktopOptions): Promise<Desktop> {
  if (!fs.existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: apt-get install -y chromium`);
  await buildRenderer();
  const backend = await createBackend({ dataDir: options.dataDir });
  const picker: Desktop['picker'] = { answers: [], requests: [] };
  const api = createApi({
    backend,
    gpu: false,
    threads: 1,
    dataDirChoiceFile: path.join(options.dataDir, '..', `${path.basename(options.dataDir)}-data-dir.json`),
    pickPath: async (request) => {
      picker.requests.push(request);
      return picker.answers.shift() ?? { cancelled: true };
    },
    ...options.api,
  });
  const bridge = await startBridgeServer({ dispatch: api.dispatch, events: api.events });
  const server: PreviewServer = await preview({
    configFile: path.join(repoRoot, 'vite.config.ts'),
    root: path.join(repoRoot, 'renderer'),
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port: await freePort(), strictPort: true, proxy: { [bridgePrefix]: { target: bridge.url, changeOrigin: true } } },
  });
  const url = server.resolvedUrls?.local[0] ?? '';
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 820 },
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
    colorScheme: options.colorScheme ?? 'light',
  });
  await context.addInitScript(bridgeInitScript(bridgePrefix));
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  const screenshotDir = options.screenshotDir ?? path.join(repoRoot, 'test-output', 'e2e');
  fs.mkdirSync(screenshotDir, { recursive: true });
  return {
    backend,
    api,
    bridge,
    browser,
    context,
    page,
    url,
    pageErrors,
    picker,
    async screenshot(name) {
      const file = path.join(screenshotDir, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async recordFailure(body) {
      try {
        await body(page);
      } catch (error) {
        const file = path.join(screenshotDir, `failure-${Date.now()}.png`);
        await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
        throw error;
      }
    },
    async close() {
      await browser.close().catch(() => undefined);
      await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
      await bridge.close();
      await api.dispose();
      await backend.close();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The desktop with the test model installed as `test-planner.gguf` and chosen as the planner, and the step limit
 * set: the start of every e2e test that asks the agent something.
 */
export async function startDesktopWithPlanner(options: DesktopOptions & { maxSteps: number }): Promise<Desktop> {
  const { maxSteps, ...desktopOptions } = options;
  fs.mkdirSync(path.join(options.dataDir, 'models'), { recursive: true });
  fs.copyFileSync(testModelPath(), path.join(options.dataDir, 'models', 'test-planner.gguf'));
  const desktop = await startDesktop(desktopOptions);
  await desktop.api.service.models.setRole({ role: 'planner', modelId: 'test-planner.gguf' });
  await desktop.api.service.settings.update({ limits: { maxSteps } });
  return desktop;
}
