/**
 * What a hook prints for its host (architecture.md, hook life cycle; host-protocols.md C4–C6): the process exit
 * code and the exact text for stdout and stderr. Every decision renders its verdict for a host into this shape in
 * the kernel (pure, so a property can check a rendering), and the hooks only write it and exit.
 */
export interface Rendered {
  /** Process exit code: 0 (allow, or a JSON answer), 2 (Claude Code block), 1 (git refuses the push). */
  readonly exit: number;
  /** Text for stdout, `''` for none. */
  readonly stdout: string;
  /** Text for stderr, `''` for none. */
  readonly stderr: string;
}

/** The silent allow: exit 0, nothing printed. */
export const SILENT: Rendered = { exit: 0, stdout: '', stderr: '' };
