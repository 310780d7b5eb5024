// The attacker's process for `openpsso bench` (see abuse.ts): registers its Mac, says it is ready,
// floods until told to stop, then sends its tally.
//   argv: url registrationToken concurrency;  parent -> child 'stop';  child -> parent 'ready', then the tally

import { runAttackLoop } from './abuse.js';

const [url, token, concurrency] = process.argv.slice(2);
const attack = await runAttackLoop(url!, token!, Number(concurrency));
process.send!('ready');
process.on('message', (m) => {
  if (m !== 'stop') return;
  void attack.stop().then((tally) => process.send!(tally));
});
process.on('disconnect', () => process.exit(0));
