// Text no field can hold: NUL (PostgreSQL refuses U+0000 in text, SQLSTATE 22021) and lone UTF-16
// surrogates (both drivers silently store U+FFFD instead). The server's edge guard checks requests
// with it; use cases check what only they can see, such as claims inside a signed request.

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
export const BAD_TEXT = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Where in `value` (a parsed query, params or body) the first unrepresentable string sits, as a
 * path like `body.conditions.users[2]`, or null. Iterative, so a deeply nested JSON body (64 KiB
 * of `[` is 65,000 levels) cannot overflow the stack.
 */
export function findUnrepresentable(value: unknown, root: string): string | null {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      if (BAD_TEXT.test(v)) return at;
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push([v[i], `${at}[${i}]`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (BAD_TEXT.test(k)) return `${at} (a field name)`;
        stack.push([child, `${at}.${k}`]);
      }
    }
  }
  return null;
}
