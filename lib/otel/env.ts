// Whether the environment asks for tracing (rotor/register): ROTOR_TRACING=1 turns it on, =0 off;
// unset, the standard OpenTelemetry variables an SDK reads turn it on (a traces exporter or a
// service name set, the SDK not disabled).
export function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const own = env.ROTOR_TRACING?.trim().toLowerCase();
  if (own) return own === '1' || own === 'true';
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporter) return exporter !== 'none';
  return Boolean(env.OTEL_SERVICE_NAME?.trim());
}
