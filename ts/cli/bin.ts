/** The executable entry (dist/cli.js): runs the CLI on process.argv and sets the exit code. */
import { main } from './main.js';
import { handleSignals } from './signals.js';

handleSignals();

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // `modeconn ... | head` closes the pipe early; that is not an error of ours.
  if (error.code !== 'EPIPE') throw error;
});
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
