import path from 'node:path';

/**
 * The file under `root` that an app:// URL names, or null when the URL would reach outside it (`..`,
 * encoded separators, absolute paths). `/` is the index page. Pure, so it is tested without Electron.
 */
export function resolveRendererFile(root: string, url: string): string | null {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const base = path.resolve(root);
  const file = path.resolve(base, `.${pathname === '/' ? '/index.html' : pathname}`);
  return file.startsWith(base + path.sep) ? file : null;
}
