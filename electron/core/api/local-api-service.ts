import type { LocalApiStatus } from '../contract/local-api.ts';
import { InflowError } from '../errors.ts';
import { ensureToken, readToken } from '../serve/api-token.ts';
import { startLocalApiServer, type LocalApiDeps, type LocalApiServer } from '../serve/local-api-server.ts';

/**
 * Settings → Local API: starts and stops the OpenAI-compatible server with the switch (remembered in the
 * settings, so it comes back on at the next start), creating the token on first start.
 */
export class LocalApiService {
  private readonly deps: LocalApiDeps;
  private readonly dataDir: string;
  private server: LocalApiServer | null = null;
  private error: string | null = null;
  private pending: Promise<unknown> = Promise.resolve();

  constructor(options: { deps: LocalApiDeps; dataDir: string }) {
    this.deps = options.deps;
    this.dataDir = options.dataDir;
  }

  status(): LocalApiStatus {
    const { port } = this.deps.settings.read().localApi;
    return {
      running: this.server !== null,
      url: this.server?.url ?? null,
      port: this.server?.port ?? port,
      token: readToken(this.dataDir),
      error: this.error,
    };
  }

  /** Switches the server on or off (and records the choice); resolves once it listens or has stopped. */
  setEnabled(enabled: boolean, port?: number): Promise<LocalApiStatus> {
    this.deps.settings.update({ localApi: { enabled, ...(port === undefined ? {} : { port }) } });
    return this.serialized(() => this.apply());
  }

  /**
   * A server apart from the switch (`inflow serve`, tests): on `port` (0: any free one), with the stored token.
   * The caller closes it.
   */
  serve(options: { port: number; corsOrigins?: readonly string[]; maxBodyBytes?: number }): Promise<LocalApiServer> {
    return startLocalApiServer({ deps: this.deps, token: ensureToken(this.dataDir), ...options });
  }

  /** At start: brings the server up if the user left it on. */
  startIfEnabled(): Promise<LocalApiStatus> {
    return this.serialized(() => this.apply());
  }

  async dispose(): Promise<void> {
    await this.serialized(async () => {
      await this.server?.close();
      this.server = null;
    });
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.pending.then(work, work);
    this.pending = next.catch(() => undefined);
    return next;
  }

  private async apply(): Promise<LocalApiStatus> {
    const { enabled, port } = this.deps.settings.read().localApi;
    if (this.server !== null && (!enabled || this.server.port !== port)) {
      await this.server.close();
      this.server = null;
    }
    this.error = null;
    if (enabled && this.server === null) {
      try {
        this.server = await startLocalApiServer({ deps: this.deps, token: ensureToken(this.dataDir), port });
      } catch (error) {
        this.error = InflowError.isInstance(error) ? error.toUserString() : (error as Error).message;
      }
    }
    return this.status();
  }
}
