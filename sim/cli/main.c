/* pbitsim: the command-line entry point. Dispatches to subcommands; only
 * this program prints or chooses exit codes (libraries return statuses). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
} command_t;

static const command_t kCommands[] = {
    {"sample", pbit_cli_sample, "run identical-input p-bits for n cycles, write their states"},
    {"gibbs", pbit_cli_gibbs, "sample a coupled p-bit (Ising) network by graph colour"},
    {"datapath", pbit_cli_datapath, "one FORWARD/UPDATE of the accelerator datapath (model or RTL)"},
    {"train", pbit_cli_train, "train BSFF on the accelerator (one tile per layer), price it in energy"},
    {"sweep", pbit_cli_sweep, "train every point of a sweep file, one CSV row per point"},
};

static void usage(FILE *f) {
  fprintf(f,
          "usage: pbitsim <command> [options]\n"
          "       pbitsim <command> --help\n\n"
          "A cycle-level simulator of p-bit (probabilistic bit) arrays.\n\ncommands:\n");
  for (size_t i = 0; i < sizeof(kCommands) / sizeof(kCommands[0]); i++)
    fprintf(f, "  %-8s %s\n", kCommands[i].name, kCommands[i].summary);
  fprintf(f,
          "\nexit codes: 0 success, 1 run-time failure, 2 bad usage or bad input\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return PBIT_EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return PBIT_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof(kCommands) / sizeof(kCommands[0]); i++)
    if (strcmp(argv[1], kCommands[i].name) == 0) return kCommands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "pbitsim: unknown command '%s' (run 'pbitsim --help')\n", argv[1]);
  return PBIT_EXIT_USAGE;
}
