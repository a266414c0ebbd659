/** The screens of the workbench, as the address after `#` names them. */
export type Route =
  | { readonly page: 'home' }
  | { readonly page: 'datasets' }
  | { readonly page: 'import-dataset' }
  | { readonly page: 'dataset'; readonly id: string }
  | { readonly page: 'experiments' }
  | { readonly page: 'new-experiment'; readonly datasetId: string | null; readonly preset: string | null }
  | { readonly page: 'experiment'; readonly id: string; readonly tab: string | null }
  | { readonly page: 'export'; readonly experimentId: string; readonly runId: string | null }
  | { readonly page: 'not-found'; readonly path: string };

/** Reads a route from a location hash such as `#/experiments/abc?tab=compare`. */
export function parseRoute(hash: string): Route {
  const withoutMark = hash.replace(/^#/, '');
  const [pathPart = '', queryPart = ''] = withoutMark.split('?', 2);
  const query = new URLSearchParams(queryPart);
  const segments = pathPart
    .split('/')
    .filter((segment) => segment.length > 0)
    .map((segment) => decodeURIComponent(segment));
  const [first, second, third] = segments;
  if (first === undefined) return { page: 'home' };
  if (first === 'datasets') {
    if (second === undefined) return { page: 'datasets' };
    if (second === 'import' && third === undefined) return { page: 'import-dataset' };
    if (third === undefined) return { page: 'dataset', id: second };
  }
  if (first === 'experiments') {
    if (second === undefined) return { page: 'experiments' };
    if (second === 'new' && third === undefined) {
      return { page: 'new-experiment', datasetId: query.get('dataset'), preset: query.get('preset') };
    }
    if (third === undefined) return { page: 'experiment', id: second, tab: query.get('tab') };
    if (third === 'export' && segments.length === 3) {
      return { page: 'export', experimentId: second, runId: query.get('run') };
    }
  }
  return { page: 'not-found', path: pathPart };
}

/** The hash that opens a route; the inverse of parseRoute. */
export function routeHref(route: Route): string {
  const encode = encodeURIComponent;
  const withQuery = (path: string, entries: Record<string, string | null>): string => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(entries)) if (value !== null) query.set(key, value);
    const text = query.toString();
    return text.length > 0 ? `#${path}?${text}` : `#${path}`;
  };
  switch (route.page) {
    case 'home':
      return '#/';
    case 'datasets':
      return '#/datasets';
    case 'import-dataset':
      return '#/datasets/import';
    case 'dataset':
      return `#/datasets/${encode(route.id)}`;
    case 'experiments':
      return '#/experiments';
    case 'new-experiment':
      return withQuery('/experiments/new', { dataset: route.datasetId, preset: route.preset });
    case 'experiment':
      return withQuery(`/experiments/${encode(route.id)}`, { tab: route.tab });
    case 'export':
      return withQuery(`/experiments/${encode(route.experimentId)}/export`, { run: route.runId });
    case 'not-found':
      return `#${route.path}`;
  }
}
