// Reads the JSON configuration file; a syntax error names the line and column.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { visit, printParseErrorCode } from 'jsonc-parser';
import { PssoError } from '../errors/psso-error.js';

/**
 * Node 20's JSON.parse often gives no position ("Unexpected end of JSON input", "Unexpected token
 * '}', ... is not valid JSON"), so after it fails jsonc-parser, in strict JSON mode, finds where.
 */
function syntaxErrorAt(text: string): { line: number; column: number; what: string } | undefined {
  let first: { line: number; column: number; what: string } | undefined;
  visit(text, {
    onError: (error, _offset, _length, startLine, startCharacter) => {
      first ??= { line: startLine + 1, column: startCharacter + 1, what: printParseErrorCode(error) };
    },
  }, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  return first;
}

export function readJsonConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch (e) {
    throw new PssoError('invalid_configuration', `cannot read ${file}: ${(e as Error).message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    // Node's message quotes part of the file, which may hold a password: it is only the fallback.
    const at = syntaxErrorAt(text);
    throw new PssoError('invalid_configuration', at
      ? `${file} is not valid JSON: line ${at.line}, column ${at.column}: ${at.what}`
      : `${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new PssoError('invalid_configuration', `${file} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}
