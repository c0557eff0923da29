/**
 * A compiler for the common subset of JMESPath used in rule conditions and partition-key paths:
 * field paths (`api.status.code`, `"quoted-name".x`), literals (`` `500` ``, `'text'`), comparisons
 * (`==`, `!=`, `<`, `<=`, `>`, `>=`), `&&`, `||`, `!` and parentheses. It compiles to plain closures
 * with the JMESPath semantics of Powertools JMESPath (missing field → null, ordering comparisons on
 * non-numbers → null, deep equality, JMESPath truthiness), so it returns exactly what the plain path
 * (jmespath.ts compilePlainJmespath) returns. Anything outside the subset returns null and the caller
 * takes the plain path; test/unit/enrichment/jmespath-fast.test.ts checks that both agree on random
 * expressions and records.
 */

/** A compiled expression. */
export type CompiledExpression = (data: unknown) => unknown;

type Token =
  | { t: 'id'; v: string }
  | { t: 'lit'; v: unknown }
  | { t: 'op'; v: '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||' | '!' | '(' | ')' | '.' };

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;

function tokenize(src: string): Token[] | null {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    IDENT.lastIndex = i;
    const m = IDENT.exec(src);
    if (m) {
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
      continue;
    }
    if (c === '"') {
      // Quoted identifier: a JSON string.
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) return null;
      try {
        out.push({ t: 'id', v: JSON.parse(src.slice(i, j + 1)) as string });
      } catch {
        return null;
      }
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = src.indexOf('`', i + 1);
      // Escaped backticks inside literals are rare: leave them to Powertools.
      if (j < 0 || src.slice(i + 1, j).includes('\\')) return null;
      try {
        out.push({ t: 'lit', v: JSON.parse(src.slice(i + 1, j)) });
      } catch {
        return null;
      }
      i = j + 1;
      continue;
    }
    if (c === "'") {
      const j = src.indexOf("'", i + 1);
      if (j < 0 || src.slice(i + 1, j).includes('\\')) return null;
      out.push({ t: 'lit', v: src.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<=' || two === '>=' || two === '&&' || two === '||') {
      out.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if (c === '<' || c === '>' || c === '!' || c === '(' || c === ')' || c === '.') {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    return null;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** JMESPath truthiness (Powertools): false, null, "", [] and {} are false; every number is true. */
export function jmespathTruthy(v: unknown): boolean {
  if (typeof v === 'number') return true;
  if (typeof v === 'string') return v !== '';
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.length > 0;
  if (isRecord(v)) return Object.keys(v).length > 0;
  return false;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b as object, k) && deepEqual((a as never)[k], (b as never)[k]));
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): CompiledExpression | null {
    const e = this.or();
    return e !== null && this.i === this.tokens.length ? e : null;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private isOp(v: string): boolean {
    const t = this.peek();
    return t !== undefined && t.t === 'op' && t.v === v;
  }

  private or(): CompiledExpression | null {
    let left = this.and();
    while (left !== null && this.isOp('||')) {
      this.i++;
      const right = this.and();
      if (right === null) return null;
      const l = left;
      left = (d) => {
        const v = l(d);
        return jmespathTruthy(v) ? v : right(d);
      };
    }
    return left;
  }

  private and(): CompiledExpression | null {
    let left = this.comparison();
    while (left !== null && this.isOp('&&')) {
      this.i++;
      const right = this.comparison();
      if (right === null) return null;
      const l = left;
      left = (d) => {
        const v = l(d);
        return jmespathTruthy(v) ? right(d) : v;
      };
    }
    return left;
  }

  private comparison(): CompiledExpression | null {
    const left = this.unary();
    const t = this.peek();
    if (left === null || t === undefined || t.t !== 'op') return left;
    const op = t.v;
    if (op !== '==' && op !== '!=' && op !== '<' && op !== '<=' && op !== '>' && op !== '>=') return left;
    this.i++;
    const right = this.unary();
    if (right === null) return null;
    // Chained comparisons are left to Powertools.
    const next = this.peek();
    if (next?.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(next.v)) return null;
    switch (op) {
      case '==':
        return (d) => deepEqual(left(d), right(d));
      case '!=':
        return (d) => !deepEqual(left(d), right(d));
      default: {
        const cmp =
          op === '<'
            ? (a: number, b: number) => a < b
            : op === '<='
              ? (a: number, b: number) => a <= b
              : op === '>'
                ? (a: number, b: number) => a > b
                : (a: number, b: number) => a >= b;
        return (d) => {
          const a = left(d);
          const b = right(d);
          return typeof a === 'number' && typeof b === 'number' ? cmp(a, b) : null;
        };
      }
    }
  }

  private unary(): CompiledExpression | null {
    if (this.isOp('!')) {
      this.i++;
      // JMESPath binds `!` tighter than `.`: `!a.b` is `(!a).b`. Leave that form to Powertools.
      const next = this.tokens[this.i];
      const after = this.tokens[this.i + 1];
      if (next?.t === 'id' && after?.t === 'op' && after.v === '.') return null;
      const inner = this.unary();
      return inner === null ? null : (d) => !jmespathTruthy(inner(d));
    }
    return this.primary();
  }

  private primary(): CompiledExpression | null {
    const t = this.peek();
    if (t === undefined) return null;
    if (t.t === 'lit') {
      this.i++;
      const v = t.v;
      return () => v;
    }
    if (t.t === 'op' && t.v === '(') {
      this.i++;
      const inner = this.or();
      if (inner === null || !this.isOp(')')) return null;
      this.i++;
      return inner;
    }
    if (t.t === 'id') {
      const path: string[] = [t.v];
      this.i++;
      while (this.isOp('.')) {
        this.i++;
        const next = this.peek();
        if (next?.t !== 'id') return null;
        path.push(next.v);
        this.i++;
      }
      // A call like `length(...)` is a function: leave it to Powertools.
      if (this.isOp('(')) return null;
      return (d) => {
        let cur: unknown = d;
        for (const seg of path) {
          if (!isRecord(cur) || !Object.hasOwn(cur, seg)) return null;
          cur = cur[seg];
        }
        return cur === undefined ? null : cur;
      };
    }
    return null;
  }
}

/**
 * Compiles an expression of the supported subset, or returns null when the expression uses anything
 * else (functions, projections, filters, pipes, multi-selects, …).
 *
 * @example compileFastJmespath("api.status.code >= `500`")?.(record) // → true | false | null
 */
export function compileFastJmespath(expression: string): CompiledExpression | null {
  const tokens = tokenize(expression);
  if (tokens === null || tokens.length === 0) return null;
  return new Parser(tokens).parse();
}
