import { z } from 'zod';
import { method } from './method.ts';
import { emptyInput } from './common.ts';

const modelRef = z.string().min(1).max(500).nullable();

export const settingsSchema = z.object({
  /** What may leave this computer, per feature; everything is off until the user turns it on (net/network-policy.ts). */
  privacy: z.object({
    /** The web tools: web search and page reading. */
    networkTools: z.boolean(),
    /** The Wikipedia tool online (offline dumps need no network). */
    wikipediaOnline: z.boolean(),
    /** Downloading recommended models (Models screen). */
    modelDownloads: z.boolean(),
    /** Tool servers reached over HTTP (MCP streamable HTTP). */
    mcpHttp: z.boolean(),
  }),
  /** The OpenAI-compatible local API on 127.0.0.1 (`inflow serve`, Settings → Local API). */
  localApi: z.object({
    enabled: z.boolean(),
    port: z.number().int().min(1024).max(65535),
  }),
  models: z.object({
    planner: modelRef,
    executor: modelRef,
    verifier: modelRef,
    generator: modelRef,
  }),
  limits: z.object({
    maxSteps: z.number().int().min(1).max(50),
    maxWallSeconds: z.number().int().min(10).max(7200),
    maxTokens: z.number().int().min(256).max(1_000_000),
  }),
  profile: z.enum(['structured', 'agentflow']),
  theme: z.enum(['system', 'light', 'dark']),
  compute: z.object({
    /** Everything on the CPU: training from the next run, inference from the next start. Off: GPU when it passes its self-check. */
    cpuOnly: z.boolean(),
  }),
});
export type Settings = z.infer<typeof settingsSchema>;

export const settingsPatchSchema = z
  .object({
    privacy: settingsSchema.shape.privacy.partial().optional(),
    models: settingsSchema.shape.models.partial().optional(),
    limits: settingsSchema.shape.limits.partial().optional(),
    localApi: settingsSchema.shape.localApi.partial().optional(),
    profile: settingsSchema.shape.profile.optional(),
    theme: settingsSchema.shape.theme.optional(),
    compute: settingsSchema.shape.compute.partial().optional(),
  })
  .strict();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

export const defaultSettings: Settings = {
  privacy: { networkTools: false, wikipediaOnline: false, modelDownloads: false, mcpHttp: false },
  localApi: { enabled: false, port: 8642 },
  models: { planner: null, executor: null, verifier: null, generator: null },
  limits: { maxSteps: 8, maxWallSeconds: 300, maxTokens: 60_000 },
  profile: 'structured',
  theme: 'system',
  compute: { cpuOnly: false },
};

/** User settings, stored in the database; every module reads them from there. */
export const settingsContract = {
  get: method<Settings>()(emptyInput),
  update: method<Settings>()(settingsPatchSchema),
};
