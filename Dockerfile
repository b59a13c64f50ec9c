# One image for api and worker (compose picks the command). Build: docker build -t crm .
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production DATA_DIR=/data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./
# the ClickHouse migrations, applied at boot (libs/analytics finds infra/clickhouse above dist/)
COPY --from=build /app/infra/clickhouse ./infra/clickhouse
# the web console's static files (libs/http-api finds them above dist/)
COPY --from=build /app/libs/http-api/console ./libs/http-api/console
VOLUME /data
EXPOSE 3000
CMD ["node", "dist/apps/api/src/main.js"]
