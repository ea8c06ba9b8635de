// The sync framework's executor: a blocking view of the pool executor (same pool, refs and steps, run by
// ./main/steps.ts runSync). Only invoke() and iterateSync() differ: creation and chaining are synchronous already.
import type { Executor } from '../types.js';
import type { Framework } from '../../framework/types.js';
import { Settled } from '../../framework/settled.js';
import { asRef, ownRef, type PoolExecutor } from './index.js';
import { isPoolStream } from './main/gridfs.js';
import { cursorIterate, isCursorClass } from './main/cursor.js';
import { command } from './main/command.js';
import { BLOCKING, runSync } from './main/steps.js';
import { poolSlots } from './main/internals.js';

interface BlockingExecutor extends PoolExecutor {
  readonly base: PoolExecutor;
  /** Already settled when it returns (a GridFS stream's own methods excepted: Node streams here, their Promises). */
  invoke(ref: object, member: string | symbol, args: unknown[]): Settled | Promise<unknown>;
  iterateSync(ref: object): Iterator<unknown>;
}

const isPool = (e: Executor): e is PoolExecutor => typeof (e as Partial<PoolExecutor>).stats === 'function' && poolSlots(e) !== undefined;
const isBlocking = (e: Executor): e is BlockingExecutor => (e as Partial<BlockingExecutor>).base !== undefined && typeof (e as Partial<BlockingExecutor>).iterateSync === 'function';

/** One view per pool, so every sync rotor on the shared pool shares it. */
const views = new WeakMap<PoolExecutor, BlockingExecutor>();

/** The executor a framework runs with: a blocking one gets a pool's blocking view (and no other executor). */
export function executorFor(framework: Framework, executor: Executor): Executor {
  if (!framework.blocking) return isBlocking(executor) ? executor.base : executor;
  if (isBlocking(executor)) return executor;
  if (!isPool(executor)) {
    throw new TypeError(
      `rotor: the '${framework.name}' framework needs the pool executor (executor: 'pool', its default), not '${executor.name}': ` +
        'it blocks the calling thread until the driver answers, and with this executor the driver runs on that same thread, so every call would deadlock',
    );
  }
  let view = views.get(executor);
  if (!view) views.set(executor, (view = blockingView(executor)));
  return view;
}

function blockingView(base: PoolExecutor): BlockingExecutor {
  return Object.assign(Object.create(base) as BlockingExecutor, {
    base,
    invoke(refObject: object, member: string | symbol, args: unknown[]) {
      if (isPoolStream(refObject)) return base.invoke(refObject, member, args);
      return Settled.from(() => runSync(command(ownRef(refObject), member, args, BLOCKING)));
    },
    iterateSync(refObject: object): Iterator<unknown> {
      const ref = asRef(refObject);
      if (!isCursorClass(ref.resolved)) throw new TypeError(`${ref.cls} is not iterable with for...of`);
      return cursorIterate(ref, BLOCKING) as Iterator<unknown>;
    },
  });
}
