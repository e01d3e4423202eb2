import fs from 'node:fs';
import { settingsMarkdown } from '../src/settings/doc.ts';

const target = new URL('../docs/settings.md', import.meta.url);
fs.writeFileSync(target, settingsMarkdown());
process.stderr.write(`wrote ${target.pathname}\n`);
