import type { ToolInfo } from '../../../../electron/core/contract/ask.ts';

/**
 * A demonstration: the tool the planner must use at step 1, 2, ... of the next run (its other choices are its own).
 * A right answer rated up teaches the planner these choices when it is trained with the SFT objective (docs/training.md).
 */
export function DemonstrationPicker({ tools, steps, onChange }: { tools: ToolInfo[]; steps: string[]; onChange: (next: string[]) => void }) {
  if (tools.length === 0) return null;
  return (
    <details className="demonstration" open={steps.length > 0}>
      <summary>Show the tools to use</summary>
      <p className="muted small-text">
        The planner uses these tools in this order, then chooses for itself. Rate a right answer up: training with the SFT objective teaches it these
        choices.
      </p>
      <ol>
        {steps.map((name, index) => (
          <li key={index}>
            <span className="muted">Step {index + 1}</span>
            <select
              aria-label={`Tool for step ${index + 1}`}
              value={name}
              onChange={(event) => onChange(steps.map((step, i) => (i === index ? event.target.value : step)))}
            >
              {tools.map((tool) => (
                <option key={tool.name} value={tool.name}>
                  {tool.label}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="link"
              aria-label={`Remove step ${index + 1}`}
              onClick={() => onChange(steps.filter((_, i) => i !== index))}
            >
              Remove
            </button>
          </li>
        ))}
      </ol>
      <button type="button" className="link" onClick={() => onChange([...steps, steps.at(-1) ?? tools[0]!.name])}>
        Add a step
      </button>
    </details>
  );
}
