import Mustache from 'mustache';
import { z } from 'zod';
import { HOOK_FORMATS, type HookFormat } from './hook.js';

const ROOM = /^[A-Za-z0-9_.-]{1,64}$/;

const common = {
  name: z
    .string()
    .min(1)
    .max(40)
    .regex(/^[^\p{Cc}]+$/u, 'printable characters only'),
  room: z.union([z.string().regex(ROOM, '1 to 64 letters, digits, "-", "_" or "."'), z.null()]).default(null),
  format: z.enum(HOOK_FORMATS as [HookFormat, ...HookFormat[]]).default('auto'),
  allowChannel: z.boolean().default(false),
  /** The `generic` format's mustache template (and only its): `{{alert.name}} is {{status}}`. */
  template: z.string().min(1).max(4096).optional(),
};

// A generic hook needs its template, and a template means nothing to the other formats; a template that
// does not parse is refused when the hook is made, not at its first delivery.
function checkTemplate(
  spec: { format: HookFormat; template?: string | undefined },
  context: z.RefinementCtx,
) {
  if (spec.format === 'generic' && spec.template === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['template'],
      message: 'a generic hook needs a mustache template',
    });
  } else if (spec.format !== 'generic' && spec.template !== undefined) {
    context.addIssue({ code: 'custom', path: ['template'], message: 'only a generic hook takes a template' });
  } else if (spec.template !== undefined) {
    try {
      Mustache.parse(spec.template);
    } catch (error) {
      context.addIssue({
        code: 'custom',
        path: ['template'],
        message: `the template does not parse: ${(error as Error).message}`,
      });
    }
  }
}

/** What `POST /v1/hooks` takes. */
const newHookSchema = z.object(common).strict().superRefine(checkTemplate);

/** A hook of the config file (`hooks.declared`): its id and key are the operator's. */
const declaredHookSchema = z
  .object({
    ...common,
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, '1 to 64 letters, digits, "-" or "_"'),
    key: z.string().min(16, 'at least 16 characters, so that it cannot be guessed').max(256),
  })
  .strict()
  .superRefine(checkTemplate);

/** A new hook's settings, checked. */
export type NewHookSpec = z.output<typeof newHookSchema>;
/** A config-file hook, checked. */
export type DeclaredHookSpec = z.output<typeof declaredHookSchema>;

type Checked<T> = { ok: true; value: T } | { ok: false; field: string; problem: string };

function check<T>(schema: z.ZodType<T>, input: unknown): Checked<T> {
  const result = schema.safeParse(input);
  if (result.success) {
    return { ok: true, value: result.data };
  }
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || 'body';
  return { ok: false, field, problem: issue?.message ?? 'is invalid' };
}

/** Checks the body of `POST /v1/hooks`; `field` names the bad member. */
export function checkNewHook(input: unknown): Checked<NewHookSpec> {
  return check(newHookSchema, input);
}

/** Checks one entry of `hooks.declared`. */
export function checkDeclaredHook(input: unknown): Checked<DeclaredHookSpec> {
  return check(declaredHookSchema, input);
}
