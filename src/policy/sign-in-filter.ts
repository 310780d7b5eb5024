// Parses and applies the OData $filter subset admins use on Graph's /auditLogs/signIns (entra-mdm.md §4.2).
import type { SignIn } from './sign-in.js';

export type FilterFieldType = 'string' | 'number' | 'boolean' | 'datetime' | 'enum';
export type FilterOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export interface FilterFieldSpec {
  type: FilterFieldType;
  operators: readonly FilterOperator[];
  values?: readonly string[];
  /** String equality ignores case (Graph stores UPNs lower-case; ids are GUIDs); SQL should compare lower(). */
  caseInsensitive?: boolean;
  get: (row: SignIn) => string | number | boolean;
}

const EQ: readonly FilterOperator[] = ['eq', 'ne'];
const ALL: readonly FilterOperator[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];
const str = (get: (r: SignIn) => string): FilterFieldSpec => ({ type: 'string', operators: EQ, caseInsensitive: true, get });

/** Canonical property paths (Graph's spelling) and how each is compared; the SQL translator keys on these too. */
export const SIGN_IN_FILTER_FIELDS = {
  'status/errorCode': { type: 'number', operators: ALL, get: (r) => r.status.errorCode },
  createdDateTime: { type: 'datetime', operators: ALL, get: (r) => r.createdDateTime },
  userPrincipalName: str((r) => r.userPrincipalName),
  userId: str((r) => r.userId),
  appId: str((r) => r.appId),
  appDisplayName: str((r) => r.appDisplayName),
  ipAddress: str((r) => r.ipAddress),
  correlationId: str((r) => r.correlationId),
  id: str((r) => r.id),
  isInteractive: { type: 'boolean', operators: EQ, get: (r) => r.isInteractive },
  conditionalAccessStatus: { type: 'enum', operators: EQ, values: ['success', 'failure', 'notApplied'], get: (r) => r.conditionalAccessStatus },
  authenticationRequirement: {
    type: 'enum', operators: EQ, values: ['singleFactorAuthentication', 'multiFactorAuthentication'], get: (r) => r.authenticationRequirement,
  },
} satisfies Record<string, FilterFieldSpec>;

export type SignInFilterField = keyof typeof SIGN_IN_FILTER_FIELDS;

export interface FilterComparison {
  kind: 'compare';
  field: SignInFilterField;
  op: FilterOperator;
  /** Datetimes are normalised to ISO 8601 UTC with milliseconds (Date.prototype.toISOString). */
  value: string | number | boolean;
}

export type FilterAst = FilterComparison | { kind: 'and' | 'or'; operands: FilterAst[] };

export class SignInFilterError extends Error {
  override readonly name = 'SignInFilterError';
  constructor(
    readonly reason: 'syntax' | 'unsupported' | 'invalid_value' | 'too_complex',
    readonly detail: string,
    /** 0-based character offset in the $filter text. */
    readonly position: number,
  ) {
    super(`${detail} (at position ${position})`);
  }
}

export const MAX_FILTER_LENGTH = 2000;
const MAX_DEPTH = 10;
const MAX_COMPARISONS = 40;

type Token =
  | { t: 'ident'; v: string; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'literal'; v: string; pos: number } // numbers and unquoted date-times
  | { t: '(' | ')' | ','; pos: number }
  | { t: 'end'; pos: number };

/** Lexes on demand, so an unsupported construct is reported by the parser before any odd character after it. */
class Lexer {
  private i = 0;
  constructor(private readonly s: string) {}

  next(): Token {
    const s = this.s;
    while (this.i < s.length && /\s/.test(s[this.i]!)) this.i++;
    const i = this.i;
    if (i >= s.length) return { t: 'end', pos: s.length };
    const ch = s[i]!;
    if (ch === '(' || ch === ')' || ch === ',') { this.i++; return { t: ch, pos: i }; }
    if (ch === "'") {
      let v = '';
      let j = i + 1;
      for (;;) {
        if (j >= s.length) throw new SignInFilterError('syntax', 'unterminated string literal', i);
        if (s[j] === "'") {
          if (s[j + 1] === "'") { v += "'"; j += 2; continue; } // OData escapes a quote by doubling it
          break;
        }
        v += s[j];
        j++;
      }
      this.i = j + 1;
      return { t: 'string', v, pos: i };
    }
    const word = /^[A-Za-z_][A-Za-z0-9_/]*/.exec(s.slice(i));
    if (word) { this.i += word[0].length; return { t: 'ident', v: word[0], pos: i }; }
    const lit = /^[-+]?[0-9][0-9A-Za-z:.+-]*/.exec(s.slice(i));
    if (lit) { this.i += lit[0].length; return { t: 'literal', v: lit[0], pos: i }; }
    throw new SignInFilterError('syntax', `unexpected character '${ch}'`, i);
  }
}

const DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const OPERATORS = new Set<string>(ALL);
const FIELD_BY_LOWER = new Map(Object.keys(SIGN_IN_FILTER_FIELDS).map((k) => [k.toLowerCase(), k as SignInFilterField]));

class Parser {
  private lookahead: Token | null = null;
  private comparisons = 0;
  constructor(private readonly lexer: Lexer) {}

  private peek(): Token { return (this.lookahead ??= this.lexer.next()); }
  private next(): Token {
    const tok = this.peek();
    this.lookahead = null;
    return tok;
  }
  private isKeyword(tok: Token, kw: string): boolean { return tok.t === 'ident' && tok.v.toLowerCase() === kw; }

  parse(): FilterAst {
    const ast = this.parseOr(0);
    const tok = this.peek();
    if (tok.t !== 'end') throw new SignInFilterError('syntax', `expected 'and', 'or' or the end, found ${describe(tok)}`, tok.pos);
    return ast;
  }

  private parseOr(depth: number): FilterAst {
    const operands = [this.parseAnd(depth)];
    while (this.isKeyword(this.peek(), 'or')) { this.next(); operands.push(this.parseAnd(depth)); }
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  }

  // 'and' binds tighter than 'or', as in OData.
  private parseAnd(depth: number): FilterAst {
    const operands = [this.parsePrimary(depth)];
    while (this.isKeyword(this.peek(), 'and')) { this.next(); operands.push(this.parsePrimary(depth)); }
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
  }

  private parsePrimary(depth: number): FilterAst {
    const tok = this.next();
    if (tok.t === '(') {
      if (depth >= MAX_DEPTH) throw new SignInFilterError('too_complex', `parentheses nested deeper than ${MAX_DEPTH}`, tok.pos);
      const inner = this.parseOr(depth + 1);
      const close = this.next();
      if (close.t !== ')') throw new SignInFilterError('syntax', `expected ')', found ${describe(close)}`, close.pos);
      return inner;
    }
    if (tok.t !== 'ident') throw new SignInFilterError('syntax', `expected a property name, found ${describe(tok)}`, tok.pos);
    if (tok.v.toLowerCase() === 'not') throw new SignInFilterError('unsupported', "'not' is not supported; use 'ne'", tok.pos);
    if (this.peek().t === '(') {
      if (/\/(any|all)$/i.test(tok.v)) throw new SignInFilterError('unsupported', `lambda operator ${tok.v}() is not supported`, tok.pos);
      throw new SignInFilterError('unsupported', `function ${tok.v}() is not supported; use eq/ne/gt/ge/lt/le comparisons`, tok.pos);
    }
    return this.parseComparison(tok);
  }

  private parseComparison(prop: Token & { t: 'ident' }): FilterComparison {
    const field = FIELD_BY_LOWER.get(prop.v.toLowerCase());
    if (field === undefined) {
      throw new SignInFilterError('unsupported', `property '${prop.v}' is not filterable; supported: ${Object.keys(SIGN_IN_FILTER_FIELDS).join(', ')}`, prop.pos);
    }
    const spec: FilterFieldSpec = SIGN_IN_FILTER_FIELDS[field];
    const opTok = this.next();
    if (opTok.t !== 'ident' || !OPERATORS.has(opTok.v.toLowerCase())) {
      const unsupported = opTok.t === 'ident' && ['in', 'has', 'any', 'all'].includes(opTok.v.toLowerCase());
      throw new SignInFilterError(unsupported ? 'unsupported' : 'syntax',
        unsupported ? `operator '${opTok.v}' is not supported` : `expected an operator (eq, ne, gt, ge, lt, le) after ${field}, found ${describe(opTok)}`, opTok.pos);
    }
    const op = opTok.v.toLowerCase() as FilterOperator;
    if (!spec.operators.includes(op)) {
      throw new SignInFilterError('unsupported', `${field} supports only ${spec.operators.join(', ')}`, opTok.pos);
    }
    if (++this.comparisons > MAX_COMPARISONS) throw new SignInFilterError('too_complex', `more than ${MAX_COMPARISONS} comparisons`, prop.pos);
    return { kind: 'compare', field, op, value: this.parseValue(field, spec) };
  }

  private parseValue(field: string, spec: FilterFieldSpec): string | number | boolean {
    const tok = this.next();
    const bad = (want: string): never => {
      throw new SignInFilterError('invalid_value', `${field} needs ${want}, found ${describe(tok)}`, tok.pos);
    };
    switch (spec.type) {
      case 'string':
        return tok.t === 'string' ? tok.v : bad("a quoted string like 'value'");
      case 'enum':
        if (tok.t !== 'string' || !spec.values!.includes(tok.v)) return bad(`one of ${spec.values!.map((v) => `'${v}'`).join(', ')}`);
        return tok.v;
      case 'boolean':
        if (tok.t === 'ident' && (tok.v === 'true' || tok.v === 'false')) return tok.v === 'true';
        return bad('true or false');
      case 'number':
        if (tok.t === 'literal' && /^[-+]?\d{1,10}$/.test(tok.v)) return Number(tok.v);
        return bad('an integer like 50076');
      case 'datetime': {
        if (tok.t !== 'literal' || !DATETIME.test(tok.v)) return bad('an unquoted date-time like 2026-01-01T00:00:00Z');
        const ms = Date.parse(tok.v.length === 10 ? `${tok.v}T00:00:00Z` : tok.v);
        return Number.isNaN(ms) ? bad('a valid date-time') : new Date(ms).toISOString();
      }
    }
  }
}

function describe(tok: Token): string {
  switch (tok.t) {
    case 'end': return 'the end of the filter';
    case 'ident': return `'${tok.v}'`;
    case 'string': return `string '${tok.v}'`;
    case 'literal': return `'${tok.v}'`;
    default: return `'${tok.t}'`;
  }
}

/** Throws SignInFilterError (reason, detail, position) on anything outside the subset. */
export function parseSignInFilter(s: string): FilterAst {
  if (s.length > MAX_FILTER_LENGTH) throw new SignInFilterError('too_complex', `filter longer than ${MAX_FILTER_LENGTH} characters`, MAX_FILTER_LENGTH);
  if (s.trim() === '') throw new SignInFilterError('syntax', 'empty filter', 0);
  return new Parser(new Lexer(s)).parse();
}

function compare(a: string | number | boolean, b: string | number | boolean, op: FilterOperator): boolean {
  switch (op) {
    case 'eq': return a === b;
    case 'ne': return a !== b;
    case 'gt': return a > b;
    case 'ge': return a >= b;
    case 'lt': return a < b;
    case 'le': return a <= b;
  }
}

export function matchesFilter(row: SignIn, ast: FilterAst): boolean {
  if (ast.kind !== 'compare') {
    return ast.kind === 'and' ? ast.operands.every((a) => matchesFilter(row, a)) : ast.operands.some((a) => matchesFilter(row, a));
  }
  const spec: FilterFieldSpec = SIGN_IN_FILTER_FIELDS[ast.field];
  let actual = spec.get(row);
  let wanted = ast.value;
  if (spec.type === 'datetime') {
    actual = Date.parse(String(actual));
    wanted = Date.parse(String(wanted));
    if (Number.isNaN(actual)) return false;
  } else if (spec.caseInsensitive && typeof actual === 'string' && typeof wanted === 'string') {
    actual = actual.toLowerCase();
    wanted = wanted.toLowerCase();
  }
  return compare(actual, wanted, ast.op);
}
