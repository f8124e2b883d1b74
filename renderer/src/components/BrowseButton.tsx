import type { PickPathRequest } from '../../../electron/core/contract/system.ts';
import { call, inflow } from '../ipc/client.ts';
import { useApp } from '../app/app-context.ts';
import { errorText } from './ErrorNotice.tsx';

/**
 * "Browse…" next to a path field: opens the system's file or folder picker and hands the chosen path to
 * `onPicked`. Cancelling does nothing; the text field stays the fallback for typing a path.
 */
export function BrowseButton(props: PickPathRequest & { onPicked: (path: string) => void; label?: string }) {
  const { notify } = useApp();
  const { onPicked, label, ...request } = props;
  const browse = async () => {
    try {
      const answer = await call(inflow().system.pickPath(request));
      if ('path' in answer) onPicked(answer.path);
    } catch (error) {
      notify(errorText(error), 'error');
    }
  };
  return (
    <button
      type="button"
      className="secondary"
      aria-label={label ?? `Browse for ${request.kind === 'folder' ? 'a folder' : 'a file'}`}
      onClick={() => void browse()}
    >
      Browse…
    </button>
  );
}
