import type { FileCandidate } from './candidateLocation';
import type { MappedLocation, SpanLocationResult } from './resolveSpanLocation';

/** Where a path and line of a service map, or null for nowhere in the workspace. */
export type KnownLocation = MappedLocation | null;

const defaultCapacity = 50_000;

/**
 * resolveLocation behind a bounded cache, for callers that place many spans naming few places:
 * one resolution per service, path and line, in flight or remembered, however many spans share it.
 * Answers are read back synchronously (`known`) once a batch's places were resolved.
 */
export class LocationResolver {
  /** Service → path → line (−1 for none): nested, so a lookup hashes strings it already holds. */
  private readonly answers = new Map<string, Map<string, Map<number, KnownLocation>>>();
  private count = 0;
  private readonly inFlight = new Map<string, Promise<KnownLocation>>();

  constructor(
    private readonly resolveOne: (service: string, candidate: FileCandidate) => Promise<SpanLocationResult>,
    /** False until the folders are known: a place not found before then is not remembered. */
    private readonly ready: () => boolean,
    private readonly capacity = defaultCapacity,
  ) {}

  /** The remembered answer; undefined when this place was not resolved yet. */
  known(service: string, path: string, line: number | undefined): KnownLocation | undefined {
    return this.answers
      .get(service)
      ?.get(path)
      ?.get(line ?? -1);
  }

  resolve(service: string, candidate: FileCandidate): Promise<KnownLocation> {
    const { path, line } = candidate;
    const known = this.known(service, path, line);
    if (known !== undefined) return Promise.resolve(known);
    const key = `${service}\n${path}\n${line === undefined ? '' : String(line)}`;
    const pending = this.inFlight.get(key);
    if (pending !== undefined) return pending;
    const ready = this.ready();
    const promise = this.resolveOne(service, candidate)
      .then((result): KnownLocation => result.location ?? null)
      .catch((): KnownLocation => null)
      .then((location) => {
        this.inFlight.delete(key);
        if (location !== null || ready) this.remember(service, path, line, location);
        return location;
      });
    this.inFlight.set(key, promise);
    return promise;
  }

  /** The mapping's rules or files changed: remembered answers may now be wrong. */
  clear(): void {
    this.answers.clear();
    this.count = 0;
  }

  private remember(service: string, path: string, line: number | undefined, location: KnownLocation): void {
    if (this.count >= this.capacity) this.clear();
    let byPath = this.answers.get(service);
    if (byPath === undefined) this.answers.set(service, (byPath = new Map<string, Map<number, KnownLocation>>()));
    let byLine = byPath.get(path);
    if (byLine === undefined) byPath.set(path, (byLine = new Map<number, KnownLocation>()));
    if (!byLine.has(line ?? -1)) this.count++;
    byLine.set(line ?? -1, location);
  }
}
