import { useCallback, useRef, useState } from 'react';

export interface Toast {
  id: number;
  message: string;
  tone: 'info' | 'error';
}

/** Short-lived messages; errors stay until dismissed. */
export function useToasts() {
  const [list, setList] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setList((current) => current.filter((toast) => toast.id !== id)), []);
  const push = useCallback(
    (message: string, tone: 'info' | 'error' = 'info') => {
      const id = next.current++;
      setList((current) => [...current.slice(-3), { id, message, tone }]);
      if (tone === 'info') setTimeout(() => dismiss(id), 4000);
    },
    [dismiss],
  );
  return { list, push, dismiss };
}

export function Toasts({ toasts, onDismiss }: { toasts: Toast[]; onDismiss: (id: number) => void }) {
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast toast-${toast.tone}`}>
          <span>{toast.message}</span>
          <button type="button" className="ghost small" onClick={() => onDismiss(toast.id)} aria-label="Dismiss">
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
