import { useState } from 'react';
import type { MemoryEntryView } from '../../../../electron/core/contract/memory.ts';
import { call, inflow } from '../../ipc/client.ts';
import { useQuery } from '../../ipc/use-query.ts';
import { useApp } from '../../app/app-context.ts';
import { ScreenHeader } from '../../components/ScreenHeader.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorNotice, errorText } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';
import { formatWhen } from '../../components/format.ts';

/** Memory: the facts and preferences the agent keeps between tasks; edit, delete, or add them. */
export function MemoryScreen() {
  const { navigate, notify, refresh } = useApp();
  const [search, setSearch] = useState('');
  const [draft, setDraft] = useState('');
  const [kind, setKind] = useState<'fact' | 'preference'>('fact');
  const entries = useQuery(() => call(inflow().memory.list(search.trim() === '' ? {} : { search })), [search]);

  const add = async () => {
    try {
      await call(inflow().memory.add({ content: draft, kind }));
      setDraft('');
      entries.reload();
      refresh();
    } catch (error) {
      notify(errorText(error), 'error');
    }
  };

  return (
    <div className="screen">
      <ScreenHeader title="Memory" subtitle="Facts and preferences the agent recalls for new tasks. Nothing leaves this computer." />
      <form
        className="card inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
      >
        <label htmlFor="memory-new" className="visually-hidden">
          New memory entry
        </label>
        <input
          id="memory-new"
          placeholder="Add something the agent should remember, e.g. “I prefer metric units”"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
        />
        <label className="visually-hidden" htmlFor="memory-kind">
          Kind
        </label>
        <select id="memory-kind" value={kind} onChange={(event) => setKind(event.target.value as 'fact' | 'preference')}>
          <option value="fact">Fact</option>
          <option value="preference">Preference</option>
        </select>
        <button type="submit" className="primary" disabled={draft.trim() === ''}>
          <Icon name="plus" />
          Add
        </button>
      </form>
      <div className="filters" role="search">
        <label className="search-field">
          <span className="visually-hidden">Search memory</span>
          <input type="search" placeholder="Search memory" value={search} onChange={(event) => setSearch(event.target.value)} />
        </label>
      </div>
      {entries.error !== undefined ? <ErrorNotice error={entries.error} onRetry={entries.reload} /> : null}
      {entries.data !== undefined && entries.data.length === 0 ? (
        search !== '' ? (
          <p className="muted">Nothing in memory matches “{search}”.</p>
        ) : (
          <EmptyState icon="memory" title="Memory is empty">
            <p>When you confirm a fact or preference during a run, it is kept here and recalled for later tasks. You can also add entries above.</p>
          </EmptyState>
        )
      ) : (
        <ul className="entry-list">
          {(entries.data ?? []).map((entry) => (
            <MemoryItem
              key={entry.id}
              entry={entry}
              onChanged={() => {
                entries.reload();
                refresh();
              }}
              onOpenRun={(runId) => navigate({ screen: 'runs', id: runId })}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function MemoryItem({ entry, onChanged, onOpenRun }: { entry: MemoryEntryView; onChanged: () => void; onOpenRun: (runId: string) => void }) {
  const { notify } = useApp();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(entry.content);
  const save = async () => {
    try {
      await call(inflow().memory.update({ id: entry.id, content: text }));
      setEditing(false);
      onChanged();
    } catch (error) {
      notify(errorText(error), 'error');
    }
  };
  const remove = async () => {
    if (!window.confirm('Delete this memory entry? The agent will no longer recall it.')) return;
    try {
      await call(inflow().memory.remove({ id: entry.id }));
      onChanged();
    } catch (error) {
      notify(errorText(error), 'error');
    }
  };
  return (
    <li className="entry card">
      {editing ? (
        <form
          className="entry-edit"
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          <label className="visually-hidden" htmlFor={`memory-${entry.id}`}>
            Edit entry
          </label>
          <textarea
            id={`memory-${entry.id}`}
            value={text}
            rows={2}
            onChange={(event) => setText(event.target.value)}
            autoFocus
            onKeyDown={(event) => {
              if (event.key === 'Escape') {
                setEditing(false);
                setText(entry.content);
              }
            }}
          />
          <div className="row">
            <button type="submit" className="primary small">
              Save
            </button>
            <button
              type="button"
              className="ghost small"
              onClick={() => {
                setEditing(false);
                setText(entry.content);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <div className="entry-main">
            <span className={`badge badge-${entry.kind}`}>{entry.kind}</span>
            <p>{entry.content}</p>
          </div>
          <div className="entry-meta">
            <span>{formatWhen(entry.updatedAt)}</span>
            {entry.runId !== null ? (
              <button type="button" className="link" onClick={() => onOpenRun(entry.runId!)}>
                From: {entry.runQuestion ?? entry.runId}
              </button>
            ) : (
              <span>Added by you</span>
            )}
            <button type="button" className="icon-button" onClick={() => setEditing(true)}>
              <Icon name="edit" label="Edit" />
            </button>
            <button type="button" className="icon-button" onClick={() => void remove()}>
              <Icon name="trash" label="Delete" />
            </button>
          </div>
        </>
      )}
    </li>
  );
}
