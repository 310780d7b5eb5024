// Requests Node's HTTP parser refuses before Fastify sees them (a NUL or control character in a
// header, a broken request line, headers over the size limit) get the catalogue's JSON body too,
// instead of Fastify's bare {"error":"Bad Request"}. A request timeout keeps Fastify's 408.

import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { PssoError, errorBody } from '../errors/psso-error.js';

export function clientErrorHandler(this: { log: { info: (o: object, m: string) => void } }, err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset peer has nothing to read; a destroyed socket cannot be written.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const correlationId = randomUUID().toUpperCase();
  let status = 400;
  let text: string;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    text = '{"error":"Request Timeout","message":"Client Timeout","statusCode":408}';
  } else {
    const e = new PssoError('malformed_request', err.code === 'HPE_HEADER_OVERFLOW' ? 'request headers too large' : 'not a valid HTTP request');
    text = JSON.stringify(errorBody(e, correlationId, new Date()));
    this.log.info({ code: e.code, parserError: err.code, correlationId }, 'request refused');
  }
  if (socket.writable) {
    const reason = status === 408 ? 'Request Timeout' : 'Bad Request';
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  }
  socket.destroy(err);
}
