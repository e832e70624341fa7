import Mustache from 'mustache';

// Values go in as they are: the announcement is text (seed clients and the chat page show it as text,
// never markup), so mustache's HTML escaping would only put `&amp;` in front of people.
const AS_TEXT = { escape: (value: unknown) => String(value) };

/** How much a template may make of one payload. */
export interface TemplateBudget {
  /** Characters of output kept; what would come after is not rendered. */
  readonly maxChars: number;
  /** Section bodies rendered (one per array item, nested ones included): bounds the work. */
  readonly maxSteps: number;
}

// Mustache builds its whole output before returning it, and a name an array item lacks is looked up in
// the enclosing objects, so a small body can make a section repeat a long top-level value, or nested
// sections run once per pair of items: seconds of event loop and hundreds of MiB from a 24 KB body.
// This writer stops making output at `maxChars` and stops rendering sections after `maxSteps`.
class BoundedWriter extends Mustache.Writer {
  readonly #budget: TemplateBudget;
  #chars = 0;
  #steps = 0;

  constructor(budget: TemplateBudget) {
    super();
    this.#budget = budget;
  }

  get #spent(): boolean {
    return this.#chars >= this.#budget.maxChars || this.#steps >= this.#budget.maxSteps;
  }

  override renderTokens(...args: Parameters<Mustache.Writer['renderTokens']>): string {
    if (this.#spent) return '';
    this.#steps += 1;
    return super.renderTokens(...args);
  }

  override renderSection(...args: Parameters<Mustache.Writer['renderSection']>): string {
    return this.#spent ? '' : super.renderSection(...args);
  }

  override escapedValue(...args: Parameters<Mustache.Writer['escapedValue']>): string {
    return this.#take(super.escapedValue(...args));
  }

  override unescapedValue(...args: Parameters<Mustache.Writer['unescapedValue']>): string {
    return this.#take(super.unescapedValue(...args));
  }

  override rawValue(...args: Parameters<Mustache.Writer['rawValue']>): string {
    return this.#take(super.rawValue(...args));
  }

  #take(value: unknown): string {
    if (value === undefined || value === null || this.#chars >= this.#budget.maxChars) return '';
    const text = String(value).slice(0, this.#budget.maxChars - this.#chars);
    this.#chars += text.length;
    return text;
  }
}

/**
 * Renders a logic-less mustache template as text (no HTML escaping), within `budget`: at most
 * `maxChars` of output, and rendering stops after `maxSteps` section bodies, whatever the payload.
 *
 * @example
 * ```ts
 * renderTemplate('{{service}} is {{state}}', { service: 'api', state: 'down' }, { maxChars: 8000, maxSteps: 50_000 });
 * // → 'api is down'
 * ```
 */
export function renderTemplate(template: string, view: unknown, budget: TemplateBudget): string {
  return new BoundedWriter(budget).render(template, view, {}, AS_TEXT);
}
