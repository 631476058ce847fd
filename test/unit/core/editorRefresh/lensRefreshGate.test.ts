import * as assert from 'node:assert/strict';
import { LensRefreshGate, type GateClock } from '../../../../src/core/editorRefresh/lensRefreshGate';

/** A clock that moves only when told, running due timers in order. */
class ManualClock implements GateClock {
  private time = 0;
  private nextId = 0;
  private readonly timers = new Map<number, { at: number; run: () => void }>();
  now(): number {
    return this.time;
  }
  setTimeout(run: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, run });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let due: [number, { at: number; run: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (due === undefined || entry[1].at < due[1].at)) due = entry;
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].run();
    }
    this.time = end;
  }
}

/**
 * VS Code's side as its CodeLens contribution behaves: every change event re-arms one debounce
 * timer, and when the timer runs the provider is asked (here it answers at once).
 */
class EditorScheduler {
  private handle: unknown;
  readonly requests: number[] = [];
  constructor(
    private readonly clock: ManualClock,
    private readonly debounceMs: number,
    private readonly ask: () => void,
  ) {}
  schedule(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = this.clock.setTimeout(() => {
      this.handle = undefined;
      this.requests.push(this.clock.now());
      this.ask();
    }, this.debounceMs);
  }
}

describe('LensRefreshGate', () => {
  it('lets VS Code ask for lenses under changes every 300 ms, where firing on every change never lets it ask', () => {
    // Without the gate: an event per annotation flush starves a 375 ms debounce for the whole minute.
    const naiveClock = new ManualClock();
    const naive = new EditorScheduler(naiveClock, 375, () => undefined);
    for (let t = 0; t < 60_000; t += 300) {
      naive.schedule();
      naiveClock.advance(300);
    }
    assert.equal(naive.requests.length, 0, 'the naive provider starves the scheduler: this is the cause of the missing lenses');

    const clock = new ManualClock();
    let calls = 0;
    const editor = new EditorScheduler(clock, 375, () => gate.answeredWith('a.ts', `${String(calls)} calls`));
    const gate: LensRefreshGate = new LensRefreshGate({ minIntervalMs: 1500, answerTimeoutMs: 10_000, fire: () => editor.schedule(), clock });
    // The document was shown: VS Code asks for its lenses by itself.
    editor.schedule();
    for (let t = 0; t < 60_000; t += 300) {
      calls += 3;
      gate.changed('a.ts', `${String(calls)} calls`);
      clock.advance(300);
    }
    assert.ok(editor.requests.length >= 30, `asked ${String(editor.requests.length)} times in a minute`);
    // Gaps between the requests the gate's events caused (the first was VS Code's own).
    const caused = editor.requests.slice(1);
    const gaps = caused.slice(1).map((at, index) => at - (caused[index] ?? 0));
    assert.ok(Math.max(...gaps) <= 2100, `longest wait for fresh lenses ${String(Math.max(...gaps))} ms`);
    assert.ok(Math.min(...gaps) >= 1500, `never more often than the interval, saw ${String(Math.min(...gaps))} ms`);
  });

  it('stays quiet while the lenses are what VS Code last received', () => {
    const clock = new ManualClock();
    let fired = 0;
    const gate = new LensRefreshGate({ minIntervalMs: 1000, answerTimeoutMs: 5000, fire: () => fired++, clock });
    gate.answeredWith('a.ts', 'p50 3 ms');
    for (let i = 0; i < 20; i++) {
      gate.changed('a.ts', 'p50 3 ms');
      clock.advance(300);
    }
    assert.equal(fired, 0);
    gate.changed('a.ts', 'p50 4 ms');
    clock.advance(10);
    assert.equal(fired, 1);
  });

  it('sends an unknown change, and a change back to the answered lenses cancels a pending one', () => {
    const clock = new ManualClock();
    let fired = 0;
    const gate = new LensRefreshGate({ minIntervalMs: 1000, answerTimeoutMs: 5000, fire: () => fired++, clock });
    gate.answeredWith('a.ts', 'x');
    gate.changed('a.ts', undefined);
    clock.advance(1);
    assert.equal(fired, 1);
    gate.answeredWith('a.ts', 'y');
    gate.changed('a.ts', 'z');
    gate.changed('a.ts', 'y');
    clock.advance(5000);
    assert.equal(fired, 1);
  });

  it('waits for VS Code to ask before firing again, and fires again when it never asks', () => {
    const clock = new ManualClock();
    let fired = 0;
    const gate = new LensRefreshGate({ minIntervalMs: 1000, answerTimeoutMs: 8000, fire: () => fired++, clock });
    gate.answeredWith('a.ts', '0');
    gate.changed('a.ts', '1');
    clock.advance(1);
    assert.equal(fired, 1);
    gate.changed('a.ts', '2');
    clock.advance(7000);
    assert.equal(fired, 1, 'unanswered: no second event before the timeout');
    clock.advance(1100);
    assert.equal(fired, 2, 'the timeout passed: fired again');
    // It fired at 8000 ms; an answer releases the next event as soon as the interval allows (9000 ms).
    assert.equal(clock.now(), 8101);
    gate.answeredWith('a.ts', '2');
    gate.changed('a.ts', '3');
    clock.advance(898);
    assert.equal(fired, 2);
    clock.advance(2);
    assert.equal(fired, 3);
  });

  it('sends nothing for a document VS Code is asking about until it has its answer', () => {
    const clock = new ManualClock();
    let fired = 0;
    const gate = new LensRefreshGate({ minIntervalMs: 1000, answerTimeoutMs: 8000, fire: () => fired++, clock });
    gate.asking('a.ts');
    gate.changed('a.ts', '1');
    clock.advance(3000);
    assert.equal(fired, 0, 'an event would cancel the request in flight');
    gate.answeredWith('a.ts', '0');
    clock.advance(1);
    assert.equal(fired, 1, 'the answer predates the change: asked again');
  });

  it('leaves a newly shown document to the request VS Code makes by itself', () => {
    const clock = new ManualClock();
    let fired = 0;
    const gate = new LensRefreshGate({ minIntervalMs: 1000, answerTimeoutMs: 8000, fire: () => fired++, clock });
    // Figures for a document shown a moment ago, which VS Code has not asked about yet.
    gate.changed('a.ts', '1');
    clock.advance(20_000);
    assert.equal(fired, 0, 'an event would only re-arm the debounce of its first request');
    gate.asking('a.ts');
    gate.answeredWith('a.ts', '1');
    gate.changed('a.ts', '2');
    clock.advance(1);
    assert.equal(fired, 1, 'asked once: later changes are sent');
  });

  it('forgets documents that are no longer visible', () => {
    const clock = new ManualClock();
    let fired = 0;
    const gate = new LensRefreshGate({ minIntervalMs: 1000, answerTimeoutMs: 8000, fire: () => fired++, clock });
    gate.answeredWith('a.ts', '0');
    gate.answeredWith('b.ts', '0');
    gate.changed('a.ts', '1');
    clock.advance(1);
    gate.changed('b.ts', '1');
    gate.retainOnly(new Set(['a.ts']));
    gate.answeredWith('a.ts', '1');
    clock.advance(20_000);
    assert.equal(fired, 1, 'the hidden document is asked for by VS Code itself when shown');
    assert.equal(gate.isWaiting, false);
  });

  it('fires nothing after being disposed', () => {
    const clock = new ManualClock();
    let fired = 0;
    const gate = new LensRefreshGate({ minIntervalMs: 1000, answerTimeoutMs: 8000, fire: () => fired++, clock });
    gate.answeredWith('a.ts', '0');
    gate.changed('a.ts', '1');
    gate.dispose();
    clock.advance(5000);
    assert.equal(fired, 0);
  });
});
