import { useEffect, useState } from 'react';
import { call, inflow } from '../../ipc/client.ts';
import { useQuery } from '../../ipc/use-query.ts';
import { useApp } from '../../app/app-context.ts';
import { errorText } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';
import { BrowseButton } from '../../components/BrowseButton.tsx';

/** Step 1 of training: choose, import or delete a dataset. Reports the chosen id upward. */
export function DatasetCard({ datasetId, onChange }: { datasetId: string; onChange: (datasetId: string) => void }) {
  const { notify } = useApp();
  const datasets = useQuery(() => call(inflow().training.datasets()));
  const [importPath, setImportPath] = useState('');
  const [skipUnscorable, setSkipUnscorable] = useState(false);

  useEffect(() => {
    if (datasetId === '' && datasets.data?.[0] !== undefined) onChange(datasets.data[0].id);
  }, [datasets.data, datasetId, onChange]);

  const importDataset = async () => {
    try {
      const dataset = await call(inflow().training.importDataset({ path: importPath, ...(skipUnscorable ? { skipUnscorable } : {}) }));
      setImportPath('');
      onChange(dataset.id);
      datasets.reload();
      const leftOut =
        dataset.leftOut.length === 0
          ? ''
          : ` Left out ${dataset.leftOut.length} that can never score: ${dataset.leftOut.slice(0, 3).join('; ')}${dataset.leftOut.length > 3 ? '; …' : ''}`;
      notify(`Imported ${dataset.name}: ${dataset.trainItems} training and ${dataset.heldoutItems} held-out questions.${leftOut}`);
    } catch (error) {
      notify(errorText(error), 'error');
    }
  };
  const removeDataset = async () => {
    const dataset = datasets.data?.find((entry) => entry.id === datasetId);
    if (dataset === undefined || !window.confirm(`Delete the dataset "${dataset.name}"? Training runs keep their history.`)) return;
    try {
      await call(inflow().training.deleteDataset({ datasetId }));
      onChange('');
      datasets.reload();
    } catch (error) {
      notify(errorText(error), 'error');
    }
  };

  return (
    <section className="card">
      <h2>1. Dataset</h2>
      {datasets.data !== undefined && datasets.data.length === 0 ? (
        <p className="muted">No datasets yet. Import a JSON or JSONL file of questions with answers (a benchmark file works too).</p>
      ) : (
        <div className="row dataset-row">
          <label className="field">
            <span>Train on</span>
            <select value={datasetId} onChange={(event) => onChange(event.target.value)}>
              {(datasets.data ?? []).map((dataset) => (
                <option key={dataset.id} value={dataset.id}>
                  {dataset.name} — {dataset.trainItems} train / {dataset.heldoutItems} held-out
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="icon-button" disabled={datasetId === ''} onClick={() => void removeDataset()}>
            <Icon name="trash" label="Delete this dataset" />
          </button>
        </div>
      )}
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void importDataset();
        }}
      >
        <label htmlFor="dataset-path" className="visually-hidden">
          Dataset file
        </label>
        <input
          id="dataset-path"
          placeholder="Path to a .json or .jsonl file"
          value={importPath}
          onChange={(event) => setImportPath(event.target.value)}
        />
        <BrowseButton
          kind="file"
          title="Choose a dataset"
          label="Browse for a dataset"
          filters={[{ name: 'Datasets', extensions: ['json', 'jsonl'] }]}
          onPicked={setImportPath}
        />
        <button type="submit" className="secondary" disabled={importPath.trim() === ''}>
          Import
        </button>
      </form>
      <label className="switch-row small-text">
        <input type="checkbox" checked={skipUnscorable} onChange={(event) => setSkipUnscorable(event.target.checked)} /> Leave out items that can
        never score (otherwise the import names them and stops)
      </label>
    </section>
  );
}
