import type { Settings, SettingsPatch } from '../../../../electron/core/contract/settings.ts';
import { call, inflow } from '../../ipc/client.ts';
import { useQuery } from '../../ipc/use-query.ts';
import { formatBytes } from '../../components/format.ts';

const switches: Array<{ key: keyof Settings['privacy']; label: string; help: string }> = [
  { key: 'networkTools', label: 'Web tools', help: 'Web search and page reading for the agent.' },
  { key: 'wikipediaOnline', label: 'Wikipedia online', help: 'The Wikipedia tool asks wikipedia.org (imported dumps work offline).' },
  { key: 'modelDownloads', label: 'Model downloads', help: 'Downloading recommended models on the Models screen.' },
  { key: 'mcpHttp', label: 'Tool servers over HTTP', help: 'MCP servers reached by URL on another computer.' },
];

/**
 * Privacy: what may leave this computer, per feature (all off by default; this computer itself is always
 * reachable), and the egress log — every request the app made or refused, with host and bytes.
 */
export function PrivacyCard({ privacy, update }: { privacy: Settings['privacy']; update: (patch: SettingsPatch) => Promise<void> }) {
  const egress = useQuery(() => call(inflow().network.egress({ limit: 50 })), [privacy]);
  return (
    <section className="card" aria-labelledby="privacy-heading">
      <h2 id="privacy-heading">Privacy</h2>
      <p className="muted small-text">Nothing leaves this computer unless you allow it here, feature by feature. Every request is logged below.</p>
      {switches.map(({ key, label, help }) => (
        <label key={key} className="switch-row">
          <input
            type="checkbox"
            role="switch"
            checked={privacy[key]}
            onChange={(event) => void update({ privacy: { [key]: event.target.checked } })}
          />
          <span>
            <strong>{label}</strong>
            <br />
            <span className="muted small-text">{help}</span>
          </span>
        </label>
      ))}
      <details
        className="egress-log"
        onToggle={(event) => {
          if ((event.target as HTMLDetailsElement).open) egress.reload();
        }}
      >
        <summary>What left this computer ({egress.data?.length ?? 0} recent requests)</summary>
        {egress.data === undefined || egress.data.length === 0 ? (
          <p className="muted small-text">Nothing has left this computer.</p>
        ) : (
          <div className="table-wrap">
            <table aria-label="Egress log">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Feature</th>
                  <th>Host</th>
                  <th>Outcome</th>
                  <th>Sent</th>
                  <th>Received</th>
                </tr>
              </thead>
              <tbody>
                {egress.data.map((entry) => (
                  <tr key={entry.id}>
                    <td>{new Date(entry.at).toLocaleString()}</td>
                    <td>{entry.feature}</td>
                    <td className="mono">{entry.host}</td>
                    <td>
                      {entry.outcome}
                      {entry.status === null ? '' : ` (${entry.status})`}
                    </td>
                    <td>{formatBytes(entry.bytesOut)}</td>
                    <td>{formatBytes(entry.bytesIn)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <p className="muted small-text">
          Also: <code>inflow doctor --egress</code>.
        </p>
      </details>
    </section>
  );
}
