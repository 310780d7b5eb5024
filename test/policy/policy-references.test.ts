// Cross-object checks: policy location references and deleting a location in use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { policiesUsingLocation, policyReferenceIssues } from '../../src/policy/index.js';
import { LOCATIONS, policy } from './helpers.js';

test('policyReferenceIssues: unknown ids and excluding All', () => {
  const p = policy('p', { conditions: { locations: { includeLocations: ['All', 'nl_hq', 'nl_gone'], excludeLocations: ['AllTrusted', 'All'] } } });
  assert.deepEqual(policyReferenceIssues(p, LOCATIONS), [
    { path: 'conditions.locations.includeLocations[2]', message: "no named location with id 'nl_gone'" },
    { path: 'conditions.locations.excludeLocations[1]', message: "excluding 'All' would make the policy apply nowhere" },
  ]);
  assert.deepEqual(policyReferenceIssues(policy('q'), LOCATIONS), []);
});

test('policiesUsingLocation: include and exclude both count', () => {
  const a = policy('a', { conditions: { locations: { includeLocations: ['nl_branch'], excludeLocations: [] } } });
  const b = policy('b', { conditions: { locations: { includeLocations: ['All'], excludeLocations: ['nl_branch'] } } });
  const c = policy('c');
  assert.deepEqual(policiesUsingLocation('nl_branch', [a, b, c]).map((p) => p.id), ['a', 'b']);
  assert.deepEqual(policiesUsingLocation('nl_hq', [a, b, c]), []);
});
