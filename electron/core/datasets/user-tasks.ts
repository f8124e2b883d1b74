import type { Database } from '../store/database.ts';
import { isAnswerKind } from '../scoring/answer-kind.ts';
import type { DatasetItemInput } from './dataset-format.ts';

export interface UserTaskHarvest {
  items: DatasetItemInput[];
  /** Tasks the user asked that carry no usable reward (no checkable answer, no thumbs-up), so were left out. */
  skipped: number;
}

/**
 * Turns the user's own past tasks into training items. A task qualifies when it carries a reward: a checkable
 * expected answer (its answer kind decides the reward), or a thumbs-up on one of its runs (that run's answer
 * becomes the reference, judged semantically). A thumbs-down alone says what is wrong, not what is right, so
 * such tasks are skipped and counted. Tasks created by training or evaluation are never harvested.
 */
export function harvestUserTasks(db: Database): UserTaskHarvest {
  const tasks = db.prepare(`SELECT id, question, expected_answer, answer_kind FROM tasks WHERE source = 'user' ORDER BY created_at, rowid`)
    .all() as Array<{ id: string; question: string; expected_answer: string | null; answer_kind: string | null }>;
  const approved = db.prepare(`SELECT r.answer FROM feedback f JOIN runs r ON r.id = f.run_id
    WHERE r.task_id = ? AND f.rating = 1 AND r.answer IS NOT NULL AND r.answer <> '' ORDER BY f.created_at DESC, f.id DESC LIMIT 1`);
  const items: DatasetItemInput[] = [];
  let skipped = 0;
  for (const task of tasks) {
    const expected = task.expected_answer === null ? null : (JSON.parse(task.expected_answer) as unknown);
    if (expected !== null && (typeof expected === 'string' || typeof expected === 'number' || Array.isArray(expected))) {
      const kind = isAnswerKind(task.answer_kind) ? task.answer_kind : 'normalized';
      items.push({ question: task.question, answer: Array.isArray(expected) ? expected.map(String) : expected, answerKind: kind, meta: { taskId: task.id, from: 'expected_answer' } });
      continue;
    }
    const liked = approved.get(task.id) as { answer: string } | undefined;
    if (liked !== undefined) {
      items.push({ question: task.question, answer: liked.answer, answerKind: 'judge', meta: { taskId: task.id, from: 'feedback' } });
      continue;
    }
    skipped++;
  }
  return { items, skipped };
}
