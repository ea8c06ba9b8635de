// One worker of a slot (a fresh one after each loss): tinypool running its thread, its two channels, the
// requests crossing to it (a tick's in one message), and whether it still runs, read while the main thread is
// blocked. Its messages, its loss and a request that cannot cross go to the slot (ThreadHost).
import { MessageChannel, type MessagePort, type ResourceLimits, type Worker } from 'node:worker_threads';
import type { Tinypool } from 'tinypool';
import type { Request, SyncReply, WorkerMessage } from '../protocol.js';
import { heapLimitsFromFlags, startWorkerPool, takeEarlyWorker, workerEverRan } from './launch.js';
import type { RemoteObjects } from './objects.js';
import { threadState } from './thread-liveness.js';

/** A worker not running within this is taken for lost. */
const START_CEILING_MS = 15_000;

export type Sent = Request & { args?: unknown[] };

/** A request in flight (queued with its message until the tick's flush); `functions`: its arguments' user functions. */
export interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  m: Sent;
  args: unknown[] | undefined;
  parts: unknown[] | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  functions: number[] | undefined;
}

export const nameOf = (m: Request): string => ('member' in m ? m.member : m.op);

/** What a worker needs of its slot (WorkerSlot). */
export interface ThreadHost {
  readonly objects: Pick<RemoteObjects, 'encodeInto' | 'forgetFunctions'>;
  onMessage(m: WorkerMessage | WorkerMessage[]): void;
  /** The worker of that generation died or failed (maybe told more than once). */
  lose(generation: number, cause: Error): void;
  /** Fails request `r`: it cannot be sent. */
  fail(r: number, error: unknown): void;
}

export class SlotThread {
  readonly pool: Tinypool;
  readonly worker: Worker | undefined;
  /** The ordered channel: every request, and the replies but those to blocking requests (on `sync`, counted in flag[0]). */
  readonly ordered: MessagePort;
  readonly sync: MessagePort;
  readonly flag = new Int32Array(new SharedArrayBuffer(4));
  /** This tick's requests: they cross in one message (80 concurrent findOne: one hop, not 80). */
  queued: Pending[] = [];
  readonly flushSoon = (): void => this.flush();
  /** Whether its channel and thread keep the process alive now (the slot's updateRef; undefined until it sets them). */
  refed: boolean | undefined;
  /** The slot let go of it (lost, or the pool closed): what it queued failed already. */
  private released = false;
  private sawRunning = false;
  private readonly startedAt: number;

  constructor(limits: ResourceLimits | undefined, private readonly host: ThreadHost, generation: number) {
    const channel = new MessageChannel();
    const sync = new MessageChannel();
    // The worker rotor/register started before the app loaded, unless this pool has limits of its own.
    const pool = (!limits && takeEarlyWorker()) || startWorkerPool(limits ?? heapLimitsFromFlags());
    const lose = (error: Error): void => host.lose(generation, error);
    pool.on('error', lose); // a worker dying with no task in flight: unheard, an uncaught exception
    const worker = (pool.threads[0] as unknown as { thread: Worker } | undefined)?.thread;
    worker?.on('error', lose);
    worker?.on('exit', (code: number) => {
      lose(new Error(`the worker thread exited with code ${code}`));
      // Not before: destroy() while the thread's 'error' is still to come throws in tinypool's cleanup.
      void pool.destroy().catch(() => {});
    });
    const attach = { op: 'attach', port: channel.port2, syncPort: sync.port2, flag: this.flag.buffer };
    pool.run(attach, { transferList: [channel.port2, sync.port2] }).catch(lose);
    channel.port1.on('message', (m: WorkerMessage | WorkerMessage[]) => host.onMessage(m));
    // A user function's call posted there as its blocking request was abandoned (timed out) runs as usual.
    sync.port1.on('message', (m: SyncReply) => 't' in m && host.onMessage(m));
    sync.port1.unref();
    this.pool = pool;
    this.worker = worker;
    this.ordered = channel.port1;
    this.sync = sync.port1;
    this.startedAt = Date.now();
  }

  /** The slot lets go of it: its requests in flight failed. */
  release(): void {
    this.released = true;
    this.ordered.close();
  }

  /** Posts `m`; returns its functions' ids. What clone refuses (a Proxy) is encoded again through its traps: never a lost worker. */
  post(m: Sent, args: unknown[] | undefined, functions: number[] | undefined): number[] | undefined {
    try {
      this.ordered.postMessage(m);
      return functions;
    } catch (error) {
      this.host.objects.forgetFunctions(functions);
      if (!args || (error as Error).name !== 'DataCloneError') throw error;
    }
    let materialized: number[] | undefined;
    try {
      materialized = this.host.objects.encodeInto(m, args, true);
      this.ordered.postMessage(m);
      return materialized;
    } catch (again) {
      this.host.objects.forgetFunctions(materialized);
      throw new TypeError(`rotor: an argument of ${nameOf(m)} cannot cross to the pool worker: ${(again as Error).message}`, { cause: again });
    }
  }

  /** Sends this tick's requests now (a stream's chunk is cloned before its write callback gives it back). */
  flush(): void {
    const batch = this.queued;
    if (batch.length === 0) return;
    this.queued = [];
    if (this.released) return;
    if (batch.length > 1) {
      try {
        return this.ordered.postMessage(batch.map((p) => p.m));
      } catch {
        // one of them cannot be cloned: each on its own, below
      }
    }
    for (const p of batch) {
      try {
        p.functions = this.post(p.m, p.args, p.functions);
      } catch (error) {
        this.host.fail(p.m.r!, error);
      }
    }
  }

  /** The thread stopped, although its exit event may not have been delivered yet. */
  stopped(): boolean {
    if (!this.worker) return true;
    const state = threadState(this.worker);
    if (state === 'running') {
      this.sawRunning = true;
      return false;
    }
    // Not running: stopped if it ever ran (seen here, or marked by the worker itself), else still
    // starting. An 'unknown' reading (no native handle) says nothing: only the ceiling then.
    const ran = this.sawRunning || (state === 'not-running' && workerEverRan(this.pool));
    return ran || Date.now() - this.startedAt > START_CEILING_MS;
  }
}
