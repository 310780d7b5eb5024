// Reads the known keys of the configuration schema at a path, for did-you-mean suggestions and for
// listing every setting (`openpsso config check`).

import type { z } from 'zod';

interface Def { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; options?: z.ZodType[]; in?: z.ZodType }
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Strips defaults, optionals and the like down to the object or union underneath. */
export function unwrapSchema(s: z.ZodType): z.ZodType {
  let cur = s;
  for (;;) {
    const def = defOf(cur);
    if (def.innerType && ['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(def.type)) cur = def.innerType;
    else if (def.type === 'pipe' && def.in) cur = def.in;
    else return cur;
  }
}

/** The object shapes at a schema node: one for an object, one per option for a union. */
export function shapesOf(s: z.ZodType): Record<string, z.ZodType>[] {
  const def = defOf(unwrapSchema(s));
  if (def.type === 'object' && def.shape) return [def.shape];
  if (def.type === 'union' && def.options) return def.options.flatMap((o) => shapesOf(o));
  return [];
}

/** Known keys of the object at `path` (all options' keys for a union); empty if there is none. */
export function knownKeysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  let nodes: z.ZodType[] = [root];
  for (const seg of path) {
    nodes = nodes.flatMap((n) => shapesOf(n).map((shape) => shape[String(seg)]).filter((x): x is z.ZodType => x !== undefined));
  }
  return [...new Set(nodes.flatMap((n) => shapesOf(n).flatMap((shape) => Object.keys(shape))))];
}
