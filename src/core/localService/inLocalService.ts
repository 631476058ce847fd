import type { EditorAnnotations } from '../traceService/editorAnnotations';
import type { LocalTraces } from '../traceService/localTraces';
import type { SharedDeps } from '../traceService/traceService';
import { LocalServiceConnection, type LocalServiceLaunch } from './localServiceConnection';
import { LocalServiceSource } from './localServiceSource';
import { ServiceAnnotations } from './serviceAnnotations';

/** A window's local source and annotations, both kept by the per-machine service over one connection. */
export function inLocalService(launch: LocalServiceLaunch): (deps: SharedDeps) => { readonly local: LocalTraces; readonly annotations: EditorAnnotations } {
  return (deps) => {
    const connection = new LocalServiceConnection(launch);
    return { local: new LocalServiceSource(deps.local, connection), annotations: new ServiceAnnotations(connection, deps.mapping, deps.emitAnnotations) };
  };
}
