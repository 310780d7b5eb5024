# OpenPSSO container image: build once with the compiler and native toolchain, run with production
# dependencies only, as a non-root user, with state under /var/lib/openpsso.
#
#   docker build -t openpsso .            (or: podman build -t openpsso .)
#   docker run -d -p 9900:9900 -v openpsso-data:/var/lib/openpsso -e OPENPSSO_ISSUER=https://sso.example.com openpsso
#
# See docs/deploy.md for the reverse proxy, compose.yaml for PostgreSQL.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 and argon2 are native modules. argon2 ships prebuilt binaries inside its npm
# package; better-sqlite3 compiles when no prebuilt binary can be fetched, so the toolchain is here,
# and npm_config_nodedir points node-gyp at the headers the image already has (no download).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
WORKDIR /app
# Dependencies first, so a source change does not reinstall them. --ignore-scripts skips `prepare`
# (the TypeScript build, which needs the sources); the native modules are built explicitly.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 argon2
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    OPENPSSO_DATA_DIR=/var/lib/openpsso \
    OPENPSSO_LISTEN__HOST=0.0.0.0 \
    OPENPSSO_LISTEN__PORT=9900
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json README.md ./
COPY bin ./bin
COPY docs ./docs
COPY deploy/healthcheck.mjs ./deploy/healthcheck.mjs
# The official image's `node` user (uid 1000) owns the data volume; nothing else is writable by it.
RUN mkdir -p /var/lib/openpsso && chown node:node /var/lib/openpsso && chmod 0700 /var/lib/openpsso
USER node
VOLUME ["/var/lib/openpsso"]
EXPOSE 9900
# Slim images have no curl: the check is a few lines of node against GET /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["node", "deploy/healthcheck.mjs"]
ENTRYPOINT ["node", "bin/openpsso.js"]
CMD ["serve"]
