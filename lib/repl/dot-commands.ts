// The REPL's dot-commands: .help (with the shell guide), .framework, .executor, .timing.
import type { REPLServer } from 'node:repl';
import { describeMode, executorNames, frameworkNames, type Mode } from './modes.js';

export interface DotCommandDeps {
  say: (text: string) => void;
  guide(): string;
  mode(): Mode;
  switchMode(change: Partial<Mode>): Promise<void>;
  describeError(err: unknown): string;
  /** Reads (no argument) or sets the timing switch. */
  timing(on?: boolean): boolean;
}

export function defineDotCommands(server: REPLServer, deps: DotCommandDeps): void {
  const { say } = deps;
  const help = server.commands.help;
  if (help) {
    server.defineCommand('help', {
      help: help.help ?? 'Print this help message',
      action(this: REPLServer, rest: string) {
        say(deps.guide());
        help.action.call(this, rest);
      },
    });
  }
  const modeCommand = (what: keyof Mode, choices: () => string[]) => ({
    help: `Show or switch the client's ${what} (${choices().join(' | ')}); reconnects, keeps the current db and the handles you hold`,
    action(this: REPLServer, rest: string) {
      const name = rest.trim();
      const done = (): void => this.displayPrompt();
      if (!name) {
        say(describeMode(deps.mode()));
        return done();
      }
      deps.switchMode({ [what]: name }).then(done, (err: unknown) => {
        say(`Uncaught ${deps.describeError(err)}`);
        done();
      });
    },
  });
  server.defineCommand('executor', modeCommand('executor', executorNames));
  // Read when asked: a framework added to createRotor's table appears here by itself.
  server.defineCommand('framework', modeCommand('framework', frameworkNames));
  server.defineCommand('timing', {
    help: "Print each command's round-trip time (on | off)",
    action(this: REPLServer, rest: string) {
      const arg = rest.trim();
      if (arg === 'on' || arg === 'off') {
        deps.timing(arg === 'on');
        say(`timing ${arg}`);
      } else say(arg ? `.timing takes on or off, not '${arg}'` : `timing is ${deps.timing() ? 'on' : 'off'}`);
      this.displayPrompt();
    },
  });
}
