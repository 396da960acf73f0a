/**
 * A console in a running instance as a VS Code terminal: a Pseudoterminal attached to App Platform's exec websocket
 * (core/operate/console.ts). Keystrokes go to the shell, its output to the terminal; closing the terminal closes the
 * session (the platform hangs up the shell), and the shell ending closes the terminal.
 */
import * as vscode from 'vscode';
import { ExecSession } from '../../core/operate/console';
import { redact } from '../../core/do/redact';

export class ConsolePty implements vscode.Pseudoterminal {
  private readonly written = new vscode.EventEmitter<string>();
  private readonly ended = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.written.event;
  readonly onDidClose = this.ended.event;
  private session?: ExecSession;
  private closed = false;
  /** Resolves when the session is open (or failed to open). */
  readonly opened: Promise<boolean>;
  private resolveOpened!: (ok: boolean) => void;

  constructor(private readonly url: string, private readonly label: string) {
    this.opened = new Promise((resolve) => (this.resolveOpened = resolve));
  }

  open(dims: vscode.TerminalDimensions | undefined): void {
    this.written.fire(`Connecting to ${this.label}…\r\n`);
    ExecSession.connect(this.url, { cols: dims?.columns, rows: dims?.rows, onData: (t) => this.written.fire(t) }).then(
      (session) => {
        // The terminal was closed while connecting: nothing may stay running.
        if (this.closed) return session.close();
        this.session = session;
        this.resolveOpened(true);
        void session.closed.then((c) => {
          if (this.closed) return;
          this.written.fire(`\r\n[console closed${c.reason ? `: ${c.reason}` : ''}]\r\n`);
          this.ended.fire(0);
        });
      },
      (e: Error) => {
        this.written.fire(`\r\ncould not open the console: ${redact(e.message)}\r\n`);
        this.resolveOpened(false);
        this.ended.fire(1);
      },
    );
  }

  handleInput(data: string): void {
    this.session?.write(data);
  }

  setDimensions(dims: vscode.TerminalDimensions): void {
    this.session?.resize(dims.columns, dims.rows);
  }

  close(): void {
    this.closed = true;
    this.session?.close();
    this.written.dispose();
    this.ended.dispose();
  }
}
