// Container health check: GET /healthz on this process's own listen port; exit 0 when it answers 200.
// Plain node because slim images have no curl. With TLS configured the server speaks HTTPS only; the
// certificate is for the public name, not 127.0.0.1, so it is not verified on this loopback probe.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const port = Number(process.env.OPENPSSO_LISTEN__PORT || 9900);
const tls = Boolean(process.env.OPENPSSO_TLS__CERT_FILE);
const request = tls ? httpsRequest : httpRequest;
const req = request({ host: '127.0.0.1', port, path: '/healthz', timeout: 4000, rejectUnauthorized: false }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', () => process.exit(1));
req.end();
