import { pathToFileURL } from 'node:url';
import { net, protocol } from 'electron';
import { appScheme, contentSecurityPolicy } from './window-options.ts';
import { resolveRendererFile } from './renderer-path.ts';

/** Must run before `app.ready`: makes app:// a standard, secure scheme so 'self' in the CSP means it. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/**
 * Serves the built renderer (dist/renderer) on app://inflow/ with the CSP header. Paths that would
 * escape the folder get 404.
 */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(appScheme, async (request) => {
    const file = resolveRendererFile(rendererDir, request.url);
    if (file === null) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', contentSecurityPolicy);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
}
