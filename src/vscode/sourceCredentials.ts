import * as vscode from 'vscode';
import type { SourceConfig, SourceCredentials } from '../core/backends/sourceConfig';
import { readSourceSettings } from './sourceSettings';

/**
 * Credentials of the remote sources in VS Code's SecretStorage (the OS keychain). The key holds
 * the source's name and its URL's origin: when the URL in settings changes, the old secret is
 * not found, so it is never sent to a server it was not entered for.
 */
export class SourceCredentialStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  static keyOf(config: SourceConfig): string {
    return `spanlens.source/${encodeURIComponent(config.name)}/${new URL(config.url).origin}`;
  }

  async get(config: SourceConfig): Promise<SourceCredentials | undefined> {
    const stored = await this.secrets.get(SourceCredentialStore.keyOf(config));
    if (stored === undefined) return undefined;
    try {
      return JSON.parse(stored) as SourceCredentials;
    } catch {
      // A damaged entry is as good as none; the request then asks for credentials.
      return undefined;
    }
  }

  async set(config: SourceConfig, credentials: SourceCredentials): Promise<void> {
    await this.secrets.store(SourceCredentialStore.keyOf(config), JSON.stringify(credentials));
  }

  async delete(config: SourceConfig): Promise<void> {
    await this.secrets.delete(SourceCredentialStore.keyOf(config));
  }
}

export type CredentialKind = 'bearer' | 'basic' | 'header' | 'clear';

/** What the command resolves to: what was stored, never the secret itself. */
export interface SetCredentialsResult {
  readonly source: string;
  readonly kind: CredentialKind;
}

/**
 * Programmatic form: `{ source, token }`, `{ source, username, password }`,
 * `{ source, header, value }` or `{ source, clear: true }`.
 */
export interface CredentialsArgument {
  readonly source: string;
  readonly token?: string;
  readonly username?: string;
  readonly password?: string;
  readonly header?: string;
  readonly value?: string;
  readonly clear?: boolean;
}

function isCredentialsArgument(argument: unknown): argument is CredentialsArgument {
  return typeof argument === 'object' && argument !== null && typeof (argument as { source?: unknown }).source === 'string';
}

/** `spanlens.setSourceCredentials`: asks which source and which kind, with password boxes. */
export async function setSourceCredentials(store: SourceCredentialStore, argument: unknown): Promise<SetCredentialsResult | undefined> {
  const settings = readSourceSettings();
  const requested = isCredentialsArgument(argument) ? argument.source : typeof argument === 'string' ? argument : undefined;
  let config: SourceConfig | undefined;
  if (requested !== undefined) {
    config = settings.sources.find((source) => source.name === requested);
    if (!config) {
      const problem = settings.problems.find((text) => text.includes(`"${requested}"`));
      throw new Error(problem ?? `There is no trace source named "${requested}" in spanlens.sources. Add it there first, then set its credentials.`);
    }
  } else {
    if (settings.sources.length === 0) throw new Error('No trace source is configured. Add one to the spanlens.sources setting, then set its credentials.');
    const picked = await vscode.window.showQuickPick(
      settings.sources.map((source) => ({ label: source.name, description: `${source.type} · ${source.url}`, detail: `auth: ${source.auth ?? 'none'}`, config: source })),
      { title: 'SpanLens: Set Source Credentials', placeHolder: 'Which source?' },
    );
    if (!picked) return undefined;
    config = picked.config;
  }
  const chosen = config;
  if (isCredentialsArgument(argument)) return await storeProgrammatic(store, chosen, argument);
  return await askAndStore(store, chosen);
}

async function storeProgrammatic(store: SourceCredentialStore, config: SourceConfig, argument: CredentialsArgument): Promise<SetCredentialsResult> {
  const source = config.name;
  if (argument.clear === true) {
    await store.delete(config);
    return { source, kind: 'clear' };
  }
  if (argument.token !== undefined && argument.token !== '') {
    await store.set(config, { token: argument.token });
    return { source, kind: 'bearer' };
  }
  if (argument.username !== undefined && argument.password !== undefined) {
    await store.set(config, { username: argument.username, password: argument.password });
    return { source, kind: 'basic' };
  }
  if (argument.header !== undefined && argument.value !== undefined) {
    await store.set(config, { secretHeaders: { [argument.header]: argument.value } });
    return { source, kind: 'header' };
  }
  throw new Error('Say what to store: { source, token }, { source, username, password }, { source, header, value } or { source, clear: true }.');
}

async function askAndStore(store: SourceCredentialStore, config: SourceConfig): Promise<SetCredentialsResult | undefined> {
  const title = `SpanLens: credentials for "${config.name}"`;
  const kinds: (vscode.QuickPickItem & { credential: CredentialKind })[] = [
    { label: 'Bearer token', description: 'Authorization: Bearer …', credential: 'bearer' },
    { label: 'User name and password', description: 'basic authentication (Grafana Cloud: instance id and API token)', credential: 'basic' },
    { label: 'A secret header', description: 'an API key sent as a header of your choice', credential: 'header' },
    { label: 'Forget the stored credentials', credential: 'clear' },
  ];
  // Put the kind the source's "auth" asks for first.
  kinds.sort((a, b) => Number(b.credential === config.auth) - Number(a.credential === config.auth));
  const kind = await vscode.window.showQuickPick(kinds, { title, placeHolder: 'What does this source need?' });
  if (!kind) return undefined;
  const source = config.name;
  switch (kind.credential) {
    case 'clear':
      await store.delete(config);
      void vscode.window.showInformationMessage(`SpanLens: the credentials of "${source}" were removed.`);
      return { source, kind: 'clear' };
    case 'bearer': {
      const token = await vscode.window.showInputBox({ title, prompt: 'Bearer token', password: true, ignoreFocusOut: true, validateInput: required });
      if (token === undefined) return undefined;
      await store.set(config, { token: token.trim() });
      break;
    }
    case 'basic': {
      const username = await vscode.window.showInputBox({
        title,
        prompt: 'User name',
        ignoreFocusOut: true,
        validateInput: (v) => required(v) ?? (v.includes(':') ? 'A user name for basic authentication cannot contain ":"' : undefined),
      });
      if (username === undefined) return undefined;
      const password = await vscode.window.showInputBox({ title, prompt: `Password or API token for ${username}`, password: true, ignoreFocusOut: true, validateInput: required });
      if (password === undefined) return undefined;
      await store.set(config, { username: username.trim(), password });
      break;
    }
    case 'header': {
      const header = await vscode.window.showInputBox({
        title,
        prompt: 'Header name, for example X-Api-Key',
        ignoreFocusOut: true,
        validateInput: (v) => (/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(v.trim()) ? undefined : 'Enter a valid HTTP header name'),
      });
      if (header === undefined) return undefined;
      const value = await vscode.window.showInputBox({ title, prompt: `Value of ${header.trim()}`, password: true, ignoreFocusOut: true, validateInput: required });
      if (value === undefined) return undefined;
      await store.set(config, { secretHeaders: { [header.trim()]: value } });
      break;
    }
  }
  if (kind.credential !== 'header' && (config.auth ?? 'none') !== kind.credential) {
    void vscode.window.showWarningMessage(
      `SpanLens: stored. Trace source "${source}" has "auth": "${config.auth ?? 'none'}" in spanlens.sources; set it to "${kind.credential}" so the credentials are sent.`,
    );
  } else {
    void vscode.window.showInformationMessage(`SpanLens: the credentials of "${source}" are stored in VS Code's secret storage.`);
  }
  return { source, kind: kind.credential };
}

function required(value: string): string | undefined {
  return value.trim() === '' ? 'Required' : undefined;
}
