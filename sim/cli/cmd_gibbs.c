/* pbitsim gibbs: chromatic Gibbs sampling of an Ising model made of p-bits,
 * written as a histogram of visited states (shared/spec/cli.md). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "config/config.h"
#include "gibbs.h"
#include "rng.h"

static const char kUsage[] =
    "usage: pbitsim gibbs --model <name|ising.yaml> --sweeps <n> --seed <s>\n"
    "                     --out <hist.csv> [--burn-in <n>] [--summary]\n\n"
    "Samples the coupled p-bits of an Ising model by graph colour: the coupling\n"
    "graph is coloured so that no two coupled p-bits share a colour, and one sweep\n"
    "updates the colours in turn, all p-bits of a colour at once. The state after\n"
    "each counted sweep goes into a histogram.\n"
    "CSV: header state,count; one row per visited state, sorted by state, where\n"
    "state is the integer whose bit i is 1 when p-bit i is +1 (so at most 64\n"
    "p-bits), and count is the number of counted sweeps that ended in that state\n"
    "(the counts add up to --sweeps).\n\n"
    "  --model    name (configs/models/<name>.yaml) or a YAML file with `ising:`\n"
    "             n, beta, h and J (see configs/models/)\n"
    "  --sweeps   counted sweeps, >= 1\n"
    "  --seed     64-bit seed; the output depends on nothing else\n"
    "  --burn-in  sweeps run before counting starts (default 0)\n"
    "  --summary  print the colouring and counters after the run\n";

typedef struct {
  const char *model, *out;
  uint64_t sweeps, seed, burn_in;
  int summary;
} opts_t;

/* "--key value" or "--key=value"; returns the value or NULL if none. */
static const char *option_value(int argc, char **argv, int *i, const char *key) {
  size_t len = strlen(key);
  const char *a = argv[*i];
  if (a == NULL || strncmp(a, key, len) != 0) return NULL;
  if (a[len] == '=') return a + len + 1;
  if (a[len] != '\0') return NULL;
  if (*i + 1 >= argc) return "";
  return argv[++*i];
}

static int parse(int argc, char **argv, opts_t *o) {
  enum { MODEL = 1, SWEEPS = 2, SEED = 4, OUT = 8, BURN_IN = 16 };
  static const char *const kNames[] = {"--model", "--sweeps", "--seed", "--out", "--burn-in"};
  unsigned seen = 0;
  memset(o, 0, sizeof(*o));
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--summary") == 0) {
      o->summary = 1;
      continue;
    }
    int which = -1;
    const char *v = NULL;
    for (int k = 0; k < 5 && which < 0; k++) {
      v = option_value(argc, argv, &i, kNames[k]);
      if (v != NULL) which = k;
    }
    if (which < 0) return pbit_cli_usage("gibbs", "unknown option '%s'", a);
    if (*v == '\0') return pbit_cli_usage("gibbs", "option %s needs a value", kNames[which]);
    if (seen & (1u << which))
      return pbit_cli_usage("gibbs", "option %s given more than once", kNames[which]);
    seen |= 1u << which;
    int bad = 0;
    switch (1u << which) {
      case MODEL:
        o->model = v;
        break;
      case OUT:
        o->out = v;
        break;
      case SWEEPS:
        bad = pbit_cli_parse_u64(v, &o->sweeps) != 0 || o->sweeps == 0;
        break;
      case SEED:
        bad = pbit_cli_parse_u64(v, &o->seed) != 0;
        break;
      default: /* BURN_IN */
        bad = pbit_cli_parse_u64(v, &o->burn_in) != 0;
        break;
    }
    if (bad) return pbit_cli_usage("gibbs", "bad value '%s' for %s", v, kNames[which]);
  }
  for (int k = 0; k < 4; k++)
    if (!(seen & (1u << k))) return pbit_cli_usage("gibbs", "missing %s", kNames[k]);
  /* The output is written under a temporary name and renamed into place:
   * that would replace a symlink, device or pipe (/dev/stdout is all of
   * these) with a plain file. */
  struct stat st;
  if (lstat(o->out, &st) == 0 && !S_ISREG(st.st_mode))
    return pbit_cli_usage("gibbs",
                          "--out '%s' exists and is not a regular file (a symlink, "
                          "device or directory would be replaced)",
                          o->out);
  /* The sampler's sweep counter keys its random draws and must not wrap. */
  if (o->burn_in > UINT64_MAX / 2 || o->sweeps > UINT64_MAX / 2)
    return pbit_cli_usage("gibbs", "--sweeps and --burn-in must each be below 2^63");
  return PBIT_EXIT_OK;
}

/* ------------------------------------------------------------ histogram */

/* Up to this many p-bits the histogram is a dense array (8 MiB at 20). */
#define DENSE_MAX_N 20u

/* Otherwise an open-addressing hash map (linear probing, kept at most half
 * full): memory grows with the number of distinct states visited, which is
 * also the number of output rows. A slot is empty when its count is 0. */
typedef struct {
  uint64_t state;
  uint64_t count;
} slot_t;

typedef struct {
  uint32_t n;
  uint64_t *dense; /* 2^n counts, or NULL */
  slot_t *slots;   /* cap slots, or NULL */
  size_t cap, used;
  int nomem;
} hist_t;

static int hist_init(hist_t *h, uint32_t n) {
  memset(h, 0, sizeof(*h));
  h->n = n;
  if (n <= DENSE_MAX_N) {
    h->dense = calloc((size_t)1 << n, sizeof(*h->dense));
    return h->dense == NULL ? -1 : 0;
  }
  h->cap = 1024;
  h->slots = calloc(h->cap, sizeof(*h->slots));
  return h->slots == NULL ? -1 : 0;
}

static void hist_free(hist_t *h) {
  free(h->dense);
  free(h->slots);
  memset(h, 0, sizeof(*h));
}

static slot_t *find_slot(slot_t *slots, size_t cap, uint64_t state) {
  size_t i = (size_t)pbit_rng_mix64(state) & (cap - 1);
  while (slots[i].count != 0 && slots[i].state != state) i = (i + 1) & (cap - 1);
  return &slots[i];
}

static int hist_grow(hist_t *h) {
  if (h->cap > SIZE_MAX / 2 / sizeof(slot_t)) return -1;
  size_t cap = h->cap * 2;
  slot_t *slots = calloc(cap, sizeof(*slots));
  if (slots == NULL) return -1;
  for (size_t i = 0; i < h->cap; i++)
    if (h->slots[i].count != 0) *find_slot(slots, cap, h->slots[i].state) = h->slots[i];
  free(h->slots);
  h->slots = slots;
  h->cap = cap;
  return 0;
}

static int hist_add(hist_t *h, uint64_t state) {
  if (h->dense != NULL) {
    h->dense[state]++;
    return 0;
  }
  slot_t *s = find_slot(h->slots, h->cap, state);
  if (s->count == 0) {
    if (2 * (h->used + 1) > h->cap) {
      if (hist_grow(h) != 0) return -1;
      s = find_slot(h->slots, h->cap, state);
    }
    s->state = state;
    h->used++;
  }
  s->count++;
  return 0;
}

static int observe(const pbit_gibbs_t *g, void *user) {
  hist_t *h = user;
  uint64_t state = 0;
  if (pbit_gibbs_state(g, &state, NULL) != PBIT_OK) return 1;
  if (hist_add(h, state) != 0) {
    h->nomem = 1;
    return 1;
  }
  return 0;
}

static int cmp_slot(const void *a, const void *b) {
  uint64_t x = ((const slot_t *)a)->state, y = ((const slot_t *)b)->state;
  return (x > y) - (x < y);
}

/* Writes the rows sorted by state; returns the number of distinct states. */
static uint64_t hist_write(hist_t *h, FILE *f) {
  fputs("state,count\n", f);
  uint64_t rows = 0;
  if (h->dense != NULL) {
    for (uint64_t s = 0; s < (uint64_t)1 << h->n; s++)
      if (h->dense[s] != 0) {
        fprintf(f, "%" PRIu64 ",%" PRIu64 "\n", s, h->dense[s]);
        rows++;
      }
    return rows;
  }
  /* Compact the occupied slots to the front, then sort them by state. */
  size_t k = 0;
  for (size_t i = 0; i < h->cap; i++)
    if (h->slots[i].count != 0) h->slots[k++] = h->slots[i];
  qsort(h->slots, k, sizeof(*h->slots), cmp_slot);
  for (size_t i = 0; i < k; i++)
    fprintf(f, "%" PRIu64 ",%" PRIu64 "\n", h->slots[i].state, h->slots[i].count);
  return k;
}

/* ------------------------------------------------------------------ main */

int pbit_cli_gibbs(int argc, char **argv) {
  if (pbit_cli_help(argc, argv, kUsage)) return PBIT_EXIT_OK;
  opts_t o;
  int rc = parse(argc, argv, &o);
  if (rc != PBIT_EXIT_OK) return rc;

  pbit_error_t err;
  pbit_error_clear(&err);
  char path[4096];
  pbit_ising_t model;
  memset(&model, 0, sizeof(model));
  if (pbit_cli_resolve_config("models", o.model, path, sizeof(path), &err) != PBIT_OK ||
      pbit_config_load_ising(path, &model, &err) != PBIT_OK)
    return pbit_cli_report(&err);
  if (model.n > 64) {
    pbit_error_set(&err, PBIT_ERR_CONFIG, path, 0, 0,
                   "model has %u p-bits; gibbs writes each state as a 64-bit integer, "
                   "so n must be <= 64",
                   model.n);
    pbit_ising_free(&model);
    return pbit_cli_report(&err);
  }
  pbit_gibbs_t *g = NULL;
  rc = pbit_gibbs_create(&model, o.seed, &g, &err);
  const size_t n_edges = model.n_edges;
  pbit_ising_free(&model); /* the sampler keeps its own copy */
  if (rc != PBIT_OK) return pbit_cli_report(&err);

  hist_t hist;
  pbit_outfile_t of;
  memset(&of, 0, sizeof(of));
  if (hist_init(&hist, pbit_gibbs_num_pbits(g)) != 0) {
    pbit_error_set(&err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory for the histogram");
    goto fail;
  }
  /* Open (a temporary name) before the run, so a bad --out fails fast. */
  if (pbit_outfile_open(&of, o.out, &err) != PBIT_OK) goto fail;
  if (pbit_gibbs_run(g, o.burn_in, NULL, NULL, &err) != PBIT_OK ||
      pbit_gibbs_run(g, o.sweeps, observe, &hist, &err) != PBIT_OK) {
    if (hist.nomem)
      pbit_error_set(&err, PBIT_ERR_NOMEM, NULL, 0, 0,
                     "out of memory for the histogram after %zu distinct states", hist.used);
    goto fail;
  }
  uint64_t rows = hist_write(&hist, of.fp);
  if (pbit_outfile_commit(&of, &err) != PBIT_OK) goto fail;

  if (o.summary) {
    pbit_gibbs_counters_t c = pbit_gibbs_counters(g);
    printf("model %s: %u p-bits, %zu couplings, %u colours\n", path, pbit_gibbs_num_pbits(g),
           n_edges, pbit_gibbs_num_colors(g));
    printf("  sweeps %" PRIu64 " (+ %" PRIu64 " burn-in), p-bit updates %" PRIu64 ", flips %" PRIu64
           " (%.4f per update)\n",
           o.sweeps, o.burn_in, c.updates, c.flips,
           c.updates ? (double)c.flips / (double)c.updates : 0.0);
    printf("  %" PRIu64 " distinct states; wrote %s\n", rows, o.out);
  }
  hist_free(&hist);
  pbit_gibbs_destroy(g);
  return PBIT_EXIT_OK;

fail:
  pbit_outfile_abort(&of);
  hist_free(&hist);
  pbit_gibbs_destroy(g);
  return pbit_cli_report(&err);
}
