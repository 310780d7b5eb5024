// One place that loads @peculiar/x509 with what it needs: the reflect polyfill its DI container
// requires, and Node's WebCrypto as its crypto provider.

import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
