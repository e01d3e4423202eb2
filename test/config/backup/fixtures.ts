import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfigText } from '../../../src/config/load-file.ts';
import type { LoadedConfig } from '../../../src/config/loaded.ts';

export function tempDir(prefix = 'apimgw-backup-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The JSON a management plane serves for revision `revision`: one API whose path carries the revision, so snapshots differ. */
export function snapshotText(revision: string): string {
  return JSON.stringify({
    revision,
    namedValues: [{ name: 'backend-key', value: `secret-${revision}`, secret: true }],
    apis: [{
      id: 'orders',
      path: `orders-${revision}`,
      subscriptionRequired: false,
      serviceUrl: 'http://127.0.0.1:9/',
      operations: [{ id: 'list', method: 'GET', urlTemplate: '/' }],
    }],
  });
}

export function snapshotConfig(revision: string): LoadedConfig {
  return parseConfigText(snapshotText(revision), `management plane (revision ${revision})`);
}
