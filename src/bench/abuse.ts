// The benchmark's attacker: one registered Mac on another loopback network (127.0.9.1, so not the
// legitimate users' familiar /24) keeping `concurrency` wrong-password logins in flight, each with
// its own nonce, spraying the demo users and made-up names. It tallies what the server answered.
// It runs in a process of its own (abuse-process.ts), as an attacker is another machine: in the load
// generator's process its work would delay the legitimate Macs' replies before they are timed.

import { DEMO_USERS } from '../app/demo.js';
import { fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
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

export async function runAttackLoop(url: string, registrationToken: string, concurrency: number): Promise<Attack> {
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

/** Starts the attacker in its own process; `stop` ends it and returns its tally. */
export async function startAttack(url: string, registrationToken: string, concurrency: number): Promise<Attack> {
  const self = fileURLToPath(import.meta.url);
  const script = fileURLToPath(new URL(`./abuse-process${extname(self)}`, import.meta.url));
  const child = fork(script, [url, registrationToken, String(concurrency)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.execArgv });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`attacker exited during start-up (${code})`)));
    child.once('message', () => resolve());
  });
  child.removeAllListeners('exit');
  return {
    stop: () => new Promise<AttackTally>((resolve) => {
      child.once('message', (t: AttackTally) => { resolve(t); child.disconnect(); });
      child.send('stop');
    }),
  };
}
