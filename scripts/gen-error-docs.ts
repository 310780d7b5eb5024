// Writes docs/errors.md from the error catalogue.
import { writeFileSync } from 'node:fs';
import { renderErrorDocs } from '../src/errors/render-docs.js';

writeFileSync('docs/errors.md', renderErrorDocs());
console.log('wrote docs/errors.md');
