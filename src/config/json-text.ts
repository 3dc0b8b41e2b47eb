import { ConfigError } from '../errors.js';

/** JSON.parse with an error that gives line and column. */
export function parseJsonText(text: string, name: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message)?.[1];
    const at = position === undefined ? lineColumn(text, text.length) : lineColumn(text, Number(position));
    const reason = message.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
    throw new ConfigError(`${name} is not valid JSON at line ${at.line} column ${at.column}: ${reason}`);
  }
}

function lineColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
