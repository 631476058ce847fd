import * as vscode from 'vscode';
import { settings, type SettingKey, type SettingValue } from './contributions';

/** A `spanlens.*` setting as it applies now (for `scope`, when given), else package.json's default. */
export function readSetting<K extends SettingKey>(key: K, scope?: vscode.ConfigurationScope): SettingValue<K> {
  return vscode.workspace.getConfiguration(undefined, scope).get<SettingValue<K>>(key, settings[key]);
}

/** Each level's value of a setting, for readers that must tell user, workspace and folder apart. */
export function inspectSetting(key: SettingKey, scope?: vscode.ConfigurationScope): ReturnType<vscode.WorkspaceConfiguration['inspect']> {
  return vscode.workspace.getConfiguration(undefined, scope).inspect<unknown>(key);
}

export async function updateSetting<K extends SettingKey>(key: K, value: SettingValue<K>, target: vscode.ConfigurationTarget): Promise<void> {
  await vscode.workspace.getConfiguration().update(key, value, target);
}

/** `spanlens.receiver`, `spanlens.annotations`: the groups of settings a change may be asked about. */
type SettingSection<K extends SettingKey = SettingKey> = K extends `spanlens.${infer Section}.${string}` ? `spanlens.${Section}` : never;

export function settingChanged(event: vscode.ConfigurationChangeEvent, ...keys: (SettingKey | SettingSection)[]): boolean {
  return keys.some((key) => event.affectsConfiguration(key));
}

/** The Settings editor, filtered to a declared setting or group. */
export async function showSettings(query: SettingKey | SettingSection): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.openSettings', query);
}
