import { useState } from 'react';
import { call, inflow } from '../../ipc/client.ts';
import { Icon } from '../../components/Icon.tsx';

/**
 * Thumbs up or down on a finished run; the rating is stored as the run's reward for training. After a thumbs
 * down the user can give the right answer: it becomes the task's expected answer, so training learns from it.
 */
export function FeedbackBar({ runId, initial = null, onError }: { runId: string; initial?: 1 | -1 | null; onError: (error: unknown) => void }) {
  const [rating, setRating] = useState<1 | -1 | null>(initial);
  const [saved, setSaved] = useState<string | null>(null);
  const [correction, setCorrection] = useState('');
  const rate = async (value: 1 | -1, correctedAnswer?: string) => {
    try {
      const result = await call(inflow().ask.feedback({ runId, rating: value, ...(correctedAnswer === undefined ? {} : { correctedAnswer }) }));
      setRating(result.rating);
      setSaved(
        correctedAnswer === undefined
          ? `Saved as reward ${result.reward}. It can be used to train the planner.`
          : 'Saved your answer: training will use it as the expected answer for this question.',
      );
    } catch (error) {
      onError(error);
    }
  };
  return (
    <div className="feedback" role="group" aria-label="Rate this answer">
      <span className="muted">Was this helpful?</span>
      <button
        type="button"
        className={rating === 1 ? 'icon-button selected' : 'icon-button'}
        aria-pressed={rating === 1}
        onClick={() => void rate(1)}
      >
        <Icon name="up" label="Good answer" />
      </button>
      <button
        type="button"
        className={rating === -1 ? 'icon-button selected' : 'icon-button'}
        aria-pressed={rating === -1}
        onClick={() => void rate(-1)}
      >
        <Icon name="down" label="Bad answer" />
      </button>
      {saved !== null ? (
        <span className="saved" role="status">
          {saved}
        </span>
      ) : null}
      {rating === -1 ? (
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (correction.trim() !== '') void rate(-1, correction.trim());
          }}
        >
          <label className="visually-hidden" htmlFor={`correction-${runId}`}>
            The right answer
          </label>
          <input
            id={`correction-${runId}`}
            placeholder="The right answer (optional)"
            value={correction}
            onChange={(event) => setCorrection(event.target.value)}
          />
          <button type="submit" className="secondary small" disabled={correction.trim() === ''}>
            Save answer
          </button>
        </form>
      ) : null}
    </div>
  );
}
