/** The screens, in sidebar order; Ctrl/Cmd + 1..7 jumps to them. */
export const screens = [
  { id: 'ask', label: 'Ask', hint: 'Ask a question' },
  { id: 'runs', label: 'Runs', hint: 'History of runs' },
  { id: 'memory', label: 'Memory', hint: 'What the agent remembers' },
  { id: 'knowledge', label: 'Knowledge', hint: 'Folders the agent can search' },
  { id: 'models', label: 'Models', hint: 'Local models and adapters' },
  { id: 'training', label: 'Training', hint: 'Teach the planner with Flow-GRPO' },
  { id: 'settings', label: 'Settings', hint: 'Privacy, models, limits' },
] as const;

export type ScreenId = (typeof screens)[number]['id'];

export interface Route {
  screen: ScreenId;
  /** A run id (Runs) or training run id (Training) to open. */
  id?: string;
}

/** `#/runs/run_abc` ⇄ {screen:'runs', id:'run_abc'}; unknown hashes go to Ask. */
export function parseHash(hash: string): Route {
  const [screen, id] = hash.replace(/^#\/?/, '').split('/');
  const known = screens.find((entry) => entry.id === screen);
  if (known === undefined) return { screen: 'ask' };
  return id === undefined || id === '' ? { screen: known.id } : { screen: known.id, id: decodeURIComponent(id) };
}

export function toHash(route: Route): string {
  return `#/${route.screen}${route.id === undefined ? '' : `/${encodeURIComponent(route.id)}`}`;
}
