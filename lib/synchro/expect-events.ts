// expectEvents, waitForEvent and assertEventCount: the events a client entity recorded against the
// test's expected events (command, connection-pool and topology events).
import type { ClientEntity, EntityMap, RecordedEvent } from './entities.js';
import { AssertionFailure, RunnerError } from './errors.js';
import type { Doc, ExpectedEventsForClient } from './format.js';
import { match, MatchError, type MatchContext } from './match.js';
import { show } from './values.js';

/** How many of the client's recorded events match `expected` (one `{ eventType: {...} }`). */
export function countEvents(client: ClientEntity, expected: Doc, ctx: MatchContext): number {
  return client.events.filter((e) => {
    try {
      checkEvent(expected, e, '$', ctx);
      return true;
    } catch (err) {
      if (err instanceof AssertionFailure) return false;
      throw err;
    }
  }).length;
}

/** Throws an AssertionFailure when the client's events of the category differ from `expected.events`. */
export function checkEvents(expected: ExpectedEventsForClient & { eventMatch?: string }, index: number, entities: EntityMap, ctx: MatchContext): void {
  const category = expected.eventType ?? 'command';
  // `eventMatch: prefix` is an older spelling of ignoreExtraEvents.
  const ignoreExtra = expected.ignoreExtraEvents ?? expected.eventMatch === 'prefix';
  const actual = entities.client(expected.client).events.filter((e) => e.category === category);
  const where = `expectEvents[${index}] (${expected.client}, ${category})`;
  const summary = (list: RecordedEvent[]): string => list.map(eventLabel).join(', ') || 'none';
  const tooFew = actual.length < expected.events.length;
  const tooMany = !ignoreExtra && actual.length > expected.events.length;
  if (tooFew || tooMany) {
    const want = expected.events.map((e) => Object.keys(e)[0]).join(', ') || 'none';
    throw new AssertionFailure(`${where}: expected ${expected.events.length} event(s) [${want}], observed ${actual.length} [${summary(actual)}]`);
  }
  expected.events.forEach((e, i) => checkEvent(e, actual[i]!, `${where}.events[${i}]`, ctx));
}

/** Throws an AssertionFailure when the recorded event does not match the expected one. */
function checkEvent(expected: Doc, recorded: RecordedEvent, path: string, ctx: MatchContext): void {
  const keys = Object.keys(expected);
  if (keys.length !== 1) throw new RunnerError(`${path}: an expected event has exactly one key`);
  const type = keys[0]!;
  const want = (expected[type] ?? {}) as Doc;
  const fail = (msg: string): never => {
    throw new AssertionFailure(`${path}: ${msg}`);
  };
  if (recorded.type !== type) fail(`expected ${type}, observed ${eventLabel(recorded)}`);
  const e = recorded.event;
  const check = (wanted: unknown, got: unknown, at: string): void => {
    try {
      match(wanted, got, { root: true, ctx, path: at });
    } catch (err) {
      if (err instanceof MatchError) fail(err.message);
      throw err;
    }
  };
  for (const [field, value] of Object.entries(want)) {
    switch (field) {
      case 'command':
      case 'reply':
        check(value, e[field], field);
        break;
      case 'commandName':
      case 'databaseName':
      case 'reason':
      case 'awaited':
      case 'interruptInUseConnections':
        if (e[field] !== value) fail(`${field}: expected ${show(value)}, observed ${show(e[field])}`);
        break;
      case 'hasServiceId': {
        const has = e.serviceId != null && !/^0+$/.test(String(e.serviceId.toHexString?.() ?? e.serviceId));
        if (has !== value) fail(`hasServiceId: expected ${String(value)}`);
        break;
      }
      case 'hasServerConnectionId': {
        const id = e.serverConnectionId;
        const has = id != null && Number(id) > 0;
        if (has !== value) fail(`hasServerConnectionId: expected ${String(value)}, observed ${show(id)}`);
        break;
      }
      case 'previousDescription':
      case 'newDescription':
        for (const [k, v] of Object.entries((value ?? {}) as Doc)) {
          if (e[field]?.[k] !== v) fail(`${field}.${k}: expected ${show(v)}, observed ${show(e[field]?.[k])}`);
        }
        break;
      default:
        throw new RunnerError(`${path}: unsupported event assertion '${field}'`);
    }
  }
}

function eventLabel(e: RecordedEvent): string {
  return e.event?.commandName ? `${e.type}(${e.event.commandName})` : e.type;
}
