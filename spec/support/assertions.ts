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
