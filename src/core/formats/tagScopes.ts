import { noAttributes, type AttributeValue } from '../model/attributes';
import type { Scope } from '../model/span';
import { takeStringTag } from './jsonAttributes';

/**
 * The instrumentation scope that Jaeger and Zipkin carry as tags (`otel.scope.*`, and the older
 * `otel.library.*`), taken out of the tags and shared: one Scope object per name and version.
 */
export class TagScopes {
  private readonly scopes = new Map<string, Scope>();

  take(tags: Map<string, AttributeValue>): Scope | undefined {
    const scopeName = takeStringTag(tags, 'otel.scope.name');
    const scopeVersion = takeStringTag(tags, 'otel.scope.version');
    const libraryName = takeStringTag(tags, 'otel.library.name');
    const libraryVersion = takeStringTag(tags, 'otel.library.version');
    const name = scopeName ?? libraryName ?? '';
    const version = scopeVersion ?? libraryVersion;
    if (name === '' && (version === undefined || version === '')) return undefined;
    const key = `${name}\u0000${version ?? '\u0001'}`;
    let scope = this.scopes.get(key);
    if (scope === undefined) {
      scope = { name, version: version === '' ? undefined : version, attributes: noAttributes };
      this.scopes.set(key, scope);
    }
    return scope;
  }
}
