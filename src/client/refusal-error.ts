import type { WireError } from '../relay/events.js';
import { RelayError } from '../relay/relay-error.js';
import { RELAY_ERRORS, type RelayErrorCode } from '../relay/relay-errors.js';

/**
 * The relay's refusal as a `RelayError`. The relay's wire message is its RelayError's message, detail
 * then fix: rebuilt here with the same code, so that `catch (error) { if (error.code ===
 * 'RELAY_ERR_INVALID_NAME') … }` works. A code this copy does not know (a newer relay) keeps its text
 * under RELAY_ERR_NOT_CONNECTED.
 *
 * @example
 * ```ts
 * if (isWireError(error.data)) throw refusalError(error.data);
 * ```
 */
export function refusalError(wire: WireError): RelayError {
  if (!Object.hasOwn(RELAY_ERRORS, wire.code)) {
    return new RelayError(
      'RELAY_ERR_NOT_CONNECTED',
      `the relay refused the connection: ${wire.code}: ${wire.message}`,
    );
  }
  const code = wire.code as RelayErrorCode;
  const fix = `; ${RELAY_ERRORS[code].fix}`;
  const detail = wire.message.endsWith(fix) ? wire.message.slice(0, -fix.length) : wire.message;
  return new RelayError(code, detail, { cause: wire });
}

/** Whether `value` is a `{ code, message }` the relay sent. */
export function isWireError(value: unknown): value is WireError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as WireError).code === 'string' &&
    typeof (value as WireError).message === 'string'
  );
}
