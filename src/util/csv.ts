// One CSV record as Go's encoding/csv reads docker's flag values (--mount, --secret): fields split
// at commas, a field that starts with a double quote runs to the closing one ("" is a literal quote).

/** The fields of `text`, or undefined when a quote is never closed. */
export function splitCsvRecord(text: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false; else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') { fields.push(field); field = ''; } else field += ch;
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields;
}
