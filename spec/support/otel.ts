// An in-process OpenTelemetry SDK for specs: spans to an in-memory exporter, metrics to a reader
// collected on demand, async context through AsyncLocalStorage (the context manager apps use).
import { context, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

class ManualReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

let installed = false;
/** The global context manager (AsyncLocalStorage), once per process. */
export function installContextManager(): void {
  if (installed) return;
  installed = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

export interface Otel {
  readonly exporter: InMemorySpanExporter;
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  /** The finished spans, oldest first. */
  spans(): ReadableSpan[];
  metrics(): Promise<ResourceMetrics>;
  /** Runs `body` inside a new active span named `name` (the app's own request span), ended after. */
  inSpan<T>(name: string, body: (span: Span) => T): T;
}

export function createOtel(): Otel {
  installContextManager();
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new ManualReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const tracer = tracerProvider.getTracer('app');
  return {
    exporter,
    tracerProvider,
    meterProvider,
    spans: () => exporter.getFinishedSpans(),
    metrics: async () => (await reader.collect()).resourceMetrics,
    inSpan<T>(name: string, body: (span: Span) => T): T {
      return tracer.startActiveSpan(name, (span) => {
        const result = body(span);
        if (result && typeof (result as { then?: unknown }).then === 'function') {
          const end = (): void => span.end();
          return Promise.resolve(result as unknown as PromiseLike<unknown>).then(
            (v) => (end(), v),
            (e: unknown) => {
              end();
              throw e;
            },
          ) as T;
        }
        span.end();
        return result;
      });
    },
  };
}

/** The span's parent span id, or undefined for a root. */
export const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
export const idOf = (span: Span | ReadableSpan): string => span.spanContext().spanId;
export { trace };
