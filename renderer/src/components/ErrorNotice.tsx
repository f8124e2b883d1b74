import { ClientError } from '../ipc/client.ts';

/** Shows an error as the user needs it: what went wrong and, when known, what to do. */
export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message = error instanceof Error ? error.message : String(error);
  const hint = ClientError.isInstance(error) ? error.hint : undefined;
  return (
    <div className="notice notice-error" role="alert">
      <div>
        <strong>{message}</strong>
        {hint !== undefined ? <p>{hint}</p> : null}
      </div>
      {onRetry !== undefined ? (
        <button type="button" className="secondary" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** The message of any thrown value, with its hint when it has one, for toasts. */
export function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return ClientError.isInstance(error) && error.hint !== undefined ? `${message} ${error.hint}` : message;
}
