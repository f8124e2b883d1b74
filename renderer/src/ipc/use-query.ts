import { useCallback, useEffect, useRef, useState } from 'react';

export interface Query<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Loads data with `load` when `key` changes; `reload()` fetches again keeping the old data on screen. */
export function useQuery<T>(load: () => Promise<T>, key: unknown[] = []): Query<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    let live = true;
    setLoading(true);
    loader.current().then(
      (value) => {
        if (live) {
          setData(value);
          setError(undefined);
          setLoading(false);
        }
      },
      (reason: unknown) => {
        if (live) {
          setError(reason);
          setLoading(false);
        }
      },
    );
    return () => {
      live = false;
    };
  }, [nonce, ...key]);
  const reload = useCallback(() => setNonce((value) => value + 1), []);
  return { data, error, loading, reload };
}
