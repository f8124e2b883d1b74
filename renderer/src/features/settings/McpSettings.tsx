import { useState } from 'react';
import type { McpOverview, McpToolView } from '../../../../electron/core/contract/mcp.ts';
import { call, inflow } from '../../ipc/client.ts';
import { useQuery } from '../../ipc/use-query.ts';
import { useApp } from '../../app/app-context.ts';
import { errorText } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';

/** Tool servers (MCP): add by command line or URL, switch servers and tools on or off, mark tools "ask first". */
export function McpSettings() {
  const { notify } = useApp();
  const servers = useQuery(() => call(inflow().mcp.servers()));
  const [name, setName] = useState('');
  const [target, setTarget] = useState('');
  const act = async (action: () => Promise<McpOverview>, done?: string) => {
    try {
      await action();
      servers.reload();
      if (done !== undefined) notify(done);
    } catch (error) {
      notify(errorText(error), 'error');
    }
  };
  const add = () =>
    act(
      () => call(inflow().mcp.add(/^https?:\/\//.test(target.trim()) ? { name, url: target.trim() } : { name, command: target })),
      `Added ${name}.`,
    ).then(() => {
      setName('');
      setTarget('');
    });
  return (
    <section className="card">
      <h2>Tool servers (MCP)</h2>
      <p className="muted small-text">
        Each server's tools become tools the agent can choose. Kept in <span className="mono">{servers.data?.file ?? 'mcp.json'}</span>, the same file{' '}
        <code>inflow mcp</code> edits.
      </p>
      <p className="muted small-text">
        Servers are separate programs: Inflow's privacy switches cannot see what they do on the network. Mark a server <strong>local only</strong> to
        keep it on this computer (a URL must be 127.0.0.1/localhost; a command is started without a network, on Linux).
      </p>
      {servers.data?.errors.map((error) => (
        <p key={error.name} className="error-text small-text">
          {error.name}: {error.message}
        </p>
      ))}
      <ul className="entry-list mcp-list">
        {(servers.data?.servers ?? []).map((server) => (
          <li key={server.name} className="entry mcp-server">
            <div className="entry-main">
              <label className="switch-row compact">
                <input
                  type="checkbox"
                  role="switch"
                  checked={!server.disabled}
                  aria-label={`Use ${server.name}`}
                  onChange={(event) => void act(() => call(inflow().mcp.setEnabled({ name: server.name, enabled: event.target.checked })))}
                />
                <span>
                  <strong>{server.name}</strong> <span className="mono small-text muted">{server.target}</span>
                </span>
              </label>
            </div>
            <div className="entry-meta">
              {server.running ? <span className="badge badge-answered">running</span> : null}
              <label className="switch-row compact small-text">
                <input
                  type="checkbox"
                  checked={server.localOnly}
                  aria-label={`${server.name}: local only`}
                  onChange={(event) => void act(() => call(inflow().mcp.setLocalOnly({ name: server.name, localOnly: event.target.checked })))}
                />
                <span>Local only</span>
              </label>
              <button
                type="button"
                className="icon-button"
                onClick={() => void act(() => call(inflow().mcp.remove({ name: server.name })), `Removed ${server.name}.`)}
              >
                <Icon name="trash" label={`Remove ${server.name}`} />
              </button>
            </div>
            <ServerTools name={server.name} onChanged={servers.reload} />
          </li>
        ))}
      </ul>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
      >
        <label className="visually-hidden" htmlFor="mcp-name">
          Server name
        </label>
        <input id="mcp-name" className="mcp-name" placeholder="Name, e.g. files" value={name} onChange={(event) => setName(event.target.value)} />
        <label className="visually-hidden" htmlFor="mcp-target">
          Command or URL
        </label>
        <input
          id="mcp-target"
          placeholder="Command (npx -y @modelcontextprotocol/server-filesystem ~/notes) or http(s) URL"
          value={target}
          onChange={(event) => setTarget(event.target.value)}
        />
        <button type="submit" className="secondary" disabled={name.trim() === '' || target.trim() === ''}>
          <Icon name="plus" />
          Add server
        </button>
      </form>
    </section>
  );
}

function ServerTools({ name, onChanged }: { name: string; onChanged: () => void }) {
  const { notify } = useApp();
  const [tools, setTools] = useState<McpToolView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async () => {
    try {
      setTools(await call(inflow().mcp.tools({ name })));
      setError(null);
    } catch (reason) {
      setError(errorText(reason));
    }
  };
  const change = async (action: () => Promise<McpOverview>) => {
    try {
      await action();
      await load();
      onChanged();
    } catch (reason) {
      notify(errorText(reason), 'error');
    }
  };
  return (
    <details
      className="mcp-tools"
      onToggle={(event) => {
        if ((event.target as HTMLDetailsElement).open && tools === null) void load();
      }}
    >
      <summary>Tools</summary>
      {error !== null ? (
        <p className="error-text small-text">{error}</p>
      ) : tools === null ? (
        <p className="muted small-text">Starting the server…</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Tool</th>
              <th>On</th>
              <th>Ask first</th>
            </tr>
          </thead>
          <tbody>
            {tools.map((tool) => (
              <tr key={tool.tool}>
                <td>
                  <strong>{tool.tool}</strong>
                  <br />
                  <span className="muted small-text">{tool.description}</span>
                </td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Use ${tool.tool}`}
                    checked={tool.enabled}
                    onChange={(event) => void change(() => call(inflow().mcp.setEnabled({ name, tool: tool.tool, enabled: event.target.checked })))}
                  />
                </td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Ask before ${tool.tool}`}
                    checked={tool.askFirst}
                    onChange={(event) => void change(() => call(inflow().mcp.setAskFirst({ name, tool: tool.tool, askFirst: event.target.checked })))}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}
