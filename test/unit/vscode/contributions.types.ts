import type * as vscode from 'vscode';
import type { executeCommand, registerCommands, setContext } from '../../../src/vscode/commandRegistry';
import type { commandInvocation, CommandHandlers } from '../../../src/vscode/contributions';
import type { readSetting, settingChanged } from '../../../src/vscode/settings';

/*
 * A type-level test: `npx tsc -p test` compiles it and nothing runs it. Each `@ts-expect-error`
 * line must stay an error; if the typed adapter stopped rejecting it, the compile fails with
 * "Unused '@ts-expect-error' directive".
 */

interface Adapter {
  readonly run: typeof executeCommand;
  readonly register: typeof registerCommands;
  readonly invocation: typeof commandInvocation;
  readonly setContext: typeof setContext;
  readonly read: typeof readSetting;
  readonly changed: typeof settingChanged;
  readonly change: vscode.ConfigurationChangeEvent;
  readonly context: vscode.ExtensionContext;
  readonly handlers: CommandHandlers;
  readonly uri: vscode.Uri;
}

/** Compiles only when `value` is assignable to `T`. */
function accept<T>(value: T): T {
  return value;
}

export async function commandCallsAreChecked({ run, invocation, uri }: Adapter): Promise<void> {
  const opened = await run('spanlens.openTrace', { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', source: 'jaeger' });
  accept<number | undefined>(opened?.spanCount);
  const located = await run('spanlens.goToSpanCode', { traceId: 't', spanId: 's' });
  accept<number | undefined>(located?.line);
  await run('spanlens.receiver.stop');
  invocation('spanlens.showSpansForFunction', 'Show spans', { uri, line: 3 });

  // @ts-expect-error a trace id is a string
  await run('spanlens.openTrace', { traceId: 42 });
  // @ts-expect-error Compare Traces needs its baseline
  await run('spanlens.compareTraces', { traceId: 't' });
  // @ts-expect-error the receiver's commands take no argument
  await run('spanlens.receiver.start', { port: 4318 });
  // @ts-expect-error a typo in an id is no silent no-op
  await run('spanlens.opentrace', { traceId: 't' });
  // @ts-expect-error Save Trace resolves to the written path
  accept<number | undefined>(await run('spanlens.exportTrace', { traceId: 't', file: '/tmp/t.json' }));
  // @ts-expect-error a CodeLens's line is a number
  invocation('spanlens.showSpansForFunction', 'Show spans', { uri, line: '3' });
}

export function registrationIsChecked({ register, context, handlers }: Adapter): void {
  register(context, handlers);
  const withoutExport: Omit<CommandHandlers, 'spanlens.exportTrace'> = handlers;
  // @ts-expect-error every declared command needs its handler
  register(context, withoutExport);
  // @ts-expect-error a handler resolves to its command's declared result
  register(context, { ...handlers, 'spanlens.exportTrace': () => 42 });
  // @ts-expect-error a handler takes its command's declared arguments
  register(context, { ...handlers, 'spanlens.openTrace': (argument: { traceId: number }) => Promise.resolve({ traceId: String(argument.traceId), spanCount: 0, source: 'local' }) });
  // @ts-expect-error only declared commands are registered
  register(context, { ...handlers, 'spanlens.undeclared': () => undefined });
}

export function contextKeysAndSettingsAreChecked({ setContext: set, read, changed, change }: Adapter): void {
  set('spanlens.tracesLive', true);
  accept<number>(read('spanlens.receiver.httpPort'));
  accept<string>(read('spanlens.receiver.host'));
  changed(change, 'spanlens.annotations', 'spanlens.receiver.httpPort');
  // @ts-expect-error context keys are declared in contributions.ts
  set('spanlens.traceslive', true);
  // @ts-expect-error settings are declared in contributions.ts
  read('spanlens.receiver.port');
  // @ts-expect-error the port is a number
  accept<string>(read('spanlens.receiver.httpPort'));
  // @ts-expect-error a change is asked about a declared setting or its group
  changed(change, 'spanlens.annotation');
}
