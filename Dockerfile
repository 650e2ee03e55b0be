# syntax=docker/dockerfile:1

# Build stage: all dependencies, compile TypeScript to dist/.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the "node" dev dependency would fetch a second Node binary; the image has one.
RUN npm ci --ignore-scripts
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx nest build

# Runtime stage: production dependencies and the build only, as a non-root user.
FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    C3PO_HOST=0.0.0.0 \
    C3PO_PORT=8420
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8420
# The probe calls 127.0.0.1, a loopback Host that the Host check always accepts; over https when
# the image serves TLS itself, without verifying the certificate (issued for the public name, not
# 127.0.0.1; the probe sends nothing). .ci/check-runtime-image.sh runs this very command.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const s = process.env.C3PO_TLS_CERT_FILE ? 'https' : 'http'; require(s).get(s + '://127.0.0.1:' + process.env.C3PO_PORT + '/api/health/live', { rejectUnauthorized: false }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
# The heap flags are npm start's (.ci/check-runtime-image.sh checks that they agree): 16 MB
# semi-spaces and an old generation grown to 1.5 times its live size, not four times, hold
# RSS near half of V8's defaults under load (see README, Benchmark).
CMD ["node", "--max-semi-space-size=16", "--heap-growing-percent=50", "dist/main.js"]
