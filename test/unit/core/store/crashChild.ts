import { OtlpReceiver } from '../../../../src/core/receiver/otlpReceiver';
import { LocalTraceStore, type LocalTraceStoreOptions } from '../../../../src/core/store/localTraceStore';

/**
 * Runs a store and a receiver in a child process for the crash tests: tells the parent its port
 * over IPC, then serves until it is killed. An optional second argument is JSON of store options
 * (maxSpans, compactMinBytes), so a test can keep the store compacting while it is killed.
 */
async function main(): Promise<void> {
  const directory = process.argv[2];
  if (directory === undefined) throw new Error('usage: crashChild <directory> [store options as JSON]');
  const options = JSON.parse(process.argv[3] ?? '{}') as Partial<LocalTraceStoreOptions>;
  const store = await LocalTraceStore.open({ ...options, directory });
  const receiver = new OtlpReceiver({ sink: store, port: 0 });
  const address = await receiver.start();
  process.send?.({ port: address.httpPort });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
