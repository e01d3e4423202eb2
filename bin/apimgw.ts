#!/usr/bin/env node
import cluster from 'node:cluster';
import { main } from '../src/cli/program.ts';
import { runWorker } from '../src/runtime/worker.ts';

// Workers are forked from the same entry point; they take their orders over IPC, not argv.
if (cluster.isWorker) {
  runWorker();
} else {
  void main({ argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr })
    .then((code) => { process.exitCode = code; });
}
