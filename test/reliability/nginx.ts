/**
 * A real nginx (Debian's package) in front of local `web` replicas, configured from the project's own
 * deploy/nginx/bard.conf: only the upstream addresses and the listen port are changed for the test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../e2e/harness.ts';
import { freePort, tempDir } from './harness.ts';

const CANDIDATES = ['nginx', '/usr/sbin/nginx'];

/** The nginx binary, or a clear error: the tests need it (`.ci/run` installs it). */
function nginxBinary(): string {
  for (const c of CANDIDATES) if (spawnSync(c, ['-v']).status === 0) return c;
  throw new Error('nginx is not installed: apt-get install -y nginx (.ci/run installs it when it is missing)');
}

/** deploy/nginx/bard.conf with these upstream ports and this listen port. */
export function renderConfig(upstreamPorts: number[], listenPort: number): string {
  const conf = readFileSync(join(REPO, 'deploy/nginx/bard.conf'), 'utf8');
  const servers = /^(\s*)server web-\d+:8080( .*;)$/gm;
  const template = servers.exec(conf)!;
  const lines = upstreamPorts.map((p) => `${template[1]}server 127.0.0.1:${p}${template[2]}`).join('\n');
  let first = true;
  const withUpstreams = conf.replace(servers, () => {
    const out = first ? lines : '';
    first = false;
    return out;
  });
  return withUpstreams.replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${listenPort};`);
}

export class Nginx {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly cleanup: () => void,
    readonly errors: string[],
  ) {}

  static async start(upstreamPorts: number[]): Promise<Nginx> {
    const bin = nginxBinary();
    const port = await freePort();
    const { dir, cleanup } = tempDir('nginx');
    writeFileSync(join(dir, 'bard.conf'), renderConfig(upstreamPorts, port));
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        'worker_processes 1;',
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log warn;`,
        'events { worker_connections 1024; }',
        'http {',
        '  access_log off;',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`),
        `  include ${dir}/bard.conf;`,
        '}',
      ].join('\n'),
    );
    const child = spawn(bin, ['-c', join(dir, 'nginx.conf'), '-p', dir, '-g', 'daemon off; master_process on;'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const errors: string[] = [];
    child.stderr!.on('data', (c: Buffer) => errors.push(c.toString()));
    const n = new Nginx(child, port, cleanup, errors);
    const until = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${errors.join('')}`);
      try {
        await fetch(`http://127.0.0.1:${port}/nowhere`);
        return n;
      } catch {
        if (Date.now() > until) throw new Error(`nginx did not start: ${errors.join('')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** The master's pid and its workers' (for CPU accounting). */
  pids(): number[] {
    const master = this.child.pid!;
    const workers = spawnSync('pgrep', ['-P', String(master)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
    return [master, ...workers];
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/interactions`;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGQUIT');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    this.cleanup();
  }
}
