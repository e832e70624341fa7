import { RequestFieldError } from '../../http/request-field-error.js';

/** A delivery that is not what its format says: 400 `RELAY_ERR_HOOK_PAYLOAD` naming the field. */
export function payloadError(field: string, problem: string): RequestFieldError {
  return new RequestFieldError('RELAY_ERR_HOOK_PAYLOAD', field, problem);
}

/** `value` as a plain object, or a payload error naming `field`. */
export function objectAt(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw payloadError(field, 'expected a JSON object');
  }
  return value as Record<string, unknown>;
}

/** `value` as an array when present, `[]` when absent, else a payload error. */
export function arrayAt(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw payloadError(field, 'expected an array');
  return value;
}

/** `value` as a string when present (numbers are written out), `undefined` when absent, else an error. */
export function textAt(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw payloadError(field, 'expected a string');
}

/** An object of string values (labels, annotations) as entries; other values are a payload error. */
export function labelsAt(value: unknown, field: string): Array<[string, string]> {
  if (value === undefined || value === null) return [];
  const object = objectAt(value, field);
  return Object.entries(object).map(([key, item]) => [key, textAt(item, `${field}.${key}`) ?? '']);
}
