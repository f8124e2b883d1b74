import type { ToolInfo } from '../../../../electron/core/contract/ask.ts';

/** Tools on or off for the next task; unavailable tools are shown disabled with the reason. */
export function ToolPicker({ tools, enabled, onChange }: { tools: ToolInfo[]; enabled: Set<string>; onChange: (next: Set<string>) => void }) {
  if (tools.length === 0) return <span className="muted small-text">No tools: the model answers directly.</span>;
  return (
    <fieldset className="tool-picker">
      <legend>Tools</legend>
      {tools.map((tool) => (
        <label
          key={tool.name}
          className={tool.available ? 'toggle-chip' : 'toggle-chip disabled'}
          title={tool.available ? tool.description : (tool.reason ?? '')}
        >
          <input
            type="checkbox"
            checked={tool.available && enabled.has(tool.name)}
            disabled={!tool.available}
            onChange={(event) => {
              const next = new Set(enabled);
              if (event.target.checked) next.add(tool.name);
              else next.delete(tool.name);
              onChange(next);
            }}
          />
          <span>{tool.label}</span>
        </label>
      ))}
    </fieldset>
  );
}
