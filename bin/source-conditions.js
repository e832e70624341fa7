// Module resolution hook for running from a checkout: resolve package exports with the private
// "relaykit-source" condition, so `import { defineBot } from 'relaykit'` loads src/ instead of a possibly
// stale dist/. A private name, not "development": bundlers such as Vite turn that one on in dev mode,
// and users' front ends would then resolve to sources the published package does not ship.
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'relaykit-source'] });
}
