import type { SettingsPatch } from '../../../../electron/core/contract/settings.ts';
import type { ModelRole } from '../../../../electron/core/contract/models.ts';
import { call, inflow } from '../../ipc/client.ts';
import { useQuery } from '../../ipc/use-query.ts';
import { useApp } from '../../app/app-context.ts';
import { ScreenHeader } from '../../components/ScreenHeader.tsx';
import { errorText } from '../../components/ErrorNotice.tsx';
import { McpSettings } from './McpSettings.tsx';
import { DataFolderCard } from './DataFolderCard.tsx';
import { PrivacyCard } from './PrivacyCard.tsx';
import { LocalApiCard } from './LocalApiCard.tsx';
import { TrainerCard } from './TrainerCard.tsx';

const roles: Array<{ role: ModelRole; label: string; help: string }> = [
  { role: 'planner', label: 'Planner', help: 'Picks the next step and tool; the model training improves.' },
  { role: 'executor', label: 'Executor', help: 'Turns a step into a concrete tool call.' },
  { role: 'verifier', label: 'Verifier', help: 'Decides whether there is enough to answer.' },
  { role: 'generator', label: 'Generator', help: 'Writes the final answer.' },
];

/** Settings: data folder, privacy (network per feature, egress log), local API, tool servers, model per module, limits, appearance. Changes save at once. */
export function SettingsScreen() {
  const { settings, info, refresh, notify } = useApp();
  const models = useQuery(() => call(inflow().models.overview()));
  const update = async (patch: SettingsPatch) => {
    try {
      await call(inflow().settings.update(patch));
      refresh();
    } catch (error) {
      notify(errorText(error), 'error');
    }
  };
  if (settings === undefined)
    return (
      <div className="screen">
        <p className="muted">Loading…</p>
      </div>
    );
  return (
    <div className="screen settings-screen">
      <ScreenHeader title="Settings" subtitle="Changes are saved as you make them." />
      <DataFolderCard dataDir={info?.dataDir} />
      <TrainerCard settings={settings} update={update} />
      <PrivacyCard privacy={settings.privacy} update={update} />
      <LocalApiCard enabled={settings.localApi.enabled} port={settings.localApi.port} />
      <McpSettings />
      <section className="card">
        <h2>Models per module</h2>
        <div className="form-grid">
          {roles.map(({ role, label, help }) => (
            <label key={role} className="field">
              <span>{label}</span>
              <select
                value={settings.models[role] ?? ''}
                onChange={(event) => void update({ models: { [role]: event.target.value === '' ? null : event.target.value } })}
              >
                <option value="">{role === 'planner' ? 'None chosen' : 'Same as planner'}</option>
                {(models.data?.installed ?? []).map((model) => (
                  <option key={model.id} value={model.id}>
                    {model.name}
                  </option>
                ))}
              </select>
              <span className="muted small-text">{help}</span>
            </label>
          ))}
        </div>
      </section>
      <section className="card">
        <h2>Limits</h2>
        <div className="form-grid">
          <NumberField
            label="Steps per task"
            value={settings.limits.maxSteps}
            min={1}
            max={50}
            onCommit={(value) => void update({ limits: { maxSteps: value } })}
          />
          <NumberField
            label="Time per task (seconds)"
            value={settings.limits.maxWallSeconds}
            min={10}
            max={7200}
            onCommit={(value) => void update({ limits: { maxWallSeconds: value } })}
          />
          <NumberField
            label="Tokens per task"
            value={settings.limits.maxTokens}
            min={256}
            max={1000000}
            onCommit={(value) => void update({ limits: { maxTokens: value } })}
          />
          <label className="field">
            <span>Prompt profile</span>
            <select value={settings.profile} onChange={(event) => void update({ profile: event.target.value as 'structured' | 'agentflow' })}>
              <option value="structured">Structured (JSON output, best for small models)</option>
              <option value="agentflow">AgentFlow (for the released AgentFlow planner)</option>
            </select>
          </label>
        </div>
      </section>
      <section className="card">
        <h2>Appearance</h2>
        <label className="field">
          <span>Theme</span>
          <select value={settings.theme} onChange={(event) => void update({ theme: event.target.value as 'system' | 'light' | 'dark' })}>
            <option value="system">Follow the system</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </label>
      </section>
    </div>
  );
}

function NumberField({
  label,
  value,
  min,
  max,
  onCommit,
}: {
  label: string;
  value: number;
  min: number;
  max: number;
  onCommit: (value: number) => void;
}) {
  return (
    <label className="field">
      <span>{label}</span>
      <input
        type="number"
        defaultValue={value}
        key={value}
        min={min}
        max={max}
        onBlur={(event) => {
          const next = Number(event.target.value);
          if (Number.isInteger(next) && next !== value && next >= min && next <= max) onCommit(next);
        }}
      />
      <span className="muted small-text">
        {min}–{max}
      </span>
    </label>
  );
}
