/**
 * RelayKit's React hooks (`relaykit/react`), for React and React Native; `react` is an optional peer
 * dependency of the package, needed only here.
 * @packageDocumentation
 */
export * from './index.js';
export { useRelayClient } from './use-relay-client.js';
export {
  type RelayMessagesState,
  type UseRelayMessagesOptions,
  useRelayMessages,
} from './use-relay-messages.js';
