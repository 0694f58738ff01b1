// What both progress views share: BuildKit's step label and the block it prints after a failure.
import type { BuildEvent } from '../api/index.ts';

type StepStart = Extract<BuildEvent, { type: 'step-start' }>;

/** `[build 2/4] RUN make`, `[2/4] RUN make` when the Dockerfile has one stage. */
export function stepLabel(e: StepStart): string {
  return `[${e.stage ? `${e.stage} ` : ''}${e.index}/${e.total}] ${e.text}`;
}

/**
 * BuildKit's summary of failed steps, each between `------` rules: ` > [2/4] RUN make:` and the
 * last lines the step printed, so the cause is on screen next to the error.
 */
export function failureSummary(failed: ReadonlyArray<{ label: string; lines: readonly string[] }>): string {
  return failed.map((f) => ['------', ` > ${f.label}:`, ...f.lines, '------', ''].join('\n')).join('');
}
