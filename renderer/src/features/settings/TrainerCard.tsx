import { call, inflow } from '../../ipc/client.ts';
import { useQuery } from '../../ipc/use-query.ts';
import type { Settings, SettingsPatch } from '../../../../electron/core/contract/settings.ts';

const kinds = { prebuilt: 'prebuilt binary', 'local-build': 'local build', env: 'INFLOW_NATIVE_BUILD_DIR' } as const;

/**
 * Settings → Training device: which trainer binary is used, and the GPU self-check results (run before the first
 * training on a GPU; a failed check means training runs on the CPU), and the CPU-only choice (`inflow train --cpu`
 * in the CLI).
 */
export function TrainerCard(props: { settings: Settings; update: (patch: SettingsPatch) => Promise<void> }) {
  const status = useQuery(() => call(inflow().system.trainerStatus({})));
  const data = status.data;
  return (
    <section className="card" aria-labelledby="trainer-heading">
      <h2 id="trainer-heading">Training device</h2>
      <label className="switch-row">
        <input
          type="checkbox"
          checked={props.settings.compute.cpuOnly}
          onChange={(event) => void props.update({ compute: { cpuOnly: event.target.checked } })}
        />
        <span>
          Use the CPU only <span className="muted small-text">(training from the next run, answering questions after a restart)</span>
        </span>
      </label>
      {data === undefined ? (
        <p className="muted">…</p>
      ) : (
        <>
          <p data-testid="trainer-backend">
            Trainer:{' '}
            {data.addon.found ? (
              <>
                {kinds[data.addon.kind]} <span className="mono small-text">{data.addon.dir}</span>
              </>
            ) : (
              <strong>not available: {data.addon.problem}</strong>
            )}
          </p>
          {data.selfChecks.length === 0 ? (
            <p className="muted" data-testid="gpu-self-check">
              GPU self-check: not run yet. It runs before the first training on a GPU; if it fails, training uses the CPU.
            </p>
          ) : (
            <ul data-testid="gpu-self-check">
              {data.selfChecks.map((check) => (
                <li key={`${check.device}-${check.checkedAt}`}>
                  {check.passed ? (
                    <>
                      Passed on {check.device} ({check.checkedAt.slice(0, 10)}): a step takes {check.deviceStepSeconds?.toFixed(2)} s there,{' '}
                      {check.cpuStepSeconds?.toFixed(2)} s on the CPU.
                    </>
                  ) : (
                    <>
                      Failed on {check.device} ({check.checkedAt.slice(0, 10)}): {check.reason}. Training uses the CPU.
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
          <p className="muted small-text" data-testid="retention-rule">
            Disk: Inflow keeps the promoted adapter, the best one, those you can roll back to and the last {data.retention.keepLast} versions, and
            only the last trainer state of an unfinished run; the rest is deleted after each run.
            {data.retention.reclaimableBytes > 0
              ? ` ${(data.retention.reclaimableBytes / 1024 / 1024).toFixed(1)} MiB can be freed now (inflow adapters gc).`
              : ''}
          </p>
        </>
      )}
    </section>
  );
}
