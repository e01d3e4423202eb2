import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createEchoServer } from './echo-backend.ts';

/**
 * `npm start`: the echo backend on 127.0.0.1:3001 plus the gateway on the
 * example configuration, so `curl localhost:8080/...` works at once.
 * Signals go to the gateway; this script ends when it does.
 */
const echo = createEchoServer();
echo.on('error', (error: NodeJS.ErrnoException) => {
  process.stderr.write(`error echo backend cannot listen on 127.0.0.1:3001: ${error.code}\nhint Stop whatever holds port 3001 (another npm start?) and try again.\n`);
  process.exit(1);
});
echo.listen(3001, '127.0.0.1', () => {
  process.stderr.write('echo backend listening on http://127.0.0.1:3001\n');
  const gateway = spawn(process.execPath, [
    fileURLToPath(new URL('../bin/apimgw.ts', import.meta.url)),
    'run', '--config', fileURLToPath(new URL('./gateway.yaml', import.meta.url)),
    ...process.argv.slice(2),
  ], { stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => gateway.kill(signal));
  gateway.on('exit', (code, signal) => {
    echo.close();
    process.exit(code ?? (signal ? 1 : 0));
  });
});
