// The document validators, loaded on first use: they are built on zod, which is most of the CLI
// bundle's size, and a no-op rebuild (berth's most frequent command) never validates a document.
export type Validators = typeof import('./validate.ts');

let loading: Promise<Validators> | undefined;

export function loadValidators(): Promise<Validators> {
  return (loading ??= import('./validate.ts'));
}
