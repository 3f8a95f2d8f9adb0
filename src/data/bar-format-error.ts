/**
 * A whole bar file cannot be read as bars (no header columns, not JSON, wrong envelope). Row-level
 * problems never raise this; they go to the RejectLog and the file still loads.
 */
export class BarFormatError extends Error {
  constructor(
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${detail}`, options);
    this.name = "BarFormatError";
  }
}
