/** Which stage of the pipeline a step belongs to, for the "explain mapping" view. */
export type MappingRuleName =
  | 'attributes'
  | 'stackFrame'
  | 'pathMapping'
  | 'serviceFolder'
  | 'workspacePath'
  | 'suffixMatch'
  | 'sourceMap'
  | 'symlinkCheck'
  | 'dependencyPath'
  | 'fileExists'
  | 'symbolFiles'
  | 'declarationSearch'
  | 'symbol';

export type StepOutcome = 'matched' | 'failed' | 'skipped' | 'ambiguous' | 'refused';

/** One thing tried while mapping: what rule, on what input, and what came of it. */
export interface MappingStep {
  readonly rule: MappingRuleName;
  readonly input: string;
  readonly result: string;
  readonly outcome: StepOutcome;
}
