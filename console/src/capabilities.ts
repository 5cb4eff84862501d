import { reactive } from 'vue';
import { request } from './api';

// What the API offers right now, read from its own description (/api/openapi.json):
// the console shows a page or a button only when the route behind it exists, so it
// lights up as the API grows (claims, item views, the access log, figures) without
// guessing.

interface Operation {
  parameters?: { name: string; in: string }[];
}
type Paths = Record<string, Record<string, Operation>>;

export const capabilities = reactive<{ loaded: boolean; paths: Paths }>({ loaded: false, paths: {} });

let loading: Promise<void> | undefined;

export function loadCapabilities(): Promise<void> {
  loading ??= request<{ paths?: Paths }>('GET', '/api/openapi.json', undefined, { token: null })
    .then(({ body }) => {
      capabilities.paths = body.paths ?? {};
      capabilities.loaded = true;
    })
    .catch(() => {
      loading = undefined;
    });
  return loading;
}

/** Whether the API serves `method path`; `path` in the description's form, e.g. /api/cases/{caseId}/items/{itemKey}/claim. */
export function offers(method: string, path: string): boolean {
  const wanted = normalise(path);
  return Object.entries(capabilities.paths).some(([p, ops]) => normalise(p) === wanted && ops[method.toLowerCase()] !== undefined);
}

/** Whether `method path` takes the query parameter `name`. */
export function takesQuery(method: string, path: string, name: string): boolean {
  const wanted = normalise(path);
  for (const [p, ops] of Object.entries(capabilities.paths)) {
    if (normalise(p) !== wanted) continue;
    return (ops[method.toLowerCase()]?.parameters ?? []).some((q) => q.in === 'query' && q.name === name);
  }
  return false;
}

/** Path parameters by position, not by name: `{item}` and `{itemKey}` are the same route. */
function normalise(path: string): string {
  return path.replace(/\{[^}]+\}/g, '{}');
}
