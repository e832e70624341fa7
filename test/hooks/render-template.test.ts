import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../src/hooks/formats/render-template.js';

describe('renderTemplate', () => {
  it('renders as text, without HTML escaping', () => {
    const budget = { maxChars: 100, maxSteps: 100 };
    expect(renderTemplate('{{a}} & {{{b}}}', { a: '<i>', b: '&' }, budget)).toBe('<i> & &');
  });

  it('keeps maxChars of output: at the limit all of it, one past it cut there', () => {
    const view = { items: [{ n: 'ab' }, { n: 'cd' }] };
    expect(renderTemplate('{{#items}}{{n}}{{/items}}', view, { maxChars: 4, maxSteps: 100 })).toBe('abcd');
    expect(renderTemplate('{{#items}}{{n}}-{{/items}}', view, { maxChars: 5, maxSteps: 100 })).toBe('ab-cd');
  });

  it('renders at most maxSteps bodies: the template itself, then one per item', () => {
    const view = { items: [{ n: 1 }, { n: 2 }, { n: 3 }] };
    const template = '{{#items}}{{n}}{{/items}}';
    expect(renderTemplate(template, view, { maxChars: 100, maxSteps: 4 })).toBe('123');
    expect(renderTemplate(template, view, { maxChars: 100, maxSteps: 3 })).toBe('12');
  });
});
