export type IconName =
  | 'ask'
  | 'runs'
  | 'memory'
  | 'knowledge'
  | 'models'
  | 'training'
  | 'settings'
  | 'up'
  | 'down'
  | 'stop'
  | 'play'
  | 'chevron'
  | 'search'
  | 'trash'
  | 'edit'
  | 'plus'
  | 'refresh'
  | 'tool'
  | 'check'
  | 'x';

const paths: Record<IconName, string> = {
  ask: 'M4 5h16v10H9l-5 4z',
  runs: 'M4 6h16M4 12h16M4 18h10',
  memory: 'M7 4h10v16l-5-3-5 3z',
  knowledge: 'M4 5h6l2 2h8v12H4z',
  models: 'M12 3l8 4.5v9L12 21l-8-4.5v-9zM12 12l8-4.5M12 12v9M12 12L4 7.5',
  training: 'M4 18l5-6 4 3 7-9M15 6h5v5',
  settings: 'M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zM12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M4.9 19.1L7 17M17 7l2.1-2.1',
  up: 'M7 11v9H4v-9zM7 11l4-8c1.5 0 2.5 1 2.5 2.5V9H19a2 2 0 0 1 2 2.3l-1.2 6.9A2 2 0 0 1 17.8 20H7',
  down: 'M7 13V4H4v9zM7 13l4 8c1.5 0 2.5-1 2.5-2.5V15H19a2 2 0 0 0 2-2.3l-1.2-6.9A2 2 0 0 0 17.8 4H7',
  stop: 'M7 7h10v10H7z',
  play: 'M8 5l11 7-11 7z',
  chevron: 'M9 6l6 6-6 6',
  search: 'M11 4a7 7 0 1 0 0 14 7 7 0 0 0 0-14zM20 20l-4-4',
  trash: 'M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13',
  edit: 'M4 20h4L19 9l-4-4L4 16zM13 7l4 4',
  plus: 'M12 5v14M5 12h14',
  refresh: 'M20 12a8 8 0 1 1-2.3-5.7M20 4v5h-5',
  tool: 'M14 6a4 4 0 0 0 5 5l-8 8a2 2 0 0 1-3-3l8-8a4 4 0 0 0-2-2z',
  check: 'M5 12l5 5 9-10',
  x: 'M6 6l12 12M18 6L6 18',
};

/** A small stroke icon; decorative unless a label is given. */
export function Icon({ name, label }: { name: IconName; label?: string }) {
  return (
    <svg
      className="icon"
      viewBox="0 0 24 24"
      role={label === undefined ? undefined : 'img'}
      aria-hidden={label === undefined ? true : undefined}
      aria-label={label}
    >
      <path d={paths[name]} />
    </svg>
  );
}
