import type { RunHistory } from '../store/run-history.ts';
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
export function harvestUserTasks(history: RunHistory): UserTaskHarvest {
  const tasks = history.userTasks();
  const items: DatasetItemInput[] = [];
  let skipped = 0;
  for (const task of tasks) {
    const expected = task.expected_answer === null ? null : (JSON.parse(task.expected_answer) as unknown);
    if (expected !== null && (typeof expected === 'string' || typeof expected === 'number' || Array.isArray(expected))) {
      const kind = isAnswerKind(task.answer_kind) ? task.answer_kind : 'normalized';
      items.push({
        question: task.question,
        answer: Array.isArray(expected) ? expected.map(String) : expected,
        answerKind: kind,
        meta: { taskId: task.id, from: 'expected_answer' },
      });
      continue;
    }
    const liked = history.latestApprovedAnswer(task.id);
    if (liked !== undefined) {
      items.push({ question: task.question, answer: liked, answerKind: 'judge', meta: { taskId: task.id, from: 'feedback' } });
      continue;
    }
    skipped++;
  }
  return { items, skipped };
}
