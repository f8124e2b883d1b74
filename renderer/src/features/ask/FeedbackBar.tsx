import { useState } from 'react';
import { call, inflow } from '../../ipc/client.ts';
import { Icon } from '../../components/Icon.tsx';

/** Thumbs up or down on a finished run; the rating is stored as the run's reward for training. */
export function FeedbackBar({ runId, initial = null, onError }: { runId: string; initial?: 1 | -1 | null; onError: (error: unknown) => void }) {
  const [rating, setRating] = useState<1 | -1 | null>(initial);
  const [saved, setSaved] = useState<number | null>(null);
  const rate = async (value: 1 | -1) => {
    try {
      const result = await call(inflow().ask.feedback({ runId, rating: value }));
      setRating(result.rating);
      setSaved(result.reward);
    } catch (error) {
      onError(error);
    }
  };
  return (
    <div className="feedback" role="group" aria-label="Rate this answer">
      <span className="muted">Was this helpful?</span>
      <button type="button" className={rating === 1 ? 'icon-button selected' : 'icon-button'} aria-pressed={rating === 1} onClick={() => void rate(1)}><Icon name="up" label="Good answer" /></button>
      <button type="button" className={rating === -1 ? 'icon-button selected' : 'icon-button'} aria-pressed={rating === -1} onClick={() => void rate(-1)}><Icon name="down" label="Bad answer" /></button>
      {saved !== null ? <span className="saved" role="status">Saved as reward {saved}. It can be used to train the planner.</span> : null}
    </div>
  );
}
