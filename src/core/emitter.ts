/** A registration to undo; shaped like VS Code's, so the adapter can push it into subscriptions. */
export interface Disposable {
  dispose(): void;
}

/**
 * The listeners of one kind of event. A listener added or removed while an event is delivered
 * takes effect from the next one, so a listener may unsubscribe itself safely.
 */
export class Emitter<T> {
  private readonly listeners = new Set<(event: T) => void>();

  /** Subscribes `listener`; meant to be exposed as a class's `onX` method. */
  readonly event = (listener: (event: T) => void): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  /** With `onError`, a listener that throws is reported there and the others still hear the event. */
  fire(event: T, onError?: (error: unknown) => void): void {
    for (const listener of [...this.listeners]) {
      if (onError === undefined) {
        listener(event);
        continue;
      }
      try {
        listener(event);
      } catch (error: unknown) {
        onError(error);
      }
    }
  }
}
