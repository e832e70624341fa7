import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { track } from './cleanup.js';

/** A real nginx in the foreground, its config, pid, logs and temp files in one temp directory. */
export interface NginxProcess {
  /** The access log so far: one line per request nginx answered. */
  accessLog(): Promise<string>;
}

/**
 * Starts `nginx` (`daemon off`, `-p <tmp>`) with `httpBlock` inside its `http { }` context, and stops it
 * (SIGQUIT, then SIGKILL) after the test. Resolves once `ready()` says it answers, within `timeoutMs`.
 */
export async function startNginx(
  binary: string,
  httpBlock: string,
  ready: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<NginxProcess> {
  const prefix = await mkdtemp(path.join(tmpdir(), 'relay-nginx-'));
  track(prefix, (dir) => rm(dir, { recursive: true, force: true }));
  const file = (name: string) => path.join(prefix, name);
  // As root, nginx's workers would run as nobody and could not write the temp directories made here.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  const config = `${user}
daemon off;
master_process on;
worker_processes 1;
pid ${file('nginx.pid')};
error_log ${file('error.log')} warn;
events { worker_connections 256; }
http {
  access_log ${file('access.log')};
  client_body_temp_path ${file('client-body')};
  proxy_temp_path ${file('proxy')};
  fastcgi_temp_path ${file('fastcgi')};
  uwsgi_temp_path ${file('uwsgi')};
  scgi_temp_path ${file('scgi')};
${httpBlock}
}
`;
  await writeFile(file('nginx.conf'), config);
  const child: ChildProcess = spawn(
    binary,
    ['-p', prefix, '-e', file('error.log'), '-c', file('nginx.conf')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit');
  track(child, async (nginx) => {
    if (nginx.exitCode !== null || nginx.signalCode !== null) return;
    const killer = setTimeout(() => nginx.kill('SIGKILL'), 5000);
    nginx.kill('SIGQUIT');
    await exited;
    clearTimeout(killer);
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      const log = await readFile(file('error.log'), 'utf8').catch(() => '');
      throw new Error(`nginx exited with ${child.exitCode}: ${stderr}${log}`);
    }
    if (await ready().catch(() => false)) break;
    if (Date.now() > deadline) throw new Error(`nginx did not answer within ${timeoutMs} ms: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { accessLog: () => readFile(file('access.log'), 'utf8') };
}
