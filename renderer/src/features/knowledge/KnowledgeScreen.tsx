import { useEffect, useState } from 'react';
import type { KnowledgeHit } from '../../../../electron/core/contract/knowledge.ts';
import { call, inflow, onEvent } from '../../ipc/client.ts';
import { useQuery } from '../../ipc/use-query.ts';
import { useApp } from '../../app/app-context.ts';
import { ScreenHeader } from '../../components/ScreenHeader.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorNotice, errorText } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';
import { BrowseButton } from '../../components/BrowseButton.tsx';
import { formatWhen } from '../../components/format.ts';

/** Knowledge: folders the agent may search (txt, md, html, pdf), their indexing progress, and a test search. */
export function KnowledgeScreen() {
  const { notify } = useApp();
  const folders = useQuery(() => call(inflow().knowledge.folders()));
  const [folder, setFolder] = useState('');
  const [progress, setProgress] = useState<Record<string, { done: number; total: number }>>({});
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<KnowledgeHit[] | null>(null);
  const [searchError, setSearchError] = useState<unknown>(undefined);

  useEffect(
    () =>
      onEvent('knowledge-progress', (event) => {
        setProgress((current) => ({ ...current, [event.path]: { done: event.filesDone, total: event.filesTotal } }));
        if (event.status !== 'indexing') folders.reload();
      }),
    [folders.reload],
  );

  const act = async (action: () => Promise<unknown>) => {
    try {
      await action();
      folders.reload();
    } catch (error) {
      notify(errorText(error), 'error');
    }
  };
  const search = async () => {
    setSearchError(undefined);
    try {
      setHits(await call(inflow().knowledge.search({ query })));
    } catch (error) {
      setSearchError(error);
    }
  };

  return (
    <div className="screen">
      <ScreenHeader title="Knowledge" subtitle="Folders of your documents that the knowledge-search tool can read. Indexed locally." />
      <form
        className="card inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void act(async () => {
            await call(inflow().knowledge.add({ path: folder }));
            setFolder('');
          });
        }}
      >
        <label htmlFor="folder" className="visually-hidden">
          Folder path
        </label>
        <input
          id="folder"
          placeholder="Folder to index, e.g. /home/me/Documents/notes"
          value={folder}
          onChange={(event) => setFolder(event.target.value)}
        />
        <BrowseButton kind="folder" title="Choose a folder to index" label="Browse for a folder to index" onPicked={setFolder} />
        <button type="submit" className="primary" disabled={folder.trim() === ''}>
          <Icon name="plus" />
          Add folder
        </button>
      </form>
      {folders.error !== undefined ? <ErrorNotice error={folders.error} onRetry={folders.reload} /> : null}
      {folders.data !== undefined && folders.data.length === 0 ? (
        <EmptyState icon="knowledge" title="No folders yet">
          <p>Add a folder of notes, documentation or papers (txt, md, html, pdf). The agent can then search it and cite the passages it used.</p>
        </EmptyState>
      ) : (
        <ul className="entry-list">
          {(folders.data ?? []).map((entry) => {
            const live = progress[entry.path];
            return (
              <li key={entry.path} className="entry card">
                <div className="entry-main">
                  <Icon name="knowledge" />
                  <p className="mono">{entry.path}</p>
                </div>
                <div className="entry-meta">
                  {entry.status === 'indexing' && live !== undefined ? (
                    <progress max={live.total} value={live.done} aria-label="Indexing progress" />
                  ) : null}
                  <span>
                    {entry.files} files · {entry.passages} passages · indexed {formatWhen(entry.indexedAt)}
                  </span>
                  {entry.error !== null ? <span className="error-text">{entry.error}</span> : null}
                  <button
                    type="button"
                    className="secondary small"
                    onClick={() => void act(() => call(inflow().knowledge.reindex({ path: entry.path })))}
                  >
                    <Icon name="refresh" />
                    Re-index
                  </button>
                  <button type="button" className="icon-button" onClick={() => void act(() => call(inflow().knowledge.remove({ path: entry.path })))}>
                    <Icon name="trash" label="Remove folder" />
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <h2 className="section-title">Search</h2>
      <form
        className="inline-form"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          void search();
        }}
      >
        <label htmlFor="knowledge-query" className="visually-hidden">
          Search your documents
        </label>
        <input
          id="knowledge-query"
          type="search"
          placeholder="Search your documents"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
        <button type="submit" className="secondary" disabled={query.trim() === ''}>
          <Icon name="search" />
          Search
        </button>
      </form>
      {searchError !== undefined ? <ErrorNotice error={searchError} /> : null}
      {hits !== null ? (
        hits.length === 0 ? (
          <p className="muted">No passages match.</p>
        ) : (
          <ul className="entry-list">
            {hits.map((hit) => (
              <li key={`${hit.source}:${hit.location}`} className="entry card">
                <p className="mono small-text">
                  {hit.source} · {hit.location}
                </p>
                <p>{hit.text}</p>
              </li>
            ))}
          </ul>
        )
      ) : null}
    </div>
  );
}
