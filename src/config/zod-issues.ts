import type { z } from "zod";

/** A zod error as one line naming each bad key (the first `max`, then how many more). */
export function describeZodIssues(err: z.ZodError, max = 5): string {
  return err.issues
    .slice(0, max)
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`)
    .concat(err.issues.length > max ? [`... ${err.issues.length - max} more`] : [])
    .join("; ");
}
