// The byte order of context paths: comparing strings by Unicode code point, which is UTF-8 byte order.

/**
 * Compares two strings in UTF-8 byte order. Plain `<` compares UTF-16 units, which puts U+E000–U+FFFF
 * after astral characters; code point order (= UTF-8 byte order) puts them before. A path is a
 * prefix of its children's, so parents sort before children.
 */
export function compareByteOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Move surrogates (D800–DFFF) above E000–FFFF so units compare like the code points they encode.
    if (x >= 0xd800) x += x < 0xe000 ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y < 0xe000 ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}
