import type { ReactNode } from 'react';

/** The title row of a screen; the title is what the main landmark is labelled by. */
export function ScreenHeader({ title, subtitle, actions }: { title: string; subtitle?: string; actions?: ReactNode }) {
  return (
    <header className="screen-header">
      <div>
        <h1 id="screen-title">{title}</h1>
        {subtitle !== undefined ? <p className="subtitle">{subtitle}</p> : null}
      </div>
      {actions !== undefined ? <div className="header-actions">{actions}</div> : null}
    </header>
  );
}
