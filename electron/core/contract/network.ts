import { z } from 'zod';
import { method } from './method.ts';

/** One request the network module made or refused (the egress log, migration 0060; features: core/net/network-policy.ts). */
export interface EgressView {
  id: number;
  at: number;
  feature: 'model-downloads' | 'web' | 'wikipedia' | 'mcp-http' | 'endpoint';
  host: string;
  method: string;
  outcome: 'ok' | 'failed' | 'refused';
  status: number | null;
  bytesOut: number;
  bytesIn: number;
  detail: string | null;
}

/** What left this computer: the egress log, newest first. */
export const networkContract = {
  egress: method<EgressView[]>()(
    z
      .object({ limit: z.number().int().min(1).max(1000).optional() })
      .strict()
      .optional(),
  ),
};
