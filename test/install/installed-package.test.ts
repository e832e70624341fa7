// The package as a newcomer gets it: `npm pack` (which builds dist/ through `prepare`), the tarball
// installed into two fresh projects — one "type": "module", one a default CommonJS project — then
// `npx relay new-bot hello`, `npx relay serve`, the bot answering, and the client kit imported from each;
// in the ES module one, a strict TypeScript check of code using the package's types.
// Slow (two `npm install`s that compile better-sqlite3, run side by side): it runs under CI (env `CI`),
// as .ci/run sets it, or with RELAYKIT_INSTALL_TEST=1; elsewhere it is skipped with a printed reason.
// It installs only into temporary folders, never into this checkout's (shared) node_modules.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { track } from '../support/cleanup.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const ENABLED = Boolean(process.env.CI) || process.env.RELAYKIT_INSTALL_TEST === '1';
if (!ENABLED) {
  console.warn(
    'skipping the install test (npm pack, npm install into fresh projects): set CI or RELAYKIT_INSTALL_TEST=1',
  );
}

// What `npm test` puts in the environment (npm_config_*, npm_package_*, INIT_CWD) would steer the nested
// npm commands toward this checkout; vitest's own variables have no business in a user's project either.
const CLEAN_ENV = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^(npm_|INIT_CWD$|VITEST|NODE_OPTIONS$|NODE_ENV$)/i.test(key),
  ),
) as Record<string, string>;

// The two packages of RelayKit's tree with install scripts, allowed as a project using it would allow them.
const ALLOW_SCRIPTS = { 'better-sqlite3': true, esbuild: true };

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A command in a process group of its own, so that it and what it starts (npx does not pass SIGTERM on
 * to the node it runs) are ended together. `closed` resolves once every process of the group holding
 * its output is gone; only until then is the group signalled, so no other process can be hit.
 */
function start(command: string, args: string[], cwd: string) {
  const child = spawn(command, args, {
    cwd,
    env: CLEAN_ENV,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += String(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += String(chunk);
  });
  let open = true;
  const closed = Promise.all([once(child.stdout, 'close'), once(child.stderr, 'close')]).then(() => {
    open = false;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const signal = (name: NodeJS.Signals) => {
    try {
      if (open && child.pid) process.kill(-child.pid, name);
    } catch {
      // The group ended between the check and the signal.
    }
  };
  track(child, () => signal('SIGKILL'));
  return { child, closed, exited, signal, stdout: () => stdout, stderr: () => stderr };
}

/** Runs a command to its end; rejects, with its output, when it fails or outlives `timeoutMs`. */
async function run(command: string, args: string[], cwd: string, timeoutMs = 60_000): Promise<Ran> {
  const started = start(command, args, cwd);
  const timer = setTimeout(() => started.signal('SIGKILL'), timeoutMs);
  const [code] = await Promise.all([started.exited, started.closed]);
  clearTimeout(timer);
  const ran = { code, stdout: started.stdout(), stderr: started.stderr() };
  if (code !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${code}\n${ran.stdout}\n${ran.stderr}`);
  }
  return ran;
}

/** `npx relay serve` on a free port; resolves once it logged both its bots and its URL. */
async function serve(cwd: string) {
  const relay = start('npx', ['--no', 'relay', 'serve', '--port', '0', '--host', '127.0.0.1'], cwd);
  const lines = () =>
    relay
      .stdout()
      .split('\n')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  const logged = (msg: string) => lines().find((line) => line.msg === msg);
  const deadline = Date.now() + 60_000;
  while (!(logged('bots started') && logged('relay listening'))) {
    if (relay.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`relay serve did not start in ${cwd}\n${relay.stdout()}\n${relay.stderr()}`);
    }
    await Promise.race([once(relay.child.stdout, 'data'), relay.exited, delay(1000)]);
  }
  return {
    url: String(logged('relay listening')?.url),
    started: logged('bots started'),
    /** SIGTERM, as Ctrl-C or a service manager would; resolves with whether the relay logged its close. */
    stop: async () => {
      relay.signal('SIGTERM');
      await Promise.race([relay.closed, delay(15_000)]);
      return logged('relay closed') !== undefined;
    },
  };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Connects with the client kit, asks the generated bot, prints its answer. `load` is how the project
// loads `relaykit/client`; the rest is the same for both module systems.
const askHello = (load: string) => `${load}
const client = createRelayClient(process.argv[2], { name: 'Ada' });
const timer = setTimeout(() => { console.error('no answer from the bot'); process.exit(1); }, 10000);
client.onMessage(({ content, meta }) => {
  if (meta.from.kind !== 'bot') return;
  console.log(JSON.stringify({ from: meta.from.name, content }));
  clearTimeout(timer);
  client.close();
});
client.send('!hello Ada').then((answer) => { if (!answer.ok) { console.error(answer.error.message); process.exit(1); } });
`;

const PROJECTS = {
  esm: {
    packageJson: {
      name: 'esm-app',
      version: '1.0.0',
      private: true,
      type: 'module',
      allowScripts: ALLOW_SCRIPTS,
    },
    client: askHello("import { createRelayClient } from 'relaykit/client';"),
    // Both import forms of the kit, and the bot-writing API, from an ES module.
    imports:
      "const kit = await import('relaykit/client'); const react = await import('relaykit/react').catch((e) => e.code); const hubot = await import('relaykit/hubot').catch((e) => e.code); const root = await import('relaykit');\nconsole.log(JSON.stringify({ client: typeof kit.createRelayClient, react, hubot, defineBot: typeof root.defineBot }));\n",
  },
  cjs: {
    packageJson: { name: 'cjs-app', version: '1.0.0', private: true, allowScripts: ALLOW_SCRIPTS },
    client: askHello("const { createRelayClient } = require('relaykit/client');"),
    // require() of the ES-module-only package (Node 20.19+: require(esm), the kit has no top-level await)
    // and import() give the same module.
    imports:
      "const required = require('relaykit/client');\nimport('relaykit/client').then((imported) => console.log(JSON.stringify({ client: typeof required.createRelayClient, same: imported.createRelayClient === required.createRelayClient, defineBot: typeof require('relaykit').defineBot })));\n",
  },
} as const;

// A strict TypeScript project's use of the package's types, every .d.ts it reaches checked
// (skipLibCheck off): the types of what they import must come with the package (express's, hubot's).
const TYPED_USE = `import { createRelayServer, defineBot } from 'relaykit';
import { createRelayClient } from 'relaykit/client';
import { RelayAdapter } from 'relaykit/hubot';

const server = createRelayServer({ history: false });
server.app.get('/hello', (_req, res) => {
  res.send('hello');
});
export const ping = defineBot({
  name: 'ping',
  description: 'Answers pong',
  setup(bot) {
    bot.command('ping', { description: 'answer pong' }, (msg) => msg.reply('pong'));
  },
});
export const client = createRelayClient('http://127.0.0.1:3000', { name: 'Ada' });
export type Adapter = RelayAdapter;
`;
const TYPED_TSCONFIG = {
  compilerOptions: {
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    target: 'ES2022',
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    types: ['node'],
  },
  files: ['typed-use.ts'],
};
// The versions this checkout type-checks with, from the npm cache it installed them into.
const devVersion = (name: string) =>
  (
    JSON.parse(readFileSync(path.join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

async function tryProject(kind: keyof typeof PROJECTS, root: string, tarball: string) {
  const project = PROJECTS[kind];
  const dir = path.join(root, kind);
  await mkdir(dir);
  await writeFile(path.join(dir, 'package.json'), `${JSON.stringify(project.packageJson, null, 2)}\n`);
  // The ES module project is also a TypeScript one, with the compiler and Node's types beside RelayKit.
  const typed =
    kind === 'esm'
      ? [`typescript@${devVersion('typescript')}`, `@types/node@${devVersion('@types/node')}`]
      : [];
  const began = Date.now();
  await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, ...typed],
    dir,
    8 * 60_000,
  );
  const installMs = Date.now() - began;
  if (kind === 'esm') {
    await writeFile(path.join(dir, 'typed-use.ts'), TYPED_USE);
    await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(TYPED_TSCONFIG, null, 2));
    // Rejects with tsc's errors when a type the package's .d.ts files import is missing.
    await run('node', [path.join('node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], dir, 120_000);
  }

  const created = await run('npx', ['--no', 'relay', 'new-bot', 'hello'], dir);
  expect(created.stdout).toContain(`created ${path.join('plugins', 'hello.ts')}`);

  await writeFile(path.join(dir, 'ask-hello.js'), project.client);
  await writeFile(path.join(dir, 'imports.js'), project.imports);
  const imports = JSON.parse((await run('node', ['imports.js'], dir)).stdout.trim());

  const relay = await serve(dir);
  expect(relay.started, `${kind} project: the generated bot loads`).toMatchObject({
    bots: ['hello'],
    failed: 0,
  });
  const answer = await run('node', ['ask-hello.js', relay.url], dir, 20_000);
  const closedGracefully = await relay.stop();
  return {
    installMs,
    started: relay.started,
    answer: JSON.parse(answer.stdout.trim()),
    imports,
    closedGracefully,
  };
}

describe.skipIf(!ENABLED)('the packed package, installed into fresh projects', () => {
  it(
    'ships dist/, and in an ES module and a CommonJS project runs new-bot, serve, the bot and the client kit',
    async () => {
      const root = track(await mkdtemp(path.join(tmpdir(), 'relaykit-install-')), (dir) =>
        rm(dir, { recursive: true, force: true }),
      );
      // No leftover build: what the tarball holds must come from `npm pack` running `prepare`.
      await rm(path.join(REPO, 'dist'), { recursive: true, force: true });
      const began = Date.now();
      await run('npm', ['pack', '--pack-destination', root], REPO, 3 * 60_000);
      const packMs = Date.now() - began;
      const { version } = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as {
        version: string;
      };
      const tarball = path.join(root, `relaykit-${version}.tgz`);
      const files = (await run('tar', ['-tzf', tarball], root)).stdout.split('\n').filter(Boolean);
      for (const file of [
        'bin/relay.js',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/cli/main.js',
        'dist/client/index.js',
        'dist/client/react.js',
        'dist/hubot/index.js',
        'dist/http/openapi.yaml',
        'plugins/templates/bot.ts.tmpl',
        'types/hubot.d.ts',
        // The reference pages that messages and the generated bot point at, and the licence.
        'docs/errors.md',
        'docs/bots.md',
        'LICENSE',
      ]) {
        expect(files).toContain(`package/${file}`);
      }
      expect(files.filter((file) => /^package\/(src|test)\//.test(file))).toEqual([]);

      const [esm, cjs] = await Promise.all([
        tryProject('esm', root, tarball),
        tryProject('cjs', root, tarball),
      ]);
      console.info(
        `install test: npm pack ${packMs} ms; npm install ${esm.installMs} ms (esm) and ${cjs.installMs} ms (cjs), side by side`,
      );
      for (const result of [esm, cjs]) {
        expect(result.answer).toEqual({ from: 'hello', content: 'Hello Ada!' });
        expect(result.closedGracefully).toBe(true);
      }
      // react and hubot are optional peer dependencies, not installed here: relaykit/react and
      // relaykit/hubot say so, the rest loads.
      expect(esm.imports).toEqual({
        client: 'function',
        react: 'ERR_MODULE_NOT_FOUND',
        hubot: 'ERR_MODULE_NOT_FOUND',
        defineBot: 'function',
      });
      expect(cjs.imports).toEqual({ client: 'function', same: true, defineBot: 'function' });
    },
    12 * 60_000,
  );
});
