import type { Command } from 'commander';
import { Option } from 'commander';
import type { Level } from 'pino';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat } from '../log-options.js';

/** Options every command has. */
export interface CommonOptions {
  config: string;
  logLevel: Level;
  /** Default auto: pretty when stderr is a terminal, JSON lines otherwise. */
  logFormat?: LogFormat;
}

/** Adds --config, --log-level and --log-format. */
export function withCommonOptions(command: Command): Command {
  return command
    .option('--config <file>', 'JSON config file', './config.json')
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .addOption(
      new Option('--log-format <format>', 'logs on stderr: pretty on a terminal (auto), or always json / pretty')
        .choices(LOG_FORMATS)
        .default('auto'),
    );
}
