// The fleet extension's registration, as the virtual Mac performs it (extensions.md): being built in issue 10.

import { MacError } from '../errors.js';
import type { MacExtension } from './types.js';

export const fleetExtension: MacExtension = {
  name: 'fleet',
  methods: ['password'],
  async registerDevice() { throw new MacError('usage', 'The fleet extension is not available yet.'); },
  async registerUser() { throw new MacError('usage', 'The fleet extension is not available yet.'); },
};
