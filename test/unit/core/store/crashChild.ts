import { OtlpReceiver } from '../../../../src/core/receiver/otlpReceiver';
import { LocalTraceStore } from '../../../../src/core/store/localTraceStore';

/**
 * Runs a store and a receiver in a child process for the crash test: tells the parent its port
 * over IPC, then serves until it is killed.
 */
async function main(): Promise<void> {
  const directory = process.argv[2];
  if (directory === undefined) throw new Error('usage: crashChild <directory>');
  const store = await LocalTraceStore.open({ directory });
  const receiver = new OtlpReceiver({ sink: store, port: 0 });
  const address = await receiver.start();
  process.send?.({ port: address.httpPort });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
