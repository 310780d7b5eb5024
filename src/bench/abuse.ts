// The benchmark's attacker: one registered Mac on another loopback network (127.0.9.1, so not the
// legitimate users' familiar /24) keeping `concurrency` wrong-password logins in flight, each with
// its own nonce, spraying the demo users and made-up names. It tallies what the server answered.

import { DEMO_USERS } from '../app/demo.js';
import { BenchMac } from './mac.js';

export const ATTACKER_ADDRESS = '127.0.9.1';

export interface AttackTally {
  requests: number;
  seconds: number;
  /** Replies by status and catalogue code, e.g. "401 OPSSO1201", "400 OPSSO1206". */
  answers: Record<string, number>;
  errors: number;
}

export interface Attack {
  stop(): Promise<AttackTally>;
}

export async function startAttack(url: string, registrationToken: string, concurrency: number): Promise<Attack> {
  const mac = new BenchMac(url, { maxSockets: concurrency, localAddress: ATTACKER_ADDRESS });
  await mac.register(registrationToken);
  const answers: Record<string, number> = {};
  let requests = 0;
  let errors = 0;
  let running = true;
  const t0 = performance.now();
  const worker = async (w: number) => {
    for (let i = 0; running; i++) {
      const name = i % 2 === 0 ? DEMO_USERS[(w + i) % DEMO_USERS.length]!.userPrincipalName : `guess-${w}-${i}@demo.openpsso.test`;
      try {
        const reply = await mac.send(mac.passwordLogin(await mac.nonce(), name, `wrong-${w}-${i}`));
        let code = '';
        try { code = (JSON.parse(reply.text) as { error_code?: string }).error_code ?? ''; } catch { /* a JWE: a guess that worked */ }
        const key = `${reply.status} ${code}`.trim();
        answers[key] = (answers[key] ?? 0) + 1;
        requests++;
      } catch {
        errors++;
      }
    }
  };
  const workers = Array.from({ length: concurrency }, (_, w) => worker(w));
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      mac.close();
      return { requests, seconds: (performance.now() - t0) / 1000, answers, errors };
    },
  };
}
