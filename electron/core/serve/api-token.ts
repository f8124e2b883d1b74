import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The local API's bearer token lives in the data folder, readable by its owner only. */
export const tokenFileName = 'local-api-token';

export function tokenFile(dataDir: string): string {
  return path.join(dataDir, tokenFileName);
}

/** The token if one was created already, else null. */
export function readToken(dataDir: string): string | null {
  try {
    const token = fs.readFileSync(tokenFile(dataDir), 'utf8').trim();
    return token === '' ? null : token;
  } catch {
    return null;
  }
}

/** The token, created on first use (32 random bytes, base64url, prefixed so it is recognisable in a config). */
export function ensureToken(dataDir: string): string {
  const existing = readToken(dataDir);
  if (existing !== null) return existing;
  fs.mkdirSync(dataDir, { recursive: true });
  const token = `inflow-${crypto.randomBytes(32).toString('base64url')}`;
  try {
    fs.writeFileSync(tokenFile(dataDir), `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it a moment earlier: use that one.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readToken(dataDir) ?? token;
    throw error;
  }
  return token;
}

/** Compares a presented token with the real one in constant time. */
export function tokenMatches(presented: string, token: string): boolean {
  const a = crypto.createHash('sha256').update(presented).digest();
  const b = crypto.createHash('sha256').update(token).digest();
  return crypto.timingSafeEqual(a, b);
}
