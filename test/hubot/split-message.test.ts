import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../src/hubot/split-message.js';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('splitMessage', () => {
  it('keeps a text of exactly maxBytes whole, and cuts one byte past it', () => {
    expect(splitMessage('a'.repeat(10), 10)).toEqual(['a'.repeat(10)]);
    expect(splitMessage('a'.repeat(11), 10)).toEqual(['a'.repeat(10), 'a']);
  });

  it('cuts at line breaks, filling each piece with whole lines up to the limit', () => {
    const help = ['hubot ping - pong', 'hubot echo <text> - echo', 'hubot time - time'].join('\n');
    const pieces = splitMessage(help, 42);
    expect(pieces).toEqual(['hubot ping - pong\nhubot echo <text> - echo', 'hubot time - time']);
    expect(bytes(pieces[0] ?? '')).toBe(42);
    expect(pieces.join('\n')).toBe(help);
  });

  it('cuts a line too long alone, never inside a character', () => {
    const line = 'é'.repeat(5); // 10 bytes
    const pieces = splitMessage(`short\n${line}\nend`, 5);
    expect(pieces).toEqual(['short', 'éé', 'éé', 'é', 'end']);
    for (const piece of pieces) expect(bytes(piece)).toBeLessThanOrEqual(5);
    expect(splitMessage('😀😀', 7)).toEqual(['😀', '😀']);
  });

  it('keeps an empty line in the piece it starts, and never makes an empty piece', () => {
    expect(splitMessage('aaaa\n\nbb', 4)).toEqual(['aaaa', '\nbb']);
    expect(splitMessage('aaaa\n', 4)).toEqual(['aaaa']);
  });
});
