import type { AddOptions } from '../aggregation/spanAggregator';
import type { CodeLocation } from '../aggregation/codeLocation';
import type { Span } from '../model/span';
import {
  AnnotationService,
  type AnnotationSettings,
  type AnnotationsChangedEvent,
  type DocumentAnnotations,
  type ExceptionAnnotation,
  type FunctionHover,
  type FunctionTarget,
  type SpanChoice,
} from './annotationService';
import { CheckoutIdentityReader } from './checkoutIdentity';
import type { FileIndexUpdate, MappingConfiguration, MappingService } from './mappingService';

export type AnnotationTime = NonNullable<AddOptions['time']>;

/**
 * Editor annotations as the trace service of a window uses them: fed spans by every source,
 * asked per document. In this process (tests, and the aggregation of one workspace inside the
 * per-machine service) or in the per-machine service, where the local store feeds them directly
 * and a window that reloads finds them already counted.
 */
export interface EditorAnnotations {
  add(spans: readonly Span[], source: string, time: AnnotationTime, pinned?: ReadonlyMap<Span, CodeLocation>): void;
  /** The mapping's configuration was replaced. */
  mappingConfigured(configuration: MappingConfiguration): Promise<void>;
  fileIndexUpdated(update: FileIndexUpdate): Promise<void>;
  configure(settings: AnnotationSettings): Promise<void>;
  statsForDocument(fsPath: string): Promise<DocumentAnnotations>;
  spansForFunction(fsPath: string, target: FunctionTarget): Promise<readonly SpanChoice[]>;
  hoverForFunction(fsPath: string, target: FunctionTarget): Promise<FunctionHover | undefined>;
  exceptionsForDocument(fsPath: string): Promise<readonly ExceptionAnnotation[]>;
  dispose(): void;
}

/**
 * The annotations of one mapping, in this process: the aggregator places spans through
 * `mapping`, which its owner configures (the same one answers Go to Code in a window's worker).
 */
export class InProcessAnnotations implements EditorAnnotations {
  private readonly checkout = new CheckoutIdentityReader();
  readonly service: AnnotationService;

  constructor(
    mapping: MappingService,
    emit: (event: AnnotationsChangedEvent) => void,
    /** When spans may be placed; before that they wait (see AnnotationService.add). */
    ready: () => boolean = () => mapping.isReady,
  ) {
    this.service = new AnnotationService({
      resolveLocation: (service, candidate) => mapping.resolveLocation(service, candidate),
      mappingReady: ready,
      emit,
      checkout: (fsPath) => this.checkout.read(fsPath),
    });
  }

  add(spans: readonly Span[], source: string, time: AnnotationTime, pinned?: ReadonlyMap<Span, CodeLocation>): void {
    void this.service.add(spans, source, time, pinned);
  }

  mappingConfigured(): Promise<void> {
    this.service.mappingChanged();
    return Promise.resolve();
  }

  fileIndexUpdated(): Promise<void> {
    this.service.mappingChanged();
    return Promise.resolve();
  }

  configure(settings: AnnotationSettings): Promise<void> {
    return this.service.configure(settings);
  }

  statsForDocument(fsPath: string): Promise<DocumentAnnotations> {
    return this.service.statsForDocument(fsPath);
  }

  spansForFunction(fsPath: string, target: FunctionTarget): Promise<readonly SpanChoice[]> {
    return this.service.spansForFunction(fsPath, target);
  }

  hoverForFunction(fsPath: string, target: FunctionTarget): Promise<FunctionHover | undefined> {
    return this.service.hoverForFunction(fsPath, target);
  }

  exceptionsForDocument(fsPath: string): Promise<readonly ExceptionAnnotation[]> {
    return this.service.exceptionsForDocument(fsPath);
  }

  dispose(): void {
    this.service.dispose();
  }
}
