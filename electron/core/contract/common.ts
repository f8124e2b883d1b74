import { z } from 'zod';

/** Ids are the store's `prefix_xxx` strings: bounded and printable, never paths. */
export const idSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\w.:-]+$/, 'an id has only letters, digits, _ . : -');

export const emptyInput = z.object({}).strict().optional();

export const pageSchema = {
  limit: z.number().int().min(1).max(500).optional(),
  offset: z.number().int().min(0).optional(),
};

export type StopReason = 'answered' | 'step_limit' | 'time_limit' | 'token_limit' | 'cancelled' | 'error' | 'interrupted';
export const stopReasonSchema = z.enum(['answered', 'step_limit', 'time_limit', 'token_limit', 'cancelled', 'error', 'interrupted']);
