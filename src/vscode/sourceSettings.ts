import * as vscode from 'vscode';
import { parseSourceEntries, trustedSettingValue, type ParsedSources } from '../core/backends/parseSourceEntries';
import type { ProxySettings } from '../core/traceService/backendService';
import { inspectSetting } from './settings';

export interface SourceSettings extends ParsedSources {
  /** `spanlens.defaultSource`; `local` is the built-in receiver. */
  readonly defaultSource: string;
}

/**
 * `spanlens.sources` and `spanlens.defaultSource` as they may be used right now: in an untrusted
 * workspace only the user's global values count, so a workspace cannot redirect credentials.
 */
export function readSourceSettings(): SourceSettings {
  const trusted = vscode.workspace.isTrusted;
  const parsed = parseSourceEntries(trustedSettingValue(inspectSetting('spanlens.sources'), trusted));
  const defaultSource = trustedSettingValue(inspectSetting('spanlens.defaultSource'), trusted);
  return { ...parsed, defaultSource: typeof defaultSource === 'string' && defaultSource !== '' ? defaultSource : 'local' };
}

/** VS Code's own proxy settings, so SpanLens goes out the way the editor does. */
export function readProxySettings(): ProxySettings {
  const http = vscode.workspace.getConfiguration('http');
  const proxy = http.get<string>('proxy');
  const noProxy = http.get<unknown>('noProxy');
  return {
    proxyUrl: proxy !== undefined && proxy !== '' ? proxy : undefined,
    noProxy: Array.isArray(noProxy) ? noProxy.filter((entry): entry is string => typeof entry === 'string') : undefined,
    strictSSL: http.get<boolean>('proxyStrictSSL'),
  };
}
