import { useCallback, useEffect, useMemo, useState } from 'react';
import { call, inflow } from '../ipc/client.ts';
import { useQuery } from '../ipc/use-query.ts';
import { AppContext, type AppContextValue } from './app-context.ts';
import { parseHash, screens, toHash, type Route } from './routes.ts';
import { Sidebar } from './Sidebar.tsx';
import { Toasts, useToasts } from '../components/Toasts.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { AskScreen } from '../features/ask/AskScreen.tsx';
import { RunsScreen } from '../features/runs/RunsScreen.tsx';
import { MemoryScreen } from '../features/memory/MemoryScreen.tsx';
import { KnowledgeScreen } from '../features/knowledge/KnowledgeScreen.tsx';
import { ModelsScreen } from '../features/models/ModelsScreen.tsx';
import { TrainingScreen } from '../features/training/TrainingScreen.tsx';
import { SettingsScreen } from '../features/settings/SettingsScreen.tsx';
import { askSession } from '../features/ask/trace-store.ts';

/** The window: sidebar, current screen, toasts; theme from settings or the system. */
export function App() {
  const [route, setRoute] = useState<Route>(() => parseHash(window.location.hash));
  const settings = useQuery(() => call(inflow().settings.get()));
  const info = useQuery(() => call(inflow().app.info()));
  const toasts = useToasts();

  const navigate = useCallback((next: Route) => {
    window.location.hash = toHash(next);
    setRoute(next);
  }, []);

  useEffect(() => askSession.connect(), []);

  useEffect(() => {
    const onHash = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      const index = Number(event.key) - 1;
      const screen = screens[index];
      if (screen !== undefined) {
        event.preventDefault();
        navigate({ screen: screen.id });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [navigate]);

  const theme = settings.data?.theme ?? 'system';
  useEffect(() => {
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);

  useEffect(() => {
    const screen = screens.find((entry) => entry.id === route.screen);
    document.title = screen === undefined ? 'Inflow' : `${screen.label} · Inflow`;
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [route.screen]);

  const context: AppContextValue = useMemo(
    () => ({
      settings: settings.data,
      info: info.data,
      navigate,
      refresh: () => {
        settings.reload();
        info.reload();
      },
      notify: toasts.push,
    }),
    [settings.data, info.data, navigate, settings.reload, info.reload, toasts.push],
  );

  const fatal = settings.error ?? info.error;
  return (
    <AppContext.Provider value={context}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="shell">
        <Sidebar current={route.screen} onNavigate={(screen) => navigate({ screen })} counts={info.data?.counts} />
        <main id="main" className="main" tabIndex={-1} aria-labelledby="screen-title">
          {fatal !== undefined ? (
            <div className="screen">
              <ErrorNotice error={fatal} />
            </div>
          ) : (
            <Screen route={route} />
          )}
        </main>
      </div>
      <Toasts toasts={toasts.list} onDismiss={toasts.dismiss} />
    </AppContext.Provider>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.screen) {
    case 'ask':
      return <AskScreen />;
    case 'runs':
      return <RunsScreen selectedId={route.id} />;
    case 'memory':
      return <MemoryScreen />;
    case 'knowledge':
      return <KnowledgeScreen />;
    case 'models':
      return <ModelsScreen />;
    case 'training':
      return <TrainingScreen selectedId={route.id} />;
    case 'settings':
      return <SettingsScreen />;
  }
}
