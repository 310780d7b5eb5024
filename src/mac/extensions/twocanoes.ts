// The twocanoes extension's registration, as the virtual Mac performs it (extensions.md): being built in issue 10.

import { MacError } from '../errors.js';
import type { MacExtension } from './types.js';

export const twocanoesExtension: MacExtension = {
  name: 'twocanoes',
  methods: ['password'],
  async registerDevice() { throw new MacError('usage', 'The twocanoes extension is not available yet.'); },
  async registerUser() { throw new MacError('usage', 'The twocanoes extension is not available yet.'); },
};
