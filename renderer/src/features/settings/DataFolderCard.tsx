import { useState } from 'react';
import { call, inflow } from '../../ipc/client.ts';
import { useQuery } from '../../ipc/use-query.ts';
import { useApp } from '../../app/app-context.ts';
import { errorText } from '../../components/ErrorNotice.tsx';
import { BrowseButton } from '../../components/BrowseButton.tsx';

/**
 * Settings → Data folder: where this session's data lives, and choosing another folder for the next start.
 * The choice is recorded outside the data folder and applied after a restart; nothing is moved or deleted.
 */
export function DataFolderCard(props: { dataDir: string | undefined }) {
  const { notify } = useApp();
  const location = useQuery(() => call(inflow().system.dataLocation()));
  const [folder, setFolder] = useState('');
  const choose = async (next: string | null) => {
    try {
      const result = await call(inflow().system.setDataDir({ path: next }));
      setFolder('');
      location.reload();
      notify(
        result.next === null
          ? 'Inflow will use this folder again after a restart.'
          : `Restart Inflow to use ${result.next}. Nothing in the current folder was moved.`,
      );
    } catch (error) {
      notify(errorText(error), 'error');
    }
  };
  const data = location.data;
  return (
    <section className="card">
      <h2>Data folder</h2>
      <p className="mono" data-testid="data-dir">
        {props.dataDir ?? '—'}
      </p>
      <p className="muted small-text">Runs, memory, models and adapters live here.</p>
      {data?.next !== null && data?.next !== undefined ? (
        <p role="status" data-testid="next-data-dir">
          After a restart Inflow will use <span className="mono">{data.next}</span>.{' '}
          <button type="button" className="link" onClick={() => void choose(null)}>
            Keep the current folder
          </button>
        </p>
      ) : null}
      {data?.envOverride === true ? (
        <p className="muted small-text">INFLOW_DATA_DIR is set, so it decides the folder; a choice made here applies once it is unset.</p>
      ) : null}
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void choose(folder.trim());
        }}
      >
        <label htmlFor="data-folder" className="visually-hidden">
          New data folder
        </label>
        <input
          id="data-folder"
          placeholder="Another folder, e.g. /mnt/big-disk/inflow"
          value={folder}
          onChange={(event) => setFolder(event.target.value)}
        />
        <BrowseButton kind="folder" title="Choose Inflow's data folder" label="Browse for a data folder" onPicked={setFolder} />
        <button type="submit" className="secondary" disabled={folder.trim() === ''}>
          Use after restart
        </button>
      </form>
      <p className="muted small-text">
        The old folder is left as it is: copy its contents yourself to bring your data along. The choice is saved in{' '}
        <span className="mono">{data?.configFile ?? '…'}</span>; <code>INFLOW_DATA_DIR</code> (or <code>--data-dir</code> for the CLI) still overrides
        it.
      </p>
    </section>
  );
}
