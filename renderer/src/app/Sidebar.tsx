import { screens, type ScreenId } from './routes.ts';
import { Icon, type IconName } from '../components/Icon.tsx';
import type { AppInfo } from '../../../electron/core/contract/app.ts';

const isMac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform);

/** Vertical navigation; arrow keys move between entries, Ctrl/Cmd+N is shown as each entry's shortcut. */
export function Sidebar({
  current,
  onNavigate,
  counts,
}: {
  current: ScreenId;
  onNavigate: (screen: ScreenId) => void;
  counts: AppInfo['counts'] | undefined;
}) {
  const onKeyDown = (event: React.KeyboardEvent<HTMLElement>) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const buttons = [...event.currentTarget.querySelectorAll<HTMLButtonElement>('button[data-screen]')];
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (index < 0) return;
    event.preventDefault();
    buttons[(index + (event.key === 'ArrowDown' ? 1 : buttons.length - 1)) % buttons.length]?.focus();
  };
  return (
    <nav className="sidebar" aria-label="Screens" onKeyDown={onKeyDown}>
      <div className="brand">
        <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
          <path d="M6 22c4-10 8-14 10-14s2 6 5 6 4-4 5-6" />
          <circle cx="6" cy="22" r="2.5" />
          <circle cx="26" cy="8" r="2.5" />
        </svg>
        <span>Inflow</span>
      </div>
      <ul>
        {screens.map((screen, index) => (
          <li key={screen.id}>
            <button
              type="button"
              data-screen={screen.id}
              aria-label={screen.label}
              className={screen.id === current ? 'nav-item active' : 'nav-item'}
              aria-current={screen.id === current ? 'page' : undefined}
              title={`${screen.hint} (${isMac ? '⌘' : 'Ctrl+'}${index + 1})`}
              onClick={() => onNavigate(screen.id)}
            >
              <Icon name={screen.id as IconName} />
              <span className="nav-label">{screen.label}</span>
              {screen.id === 'runs' && counts !== undefined && counts.runs > 0 ? (
                <span className="nav-count" aria-label={`${counts.runs} runs`}>
                  {counts.runs}
                </span>
              ) : null}
            </button>
          </li>
        ))}
      </ul>
      <p className="sidebar-foot">Everything stays on this computer.</p>
    </nav>
  );
}
