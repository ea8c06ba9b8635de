// An unreachable server fails at once when every host of the URI refuses the connection (nothing
// listens on the port): the driver would retry until its server selection timeout. Any other
// answer (a listening port, a timeout, a DNS name that does not resolve yet) leaves it to the driver.
import { connect as tcpConnect } from 'node:net';

/** host:port pairs of a mongodb:// URI (none for mongodb+srv://, which names no ports). */
export function hostsOf(uri: string): Array<{ host: string; port: number }> {
  const m = /^mongodb:\/\/(?:[^@/]*@)?([^/?]*)/i.exec(uri);
  if (!m?.[1]) return [];
  return m[1].split(',').map((hostPort) => {
    const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort);
    const [host, port] = v6 ? [v6[1]!, v6[2]] : hostPort.split(':');
    return { host: decodeURIComponent(host), port: Number(port ?? 27017) };
  });
}

function refuses(host: string, port: number, timeoutMS: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (refused: boolean): void => {
      socket.destroy();
      resolve(refused);
    };
    socket.setTimeout(timeoutMS, () => done(false));
    socket.once('connect', () => done(false));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED'));
  });
}

/**
 * Throws when every host of `uri` refuses a connection. Checked before the client connects (a
 * blocking framework's connect() holds the thread): a listening port answers in a round trip, a
 * silent one costs at most `timeoutMS`.
 */
export async function checkNotRefused(uri: string, timeoutMS = 500): Promise<void> {
  const hosts = hostsOf(uri);
  const answers = await Promise.all(hosts.map(({ host, port }) => refuses(host, port, timeoutMS)));
  if (hosts.length && answers.every(Boolean)) {
    throw new Error(`connection refused by ${hosts.map(({ host, port }) => `${host}:${port}`).join(', ')} (nothing listens there)`);
  }
}
