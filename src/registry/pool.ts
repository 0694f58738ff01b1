// Runs async jobs with at most `limit` in flight; the first failure stops new jobs, is passed to
// `onFailure` (which aborts the ones in flight) and is the one reported.
export async function runPool<T>(items: readonly T[], limit: number, job: (item: T, index: number) => Promise<void>, onFailure?: (e: unknown) => void): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await job(items[i]!, i);
      } catch (e) {
        if (!failed) {
          failed = { error: e };
          onFailure?.(e);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw failed.error;
}
