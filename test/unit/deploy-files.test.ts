// docker-compose.yml, the Dockerfile and .env.example: checked by parsing (no Docker engine here), and by
// the compose client when one is installed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../../src/config.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (f: string) => readFileSync(path.join(repo, f), 'utf8');

interface Service {
  command?: string[];
  profiles?: string[];
  ports?: string[];
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
  const s = compose.services;

  it('runs Redis with AOF on and noeviction, on a persistent volume', () => {
    const cmd = s.redis.command!.join(' ');
    expect(cmd).toMatch(/--appendonly yes/);
    expect(cmd).toMatch(/--maxmemory-policy noeviction/);
    expect(s.redis.volumes).toContain('redis-data:/data');
    expect(compose.volumes).toHaveProperty('redis-data');
  });

  it('runs the bot (default profile), two workers, and in the http profile nginx before two web replicas, all on that Redis', () => {
    expect(Object.keys(s).sort()).toEqual(['bot', 'nginx', 'redis', 'web-1', 'web-2', 'worker-1', 'worker-2']);
    expect(s.bot.command).toEqual(['npm', 'run', 'bot']);
    expect(s.bot.profiles).toBeUndefined();
    for (const w of ['worker-1', 'worker-2']) expect(s[w].command).toEqual(['npm', 'run', 'worker']);
    for (const w of ['web-1', 'web-2']) {
      expect(s[w].command).toEqual(['npm', 'run', 'web']);
      expect(s[w].profiles).toEqual(['http']);
      expect(s[w].environment!.DISCORD_PUBLIC_KEY).toBeDefined();
    }
    expect(s.nginx.profiles).toEqual(['http']);
    expect(s.nginx.image).toMatch(/^nginx:/);
    expect(s.nginx.volumes).toContain('./deploy/nginx/bard.conf:/etc/nginx/conf.d/default.conf:ro');
    // The nginx config names exactly the web services as its upstreams, on the port web listens on by default.
    const upstreams = [...read('deploy/nginx/bard.conf').matchAll(/^\s*server (\S+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(upstreams).toEqual(['web-1:8080', 'web-2:8080']);
    for (const name of ['bot', 'web-1', 'web-2', 'worker-1', 'worker-2']) {
      const svc = s[name];
      expect(svc.build).toBe('.');
      expect(svc.environment!.REDIS_URL).toBe('redis://redis:6379');
      expect(svc.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
      const mount = svc.volumes!.find((v) => v.startsWith('./snapshots:'))!;
      const inside = mount.split(':')[1];
      expect(svc.environment!.BARD_MODELS.startsWith(`${inside}/`)).toBe(true);
      for (const key of Object.keys(svc.environment!)) expect(CONFIG_VARIABLES).toContain(key);
    }
  });

  it('is accepted by the compose client, when one is installed', () => {
    const clients = [['docker', 'compose'], ['docker-compose']];
    for (const c of clients) {
      const probe = spawnSync(c[0], [...c.slice(1), 'version'], { cwd: repo, encoding: 'utf8' });
      if (probe.error || probe.status !== 0) continue;
      const r = spawnSync(c[0], [...c.slice(1), 'config', '-q'], { cwd: repo, encoding: 'utf8' });
      expect(r.status, `${c.join(' ')} config: ${r.stderr}`).toBe(0);
    }
  });
});

describe('Dockerfile and .env.example', () => {
  it('the image installs with npm ci and runs as an unprivileged user', () => {
    const d = read('Dockerfile');
    expect(d).toMatch(/^FROM node:20/m);
    expect(d).toMatch(/RUN npm ci/);
    expect(d).toMatch(/^USER node$/m);
  });

  it('builds the native kernels on an image with a compiler and runs on the slim one, the same Node', () => {
    const stages = read('Dockerfile').split(/^(?=FROM )/m).filter((s) => s.startsWith('FROM'));
    expect(stages).toHaveLength(2);
    const [build, run] = stages.map((s) => s.match(/^FROM (\S+)/)![1]);
    expect(build).toBe('node:20-bookworm');
    expect(run).toBe('node:20-bookworm-slim');
    expect(stages[0]).toMatch(/RUN npm ci/);
    expect(stages[1]).toMatch(/^COPY --from=build \/app \/app$/m);
    expect(stages[1]).toMatch(/^USER node$/m);
  });

  it('.env.example documents every variable Bard reads', () => {
    const env = read('.env.example');
    for (const v of CONFIG_VARIABLES) expect(env).toMatch(new RegExp(`^${v}=`, 'm'));
  });
});
