# sparkstate: one image for `sparkstate edge` and `sparkstate host`; the command chooses.
#   docker build -t sparkstate .
#   docker run -v $PWD/edge.yaml:/config/edge.yaml:ro -v sparkstate-edge:/data sparkstate
#   docker run -v $PWD/host.yaml:/config/host.yaml:ro -p 8080:8080 sparkstate host --config /config/host.yaml
# Every stage is node:20-bookworm-slim, so better-sqlite3's native addon is built against the same
# Node ABI and glibc it runs on.

# Toolchain for native addons: better-sqlite3 downloads a prebuilt binary when one fits and
# compiles with node-gyp otherwise (e.g. no network to GitHub during the build).
FROM node:20-bookworm-slim AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./

# Compile TypeScript with the dev dependencies.
FROM toolchain AS build
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only, native addon included; copied into the runtime stage below.
FROM toolchain AS deps
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    SPARKSTATE_HEALTH_PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json: its "type": "module" is what makes dist/*.js load as ES modules.
COPY package.json ./
COPY docker/healthcheck.mjs ./healthcheck.mjs
# /config: mount the YAML here (read-only is fine). /data: the edge's storeDir (bdSeq file and
# store-and-forward queue) must outlive the container, or hosts see a reused bdSeq after a restart.
RUN mkdir -p /config /data && chown node:node /data
VOLUME ["/data"]
USER node
# The HTTP port both commands use in docker/*.yaml: the host's API, the edge's health and metrics.
EXPOSE 8080
# GET /healthz on SPARKSTATE_HEALTH_PORT (set it to the config's http.port): 200 once the host's
# STATE or the edge's NBIRTH is out. An edge without an `http` key has no health endpoint: give it one.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/healthcheck.mjs"]
# Secrets as environment variables, never in the mounted YAML: SPARKSTATE_MQTT_USERNAME,
# SPARKSTATE_MQTT_PASSWORD, SPARKSTATE_OPCUA_PASSWORD and SPARKSTATE_OPCUA_PASSWORD_<DEVICE>.
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["edge", "--config", "/config/edge.yaml"]
