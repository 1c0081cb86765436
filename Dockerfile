# Medic: the compiled build on Node 22, run as an unprivileged user.
#   docker build -t medic .
#   docker run -p 8787:8787 -e MEDIC_ADMIN_TOKEN=... -e DATABASE_URL=... medic
# Without DATABASE_URL it keeps the embedded store in /var/lib/medic (mount a volume there).

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY scripts/build.mjs ./scripts/
COPY src ./src
# The full install builds dist/ through the prepare script.
RUN npm ci --no-audit --no-fund

FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:22-bookworm-slim
ENV NODE_ENV=production MEDIC_DATA_DIR=/var/lib/medic HOST=0.0.0.0 PORT=8787
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY policies ./policies
COPY prompts ./prompts
COPY console ./console
COPY examples ./examples
RUN mkdir -p /var/lib/medic && chown node:node /var/lib/medic
USER node
EXPOSE 8787
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/medic.js"]
CMD ["serve"]
