/**
 * A deliberately small JSON path, enough to point at the symbols in a positions response:
 *
 *   positions[*].symbol     every element's `symbol` field of the `positions` array
 *   data.open[*].instrument.name
 *   [*].symbol              a top-level array
 *   symbols                 an array of strings (same as `symbols[*]`)
 *   positions[0].symbol     one element by index
 *
 * A leading `$` or `$.` is allowed. Field names are letters, digits, `_` and `-`.
 */

export type PathStep =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'each' }
  | { readonly kind: 'index'; readonly index: number };

export type JsonPath = readonly PathStep[];

export type PathParseResult =
  { readonly ok: true; readonly path: JsonPath } | { readonly ok: false; readonly error: string };

export type PathEvalResult =
  { readonly ok: true; readonly values: readonly string[] } | { readonly ok: false; readonly error: string };

export const JSON_PATH_HINT = `use fields joined by '.', '[*]' for every element and '[N]' for one, e.g. 'positions[*].symbol'`;

const TOKEN = /\.?([A-Za-z0-9_-]+)|\[(\*|\d+)\]/y;

export function parseJsonPath(text: string): PathParseResult {
  let rest = text.trim();
  if (rest.startsWith('$')) rest = rest.slice(1);
  const steps: PathStep[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < rest.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(rest);
    // A field after the first step needs its dot: `a.b`, not `a]b` or `ab` split oddly.
    if (m === null || (m[1] !== undefined && steps.length > 0 && rest[at] !== '.')) {
      return {
        ok: false,
        error: `JSON path '${text}' is not valid at '${rest.slice(at)}': ${JSON_PATH_HINT}`,
      };
    }
    if (m[1] !== undefined) steps.push({ kind: 'field', name: m[1] });
    else if (m[2] === '*') steps.push({ kind: 'each' });
    else steps.push({ kind: 'index', index: Number(m[2]) });
  }
  return { ok: true, path: steps };
}

/** Where a step lands, for messages: `positions[3].symbol`. */
function describe(at: string): string {
  return at === '' ? 'the response body' : `'${at}'`;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * The strings `path` points at in `body`. An array at the end stands for its elements. Any
 * missing field or value of the wrong kind is an error naming where, never a silent skip.
 */
export function evaluateJsonPath(body: unknown, path: JsonPath): PathEvalResult {
  let current: Array<{ value: unknown; at: string }> = [{ value: body, at: '' }];
  for (const step of path) {
    const next: Array<{ value: unknown; at: string }> = [];
    for (const { value, at } of current) {
      if (step.kind === 'field') {
        const here = at === '' ? step.name : `${at}.${step.name}`;
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          return {
            ok: false,
            error: `${describe(at)} is ${kindOf(value)}, not an object with '${step.name}'`,
          };
        }
        if (!Object.hasOwn(value, step.name)) {
          const keys = Object.keys(value).slice(0, 10).join(', ');
          return { ok: false, error: `${describe(here)} is missing (fields there: ${keys || 'none'})` };
        }
        next.push({ value: (value as Record<string, unknown>)[step.name], at: here });
        continue;
      }
      if (!Array.isArray(value)) {
        return { ok: false, error: `${describe(at)} is ${kindOf(value)}, not an array` };
      }
      if (step.kind === 'each') {
        value.forEach((v: unknown, i) => next.push({ value: v, at: `${at}[${i}]` }));
      } else if (step.index < value.length) {
        next.push({ value: value[step.index] as unknown, at: `${at}[${step.index}]` });
      } else {
        return { ok: false, error: `${describe(at)} has ${value.length} elements, no [${step.index}]` };
      }
    }
    current = next;
  }
  if (current.length === 1 && Array.isArray(current[0].value)) {
    const { value, at } = current[0];
    current = (value as unknown[]).map((v, i) => ({ value: v, at: `${at}[${i}]` }));
  }
  const values: string[] = [];
  for (const { value, at } of current) {
    if (typeof value !== 'string')
      return { ok: false, error: `${describe(at)} is ${kindOf(value)}, not a string` };
    values.push(value);
  }
  return { ok: true, values };
}
