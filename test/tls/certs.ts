import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Test certificates made with the openssl command in a temp dir: a CA,
 * server certificates for several names (EC P-256: fast to make), and a
 * client certificate, all signed by the CA.
 */
export interface TestPki {
  dir: string;
  ca: string;
  /** `${dir}/${name}.pem` (certificate) and `${name}.key`. */
  file: (name: string, ext: 'pem' | 'key' | 'pfx') => string;
  issue: (name: string, options: { subject: string; dns?: string[]; client?: boolean; pfxPassword?: string }) => void;
  remove: () => void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function createPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-tls-'));
  const file = (name: string, ext: string) => path.join(dir, `${name}.${ext}`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=apimgw test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const issue: TestPki['issue'] = (name, options) => {
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', options.subject], dir);
    const extensions = [
      'basicConstraints=CA:FALSE',
      `extendedKeyUsage=${options.client ? 'clientAuth' : 'serverAuth'}`,
      ...(options.dns?.length ? [`subjectAltName=${options.dns.map((d) => `DNS:${d}`).join(',')}`] : []),
    ];
    fs.writeFileSync(path.join(dir, `${name}.ext`), `${extensions.join('\n')}\n`);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '30', '-extfile', `${name}.ext`], dir);
    if (options.pfxPassword !== undefined) {
      openssl(['pkcs12', '-export', '-in', `${name}.pem`, '-inkey', `${name}.key`, '-out', `${name}.pfx`, '-passout', `pass:${options.pfxPassword}`], dir);
    }
  };
  return { dir, ca: file('ca', 'pem'), file, issue, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
