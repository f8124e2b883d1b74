import { call, inflow } from '../../ipc/client.ts';
import { useQuery } from '../../ipc/use-query.ts';
import { useApp } from '../../app/app-context.ts';

/** The judge choice sent with training.start: undefined = default, null = none, else an installed model id. */
export type JudgeSelection = string | null | undefined;

const DEFAULT = '__default__';
const NONE = '__none__';

/**
 * Who judges free-form answers during training. Never the planner's own model (a model grading itself can
 * reward anything): the default is the executor's model when it differs from the planner's, else no judge.
 */
export function JudgePicker({ value, onChange }: { value: JudgeSelection; onChange: (value: JudgeSelection) => void }) {
  const { settings } = useApp();
  const overview = useQuery(() => call(inflow().models.overview()));
  const planner = settings?.models.planner ?? null;
  const executor = settings?.models.executor ?? null;
  const others = (overview.data?.installed ?? []).filter((model) => model.id !== planner);
  const defaultLabel =
    executor !== null && executor !== planner ? `Default: the executor's model (${executor})` : "Default: none (the executor is the planner's model)";
  const selected = value === undefined ? DEFAULT : value === null ? NONE : value;
  return (
    <label className="field">
      <span>Judge of free-form answers</span>
      <select
        value={selected}
        onChange={(event) => onChange(event.target.value === DEFAULT ? undefined : event.target.value === NONE ? null : event.target.value)}
      >
        <option value={DEFAULT}>{defaultLabel}</option>
        <option value={NONE}>No judge: rules only (unsettled answers score 0)</option>
        {others.map((model) => (
          <option key={model.id} value={model.id}>
            {model.name}
          </option>
        ))}
      </select>
    </label>
  );
}
