import type { z } from 'zod';
import { appContract } from './app.ts';
import { askContract } from './ask.ts';
import { knowledgeContract } from './knowledge.ts';
import { memoryContract } from './memory.ts';
import { mcpContract } from './mcp.ts';
import type { MethodSpec, Result } from './method.ts';
import { modelsContract } from './models.ts';
import { runsContract } from './runs.ts';
import { settingsContract } from './settings.ts';
import { systemContract } from './system.ts';
import { trainingContract } from './training.ts';
import { networkContract } from './network.ts';
import { localApiContract } from './local-api.ts';
import type { EventName, EventPayloads } from './events.ts';

/**
 * The single contract between the renderer and the back end. The preload builds `window.inflow` from it,
 * the main process registers one validated handler per method, the e2e bridge serves the same methods.
 */
export const contract = {
  app: appContract,
  settings: settingsContract,
  ask: askContract,
  runs: runsContract,
  memory: memoryContract,
  knowledge: knowledgeContract,
  models: modelsContract,
  training: trainingContract,
  mcp: mcpContract,
  system: systemContract,
  network: networkContract,
  localApi: localApiContract,
};
export type Contract = typeof contract;
export type Domain = keyof Contract;

type InputOf<S> = S extends MethodSpec<infer I, unknown> ? z.input<I> : never;
type ParsedInputOf<S> = S extends MethodSpec<infer I, unknown> ? z.output<I> : never;
type OutputOf<S> = S extends MethodSpec<z.ZodType, infer O> ? O : never;

/** What the renderer sees: every method resolves to a Result, never throws across the boundary. */
export type InflowApi = {
  [D in Domain]: { [M in keyof Contract[D]]: (input?: InputOf<Contract[D][M]>) => Promise<Result<OutputOf<Contract[D][M]>>> };
};

/** `window.inflow`: the methods plus one subscription point for pushed events. */
export type InflowBridge = InflowApi & {
  on<E extends EventName>(name: E, listener: (payload: EventPayloads[E]) => void): () => void;
};

/** What the back end implements: plain async methods taking validated input. */
export type InflowService = {
  [D in Domain]: {
    [M in keyof Contract[D]]: undefined extends ParsedInputOf<Contract[D][M]>
      ? (input?: ParsedInputOf<Contract[D][M]>) => Promise<OutputOf<Contract[D][M]>>
      : (input: ParsedInputOf<Contract[D][M]>) => Promise<OutputOf<Contract[D][M]>>;
  };
};

/** Every `domain.method` name: the allow-list both ends check. */
export const methodNames: readonly string[] = Object.entries(contract).flatMap(([domain, methods]) =>
  Object.keys(methods).map((name) => `${domain}.${name}`),
);

/** IPC channel of a method; the prefix lets main and preload reject anything else. */
export const channelOf = (methodName: string): string => `inflow:${methodName}`;
export const eventChannelOf = (name: EventName): string => `inflow-event:${name}`;

export { eventNames } from './events.ts';
export type { EventName, EventPayloads } from './events.ts';
export type { ApiError, Result } from './method.ts';
