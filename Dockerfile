# One image for the bot, the workers and deploy-commands (TypeScript runs through tsx: no build step).

# Install on the full image: it has the C++ compiler, make and python3 that node-gyp needs to build the
# native kernels (without them npm ci still succeeds, and Bard runs on its WASM kernels).
FROM node:20-bookworm AS build
WORKDIR /app
ENV NODE_ENV=production
# The whole tree before npm ci: its prepare script builds the WASM and native kernels from src/ and native/.
COPY . .
RUN npm ci --no-audit --no-fund

# Run on the slim image, with what the install built (the same Node 20, so the native addon loads).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
USER node
CMD ["npm", "run", "worker"]
