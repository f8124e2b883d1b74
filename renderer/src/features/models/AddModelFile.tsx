import { useState } from 'react';
import { call, inflow } from '../../ipc/client.ts';
import { useApp } from '../../app/app-context.ts';
import { errorText } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';
import { BrowseButton } from '../../components/BrowseButton.tsx';

/**
 * "Add a GGUF file…": registers a model file the user already has. Used where it is by default (removing it
 * from Inflow never deletes it); "Copy into the models folder" copies it first. Adapters, vocabulary-only
 * files and non-GGUF files are refused by the back end with a message saying why.
 */
export function AddModelFile(props: { onAdded: (modelId: string) => void }) {
  const { notify } = useApp();
  const [file, setFile] = useState('');
  const [copy, setCopy] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const add = async () => {
    setBusy(true);
    setError(null);
    try {
      const result = await call(inflow().models.addFile({ path: file.trim(), mode: copy ? 'copy' : 'link' }));
      setFile('');
      if (result.alreadyInstalled) notify(`${result.modelId} is already installed.`);
      else props.onAdded(result.modelId);
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card">
      <h2>Add a GGUF file…</h2>
      <p className="muted">Use a model you already downloaded. It stays where it is unless you copy it into Inflow's models folder.</p>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
      >
        <label htmlFor="gguf-path" className="visually-hidden">
          GGUF model file
        </label>
        <input
          id="gguf-path"
          placeholder="Path to a .gguf model, e.g. /home/me/models/qwen2.5-7b-instruct-q4_k_m.gguf"
          value={file}
          onChange={(event) => setFile(event.target.value)}
        />
        <BrowseButton
          kind="file"
          title="Add a GGUF model"
          label="Browse for a GGUF model"
          filters={[{ name: 'GGUF models', extensions: ['gguf'] }]}
          onPicked={setFile}
        />
        <label className="inline-check">
          <input type="checkbox" checked={copy} onChange={(event) => setCopy(event.target.checked)} /> Copy into the models folder
        </label>
        <button type="submit" className="primary" disabled={file.trim() === '' || busy}>
          <Icon name="plus" />
          {busy ? 'Adding…' : 'Add model'}
        </button>
      </form>
      {error !== null ? (
        <p className="error-text" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
