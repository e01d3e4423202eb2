import fs from 'node:fs';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { ApimgwError } from '../errors.ts';
import { finishLoading, type LoadedConfig } from './loaded.ts';
import type { IssuePath, Locator } from './validate.ts';

/** Locations come from the YAML parser, which also reads JSON, so both formats get `file:line:col`. */
function yamlLocator(fileName: string, document: Document, lines: LineCounter): Locator {
  return (path: IssuePath) => {
    // The deepest node that exists: an unknown or missing field is reported where its parent is.
    for (let depth = path.length; depth >= 1; depth--) {
      const node = document.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) {
        const { line, col } = lines.linePos(node.range[0]);
        return `${fileName}:${line}:${col}`;
      }
    }
    return fileName;
  };
}

export function parseConfigText(text: string, fileName: string): LoadedConfig {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const details = document.errors.map((error) => {
      const { line, col } = lines.linePos(error.pos[0]);
      return `${fileName}:${line}:${col}: ${error.message.split('\n')[0]}`;
    });
    throw new ApimgwError('APIMGW_E_CONFIG_PARSE', `${fileName}: not valid YAML/JSON (${details[0]})`, { details });
  }
  const data: unknown = document.toJS() ?? {};
  return finishLoading(data, fileName, yamlLocator(fileName, document, lines));
}

export function loadConfigFile(fileName: string): LoadedConfig {
  let text: string;
  try {
    text = fs.readFileSync(fileName, 'utf8');
  } catch (error) {
    throw new ApimgwError('APIMGW_E_CONFIG_NOT_FOUND', `cannot read configuration ${fileName}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseConfigText(text, fileName);
}
