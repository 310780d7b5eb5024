// Apple's JSON pretty print (NSJSONSerialization .prettyPrinted + .withoutEscapingSlashes) as seen in Apple's vector and macOS 14 captures.

/**
 * Serialises like macOS does inside PSSO tokens: two-space indent, `"key" : value`, one member per
 * line, no trailing newline, slashes left alone, keys in insertion order. The virtual Mac needs this
 * to send byte-identical tokens, and the tests need it to prove the vectors decode to what we think.
 * Empty containers print as `{\n\n}` / `[\n\n]`, which is what NSJSONSerialization emits for them.
 */
export function appleStringify(value: unknown): string {
  return writeValue(value, '');
}

function writeValue(value: unknown, indent: string): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return writeArray(value, indent);
  switch (typeof value) {
    case 'string':
      // JSON.stringify escapes exactly what JSON requires and, like Apple's option, never "/".
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('appleStringify: non-finite number');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return writeObject(value as Record<string, unknown>, indent);
    default:
      throw new TypeError(`appleStringify: cannot serialise ${typeof value}`);
  }
}

function writeArray(items: unknown[], indent: string): string {
  const inner = indent + '  ';
  if (items.length === 0) return '[\n\n' + indent + ']';
  const lines = items.map((v) => inner + writeValue(v === undefined ? null : v, inner));
  return '[\n' + lines.join(',\n') + '\n' + indent + ']';
}

function writeObject(obj: Record<string, unknown>, indent: string): string {
  const inner = indent + '  ';
  // Like JSON.stringify, members whose value is undefined are left out.
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
  if (keys.length === 0) return '{\n\n' + indent + '}';
  const lines = keys.map((k) => `${inner}${JSON.stringify(k)} : ${writeValue(obj[k], inner)}`);
  return '{\n' + lines.join(',\n') + '\n' + indent + '}';
}
