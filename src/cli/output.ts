// Listing output like docker's: aligned tables with a header row, `--format json`, `--format 'table …'`, templates.
import { checkTemplate, renderTemplate } from './template.ts';

/** One column of a listing: its header (`IMAGE ID`), template field name (`ID`) and cell text. */
export interface Column<Row> {
  header: string;
  field: string;
  value: (row: Row) => string;
}

// docker's tabwriter settings: a cell is at least 10 wide and padded by 3 spaces; the last is not padded.
const MIN_WIDTH = 10;
const PADDING = 3;

/** Aligns cells into columns, header first; lines end without trailing spaces. */
export function formatTable(headers: readonly string[] | undefined, rows: ReadonlyArray<readonly string[]>): string {
  const lines = headers ? [headers, ...rows] : [...rows];
  const widths: number[] = [];
  for (const cells of lines) {
    cells.forEach((cell, i) => {
      if (i < cells.length - 1) widths[i] = Math.max(widths[i] ?? 0, cell.length + PADDING, MIN_WIDTH);
    });
  }
  return lines
    .map((cells) => cells.map((cell, i) => (i < cells.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell)).join('').trimEnd())
    .map((line) => line + '\n')
    .join('');
}

/** `\t` and `\n` typed literally in a shell argument mean tab and newline, as in docker. */
function unescapeFormat(format: string): string {
  return format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

/**
 * Renders a listing per docker's `--format`: undefined or "table" → the default table; "json" → one
 * JSON object per line; "table TEMPLATE" → a table of the template's tab-separated cells under a
 * header made from the column headers; any other string → the template once per row, no header.
 */
export function formatRows<Row>(columns: ReadonlyArray<Column<Row>>, rows: readonly Row[], format?: string): string {
  const record = (row: Row): Record<string, string> => Object.fromEntries(columns.map((c) => [c.field, c.value(row)]));
  const spec = format?.trim() ?? '';
  if (spec === '' || spec === 'table') {
    return formatTable(
      columns.map((c) => c.header),
      rows.map((row) => columns.map((c) => c.value(row))),
    );
  }
  if (spec === 'json') return rows.map((row) => JSON.stringify(record(row)) + '\n').join('');
  if (spec.startsWith('table ')) {
    const template = unescapeFormat(spec.slice('table '.length));
    checkTemplate(template);
    const headers = Object.fromEntries(columns.map((c) => [c.field, c.header]));
    const split = (text: string): string[] => text.split('\t');
    return formatTable(
      split(renderTemplate(template, headers)),
      rows.map((row) => split(renderTemplate(template, record(row)))),
    );
  }
  const template = unescapeFormat(format ?? '');
  checkTemplate(template);
  return rows.map((row) => renderTemplate(template, record(row)) + '\n').join('');
}

/** `inspect`-style output: docker's 4-space-indented JSON array, or a template per object. */
export function formatObjects(objects: readonly unknown[], format?: string): string {
  const spec = format?.trim() ?? '';
  if (spec === '' || spec === 'json') return JSON.stringify(objects, null, 4) + '\n';
  const template = unescapeFormat(format ?? '');
  checkTemplate(template);
  return objects.map((o) => renderTemplate(template, o) + '\n').join('');
}
