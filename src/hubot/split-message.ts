/**
 * Cuts `text` into pieces of at most `maxBytes` UTF-8 bytes, for a relay that refuses larger content:
 * at line breaks where it can (Hubot's help is one command per line), inside a line only when that line
 * alone is too long, and never inside a character. Joining the pieces with `\n` where a line break was
 * cut gives `text` back. Empty lines between pieces are kept in the piece they start.
 *
 * @example
 * ```ts
 * splitMessage('one\ntwo\nthree', 8); // ['one\ntwo', 'three']
 * ```
 */
export function splitMessage(text: string, maxBytes: number): string[] {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return [text];
  const pieces: string[] = [];
  let current = '';
  let currentBytes = -1; // -1: nothing yet, not even an empty line
  for (const line of text.split('\n')) {
    const bytes = Buffer.byteLength(line, 'utf8');
    if (currentBytes >= 0 && currentBytes + 1 + bytes <= maxBytes) {
      current += `\n${line}`;
      currentBytes += 1 + bytes;
      continue;
    }
    if (currentBytes >= 0) pieces.push(current);
    if (bytes <= maxBytes) {
      current = line;
      currentBytes = bytes;
      continue;
    }
    const cut = cutLine(line, maxBytes);
    current = cut.pop() ?? '';
    currentBytes = Buffer.byteLength(current, 'utf8');
    pieces.push(...cut);
  }
  if (currentBytes >= 0) pieces.push(current);
  return pieces.filter((piece) => piece !== '');
}

function cutLine(line: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  let current = '';
  let bytes = 0;
  for (const character of line) {
    const size = Buffer.byteLength(character, 'utf8');
    if (bytes + size > maxBytes && current !== '') {
      pieces.push(current);
      current = '';
      bytes = 0;
    }
    current += character;
    bytes += size;
  }
  pieces.push(current);
  return pieces;
}
