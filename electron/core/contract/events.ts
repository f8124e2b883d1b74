import type { ToolApprovalView, TraceEvent } from './ask.ts';
import type { DownloadView } from './models.ts';
import type { TrainingMetricsPoint, TrainingRunView } from './training.ts';
import type { KnowledgeFolderView } from './knowledge.ts';

/** Every event the back end pushes to the window, by name. */
export interface EventPayloads {
  'run-trace': TraceEvent;
  'download-progress': DownloadView;
  'training-progress': { trainingRunId: string; status: TrainingRunView['status']; point: TrainingMetricsPoint | null; message: string | null };
  'knowledge-progress': KnowledgeFolderView & { filesDone: number; filesTotal: number };
  'tool-approval': ToolApprovalView;
}
export type EventName = keyof EventPayloads;

/** The runtime allow-list of event names (the preload refuses any other). */
export const eventNames = [
  'run-trace',
  'download-progress',
  'training-progress',
  'knowledge-progress',
  'tool-approval',
] as const satisfies readonly EventName[];
