import { describe, expect, it } from 'vitest';
import { isBotDefinition } from '../../src/bots/define-bot.js';
import { parseCommand } from '../../src/bots/parse-command.js';
import { defineBot } from '../../src/index.js';

describe('defineBot', () => {
  it('returns a frozen definition the host recognises', () => {
    const bot = defineBot({ name: 'ok-bot_1', description: 'x', setup: () => undefined });
    expect(isBotDefinition(bot)).toBe(true);
    expect(Object.isFrozen(bot)).toBe(true);
    expect(isBotDefinition({ name: 'plain', setup: () => undefined })).toBe(false);
  });

  it('refuses a bad name or a missing setup with a clear message', () => {
    expect(() => defineBot({ name: 'has space', description: 'x', setup: () => undefined })).toThrow(
      /bot name "has space" is not valid/,
    );
    expect(() => defineBot({ name: '', description: 'x', setup: () => undefined })).toThrow(TypeError);
    // @ts-expect-error: setup is required
    expect(() => defineBot({ name: 'nosetup', description: 'x' })).toThrow(/has no setup\(bot\) function/);
  });
});

describe('parseCommand', () => {
  it('reads the name and arguments after the prefix, and nothing else', () => {
    expect(parseCommand('  !Remind 10m "stand up"  ', '!')).toEqual({
      name: 'remind',
      args: ['10m', 'stand up'],
      rest: '10m "stand up"',
    });
    expect(parseCommand('!!', '!!')).toBeUndefined();
    expect(parseCommand('! ping', '!')).toBeUndefined();
    expect(parseCommand('ping', '!')).toBeUndefined();
    expect(parseCommand('//ping x', '//')).toEqual({ name: 'ping', args: ['x'], rest: 'x' });
  });
});
