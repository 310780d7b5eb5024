// The uio extension's registration, as the virtual Mac performs it (extensions.md): being built in issue 10.

import { MacError } from '../errors.js';
import type { MacExtension } from './types.js';

export const uioExtension: MacExtension = {
  name: 'uio',
  methods: ['password'],
  async registerDevice() { throw new MacError('usage', 'The uio extension is not available yet.'); },
  async registerUser() { throw new MacError('usage', 'The uio extension is not available yet.'); },
};
