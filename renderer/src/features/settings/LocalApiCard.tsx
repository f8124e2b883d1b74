import { useState } from 'react';
import type { LocalApiStatus } from '../../../../electron/core/contract/local-api.ts';
import { call, inflow } from '../../ipc/client.ts';
import { useQuery } from '../../ipc/use-query.ts';
import { useApp } from '../../app/app-context.ts';
import { errorText } from '../../components/ErrorNotice.tsx';

/** Settings → Local API: the OpenAI-compatible server on 127.0.0.1 for other apps (docs/api.md). */
export function LocalApiCard({ enabled, port }: { enabled: boolean; port: number }) {
  const { notify, refresh } = useApp();
  const status = useQuery(() => call(inflow().localApi.status()), [enabled, port]);
  const [busy, setBusy] = useState(false);
  const [portText, setPortText] = useState(String(port));
  const apply = async (next: { enabled: boolean; port?: number }) => {
    setBusy(true);
    try {
      const result: LocalApiStatus = await call(inflow().localApi.setEnabled(next));
      if (result.error !== null) notify(result.error, 'error');
      refresh();
      status.reload();
    } catch (error) {
      notify(errorText(error), 'error');
    } finally {
      setBusy(false);
    }
  };
  const view = status.data;
  return (
    <section className="card" aria-labelledby="local-api-heading">
      <h2 id="local-api-heading">Local API</h2>
      <label className="switch-row">
        <input type="checkbox" role="switch" checked={enabled} disabled={busy} onChange={(event) => void apply({ enabled: event.target.checked })} />
        <span>
          <strong>Serve an OpenAI-compatible API</strong>
          <br />
          <span className="muted small-text">
            Other apps on this computer (editors, scripts) can use your models and the agent (model <code>inflow-agent</code>). Only on 127.0.0.1,
            only with the token.
          </span>
        </span>
      </label>
      <div className="form-grid">
        <label className="field">
          <span>Port</span>
          <input
            type="number"
            min={1024}
            max={65535}
            value={portText}
            onChange={(event) => setPortText(event.target.value)}
            onBlur={() => {
              const next = Number(portText);
              if (Number.isInteger(next) && next >= 1024 && next <= 65535 && next !== port) void apply({ enabled, port: next });
            }}
          />
        </label>
      </div>
      {view?.running === true ? (
        <dl className="api-facts">
          <dt>Base URL</dt>
          <dd className="mono" data-testid="local-api-url">
            {view.url}
          </dd>
          <dt>Token</dt>
          <dd className="mono" data-testid="local-api-token">
            {view.token}
          </dd>
        </dl>
      ) : (
        <p className="muted small-text">
          {enabled ? 'Starting…' : 'Off.'} Also from a terminal: <code>inflow serve</code>.
        </p>
      )}
      {view?.error ? (
        <p className="error-text small-text" role="alert">
          {view.error}
        </p>
      ) : null}
    </section>
  );
}
