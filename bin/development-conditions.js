// Module resolution hook for running from a checkout: resolve package exports with the "development"
// condition, so `import { defineBot } from 'relaykit'` loads src/ instead of a possibly stale dist/.
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'development'] });
}
