import { call, inflow } from '../../ipc/client.ts';
import { useQuery } from '../../ipc/use-query.ts';
import { formatBytes } from '../../components/format.ts';

/** Backend, GPU and VRAM, CPU and memory: what decides which models fit. */
export function HardwareCard() {
  const hardware = useQuery(() => call(inflow().app.hardware()));
  const data = hardware.data;
  return (
    <section className="card" aria-busy={hardware.loading}>
      <h2>This computer</h2>
      {data === undefined ? (
        <p className="muted">{hardware.error !== undefined ? 'Could not read the hardware.' : 'Checking…'}</p>
      ) : (
        <dl className="facts compact">
          <div>
            <dt>Backend</dt>
            <dd data-testid="hardware-backend">{data.backend.toUpperCase()}</dd>
          </div>
          <div>
            <dt>GPU</dt>
            <dd>{data.gpuName ?? 'none used'}</dd>
          </div>
          <div>
            <dt>VRAM</dt>
            <dd>{data.vramTotalBytes === null ? '—' : `${formatBytes(data.vramFreeBytes)} free of ${formatBytes(data.vramTotalBytes)}`}</dd>
          </div>
          <div>
            <dt>CPU</dt>
            <dd>{data.cpuCores} cores</dd>
          </div>
          <div>
            <dt>Memory</dt>
            <dd>
              {formatBytes(data.memoryFreeBytes)} free of {formatBytes(data.memoryTotalBytes)}
            </dd>
          </div>
        </dl>
      )}
      {data?.note !== null && data?.note !== undefined ? <p className="muted small-text">{data.note}</p> : null}
    </section>
  );
}
