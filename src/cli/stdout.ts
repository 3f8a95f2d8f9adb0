/**
 * Writes to stdout and resolves once the text is handed to the OS. A command whose output can be
 * large (megabytes of JSON) awaits this: bin/sizewise.js exits as soon as the command returns, and
 * a write still queued on a pipe would be cut off.
 */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (e) => (e ? reject(e) : resolve()));
  });
}
