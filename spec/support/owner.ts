// A process that owns an embedded server, for the shutdown specs: prints {pid, dataDir, uri}, then
// waits for a signal, or crashes when asked (the "test failure" path).
import { startServer } from '../../lib/server/harness.js';

const server = await startServer({ env: {}, progress: () => {} });
process.stdout.write(`${JSON.stringify({ pid: server.pid, dataDir: server.dataDir, uri: server.uri })}\n`);
if (process.argv[2] === 'crash') setTimeout(() => { throw new Error('owner crashed on purpose'); }, 50);
else if (process.argv[2] === 'exit') setTimeout(() => process.exit(3), 50);
else setInterval(() => {}, 1000);
