import { describeBackendFailure } from './backendError';
import { checkSourceConfig, type SourceConfig } from './sourceConfig';

/** The parts of `WorkspaceConfiguration.inspect()` that matter for a machine-scoped setting. */
export interface InspectedSetting<T> {
  readonly defaultValue?: T | undefined;
  readonly globalValue?: T | undefined;
  readonly workspaceValue?: T | undefined;
  readonly workspaceFolderValue?: T | undefined;
}

/**
 * The value of a setting that decides where credentials go. In an untrusted workspace only the
 * user's own (global) value counts: a cloned repository's .vscode/settings.json must not point a
 * source's name, and so its stored token, at another server
 * (https://code.visualstudio.com/api/extension-guides/workspace-trust).
 */
export function trustedSettingValue<T>(inspected: InspectedSetting<T> | undefined, trusted: boolean): T | undefined {
  if (!inspected) return undefined;
  if (!trusted) return inspected.globalValue ?? inspected.defaultValue;
  return inspected.workspaceFolderValue ?? inspected.workspaceValue ?? inspected.globalValue ?? inspected.defaultValue;
}

/** Names the tree and `defaultSource` already use for the built-in sources. */
export const reservedSourceNames: readonly string[] = ['local', 'files'];

export interface ParsedSources {
  readonly sources: readonly SourceConfig[];
  /** One sentence per bad entry, naming it and saying what to fix. */
  readonly problems: readonly string[];
}

/**
 * Turns the raw `spanlens.sources` value into checked configs. A bad entry is reported by name
 * (or position when it has none) and skipped; the others still work.
 */
export function parseSourceEntries(raw: unknown): ParsedSources {
  if (raw === undefined || raw === null) return { sources: [], problems: [] };
  if (!Array.isArray(raw)) return { sources: [], problems: ['The spanlens.sources setting must be a list of sources; it is ignored until fixed.'] };
  const sources: SourceConfig[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  raw.forEach((entry: unknown, index) => {
    const position = `Entry ${index + 1} of spanlens.sources`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${position} is not an object with name, type and url; it is ignored.`);
      return;
    }
    const record = entry as Record<string, unknown>;
    const name = record['name'];
    if (typeof name !== 'string' || name.trim() === '') {
      problems.push(`${position} has no "name"; give it one (it is shown in the Traces view). It is ignored.`);
      return;
    }
    if (reservedSourceNames.includes(name)) {
      problems.push(`Trace source "${name}" uses a name SpanLens reserves for its built-in sources; rename it in spanlens.sources. It is ignored.`);
      return;
    }
    if (seen.has(name)) {
      problems.push(`Trace source "${name}" is defined more than once in spanlens.sources; only the first is used.`);
      return;
    }
    if (typeof record['url'] !== 'string') {
      problems.push(`Trace source "${name}" has no "url"; set the base URL of its query API in spanlens.sources. It is ignored.`);
      return;
    }
    const headers = record['headers'];
    if (headers !== undefined && (typeof headers !== 'object' || headers === null || Object.values(headers).some((value) => typeof value !== 'string'))) {
      problems.push(`Trace source "${name}": "headers" must map header names to text values. It is ignored.`);
      return;
    }
    for (const field of ['tenant', 'type', 'auth'] as const) {
      if (record[field] !== undefined && typeof record[field] !== 'string') {
        problems.push(`Trace source "${name}": "${field}" must be text. It is ignored.`);
        return;
      }
    }
    const config = entry as SourceConfig;
    const checked = checkSourceConfig(config);
    if (!checked.ok) {
      problems.push(`${describeBackendFailure(name, checked.failure)} It is ignored until fixed.`);
      return;
    }
    seen.add(name);
    sources.push(config);
  });
  return { sources, problems };
}
