import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { oas31 } from 'zod-openapi';
import { requireRole, type Role } from './auth';
import { cleanStrings } from '../policy/text';
import { invalid, parse } from './errors';

// A route is declared once, here: what it takes (path parameters, query, body),
// what it answers, and who may call it. The declaration installs the Express
// handler, which parses the request with those very schemas, and is what
// /api/openapi.json is built from (api/openapi.ts), so the two cannot drift.

export type Method = 'get' | 'post' | 'put' | 'delete';
export type SecurityRequirement = oas31.SecurityRequirementObject;

/** A bearer token (JWT) in the Authorization header: the API's one way in. */
export const BEARER: SecurityRequirement = { bearer: [] };

export interface ResponseSpec {
  description: string;
  schema: z.ZodType;
  /** application/json unless said otherwise. */
  contentType?: string;
  headers?: z.ZodObject;
}

/** An answer in the error shape of errors.ts; `schema` when it carries more than `{ error, message }`. */
export type ErrorSpec = string | { description: string; schema: z.ZodType };

type Responses = Record<number, ResponseSpec>;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteSpec<P = z.ZodObject | undefined, Q = z.ZodObject | undefined, B = z.ZodType | undefined, R extends Responses = Responses> {
  /** Unique in the API: clients generate method names from it. */
  operationId: string;
  summary: string;
  description?: string;
  /** Who may call it (deny by default); absent for the few public routes. */
  roles?: readonly Role[];
  /** What proves the caller's identity; defaults to the router's when `roles` are set, else none. */
  security?: SecurityRequirement[];
  /** Every `:name` of the path, and nothing else. */
  params?: P;
  query?: Q;
  /**
   * A function of the path parameters when the checks depend on them (a calendar
   * year's dates must fall in that year); the description calls it without
   * parameters, so the shape it describes must not depend on them.
   */
  body?: B | ((params: Out<P> | undefined) => B);
  /**
   * Stricter schemas of the same shape, known only when a request arrives (a region
   * must be one of the packs loaded now): the request is checked with these, the
   * description shows `query` and `body`.
   */
  atRequest?: { query?: (req: Request) => Promise<Q>; body?: (req: Request) => Promise<B> };
  /** The answers the route itself sends (2xx, or 503 for readiness). */
  responses: R;
  /** Errors the route raises besides those its declaration implies (400 for bad input, 401/403 for roles). */
  errors?: Partial<Record<number, ErrorSpec>>;
}

export interface Input<P, Q, B> {
  params: Out<P>;
  query: Out<Q>;
  /**
   * Parses the body on first call: a route may refuse a caller (404, 403) before it
   * judges what they sent. A missing body counts as `{}`.
   */
  body: () => Out<B>;
}

/** What the handler may send: the body of one of its declared responses. */
type Sent<R extends Responses> = { [K in keyof R]: R[K] extends ResponseSpec ? z.input<R[K]['schema']> : never }[keyof R];

export type Handler<P, Q, B, R extends Responses> = (req: Request, res: Response<Sent<R>>, input: Input<P, Q, B>) => void | Promise<void>;

export interface DeclaredRoute {
  method: Method;
  /** The Express path from the application's root, e.g. /api/cases/:caseId. */
  path: string;
  tag?: Tag;
  security: SecurityRequirement[];
  spec: RouteSpec;
}

export interface Tag {
  name: string;
  description: string;
}

export interface RoutesOptions {
  /** Groups the routes in the description; mounted routes without a tag of their own take it. */
  tag?: Tag;
  /** What proves identity on this router's routes that name roles; default: a bearer token. */
  security?: SecurityRequirement[];
}

const PATH_PARAM = /:(\w+)/g;

/**
 * Every string a request carries, before any route's schema sees it: refused with a 400
 * naming the field when it holds control characters or unpaired surrogates (a NUL
 * wedged cases in PostgreSQL), else normalised to NFC (policy/text.ts).
 */
function clean(value: unknown): unknown {
  // Paths as the route's own schema names them (`mother.name`), without the part of the request.
  const { value: cleaned, issues } = cleanStrings(value);
  if (issues.length > 0) throw invalid(issues);
  return cleaned;
}

/**
 * An Express router whose routes are all declared: use `get`, `post`, `put` and
 * `delete` for routes, `use` for routers mounted below it, and `router.use` for
 * middleware only (a route added on `router` directly would be missing from the
 * description; the route-parity test catches it).
 */
export class Routes {
  readonly router = Router();
  private readonly own: DeclaredRoute[] = [];
  private readonly mounted: { prefix: string; routes: Routes }[] = [];

  constructor(private readonly options: RoutesOptions = {}) {}

  get<P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined, R extends Responses = Responses>(
    path: string,
    spec: RouteSpec<P, Q, undefined, R>,
    handler: Handler<P, Q, undefined, R>,
  ): this {
    return this.add('get', path, spec, handler);
  }

  post<P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined, B extends z.ZodType | undefined = undefined, R extends Responses = Responses>(
    path: string,
    spec: RouteSpec<P, Q, B, R>,
    handler: Handler<P, Q, B, R>,
  ): this {
    return this.add('post', path, spec, handler);
  }

  put<P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined, B extends z.ZodType | undefined = undefined, R extends Responses = Responses>(
    path: string,
    spec: RouteSpec<P, Q, B, R>,
    handler: Handler<P, Q, B, R>,
  ): this {
    return this.add('put', path, spec, handler);
  }

  delete<P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined, B extends z.ZodType | undefined = undefined, R extends Responses = Responses>(
    path: string,
    spec: RouteSpec<P, Q, B, R>,
    handler: Handler<P, Q, B, R>,
  ): this {
    return this.add('delete', path, spec, handler);
  }

  /** Mounts `routes` here, or under `prefix`, in Express and in the description alike. */
  use(routes: Routes): this;
  use(prefix: string, routes: Routes): this;
  use(first: string | Routes, second?: Routes): this {
    const [prefix, routes] = typeof first === 'string' ? [first, second!] : ['', first];
    if (prefix) this.router.use(prefix, routes.router);
    else this.router.use(routes.router);
    this.mounted.push({ prefix, routes });
    return this;
  }

  /** Every route declared here and below, with its path from this router. */
  declared(): DeclaredRoute[] {
    return [
      ...this.own,
      ...this.mounted.flatMap(({ prefix, routes }) => routes.declared().map((route) => ({ ...route, path: `${prefix}${route.path}`, tag: route.tag ?? this.options.tag }))),
    ];
  }

  private add<P extends z.ZodObject | undefined, Q extends z.ZodObject | undefined, B extends z.ZodType | undefined, R extends Responses>(
    method: Method,
    path: string,
    spec: RouteSpec<P, Q, B, R>,
    handler: Handler<P, Q, B, R>,
  ): this {
    const inPath = [...path.matchAll(PATH_PARAM)].map((m) => m[1]).sort();
    const declared = Object.keys(spec.params?.shape ?? {}).sort();
    if (inPath.join() !== declared.join()) {
      throw new Error(`${method.toUpperCase()} ${path}: path parameters [${inPath}] but params declares [${declared}]`);
    }
    const security = spec.security ?? (spec.roles ? (this.options.security ?? [BEARER]) : []);
    this.own.push({ method, path, tag: this.options.tag, security, spec: spec as RouteSpec });

    const bodySchema = (params: Out<P> | undefined): B | undefined =>
      typeof spec.body === 'function' ? (spec.body as (p: Out<P> | undefined) => B)(params) : (spec.body as B | undefined);
    const guards: RequestHandler[] = spec.roles ? [requireRole(...spec.roles)] : [];
    this.router[method](path, ...guards, async (req: Request, res: Response) => {
      const params = (spec.params ? parse(spec.params, clean(req.params)) : undefined) as Out<P>;
      const querySchema = spec.atRequest?.query ? await spec.atRequest.query(req) : spec.query;
      const query = (querySchema ? parse(querySchema, clean(req.query)) : undefined) as Out<Q>;
      const strictBody = spec.atRequest?.body ? await spec.atRequest.body(req) : undefined;
      let body: { value: Out<B> } | undefined;
      const readBody = (): Out<B> => {
        const schema = strictBody ?? bodySchema(params);
        body ??= { value: (schema ? parse(schema, clean(req.body ?? {})) : undefined) as Out<B> };
        return body.value;
      };
      await handler(req, res, { params, query, body: readBody });
    });
    return this;
  }
}

/** The body's schema as the description shows it (see `RouteSpec.body`). */
export function describedBody(spec: RouteSpec): z.ZodType | undefined {
  return typeof spec.body === 'function' ? spec.body(undefined) : spec.body;
}

/** Sends JSON that is already text, byte for byte (a history exactly as archived). */
export function sendJsonText<T>(res: Response<T>, text: string): void {
  (res as Response).type('application/json').send(text);
}

/** An instant as the API writes it (`Date.prototype.toISOString`). */
export const timestamp = z.string().meta({ format: 'date-time', examples: ['2026-11-20T00:30:00.000Z'] });
