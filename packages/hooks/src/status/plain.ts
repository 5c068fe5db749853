/**
 * The command lines the `arbiter` dispatcher sends to the status bundle (`dist/status.cjs`, status.md §8): exactly
 * `status` or `status --json`, the one-snapshot forms people re-run. They take no option value and cannot be a usage
 * error, so running them without the option parser changes nothing. Every other `status` command line (`--watch`,
 * `--interval`, `--help`, an unknown option or argument, `--json` twice) goes to the full verb table
 * (`dist/cli.cjs`), whose commander parser answers it as before.
 */

/** `{ json }` for a plain snapshot command line (`argv` without node and script), else `null`. Total. */
export const plainStatus = (argv: ReadonlyArray<string>): { readonly json: boolean } | null => {
  if (argv[0] !== 'status') return null;
  if (argv.length === 1) return { json: false };
  return argv.length === 2 && argv[1] === '--json' ? { json: true } : null;
};
