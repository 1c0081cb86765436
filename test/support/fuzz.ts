/**
 * Hostile requests for every route, generated from the app's own OpenAPI document (itself from
 * the routes' zod schemas), so a new route is fuzzed without a test of its own: path and query
 * values out of range or oddly encoded (NUL, invalid UTF-8, lone surrogates, huge), bodies that
 * fit the schema with odd text in them, bodies of the wrong shape, deep, huge, not JSON, of
 * another content type, or a gzip bomb. The property: every
 * answer is a 2xx, a 3xx, or a 4xx that says what is wrong; never a 5xx, a hang or a crash; and a
 * refused request leaves the store as it was.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { Queryable } from '../../src/db/pool.ts';
import { registeredRoutes } from '../../src/http/app.ts';

type Schema = {
  type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; items?: Schema; enum?: unknown[]; anyOf?: Schema[]; oneOf?: Schema[]; allOf?: Schema[];
  const?: unknown; format?: string; minLength?: number; maxLength?: number; minimum?: number; maximum?: number; minItems?: number; maxItems?: number;
};
interface Operation { parameters?: { in: string; name: string; schema?: Schema }[]; requestBody?: { content?: Record<string, { schema?: Schema }> } }

export interface FuzzTarget {
  method: string;
  url: string;
  query: string[];
  body: Schema | undefined;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  what: string;
}

/** Every registered route with what its OpenAPI operation says of its query and body. */
export function fuzzTargets(app: FastifyInstance): FuzzTarget[] {
  const doc = (app as unknown as { swagger(): { paths?: Record<string, Record<string, Operation>> } }).swagger();
  return registeredRoutes(app).map((r) => {
    const openapiPath = r.url.replace(/:(\w+)/g, '{$1}');
    const op = doc.paths?.[openapiPath]?.[r.method.toLowerCase()];
    return {
      method: r.method, url: r.url,
      query: (op?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      body: op?.requestBody?.content?.['application/json']?.schema,
    };
  });
}

/** Raw, already-encoded values for a path or query position. */
const RAW = ['1', '0', '-1', '99999999999999999999999', '1e309', 'NaN', 'true', '', 'x', 'latest', '%00', 'a%00b', '%ED%A0%80', '%FF%FE', '%', '%%', '%ZZ', '..%2F..%2Fetc%2Fpasswd', '%F0%9F%98%80', 'null', '%5B%5D', '2026-13-45T99:99:99Z'];
const rawValue = fc.oneof(
  fc.constantFrom(...RAW),
  fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent),
  fc.integer().map(String),
  fc.constant('a'.repeat(5_000)),
);

/** Strings people do not send: NUL, a lone surrogate, control bytes, very long. */
const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udc00y', '\u001b[31m', ' ', '', 'é😀', 'a'.repeat(100_000)),
);
const anyJson = fc.jsonValue({ maxDepth: 3 });

/** A value meant to fit `schema`, or on purpose not to (wrong type, missing, extra). */
function shaped(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return anyJson;
  const wrong = fc.oneof(anyJson, oddString, fc.constant(null), fc.double());
  const alts = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (alts && alts.length > 0) return fc.oneof(...alts.map((s) => shaped(s, depth + 1)), wrong);
  if (schema.enum) return fc.oneof(fc.constantFrom(...schema.enum), wrong);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const props = Object.entries(schema.properties ?? {});
      const record = fc.record(Object.fromEntries(props.map(([k, s]) => [k, shaped(s, depth + 1)])), { requiredKeys: [] });
      return fc.oneof({ weight: 4, arbitrary: fc.tuple(record, fc.option(fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 2 }))).map(([r, extra]) => ({ ...r, ...(extra ?? {}) })) }, wrong);
    }
    case 'array': return fc.oneof({ weight: 3, arbitrary: fc.array(shaped(schema.items, depth + 1), { maxLength: 4 }) }, wrong);
    case 'string': return fc.oneof(fc.string({ maxLength: 20 }), oddString, fc.constantFrom('2026-11-01T00:00:00Z', 'not-a-date'), wrong);
    case 'integer': case 'number': return fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 0, 2 ** 53, 1e308), wrong);
    case 'boolean': return fc.oneof(fc.boolean(), wrong);
    default: return wrong;
  }
}

/** Text that fits a string's length bounds, odd bytes among it: a request Medic takes must keep them (or say it replaced them). */
function fittingString(schema: Schema): fc.Arbitrary<string> {
  if (schema.format === 'date-time') return fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2027-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
  if (schema.format === 'uri') return fc.constantFrom('http://127.0.0.1:1/x', 'https://example.com/a?b=c');
  const min = schema.minLength ?? 0;
  const max = Math.max(min, Math.min(schema.maxLength ?? 40, 40));
  const text = fc.oneof({ weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) }, fc.constantFrom('etl', 'load', 'a\u0000b', 'x\ud800y', 'é😀', 'finance_close.load_dw', 'psycopg2.OperationalError: connection refused'));
  return text.map((t) => t.padEnd(min, 'x').slice(0, max));
}

/** A value that fits `schema` as far as its keywords say, so the fuzz reaches what runs after validation too. */
function fitting(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return fc.constant('x');
  if ('const' in schema) return fc.constant(schema.const);
  const alts = schema.anyOf ?? schema.oneOf;
  if (alts && alts.length > 0) return fc.oneof(...alts.map((s) => fitting(s, depth + 1)));
  if (schema.allOf?.[0]) return fitting(schema.allOf[0], depth + 1);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const props = Object.entries(schema.properties ?? {});
      const required = (schema.required ?? []).filter((k) => props.some(([p]) => p === k));
      return fc.record(Object.fromEntries(props.map(([k, s]) => [k, fitting(s, depth + 1)])), { requiredKeys: required });
    }
    case 'array': {
      const min = schema.minItems ?? 0;
      return fc.array(fitting(schema.items, depth + 1), { minLength: min, maxLength: Math.max(min, Math.min(schema.maxItems ?? 3, 3)) });
    }
    case 'string': return fittingString(schema);
    case 'integer': return fc.integer({ min: Math.max(schema.minimum ?? -1_000, -(2 ** 31)), max: Math.min(schema.maximum ?? 1_000_000, 2 ** 31) });
    case 'number': return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean': return fc.boolean();
    case 'null': return fc.constant(null);
    default: return fc.constant(null);
  }
}

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const BOMB = gzipSync(Buffer.alloc(64 * 1024 * 1024));

type Body = { payload: string | Buffer; headers: Record<string, string>; what: string };
function bodyArb(target: FuzzTarget): fc.Arbitrary<Body> {
  const json = (what: string) => (v: unknown): Body => ({ payload: JSON.stringify(v), headers: { 'content-type': 'application/json' }, what });
  return fc.oneof(
    { weight: 4, arbitrary: fitting(target.body).map(json('fitting')) },
    { weight: 4, arbitrary: shaped(target.body).map(json('shaped')) },
    { weight: 2, arbitrary: anyJson.map(json('any JSON')) },
    fc.constantFrom<Body>(
      { payload: deep(20_000), headers: { 'content-type': 'application/json' }, what: 'deep' },
      { payload: '{"a":', headers: { 'content-type': 'application/json' }, what: 'truncated' },
      { payload: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]), headers: { 'content-type': 'application/json' }, what: 'invalid UTF-8' },
      { payload: '{"a":"\\ud800","b":"\\u0000"}', headers: { 'content-type': 'application/json' }, what: 'escaped lone surrogate and NUL' },
      { payload: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, what: 'form' },
      { payload: 'hello', headers: { 'content-type': 'text/plain' }, what: 'text' },
      { payload: '', headers: { 'content-type': 'application/json' }, what: 'empty' },
      { payload: BOMB, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, what: 'gzip bomb' },
      { payload: Buffer.from('not gzip'), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, what: 'bad gzip' },
      { payload: JSON.stringify({ s: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' }, what: 'huge string' },
    ),
  );
}

/** Requests for one route, authorised with `token`. */
export function requestArb(target: FuzzTarget, token: string): fc.Arbitrary<FuzzRequest> {
  const names = target.url.match(/:\w+|\*/g) ?? [];
  const path = fc.tuple(...names.map(() => rawValue)).map((values) => values.reduce((u, v, i) => u.replace(names[i] ?? '', v), target.url));
  const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...(target.query.length ? target.query : ['q'])), fc.constantFrom('unknown', 'limit')), rawValue), { maxLength: 4 })
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
  const body = target.method === 'GET' ? fc.constant(undefined) : bodyArb(target);
  return fc.tuple(path, query, body).map(([p, q, b]) => ({
    method: target.method, url: q ? `${p}?${q}` : p,
    headers: { authorization: `Bearer ${token}`, ...(b?.headers ?? {}) },
    ...(b ? { payload: b.payload } : {}),
    what: b?.what ?? 'no body',
  }));
}

/** A cheap digest of the store: every table's row count (`tables` once listed, when the caller keeps them). */
export async function storeDigest(db: Queryable, tables?: string[]): Promise<string> {
  const names = tables ?? await tableNames(db);
  const r = await db.query<{ d: unknown }>(`select json_build_object(${names.map((t) => `'${t}', (select count(*) from "${t}")`).join(', ')}) as d`);
  return JSON.stringify(r.rows[0]?.d);
}

async function tableNames(db: Queryable): Promise<string[]> {
  return (await db.query<{ t: string }>("select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1")).rows.map((r) => r.t);
}

export interface RouteFuzz {
  route: string;
  inputs: number;
  statuses: Record<string, number>;
  problems: string[];
}

/** Sends `runs` generated requests to one route and checks each answer. */
/** Inputs are made this many at a time: 10,000 of them, huge bodies among them, held at once would fill the heap. */
const SAMPLE_CHUNK = 500;

/** `runs` inputs of `arb`, the same for the same seed, made a chunk at a time (the first chunk is `fc.sample`'s own with `seed`). */
function* samplesOf<T>(arb: fc.Arbitrary<T>, runs: number, seed: number): Generator<T> {
  for (let start = 0; start < runs; start += SAMPLE_CHUNK) {
    yield* fc.sample(arb, { numRuns: Math.min(SAMPLE_CHUNK, runs - start), seed: seed + start });
  }
}

export async function fuzzRoute(app: FastifyInstance, db: Queryable, target: FuzzTarget, token: string, options: { runs: number; seed: number; timeoutMs?: number }): Promise<RouteFuzz> {
  const out: RouteFuzz = { route: `${target.method} ${target.url}`, inputs: 0, statuses: {}, problems: [] };
  const tables = await tableNames(db);
  // Only requests write (the fuzz app runs no queue workers), so the store after one answer is the store before the next.
  let before = await storeDigest(db, tables);
  for (const req of samplesOf(requestArb(target, token), options.runs, options.seed)) {
    out.inputs += 1;
    let status: number;
    let text: string;
    try {
      let timer: NodeJS.Timeout | undefined;
      // Cleared once answered: a pending timer would hold the race, and with it the answer, for its whole length.
      const res = await Promise.race([
        app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, ...(req.payload === undefined ? {} : { payload: req.payload }) }),
        new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('no answer in time')), options.timeoutMs ?? 15_000); }),
      ]).finally(() => clearTimeout(timer));
      status = res.statusCode;
      text = res.body;
    } catch (err) {
      out.problems.push(`${req.what} ${req.url}: ${err instanceof Error ? err.message : String(err)}`);
      before = await storeDigest(db, tables);
      continue;
    }
    const cls = `${Math.floor(status / 100)}xx`;
    out.statuses[cls] = (out.statuses[cls] ?? 0) + 1;
    const where = `${req.method} ${req.url.slice(0, 200)} (${req.what}) → ${status}`;
    if (status >= 500) out.problems.push(`${where}: ${text.slice(0, 300)}`);
    // Medic's error shape, or an ingest answer whose items each say what is wrong with them.
    const says = /"error":\{"code":"\w+","message":"[^"]+/.test(text) || /"status":"rejected","issues":\[\{/.test(text) || text.startsWith('<');
    // The API's refusals say what is wrong; the console's and the documentation's files answer a plain 404.
    const api = /^\/(v1|api)\//.test(target.url);
    if (status >= 400 && status < 500 && api && !says) out.problems.push(`${where}: a refusal that does not say what is wrong: ${text.slice(0, 200)}`);
    const after = await storeDigest(db, tables);
    if (status >= 400 && after !== before) out.problems.push(`${where}: a refused request changed the store (${before} → ${after})`);
    before = after;
    // An injected request and the embedded store answer through promises alone: without a turn of
    // the event loop the callbacks each answer leaves for it (setImmediate) pile up, with the answer.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}
