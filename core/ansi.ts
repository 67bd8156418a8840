// Colour and cursor escape sequences (CSI and OSC) that NestJS and other loggers add.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

/** The text of a log line without ANSI escape sequences. */
export function stripAnsi(line: string): string {
  return line.includes('\u001b') ? line.replace(ANSI, '') : line;
}
