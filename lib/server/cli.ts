// `rotor server`: start the embedded server (or report MONGODB_URI), print its URI, stop on Ctrl-C.
import { redact } from '../util/redact.js';
import { startServer } from './harness.js';

export async function serverCommand(): Promise<void> {
  const server = await startServer();
  process.stdout.write(`${server.kind === 'external' ? 'using MONGODB_URI' : 'FerretDB listening'}: ${redact(server.uri)}\n`);
  if (server.kind === 'external') return;
  process.stdout.write('Press Ctrl-C to stop.\n');
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      void server.stop().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('stopped\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  serverCommand().catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
