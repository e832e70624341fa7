import { clip, fitContent } from '../hook-content.js';
import { payloadError } from './payload-error.js';
import { renderTemplate, type TemplateBudget } from './render-template.js';
import type { RenderContext, Rendered } from './rendered.js';

const MAX_TEXT = 8000;
// A section body a step: an Alertmanager-like payload of 1 000 alerts of 10 labels takes ~11 000.
const BUDGET: TemplateBudget = { maxChars: MAX_TEXT + 1, maxSteps: 50_000 };

/**
 * A delivery of any JSON shape through the hook's mustache template (logic-less: a field the payload
 * lacks renders empty, sections repeat over arrays). A payload that gives the template none of its
 * fields (it renders as the template does with every field missing) is refused, naming the likely cause.
 *
 * @example
 * ```ts
 * // template "{{service}} is {{state}}", body { "service": "api", "state": "down" } → "api is down"
 * renderGeneric(body, context);
 * ```
 */
export function renderGeneric(input: unknown, context: RenderContext): Rendered {
  const { template } = context.hook;
  if (template === undefined) throw payloadError('template', 'this generic hook has no template');
  if (input === null || typeof input !== 'object') {
    throw payloadError('body', 'expected a JSON object or array for the template');
  }
  const text = renderTemplate(template, input, BUDGET).trim();
  // What the template says on its own, with every field missing: a payload rendering the same gave
  // the template nothing (its fields are named differently, say), and would announce only the frame.
  if (text === '' || text === renderTemplate(template, {}, BUDGET).trim()) {
    throw payloadError(
      'body',
      "none of the fields the hook's template names are in this payload: check the field names it uses",
    );
  }
  return {
    kind: 'publish',
    content: fitContent(context.maxContentBytes, 1, () => ({
      text: clip(text, MAX_TEXT),
      source: 'generic',
    })),
  };
}
