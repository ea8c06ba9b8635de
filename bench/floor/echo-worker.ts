// The floor's raw round trip: echoes every message back on the port it is handed (no framing, no
// bookkeeping), so the main thread measures a bare postMessage hop each way.
import { parentPort, type MessagePort } from 'node:worker_threads';

parentPort!.once('message', (port: MessagePort) => {
  port.on('message', (m: unknown) => port.postMessage(m));
});
