# The kubefed image: the `kubefed` CLI (controller-manager, apiserver, edge, dns, ...) on Node.js 20.
# Not built by the tests (no container engine here); docs/deployment.md says what was exercised.
#
#   docker build -t ghcr.io/kubefed/kubefed:0.1.0 .
#   docker run --rm ghcr.io/kubefed/kubefed:0.1.0 --help

# Build: compile TypeScript and better-sqlite3 (from source, as .npmrc asks), then drop dev dependencies.
FROM node:20-bookworm AS build
WORKDIR /src
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
# `prepare` builds, which needs the sources: install first without scripts, build, then prune.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY bench ./bench
RUN npm rebuild better-sqlite3 \
 && npm run build \
 && npm prune --omit=dev

# Run: the slim image, tini as PID 1 (signals forwarded, zombies reaped), a non-root user.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 kubefed \
 && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin kubefed
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
USER 10001:10001
EXPOSE 9443 8443
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/kubefed.js"]
CMD ["controller-manager"]
