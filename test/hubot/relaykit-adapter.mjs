// An adapter file for Hubot's `-f` flag, as a Hubot project would write one: RelayKit's adapter, by its
// package name.
export { default } from 'relaykit/hubot';
