// A monotonic clock in milliseconds without the global `performance`, whose first use loads
// node's perf_hooks modules (a cost every short berth command would pay for time slicing).
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
