import Table from "cli-table3";

/**
 * Whether output to `stream` may carry ANSI colour: only on a terminal, and never when NO_COLOR is
 * set to anything non-empty (no-color.org). cli-table3's colour library asks no stream at all, so
 * without this a table redirected to a file is full of escape codes.
 */
export function colourEnabled(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return stream.isTTY === true;
}

type TableOptions = NonNullable<ConstructorParameters<typeof Table>[0]>;

/** A cli-table3 table whose heads and borders are coloured only where colour is allowed. */
export function cliTable(opts: TableOptions, stream: { isTTY?: boolean } = process.stdout): InstanceType<typeof Table> {
  return colourEnabled(stream) ? new Table(opts) : new Table({ ...opts, style: { ...opts.style, head: [], border: [] } });
}
