import { useState } from 'react';
import { call, inflow } from '../../ipc/client.ts';
import { useApp } from '../../app/app-context.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { BrowseButton } from '../../components/BrowseButton.tsx';

/**
 * "Bigger than one machine": writes the selected run as an experiment for the reference's trainer
 * (lupantech/AgentFlow on verl): Parquet data, train/config.yaml from the run's settings, and a README with the
 * commands and the way back (inflow adapters import, inflow eval).
 */
export function ClusterExportCard({ trainingRunId }: { trainingRunId: string }) {
  const { notify } = useApp();
  const [outDir, setOutDir] = useState('');
  const [hfModelId, setHfModelId] = useState('');
  const [full, setFull] = useState(false);
  const [gpusPerNode, setGpusPerNode] = useState(8);
  const [nodes, setNodes] = useState(1);
  const [error, setError] = useState<unknown>(undefined);
  const exportRun = async () => {
    setError(undefined);
    try {
      const result = await call(
        inflow().training.exportForAgentflow({
          source: { trainingRunId },
          outDir,
          full,
          gpusPerNode,
          nodes,
          ...(hfModelId.trim() === '' ? {} : { hfModelId: hfModelId.trim() }),
        }),
      );
      notify(
        `Wrote ${result.train} training and ${result.val} validation tasks for ${result.hfModelId}${result.leftOut > 0 ? ` (${result.leftOut} left out)` : ''}. Next: ${result.readmeFile}`,
      );
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <details className="card">
      <summary>Train on a cluster (AgentFlow on verl)</summary>
      <p className="muted small-text">
        Writes this run's data and settings for the reference's trainer (vLLM, FSDP, Ray across nodes), with a README of the commands and how to bring
        the trained planner back here.
      </p>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void exportRun();
        }}
      >
        <label htmlFor="export-dir" className="visually-hidden">
          Folder to write
        </label>
        <input id="export-dir" placeholder="An empty folder to write" value={outDir} onChange={(event) => setOutDir(event.target.value)} />
        <BrowseButton kind="folder" title="Choose an empty folder" label="Browse for the export folder" onPicked={setOutDir} />
        <button type="submit" className="secondary" disabled={outDir.trim() === ''}>
          Export
        </button>
      </form>
      <div className="row">
        <label className="field">
          <span>Hugging Face id of the base model (if the model file does not name it)</span>
          <input placeholder="e.g. Qwen/Qwen2.5-7B-Instruct" value={hfModelId} onChange={(event) => setHfModelId(event.target.value)} />
        </label>
        <label className="field">
          <span>GPUs per node</span>
          <input type="number" min={1} max={64} value={gpusPerNode} onChange={(event) => setGpusPerNode(Number(event.target.value))} />
        </label>
        <label className="field">
          <span>Nodes</span>
          <input type="number" min={1} max={1024} value={nodes} onChange={(event) => setNodes(Number(event.target.value))} />
        </label>
      </div>
      <label className="switch-row small-text">
        <input type="checkbox" checked={full} onChange={(event) => setFull(event.target.checked)} /> Train all weights (a full checkpoint) instead of
        a LoRA adapter
      </label>
      {error !== undefined ? <ErrorNotice error={error} /> : null}
    </details>
  );
}
