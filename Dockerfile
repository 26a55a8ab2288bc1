# One image for the bot, the workers and deploy-commands (TypeScript runs through tsx: no build step).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# The whole tree before npm ci: its prepare script builds the sampling kernels from src/.
COPY . .
RUN npm ci --no-audit --no-fund
USER node
CMD ["npm", "run", "worker"]
