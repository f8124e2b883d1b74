import type { ReactNode } from 'react';
import { Icon, type IconName } from './Icon.tsx';

/** What a new user sees where there is nothing yet: what this place is for and the one thing to do first. */
export function EmptyState({ icon, title, children, action }: { icon: IconName; title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty-state">
      <div className="empty-icon">
        <Icon name={icon} />
      </div>
      <h2>{title}</h2>
      <div className="empty-body">{children}</div>
      {action !== undefined ? <div className="empty-action">{action}</div> : null}
    </div>
  );
}
