#!/usr/bin/env bash
# Builds the container image and smoke-tests it: the server starts as a non-root user on an empty
# data volume and answers GET /healthz, and the image's own HEALTHCHECK command passes.
#
# Opt-in for CI: with no usable container engine (none installed, or docker without a daemon), or
# with no way to get the base image (no registry access), it says so and exits 0. Once the engine
# and base image are there, any failure of the build or the smoke test fails (exit 1).
#
#   scripts/container-smoke.sh                          # podman if it works, else docker
#   CONTAINER_ENGINE=docker scripts/container-smoke.sh
#   NODE_IMAGE=registry.example.com/node:20-bookworm-slim scripts/container-smoke.sh   # a mirror
set -euo pipefail
cd "$(dirname "$0")/.."

node_image="${NODE_IMAGE:-node:20-bookworm-slim}"
tag="openpsso:smoke-$$"
name="openpsso-smoke-$$"

engine="${CONTAINER_ENGINE:-}"
if [ -z "$engine" ]; then
  if command -v podman >/dev/null 2>&1 && podman info >/dev/null 2>&1; then engine=podman
  elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then engine=docker
  else echo "container smoke test skipped: no working container engine (podman, or docker with a daemon)"; exit 0
  fi
fi
# Unprivileged or nested environments (CI containers) have no overlay mounts: podman's vfs driver and
# chroot isolation work everywhere, at the price of speed. OPENPSSO_PODMAN_ARGS overrides.
engine_args=()
build_args=()
if [ "$engine" = podman ]; then
  read -r -a engine_args <<<"${OPENPSSO_PODMAN_ARGS:---storage-driver vfs}"
  # docker format: the OCI format has no HEALTHCHECK, and podman would drop it.
  build_args=(--isolation chroot --format docker)
fi
run() { "$engine" "${engine_args[@]}" "$@"; }

if ! run image exists "$node_image" 2>/dev/null && ! run pull -q "$node_image" >/dev/null 2>&1; then
  echo "container smoke test skipped: base image $node_image cannot be pulled (no registry access); set NODE_IMAGE to a mirror"
  exit 0
fi

cleanup() {
  run rm -f "$name" >/dev/null 2>&1 || true
  run rmi -f "$tag" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "building $tag with $engine from $node_image"
run build "${build_args[@]}" --build-arg "NODE_IMAGE=$node_image" -t "$tag" . || { echo "container build FAILED"; exit 1; }

user="$(run image inspect --format '{{.Config.User}}' "$tag")"
[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || { echo "image runs as '$user', expected a non-root user"; exit 1; }
# Asked for an answer, so an engine that cannot run containers fails here instead of passing.
devdeps="$(run run --rm --entrypoint node "$tag" -e "try { require.resolve('typescript'); console.log('present') } catch { console.log('absent') }")" \
  || { echo "cannot run a container from the image"; exit 1; }
[ "$devdeps" = absent ] || { echo "image contains the dev dependency typescript ($devdeps)"; exit 1; }

# Host networking: the smoke test needs no port mapping (which rootless or nested engines may lack).
port="${OPENPSSO_SMOKE_PORT:-19900}"
run run -d --name "$name" --network host -e OPENPSSO_LISTEN__HOST=127.0.0.1 -e "OPENPSSO_LISTEN__PORT=$port" "$tag" serve >/dev/null
for _ in $(seq 1 60); do
  if node -e "fetch('http://127.0.0.1:$port/healthz').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"; then
    body="$(node -e "fetch('http://127.0.0.1:$port/healthz').then(r=>r.text()).then(t=>console.log(t))")"
    echo "GET /healthz: 200 $body"
    run exec "$name" node deploy/healthcheck.mjs || { echo "the image's HEALTHCHECK command failed"; exit 1; }
    uid="$(run exec "$name" id -u)"
    [ "$uid" != 0 ] || { echo "server runs as root"; exit 1; }
    run exec "$name" test -f /var/lib/openpsso/master.key || { echo "no master key in the data volume"; exit 1; }
    echo "container smoke test passed ($engine, uid $uid)"
    exit 0
  fi
  [ "$(run inspect -f '{{.State.Running}}' "$name")" = true ] || break
  sleep 1
done
echo "server did not answer GET /healthz; container log:"
run logs "$name" || true
exit 1
