/** Languages whose stack traces the parsers understand. */
export type StackLanguage = 'v8' | 'python' | 'java' | 'dotnet' | 'go' | 'ruby';

/**
 * One frame as printed by a runtime. Lines and columns are 1-based (V8 prints both 1-based; the
 * other runtimes print lines only). `file` is the path as printed, with `file://` URLs decoded;
 * Java frames get the package directory prepended to the bare file name so that suffix matching
 * has something to work with.
 */
export interface StackFrame {
  readonly function: string | undefined;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** Runtime, standard-library or dependency code: kept for display, tried last for mapping. */
  readonly library: boolean;
  /** The frame's text, trimmed, for display and for the explain view. */
  readonly raw: string;
}

/**
 * One exception (or one goroutine, or gRPC's call-site section) in a printed trace. Frames are
 * stored innermost first whatever the runtime's print order (Python and old Ruby print them
 * outermost first).
 */
export interface StackSection {
  readonly kind: StackSectionKind;
  readonly type: string | undefined;
  readonly message: string | undefined;
  readonly frames: readonly StackFrame[];
}

/**
 * `main`: the exception that escaped. `cause`: Java `Caused by:`, Python "direct cause", .NET inner
 * exception, Ruby cause. `context`: Python "During handling of the above exception". `suppressed`:
 * Java `Suppressed:`. `callSite`: gRPC-js's "for call at" section. `goroutine`: other goroutines
 * of a Go dump.
 */
export type StackSectionKind = 'main' | 'cause' | 'context' | 'suppressed' | 'callSite' | 'goroutine';

export interface ParsedStackTrace {
  readonly language: StackLanguage | undefined;
  /** Printed order, except that the section holding the throw site comes first (see rootCauseFirst). */
  readonly sections: readonly StackSection[];
}

export const emptyStackTrace: ParsedStackTrace = Object.freeze({ language: undefined, sections: Object.freeze([]) });
