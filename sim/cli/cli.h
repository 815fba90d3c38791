/* Shared pieces of the pbitsim command line: the subcommand entry points,
 * error reporting in the contract's format, number parsing, and output files
 * that appear only when complete (written to a temporary name, renamed). */
#ifndef PBIT_CLI_H
#define PBIT_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "status.h"

/* Exit codes of the contract (shared/spec/cli.md). */
enum { PBIT_EXIT_OK = 0, PBIT_EXIT_RUNTIME = 1, PBIT_EXIT_USAGE = 2 };

/* Subcommands: each returns the process exit code. */
int pbit_cli_sample(int argc, char **argv);
int pbit_cli_gibbs(int argc, char **argv);
int pbit_cli_datapath(int argc, char **argv);
int pbit_cli_train(int argc, char **argv);
int pbit_cli_sweep(int argc, char **argv);

/* 1 (after printing usage to stdout) if argv holds --help or -h, else 0. */
int pbit_cli_help(int argc, char **argv, const char *usage);

/* Prints "pbitsim: <file>:<line>:<col>: <msg>" (or the shorter forms) to
 * stderr and returns the exit code for err->status (2 for bad input). */
int pbit_cli_report(const pbit_error_t *err);

/* Prints "pbitsim: <cmd>: <msg>" plus a hint to run --help; returns 2. */
int pbit_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Strict number parsing: the whole string must be a number in range.
 * Return 0 on success, -1 otherwise. */
int pbit_cli_parse_u64(const char *s, uint64_t *out);
int pbit_cli_parse_double(const char *s, double *out);

/* Resolves a config argument: an existing file path is used as is; a bare
 * name (no '/', no ".yaml") is looked up as <dir>/<kind>/<name>.yaml in
 * $PBITSIM_CONFIG_DIR, then <exe>/../../configs, then ./configs.
 * Returns 0 and fills out, or fills err (listing what was tried). */
int pbit_cli_resolve_config(const char *kind, const char *arg, char *out, size_t len,
                            pbit_error_t *err);

/* Creates the directories above path (mkdir -p of its dirname); 0 or -1. */
int pbit_cli_make_parents(const char *path);

/* Output file that only appears when complete. */
typedef struct {
  FILE *fp;
  char path[1024];
  char tmp[1100];
} pbit_outfile_t;

/* Creates parent directories and opens <path>.tmp.<pid>. */
int pbit_outfile_open(pbit_outfile_t *of, const char *path, pbit_error_t *err);
/* Flushes, closes and renames into place; on any failure removes the
 * temporary file and fills err. */
int pbit_outfile_commit(pbit_outfile_t *of, pbit_error_t *err);
/* Closes and removes the temporary file (safe to call twice). */
void pbit_outfile_abort(pbit_outfile_t *of);

#endif /* PBIT_CLI_H */
