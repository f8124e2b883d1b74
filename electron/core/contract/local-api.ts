import { z } from 'zod';
import { method } from './method.ts';
import { emptyInput } from './common.ts';

/** The OpenAI-compatible server on 127.0.0.1 as Settings shows it. */
export interface LocalApiStatus {
  running: boolean;
  /** Base URL for clients (`http://127.0.0.1:PORT/v1`) while running. */
  url: string | null;
  port: number;
  /** The bearer token clients must send (kept in the data folder, created on first start). */
  token: string | null;
  /** Why it is not running although it is switched on (for example the port is taken). */
  error: string | null;
}

/** Settings → Local API: switch the server on or off and read its address and token. */
export const localApiContract = {
  status: method<LocalApiStatus>()(emptyInput),
  setEnabled: method<LocalApiStatus>()(z.object({ enabled: z.boolean(), port: z.number().int().min(1024).max(65535).optional() }).strict()),
};
