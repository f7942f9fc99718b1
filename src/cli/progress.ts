import { terminalSafe } from '../core/terminalText';

/**
 * Writes a progress line to stderr: redrawn in place on a terminal, one line per change otherwise. The
 * text carries ids and states from the service, so control characters are stripped from it.
 */
export class ProgressLine {
  private last = '';

  constructor(private readonly stream: NodeJS.WriteStream | NodeJS.WritableStream = process.stderr) {}

  private get tty(): boolean {
    return (this.stream as NodeJS.WriteStream).isTTY === true;
  }

  update(raw: string): void {
    const text = terminalSafe(raw);
    if (text === this.last) {
      return;
    }
    this.last = text;
    this.stream.write(this.tty ? `\r\x1b[2K${text}` : `${text}\n`);
  }

  /** Ends the in-place line so later output starts on a new line. */
  done(text?: string): void {
    if (text !== undefined) {
      this.update(text);
    }
    if (this.tty && this.last) {
      this.stream.write('\n');
    }
    this.last = '';
  }
}

export { formatBytes } from '../core/format';
