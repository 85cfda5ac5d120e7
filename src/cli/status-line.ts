// One live status line: rewritten in place on a terminal, printed as plain lines when output goes to a file or pipe.

export class StatusLine {
  private shown = false;
  private last = "";

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  get interactive(): boolean {
    return this.out.isTTY === true;
  }

  update(text: string): void {
    this.last = text;
    if (this.interactive) {
      this.out.write(`\r\x1b[2K${text}`);
      this.shown = true;
    } else {
      this.out.write(`${text}\n`);
    }
  }

  /** Prints a whole line above the status line, which is then drawn again. */
  print(line: string): void {
    if (this.interactive && this.shown) {
      this.out.write(`\r\x1b[2K${line}\n${this.last}`);
    } else {
      this.out.write(`${line}\n`);
    }
  }

  /** Leaves the last status on screen and moves to a fresh line. */
  end(): void {
    if (this.interactive && this.shown) this.out.write("\n");
    this.shown = false;
  }
}
