import type { Database } from '../store/database.ts';
import { SettingsStore } from '../store/settings-store.ts';
import { defaultSettings, settingsSchema, type Settings, type SettingsPatch } from '../contract/settings.ts';

/**
 * Settings live in the `settings` table, one row per leaf under a dotted key (`privacy.networkTools`,
 * `models.planner`, `limits.maxSteps`, `profile`, `theme`) holding JSON, so other modules (the agent's
 * network-tool gate, the CLI) read the same values without knowing this service.
 */
export class SettingsService {
  private readonly store: SettingsStore;

  constructor(db: Database) {
    this.store = new SettingsStore(db);
  }

  /** The stored settings over the defaults; a stored value that no longer validates falls back to its default. */
  read(): Settings {
    const stored = this.store.readAll();
    const merged = structuredClone(defaultSettings) as Record<string, unknown>;
    for (const [key, text] of stored) {
      const [section, leaf] = key.split('.');
      if (section === undefined || !(section in merged)) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        continue;
      }
      if (leaf === undefined) merged[section] = value;
      else if (typeof merged[section] === 'object' && merged[section] !== null && leaf in (merged[section] as object)) {
        (merged[section] as Record<string, unknown>)[leaf] = value;
      }
    }
    // Before Wikipedia online had its own switch, "network tools" covered it: keep that for users who had it on.
    if (!stored.has('privacy.wikipediaOnline'))
      (merged.privacy as Settings['privacy']).wikipediaOnline = (merged.privacy as Settings['privacy']).networkTools;
    const parsed = settingsSchema.safeParse(merged);
    return parsed.success ? parsed.data : structuredClone(defaultSettings);
  }

  /** Applies a validated patch atomically and returns the new settings. */
  update(patch: SettingsPatch): Settings {
    const next = settingsSchema.parse({
      ...this.read(),
      ...(patch.profile === undefined ? {} : { profile: patch.profile }),
      ...(patch.theme === undefined ? {} : { theme: patch.theme }),
      privacy: { ...this.read().privacy, ...patch.privacy },
      models: { ...this.read().models, ...patch.models },
      limits: { ...this.read().limits, ...patch.limits },
      localApi: { ...this.read().localApi, ...patch.localApi },
      compute: { ...this.read().compute, ...patch.compute },
    });
    this.store.writeAll(flatten(next));
    return next;
  }
}

function flatten(settings: Settings): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [section, value] of Object.entries(settings)) {
    if (typeof value === 'object' && value !== null) {
      for (const [leaf, leafValue] of Object.entries(value)) out.push([`${section}.${leaf}`, leafValue]);
    } else {
      out.push([section, value]);
    }
  }
  return out;
}
