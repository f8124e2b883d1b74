import { useApp } from '../../app/app-context.ts';
import { Icon } from '../../components/Icon.tsx';
import type { ScreenId } from '../../app/routes.ts';

/** The first-run checklist under the task box: what is done, what to try next, each a link to its screen. */
export function GettingStarted({ onTry }: { onTry: (question: string) => void }) {
  const { info, settings, navigate } = useApp();
  if (info === undefined || settings === undefined) return null;
  const items: Array<{ done: boolean; label: string; screen?: ScreenId; action?: () => void }> = [
    { done: settings.models.planner !== null, label: 'Choose a planner model', screen: 'models' },
    {
      done: info.counts.runs > 0,
      label: 'Ask your first question (try “What is 17 × 23? Check it with code.”)',
      action: () => onTry('What is 17 * 23? Check it with code.'),
    },
    { done: info.counts.memory > 0, label: 'Tell the agent something to remember', screen: 'memory' },
    { done: info.counts.datasets > 0, label: 'Import a dataset to train the planner on your kind of tasks', screen: 'training' },
  ];
  if (items.every((item) => item.done)) return null;
  return (
    <section className="card getting-started" aria-label="Getting started">
      <h2>Getting started</h2>
      <ol>
        {items.map((item) => (
          <li key={item.label} className={item.done ? 'done' : undefined}>
            <span className="check" aria-hidden="true">
              {item.done ? <Icon name="check" /> : null}
            </span>
            {item.done ? (
              <span>{item.label}</span>
            ) : (
              <button type="button" className="link" onClick={() => (item.action ?? (() => navigate({ screen: item.screen! })))()}>
                {item.label}
              </button>
            )}
            {item.done ? <span className="visually-hidden"> (done)</span> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
