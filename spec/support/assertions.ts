// Assertion helpers shared by specs.
import * as assert from 'uvu/assert';

/** Awaits `operation` and returns what it rejected with (fails the test if it resolved). */
export async function rejection(operation: () => unknown): Promise<any> {
  try {
    await operation();
  } catch (error) {
    return error;
  }
  assert.unreachable('expected the operation to reject');
}

/** Runs `fn` and returns what it threw synchronously (fails the test if it did not throw). */
export function thrown(fn: () => unknown): any {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.unreachable('expected a synchronous throw');
}
