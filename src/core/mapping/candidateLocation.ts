/** Where a candidate location came from, for the explain view and for ordering. */
export type LocationProvenance =
  | { readonly source: 'attributes'; readonly keys: readonly string[] }
  | {
      readonly source: 'exception' | 'codeStacktrace';
      /** Index of the span event (exception) or undefined for `code.stacktrace`. */
      readonly eventIndex: number | undefined;
      readonly sectionIndex: number;
      readonly frameIndex: number;
      readonly library: boolean;
      readonly exceptionType: string | undefined;
      readonly exceptionMessage: string | undefined;
    };

/** A place in code named by a span, before it is mapped to the workspace. Lines and columns 1-based. */
export type CandidateLocation =
  | {
      readonly kind: 'file';
      readonly path: string;
      readonly line: number | undefined;
      readonly column: number | undefined;
      readonly function: string | undefined;
      /**
       * Fewest trailing path segments a suffix match must share. JVM frames name only
       * `com/shop/Checkout.java`: a `Checkout.java` in another package would be a wrong file.
       */
      readonly minimumSuffixSegments: number;
      readonly provenance: LocationProvenance;
    }
  | {
      readonly kind: 'symbol';
      /** Fully qualified (`com.shop.Checkout.pay`, `github.com/x/pkg.(*T).M`). */
      readonly qualifiedName: string;
      readonly namespace: string | undefined;
      readonly function: string;
      readonly provenance: LocationProvenance;
    };

/** A location named by a file path (code.* attributes, a stack frame), as opposed to a symbol. */
export type FileCandidate = Extract<CandidateLocation, { kind: 'file' }>;
