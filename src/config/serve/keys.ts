import crypto from 'node:crypto';
import { jsonSyntaxReason } from '../../text.ts';
import fs from 'node:fs';
import { z } from 'zod';
import { ApimgwError } from '../../errors.ts';
import { writeFileAtomic } from '../../fsutil/atomic-write.ts';
import type { KeyType } from '../../token/format.ts';

export type GatewayKeys = Record<KeyType, string>;

const KeysFileSchema = z.record(z.string().min(1), z.object({ primary: z.string().min(1), secondary: z.string().min(1) }).strict());

/** 64 random bytes, base64: the size of an APIM gateway key. */
function randomKey(): string {
  return crypto.randomBytes(64).toString('base64');
}

function readKeysFile(file: string): Map<string, GatewayKeys> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new ApimgwError('APIMGW_E_KEYS_FILE', `cannot read keys file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ApimgwError('APIMGW_E_KEYS_FILE', `keys file ${file} is not valid JSON (${jsonSyntaxReason(error)})`);
  }
  const parsed = KeysFileSchema.safeParse(data);
  // The zod message would quote nothing secret, but a path into the file is all an operator needs.
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => issue.path.join('.') || '(top level)').join(', ');
    throw new ApimgwError('APIMGW_E_KEYS_FILE', `keys file ${file} is not { "<gateway>": { "primary": "…", "secondary": "…" } } (at ${where})`);
  }
  return new Map(Object.entries(parsed.data));
}

/**
 * The gateway keys of the management plane, held in a 0600 JSON file
 * `{ "<gateway>": { "primary": "…", "secondary": "…" } }`. Writes and re-reads
 * run one after another, so a re-read triggered by our own write can never
 * bring back the key a regeneration just replaced.
 */
export class KeyStore {
  readonly file: string;
  #keys: Map<string, GatewayKeys>;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(file: string, keys: Map<string, GatewayKeys>) {
    this.file = file;
    this.#keys = keys;
  }

  /** Reads the keys file, creating it (empty) when missing. */
  static async open(file: string): Promise<KeyStore> {
    const store = new KeyStore(file, readKeysFile(file));
    if (!fs.existsSync(file)) await store.#serially(() => store.#write());
    return store;
  }

  /** Creates random keys for each gateway that has none; writes the file only when something was added. */
  ensure(gateways: readonly string[]): Promise<void> {
    return this.#serially(async () => {
      const missing = gateways.filter((gateway) => !this.#keys.has(gateway));
      if (missing.length === 0) return;
      for (const gateway of missing) this.#keys.set(gateway, { primary: randomKey(), secondary: randomKey() });
      await this.#write();
    });
  }

  gateways(): string[] {
    return [...this.#keys.keys()];
  }

  get(gateway: string): GatewayKeys | undefined {
    return this.#keys.get(gateway);
  }

  /** Replaces one key: every token signed with the old one stops verifying at once. */
  regenerate(gateway: string, kind: KeyType): Promise<void> {
    return this.#serially(async () => {
      const keys = this.#keys.get(gateway);
      if (!keys) throw new ApimgwError('APIMGW_E_KEYS_FILE', `no keys for gateway "${gateway}" in ${this.file}`);
      this.#keys.set(gateway, { ...keys, [kind]: randomKey() });
      await this.#write();
    });
  }

  /** Re-reads the file after someone else changed it; a broken file keeps the keys in memory and throws. */
  reload(): Promise<void> {
    return this.#serially(async () => {
      this.#keys = readKeysFile(this.file);
    });
  }

  #serially<T>(job: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(job);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #write(): Promise<void> {
    try {
      await writeFileAtomic(this.file, `${JSON.stringify(Object.fromEntries(this.#keys), null, 2)}\n`, { mode: 0o600 });
    } catch (error) {
      throw new ApimgwError('APIMGW_E_KEYS_FILE', `cannot write keys file ${this.file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
    }
  }
}
