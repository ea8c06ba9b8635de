// rotor/otel: tracing as an interceptor. A CLIENT span per operation, named and attributed after
// OpenTelemetry's database and MongoDB semantic conventions, by the logical name the app called
// (countDocuments, not aggregate), and the db.client.operation.duration histogram. The span's
// parent is the caller's active span; the operation runs with the span active, so the calls a
// withSession/withTransaction function makes are its children.
import type { Attributes, Histogram, MeterProvider, Span, TracerProvider } from '@opentelemetry/api';
import type { Call, Interceptor } from '../intercept/types.js';
import { loadApi } from './api.js';

export interface TracingOptions {
  /** Default: the global tracer provider (the app's SDK). */
  tracerProvider?: TracerProvider;
  /** Default: the global meter provider. */
  meterProvider?: MeterProvider;
  /**
   * Opt in to `db.query.text`: the call's arguments as JSON, documents and filters included. Off by
   * default: no document contents (nor server error messages, which may quote keys) in any attribute.
   */
  captureArguments?: boolean;
}

const NAME = 'rotor';
/** The histogram's buckets, from the semantic conventions (seconds). */
const BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

/** The interceptor that traces every operation (factory calls, which send nothing, are not spans). */
export function tracing(options: TracingOptions = {}): Interceptor {
  const api = loadApi();
  const { SpanKind, SpanStatusCode, context, trace } = api;
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(NAME);
  let histogram: Histogram | undefined;
  const duration = (): Histogram =>
    (histogram ??= (options.meterProvider ?? api.metrics.getMeterProvider()).getMeter(NAME).createHistogram('db.client.operation.duration', {
      unit: 's',
      description: 'Duration of database client operations.',
      advice: { explicitBucketBoundaries: BUCKETS },
    }));
  const capture = options.captureArguments === true;

  return function tracing(call, next) {
    if (call.kind === 'factory') return next();
    const attributes = attributesOf(call);
    if (capture) attributes['db.query.text'] = argumentsText(call.args);
    const parent = context.active();
    const span = tracer.startSpan(spanName(call, attributes), { kind: SpanKind.CLIENT, attributes }, parent);
    const started = performance.now();
    const end = (error?: unknown): void => {
      const metric: Attributes = { ...attributes };
      delete metric['db.query.text'];
      if (error !== undefined) failed(span, metric, error, capture, SpanStatusCode.ERROR);
      span.end();
      duration().record((performance.now() - started) / 1000, metric);
    };
    let result: PromiseLike<unknown>;
    try {
      result = context.with(trace.setSpan(parent, span), next);
    } catch (error) {
      end(error);
      throw error;
    }
    // A Promise is awaited (V8's async stack traces follow awaits, not .then()); the sync framework's settled thenable is chained.
    if (result instanceof Promise) return ended(result, end);
    return result.then(
      (value) => (end(), value),
      (error: unknown) => {
        end(error);
        throw error;
      },
    );
  };
}

async function ended(result: Promise<unknown>, end: (error?: unknown) => void): Promise<unknown> {
  try {
    const value = await result;
    end();
    return value;
  } catch (error) {
    end(error);
    throw error;
  }
}

/** The logical operation: the member the app called; a cursor's first fetch is the call that made the cursor, later ones getMore. */
export function operationName(call: Call): string {
  if (!call.cursor) return call.member;
  return call.cursor.fetch === 0 ? (call.cursor.origin ?? call.member) : 'getMore';
}

function spanName(call: Call, attributes: Attributes): string {
  const target = call.collection ?? call.database;
  return target ? `${attributes['db.operation.name'] as string} ${target}` : (attributes['db.operation.name'] as string);
}

function attributesOf(call: Call): Attributes {
  const attributes: Attributes = { 'db.system.name': 'mongodb', 'db.operation.name': operationName(call) };
  if (call.collection !== undefined) attributes['db.collection.name'] = call.collection;
  if (call.database !== undefined) attributes['db.namespace'] = call.database;
  if (call.server) {
    attributes['server.address'] = call.server.address;
    if (call.server.port !== undefined) attributes['server.port'] = call.server.port;
  }
  return attributes;
}

/** db.response.status_code: the server's error code; error.type: that code, else the error's class. */
function failed(span: Span, metric: Attributes, error: unknown, capture: boolean, statusError: number): void {
  const code = (error as { code?: unknown } | null)?.code;
  const status = typeof code === 'number' || (typeof code === 'string' && code !== '') ? String(code) : undefined;
  const type = status ?? (error instanceof Error ? error.constructor.name || error.name : '_OTHER');
  const attrs: Attributes = { 'error.type': type };
  if (status !== undefined) attrs['db.response.status_code'] = status;
  span.setAttributes(attrs);
  Object.assign(metric, attrs);
  span.setStatus({ code: statusError, message: capture && error instanceof Error ? error.message : type });
}

function argumentsText(args: readonly unknown[]): string {
  try {
    return JSON.stringify(args, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : typeof value === 'function' ? '[function]' : value));
  } catch {
    return '[arguments not serializable]';
  }
}
