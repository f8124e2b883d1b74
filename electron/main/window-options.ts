/**
 * The security-relevant settings of the app window and page, as plain data (this file imports nothing from
 * Electron, so tests can read and check it). `window.ts` applies them; `security.ts` enforces navigation.
 */
export const webPreferences = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  spellcheck: true,
  navigateOnDragDrop: false,
} as const;

export const windowOptions = {
  width: 1280,
  height: 820,
  minWidth: 760,
  minHeight: 520,
  title: 'Inflow',
  show: false,
  backgroundColor: '#1b1d22',
  autoHideMenuBar: true,
} as const;

/** The renderer is served from this privileged custom scheme, never from file:// or the network. */
export const appScheme = 'app';
export const appOrigin = `${appScheme}://inflow`;

/**
 * Content-Security-Policy for every page of the app (sent as a response header by the app:// handler and
 * repeated in index.html): only our own scripts and styles, no inline script, no eval, no remote content.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** Schemes that may be opened in the system browser. Everything else is refused. */
export const externalSchemes: readonly string[] = ['https:', 'http:'];

/** True for a URL the system browser may open: absolute, http or https, no credentials in it. */
export function isSafeExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return externalSchemes.includes(parsed.protocol) && parsed.username === '' && parsed.password === '';
}

/** True when a navigation stays on the app's own page (anything else is blocked). */
export function isAppUrl(url: string, devServerUrl?: string): boolean {
  if (url.startsWith(`${appOrigin}/`)) return true;
  return devServerUrl !== undefined && devServerUrl !== '' && url.startsWith(devServerUrl);
}
