// @opentelemetry/api is an optional peer dependency: loaded when tracing is asked for, with an
// error that says what to install when it is absent. (Its global registry is shared by every copy
// loaded, CommonJS or ESM, so spans join the app's own tracer provider and context manager.)
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

export type Api = typeof OtelApi;

let api: Api | undefined;

/** `from`: where to resolve the package from (the app's directory first, then rotor's own). */
export function loadApi(): Api {
  if (api) return api;
  const attempts = [`${process.cwd()}/`, import.meta.url];
  for (const from of attempts) {
    try {
      return (api = createRequire(from)('@opentelemetry/api') as Api);
    } catch (error) {
      if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  throw new Error(
    "rotor tracing needs the package '@opentelemetry/api' (an optional peer dependency of rotor), which is not installed: " +
      'run `npm install @opentelemetry/api`, plus an OpenTelemetry SDK to record the spans (e.g. @opentelemetry/sdk-node)',
  );
}
