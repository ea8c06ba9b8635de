// The floor's tinypool task: does nothing, so a run() measures tinypool's own round trip.
export default function noop(value: number): number {
  return value;
}
