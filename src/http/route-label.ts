// A path in the OpenAPI document, as segments: literal ones lower-cased, and null for a {parameter}.
interface Template {
  readonly label: string;
  readonly segments: readonly (string | null)[];
  readonly literals: number;
}

const segmentsOf = (path: string): string[] => path.split('/').filter((segment) => segment !== '');

/**
 * Names the route of a request path for metrics labels: the OpenAPI path it matches, written as Express
 * writes it (`/v1/rooms/:room/messages`), else undefined. Computed from the URL the client sent
 * (`req.originalUrl`), not from what Express's routers left on the request: a request handled by one
 * router and answered by another (an error's problem handler) keeps its route, and since Express
 * matches paths whatever their case, so does this, so `/V1/messages` makes no series of its own. Where
 * two paths match, the one with more literal segments wins (`/v1/messages/batch` over
 * `/v1/messages/{id}`). The labels are the document's paths: as few as the API's operations.
 *
 * @example
 * ```ts
 * const route = routeLabels(Object.keys(document.paths));
 * route('/v1/rooms/ops/messages?limit=5'); // '/v1/rooms/:room/messages'
 * route('/app.js'); // undefined
 * ```
 */
export function routeLabels(paths: readonly string[]): (url: string) => string | undefined {
  const templates: Template[] = paths.map((path) => {
    const segments = segmentsOf(path).map((segment) =>
      /^\{[^}]+\}$/.test(segment) ? null : segment.toLowerCase(),
    );
    return {
      label: `/${segmentsOf(path)
        .map((segment) => segment.replace(/^\{([^}]+)\}$/, ':$1'))
        .join('/')}`,
      segments,
      literals: segments.filter((segment) => segment !== null).length,
    };
  });
  return (url) => {
    // An absolute-form target (`GET http://host/healthz`, as proxies send) names its path too.
    const target = /^[a-z][\w+.-]*:\/\//i.test(url) && URL.canParse(url) ? new URL(url).pathname : url;
    const query = target.indexOf('?');
    const parts = segmentsOf(query === -1 ? target : target.slice(0, query));
    let best: Template | undefined;
    for (const template of templates) {
      if (template.segments.length !== parts.length) continue;
      if (best !== undefined && template.literals <= best.literals) continue;
      const matches = template.segments.every(
        (segment, i) => segment === null || segment === parts[i]?.toLowerCase(),
      );
      if (matches) best = template;
    }
    return best?.label;
  };
}
