#!/usr/bin/env bash
# Builds the upgrade-test fixture from a released commit, with that release's own code: a data
# directory (SQLite database after a WAL checkpoint, master key) holding rows in most tables, and
# the state of two virtual Macs registered against it (Password and Secure Enclave methods).
#
#   scripts/make-upgrade-fixture.sh 942a2bc 0.1.0      -> test/fixtures/upgrade/0.1.0/
#
# test/e2e/upgrade.test.ts starts the current code on a copy of it. Needs the repository's
# node_modules (the release is run from source with tsx, so no build is needed).
set -euo pipefail
commit="${1:?usage: make-upgrade-fixture.sh COMMIT VERSION}"
version="${2:?usage: make-upgrade-fixture.sh COMMIT VERSION}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$repo/test/fixtures/upgrade/$version"
work="$(mktemp -d /tmp/openpsso-fixture.XXXXXX)"
rel="$work/release"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  git -C "$repo" worktree remove --force "$rel" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

git -C "$repo" worktree add --detach "$rel" "$commit" >/dev/null
ln -s "$(readlink -f "$repo/node_modules")" "$rel/node_modules"
data="$work/data"
macs="$work/macs"
cli() { (cd "$rel" && node --import tsx src/cli/main.ts --data-dir "$data" "$@"); }
port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
url="http://127.0.0.1:$port"
pw='Demo-Passw0rd!'

(cd "$rel" && exec node --import tsx src/cli/main.ts --data-dir "$data" serve --demo --port "$port") >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q 'registration token' "$work/serve.log" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.2
done
token="$(sed -n 's/^ *registration token *\([^ ]*\)$/\1/p' "$work/serve.log" | head -n1)"
[ -n "$token" ] || { cat "$work/serve.log"; echo "no registration token printed" >&2; exit 1; }

# Two Macs, two methods; each logs in. The Password-method Mac also runs a PSSO 2.0 key exchange
# (the unlock key is issued with a Password-method user registration).
cli mac register --mac "$macs/password" --server "$url" --token "$token" --user alice@demo.openpsso.test --method password --password "$pw"
cli mac login --mac "$macs/password" --user alice@demo.openpsso.test --password "$pw"
cli mac key-exchange --mac "$macs/password"
cli mac register --mac "$macs/secure-enclave" --server "$url" --token "$token" --user bob@demo.openpsso.test --method secure_enclave --password "$pw"
cli mac login --mac "$macs/secure-enclave" --user bob@demo.openpsso.test --password "$pw"

# Directory, access and MFA rows: a user, a group, a named location, two policies, a pass.
cli user add dave@demo.openpsso.test --name 'Dave Upgrade' --password "$pw"
cli group add upgraders --description 'made by the release'
cli group add-member upgraders dave@demo.openpsso.test
cli location add --name 'Head office' --trusted --range 198.51.100.0/24
cat >"$work/policies.json" <<'JSON'
[
  { "displayName": "Report-only MFA for everyone", "state": "enabledForReportingButNotEnforced",
    "conditions": { "users": { "includeUsers": ["All"] }, "applications": { "includeApplications": ["All"] } },
    "grantControls": { "operator": "OR", "builtInControls": ["mfa"] } },
  { "displayName": "Block (disabled)", "state": "disabled",
    "conditions": { "users": { "includeUsers": ["All"] }, "applications": { "includeApplications": ["All"] } },
    "grantControls": { "operator": "OR", "builtInControls": ["block"] } }
]
JSON
cli policy add "$work/policies.json"
cli mfa tap carol@demo.openpsso.test
cli regtoken create --description 'upgrade fixture' --days 0

created="$(date +%s)000"
kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
# One self-contained file: fold the WAL into the database and leave rollback-journal mode off disk.
(cd "$rel" && node -e "const D=require('better-sqlite3');const db=new D(process.argv[1]);db.pragma('wal_checkpoint(TRUNCATE)');db.exec('VACUUM');db.close()" "$data/openpsso.db")

rm -rf "$out"
mkdir -p "$out/data"
cp "$data/openpsso.db" "$data/master.key" "$out/data/"
cp -R "$macs" "$out/macs"
cat >"$out/fixture.json" <<JSON
{
  "release": "$version",
  "commit": "$(git -C "$repo" rev-parse "$commit")",
  "created": $created,
  "issuer": "$url",
  "registrationToken": "$token",
  "password": "$pw",
  "macs": {
    "password": { "dir": "macs/password", "user": "alice@demo.openpsso.test", "method": "password" },
    "secure-enclave": { "dir": "macs/secure-enclave", "user": "bob@demo.openpsso.test", "method": "secure_enclave" }
  },
  "users": ["alice@demo.openpsso.test", "bob@demo.openpsso.test", "carol@demo.openpsso.test", "dave@demo.openpsso.test"],
  "policies": ["Report-only MFA for everyone", "Block (disabled)"],
  "locations": ["Head office"],
  "groups": ["mac-admins", "engineering", "sales", "upgraders"]
}
JSON
echo "fixture written to $out ($(du -sh "$out" | cut -f1))"
