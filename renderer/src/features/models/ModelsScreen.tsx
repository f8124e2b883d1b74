import { useEffect, useState } from 'react';
import type { DownloadView, ModelRole } from '../../../../electron/core/contract/models.ts';
import { call, inflow, onEvent } from '../../ipc/client.ts';
import { useQuery } from '../../ipc/use-query.ts';
import { useApp } from '../../app/app-context.ts';
import { ScreenHeader } from '../../components/ScreenHeader.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorNotice, errorText } from '../../components/ErrorNotice.tsx';
import { formatBytes } from '../../components/format.ts';
import { HardwareCard } from './HardwareCard.tsx';
import { AddModelFile } from './AddModelFile.tsx';

/** Models: installed GGUF models and which module uses each, recommended downloads, the active adapter. */
export function ModelsScreen() {
  const { notify, refresh, navigate, settings } = useApp();
  const overview = useQuery(() => call(inflow().models.overview()));
  const adapters = useQuery(() => call(inflow().training.adapters()));
  const [downloads, setDownloads] = useState<Record<string, DownloadView>>({});

  useEffect(
    () =>
      onEvent('download-progress', (download) => {
        setDownloads((current) => ({ ...current, [download.modelId]: download }));
        if (download.status !== 'downloading') overview.reload();
      }),
    [overview.reload],
  );

  const setRole = async (role: ModelRole, modelId: string | null) => {
    try {
      await call(inflow().models.setRole({ role, modelId }));
      overview.reload();
      adapters.reload();
      refresh();
      const name = overview.data?.installed.find((model) => model.id === modelId)?.name ?? modelId;
      notify(
        modelId === null ? `No model set for the ${role}.` : role === 'planner' ? `${name} is now the planner.` : `${name} now runs the ${role}.`,
      );
    } catch (error) {
      notify(errorText(error), 'error');
    }
  };

  const data = overview.data;
  const planner = data?.installed.find((model) => model.roles.includes('planner'));
  const activeAdapter = adapters.data?.find((adapter) => adapter.active);
  return (
    <div className="screen">
      <ScreenHeader title="Models" subtitle="Local GGUF models run everything. Pick which one plans; the others follow it unless set in Settings." />
      {overview.error !== undefined ? <ErrorNotice error={overview.error} onRetry={overview.reload} /> : null}
      <div className="grid-2">
        <section className="card">
          <h2>Planner</h2>
          {planner === undefined ? (
            <p className="muted">No planner chosen yet. Pick an installed model below.</p>
          ) : (
            <>
              <p className="big-value" data-testid="planner-model">
                {planner.name}
              </p>
              <p className="muted">
                Adapter: {activeAdapter === undefined ? 'base model (no adapter)' : `v${activeAdapter.version} (${activeAdapter.id})`} ·{' '}
                <button type="button" className="link" onClick={() => navigate({ screen: 'training' })}>
                  manage in Training
                </button>
              </p>
            </>
          )}
        </section>
        <HardwareCard />
      </div>
      <h2 className="section-title">Installed</h2>
      {data !== undefined && data.installed.length === 0 ? (
        <EmptyState icon="models" title="No models installed">
          <p>
            Download a recommended model below, or add a <code>.gguf</code> file you already have.
          </p>
        </EmptyState>
      ) : (
        <ul className="entry-list">
          {(data?.installed ?? []).map((model) => (
            <li key={model.id} className="entry card model-entry">
              <div className="entry-main">
                <div>
                  <p className="model-name">{model.name}</p>
                  <p className="muted small-text">
                    {[model.architecture, model.parameters, model.quantization, formatBytes(model.sizeBytes)].filter(Boolean).join(' · ')}
                  </p>
                  {data !== undefined && !model.path.startsWith(data.modelsDir) ? (
                    <p className="muted small-text mono" title="Used where it is; removing it from Inflow leaves the file">
                      {model.path}
                    </p>
                  ) : null}
                </div>
              </div>
              <div className="entry-meta">
                {model.roles.map((role) => (
                  <span key={role} className="badge badge-role">
                    {role}
                  </span>
                ))}
                {model.roles.includes('planner') ? (
                  <span className="muted">Planning</span>
                ) : (
                  <button type="button" className="primary small" onClick={() => void setRole('planner', model.id)}>
                    Use as planner
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      <AddModelFile
        onAdded={(modelId) => {
          overview.reload();
          refresh();
          notify(`Added ${modelId}.`);
        }}
      />
      <h2 className="section-title">Recommended</h2>
      {settings?.privacy.modelDownloads === false ? (
        <p className="muted small-text">
          Model downloads are off: turn on "Model downloads" in Settings → Privacy to download these (from Hugging Face).
        </p>
      ) : null}
      {data?.catalogNote !== null && data?.catalogNote !== undefined ? <p className="muted">{data.catalogNote}</p> : null}
      <ul className="entry-list">
        {(data?.recommended ?? []).map((model) => {
          const download = downloads[model.id] ?? data?.downloads.find((entry) => entry.modelId === model.id);
          const active = download?.status === 'downloading';
          return (
            <li key={model.id} className="entry card">
              <div className="entry-main">
                <div>
                  <p className="model-name">{model.name}</p>
                  <p className="muted small-text">
                    {model.description} · {formatBytes(model.sizeBytes)}
                  </p>
                </div>
              </div>
              <div className="entry-meta">
                {model.installed ? (
                  <span className="badge badge-answered">Installed</span>
                ) : active && download !== undefined ? (
                  <>
                    <progress max={download.totalBytes ?? undefined} value={download.receivedBytes} aria-label={`Downloading ${model.name}`} />
                    <span>
                      {formatBytes(download.receivedBytes)} / {formatBytes(download.totalBytes)}
                    </span>
                    <button
                      type="button"
                      className="secondary small"
                      onClick={() =>
                        void call(inflow().models.cancelDownload({ downloadId: download.downloadId })).catch((error: unknown) =>
                          notify(errorText(error), 'error'),
                        )
                      }
                    >
                      Cancel
                    </button>
                  </>
                ) : (
                  <>
                    {download?.status === 'failed' ? <span className="error-text">{download.error}</span> : null}
                    <button
                      type="button"
                      className="secondary small"
                      onClick={() =>
                        void call(inflow().models.download({ catalogId: model.id })).catch((error: unknown) => notify(errorText(error), 'error'))
                      }
                    >
                      Download
                    </button>
                  </>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
