import { createContext, useContext } from 'react';
import type { Settings } from '../../../electron/core/contract/settings.ts';
import type { AppInfo } from '../../../electron/core/contract/app.ts';
import type { Route } from './routes.ts';

export interface AppContextValue {
  settings: Settings | undefined;
  info: AppInfo | undefined;
  navigate: (route: Route) => void;
  /** Refetch settings and info after something changed them. */
  refresh: () => void;
  /** Show a short message at the bottom of the window. */
  notify: (message: string, tone?: 'info' | 'error') => void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (value === null) throw new Error('useApp outside <App>');
  return value;
}
