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
};

/** What `POST /v1/hooks` takes. */
const newHookSchema = z.object(common).strict();

/** A hook of the config file (`hooks.declared`): its id and key are the operator's. */
const declaredHookSchema = z
  .object({
    ...common,
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, '1 to 64 letters, digits, "-" or "_"'),
    key: z.string().min(16, 'at least 16 characters, so that it cannot be guessed').max(256),
  })
  .strict();

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
