import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backupDirFromSettings, defaultBackupDir } from '../../../src/config/backup/location.ts';
import { tempDir } from './fixtures.ts';

describe('backup directory', () => {
  const absent = path.join(os.tmpdir(), 'apimgw-no-such-container-dir');

  it('is the container volume when it exists', () => {
    const volume = tempDir();
    assert.equal(defaultBackupDir({ STATE_DIRECTORY: '/var/lib/apimgw' }, volume), volume);
  });

  it('ignores a plain file at the container path', () => {
    const file = path.join(tempDir(), 'config');
    fs.writeFileSync(file, '');
    assert.equal(defaultBackupDir({ STATE_DIRECTORY: '/var/lib/apimgw' }, file), '/var/lib/apimgw/backup');
  });

  it('is under systemd StateDirectory= (the first of several)', () => {
    assert.equal(defaultBackupDir({ STATE_DIRECTORY: '/var/lib/apimgw:/var/lib/other' }, absent), '/var/lib/apimgw/backup');
  });

  it('is under the XDG state home, else ~/.local/state', () => {
    assert.equal(defaultBackupDir({ XDG_STATE_HOME: '/home/u/.state' }, absent), '/home/u/.state/apimgw/backup');
    assert.equal(defaultBackupDir({}, absent), path.join(os.homedir(), '.local', 'state', 'apimgw', 'backup'));
  });

  it('config.backup.dir wins when set', () => {
    assert.equal(backupDirFromSettings({ 'config.backup.dir': '/srv/backup' }), '/srv/backup');
  });
});
