import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../electron/core/paths.ts';
import { appOrigin, contentSecurityPolicy, isAppUrl, isSafeExternalUrl, webPreferences } from '../../../electron/main/window-options.ts';
import { resolveRendererFile } from '../../../electron/main/renderer-path.ts';

const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), 'utf8');
const directives = (policy: string) =>
  new Map(
    policy
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name, ...values] = part.split(/\s+/);
        return [name!, values.join(' ')] as const;
      }),
  );

test('the window runs the renderer isolated and sandboxed, without Node, webviews or insecure content', () => {
  assert.equal(webPreferences.contextIsolation, true);
  assert.equal(webPreferences.sandbox, true);
  assert.equal(webPreferences.nodeIntegration, false);
  assert.equal(webPreferences.nodeIntegrationInWorker, false);
  assert.equal(webPreferences.nodeIntegrationInSubFrames, false);
  assert.equal(webPreferences.webSecurity, true);
  assert.equal(webPreferences.allowRunningInsecureContent, false);
  assert.equal(webPreferences.webviewTag, false);
  const windowSource = read('electron/main/window.ts');
  assert.match(windowSource, /webPreferences: \{ \.\.\.webPreferences, preload:/, 'the window applies exactly these preferences');
});

test("the content security policy allows only the app's own scripts and styles: no inline code, no eval, no remote hosts", () => {
  const policy = directives(contentSecurityPolicy);
  assert.equal(policy.get('default-src'), "'none'");
  assert.equal(policy.get('script-src'), "'self'");
  assert.equal(policy.get('style-src'), "'self'");
  assert.equal(policy.get('connect-src'), "'self'");
  assert.equal(policy.get('object-src'), "'none'");
  assert.equal(policy.get('base-uri'), "'none'");
  assert.doesNotMatch(contentSecurityPolicy, /unsafe-inline|unsafe-eval|\*|https?:/);
  const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(read('renderer/index.html'));
  assert.ok(meta !== null, 'index.html carries the policy too (for the dev server)');
  const fromHtml = directives(meta[1]!);
  for (const [name, value] of fromHtml) assert.equal(value, policy.get(name), `index.html's ${name} matches the header policy`);
  assert.match(
    read('electron/main/app-protocol.ts'),
    /headers\.set\('Content-Security-Policy', contentSecurityPolicy\)/,
    'app:// responses send the policy header',
  );
});

test('only absolute http(s) links without credentials may open in the system browser', () => {
  for (const url of ['https://example.org/page', 'http://localhost:8080/x']) assert.equal(isSafeExternalUrl(url), true, url);
  for (const url of [
    'file:///etc/passwd',
    'javascript:alert(1)',
    'smb://host/share',
    'app://inflow/index.html',
    'https://user:secret@example.org',
    '/relative',
    'not a url',
    'data:text/html,hi',
  ]) {
    assert.equal(isSafeExternalUrl(url), false, url);
  }
});

test('navigation stays inside the app: other origins, files and look-alike hosts are refused', () => {
  assert.equal(isAppUrl(`${appOrigin}/index.html#/runs`), true);
  assert.equal(isAppUrl('http://127.0.0.1:5173/#/ask', 'http://127.0.0.1:5173/'), true, 'the dev server in development');
  for (const url of ['https://example.org/', 'file:///tmp/x.html', 'app://inflow.evil/index.html', 'app://inflowx/', 'http://127.0.0.1:5173/']) {
    assert.equal(isAppUrl(url), false, url);
  }
});

test('every web contents denies new windows, blocks navigation and webviews, and IPC checks its sender', () => {
  const security = read('electron/main/security.ts');
  assert.match(
    security,
    /setWindowOpenHandler\(\(\{ url \}\) => \{\s*if \(isSafeExternalUrl\(url\)\) void shell\.openExternal\(url\);\s*return \{ action: 'deny' \};/,
  );
  assert.match(security, /'will-navigate', \(event, url\) => \{\s*if \(!isAppUrl\(url, devServerUrl\)\) event\.preventDefault\(\);/);
  assert.match(security, /'will-attach-webview', \(event\) => event\.preventDefault\(\)/);
  const ipc = read('electron/main/ipc.ts');
  assert.match(ipc, /if \(!isTrustedSender\(event\)\)/);
  assert.match(ipc, /return options\.dispatch\(name, input\)/, 'input goes through the validating dispatch');
  const preload = read('electron/preload/index.ts');
  assert.match(preload, /contextBridge\.exposeInMainWorld\('inflow', bridge\)/);
  assert.equal((preload.match(/exposeInMainWorld/g) ?? []).length, 1, 'one object is exposed');
  assert.doesNotMatch(preload, /exposeInMainWorld\([^)]*ipcRenderer/, 'ipcRenderer itself is never exposed');
});

test('the app:// handler serves only files inside the renderer folder', () => {
  const root = path.join(repoRoot, 'dist', 'renderer');
  assert.equal(resolveRendererFile(root, 'app://inflow/'), path.join(root, 'index.html'));
  assert.equal(resolveRendererFile(root, 'app://inflow/assets/index.js'), path.join(root, 'assets', 'index.js'));
  for (const url of [
    'app://inflow/../../etc/passwd',
    'app://inflow/%2e%2e/%2e%2e/etc/passwd',
    'app://inflow/..%2f..%2fetc%2fpasswd',
    'app://inflow/assets/..%2f..%2f..%2fpackage.json',
  ]) {
    const file = resolveRendererFile(root, url);
    assert.ok(file === null || file.startsWith(root + path.sep), `${url} → ${file}`);
  }
  assert.equal(resolveRendererFile(root, 'app://inflow/..%2f..%2fetc%2fpasswd'), null, 'encoded separators cannot climb out');
  assert.equal(resolveRendererFile(root, 'app://inflow/assets/%00.js'), null);
  assert.equal(resolveRendererFile(root, 'not a url'), null);
});
