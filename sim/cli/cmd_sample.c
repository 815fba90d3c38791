/* pbitsim sample: m identical-input p-bits for n cycles (shared/spec/cli.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "cli.h"
#include "config/config.h"

static const char kUsage[] =
    "usage: pbitsim sample --device <preset|device.yaml> --pbits <m> --z <value>\n"
    "                      --dt-ns <dt> --cycles <n> --seed <s> --out <file.csv>\n"
    "                      [--threads <t>] [--summary]\n\n"
    "Runs m p-bits of one device, all driven so that the nominal sigmoid argument\n"
    "is z (input I = z / beta; device variation and the DAC act on top), clocked\n"
    "every dt ns for n cycles. States start from their stationary law.\n"
    "CSV: header cycle,p0,...,p<m-1>; one row per cycle (1..n) with the 0/1 state\n"
    "of each p-bit after that cycle.\n\n"
    "  --device   preset name (configs/devices/<name>.yaml) or a YAML file\n"
    "  --threads  worker threads (results do not depend on it; default 1)\n"
    "  --summary  print mean vs sigmoid(z), lag-1 autocorrelation vs theory and\n"
    "             the event counters\n";

#define CHUNK_CYCLES 1024u

typedef struct {
  const char *device, *out;
  uint64_t pbits, cycles, seed, threads;
  double z, dt_ns;
  int summary;
} opts_t;

static int parse(int argc, char **argv, opts_t *o) {
  enum { DEVICE = 1, PBITS = 2, Z = 4, DT = 8, CYCLES = 16, SEED = 32, OUT = 64 };
  unsigned seen = 0;
  memset(o, 0, sizeof(*o));
  o->threads = 1;
  for (int i = 1; i < argc; i++) {
    const char *k = argv[i];
    if (strcmp(k, "--summary") == 0) {
      o->summary = 1;
      continue;
    }
    if (i + 1 >= argc) return pbit_cli_usage("sample", "option '%s' needs a value", k);
    const char *v = argv[++i];
    int bad = 0;
    if (strcmp(k, "--device") == 0) {
      o->device = v;
      seen |= DEVICE;
    } else if (strcmp(k, "--out") == 0) {
      o->out = v;
      seen |= OUT;
    } else if (strcmp(k, "--pbits") == 0) {
      bad = pbit_cli_parse_u64(v, &o->pbits) || o->pbits == 0 || o->pbits > 1000000;
      seen |= PBITS;
    } else if (strcmp(k, "--cycles") == 0) {
      bad = pbit_cli_parse_u64(v, &o->cycles) || o->cycles == 0;
      seen |= CYCLES;
    } else if (strcmp(k, "--seed") == 0) {
      bad = pbit_cli_parse_u64(v, &o->seed);
      seen |= SEED;
    } else if (strcmp(k, "--threads") == 0) {
      bad = pbit_cli_parse_u64(v, &o->threads) || o->threads == 0 || o->threads > 256;
    } else if (strcmp(k, "--z") == 0) {
      bad = pbit_cli_parse_double(v, &o->z);
      seen |= Z;
    } else if (strcmp(k, "--dt-ns") == 0) {
      bad = pbit_cli_parse_double(v, &o->dt_ns) || !(o->dt_ns > 0.0);
      seen |= DT;
    } else {
      return pbit_cli_usage("sample", "unknown option '%s'", k);
    }
    if (bad) return pbit_cli_usage("sample", "bad value '%s' for %s", v, k);
  }
  static const char *names[] = {"--device", "--pbits", "--z", "--dt-ns", "--cycles", "--seed", "--out"};
  for (int b = 0; b < 7; b++)
    if (!(seen & (1u << b))) return pbit_cli_usage("sample", "missing %s", names[b]);
  return PBIT_EXIT_OK;
}

/* Appends "t,s0,s1,...\n" rows for a chunk of the trace. */
static void write_rows(FILE *f, const uint8_t *trace, uint64_t rows, size_t m,
                       uint64_t first_cycle, char *line) {
  for (uint64_t r = 0; r < rows; r++) {
    unsigned long long cycle = first_cycle + r;
    int len = snprintf(line, 32, "%llu", cycle);
    const uint8_t *row = trace + r * m;
    for (size_t i = 0; i < m; i++) {
      line[len++] = ',';
      line[len++] = (char)('0' + row[i]);
    }
    line[len++] = '\n';
    fwrite(line, 1, (size_t)len, f);
  }
}

/* Per-p-bit running sums for the summary: each p-bit is its own stationary
 * chain (variation gives each its own p and rho), so its statistics are
 * estimated on its own and then averaged. */
typedef struct {
  double *sum;   /* sum of states */
  double *pairs; /* sum of s_t s_{t+1} */
  double *head;  /* sum of s_t, t < n */
  double *tail;  /* sum of s_t, t > 1 */
  uint8_t *last; /* previous state */
} lag_stats_t;

static void lag_free(lag_stats_t *st) {
  free(st->sum);
  free(st->pairs);
  free(st->head);
  free(st->tail);
  free(st->last);
}

static int lag_alloc(lag_stats_t *st, size_t m) {
  st->sum = calloc(m, sizeof(double));
  st->pairs = calloc(m, sizeof(double));
  st->head = calloc(m, sizeof(double));
  st->tail = calloc(m, sizeof(double));
  st->last = calloc(m, 1);
  if (st->sum && st->pairs && st->head && st->tail && st->last) return 0;
  lag_free(st);
  return -1;
}

static void lag_add(lag_stats_t *st, const uint8_t *trace, uint64_t rows, size_t m, uint64_t first,
                    uint64_t cycles) {
  for (uint64_t r = 0; r < rows; r++) {
    const uint8_t *row = trace + r * m;
    uint64_t t = first + r; /* 0-based cycle index */
    for (size_t i = 0; i < m; i++) {
      st->sum[i] += row[i];
      if (t + 1 < cycles) st->head[i] += row[i];
      if (t > 0) {
        st->tail[i] += row[i];
        st->pairs[i] += row[i] & st->last[i];
      }
      st->last[i] = row[i];
    }
  }
}

static void print_summary(const pbit_array_t *a, const opts_t *o, const lag_stats_t *st) {
  const pbit_device_t *dev = pbit_array_device(a);
  size_t m = (size_t)o->pbits;
  double n = (double)o->cycles, pairs_n = (double)(o->cycles - 1);
  double mean = 0, want_mean = 0, ac = 0, want_ac = 0;
  size_t ac_count = 0;
  for (size_t i = 0; i < m; i++) {
    mean += st->sum[i] / n;
    want_mean += pbit_array_probability(a, i);
    if (o->cycles < 2) continue;
    double mh = st->head[i] / pairs_n, mt = st->tail[i] / pairs_n;
    double var = sqrt(mh * (1 - mh) * mt * (1 - mt));
    if (!(var > 0)) continue; /* a p-bit that never moved: no estimate */
    ac += (st->pairs[i] / pairs_n - mh * mt) / var;
    want_ac += pbit_array_rho(a, i);
    ac_count++;
  }
  double tau = pbit_correlation_time_ns(dev, pbit_device_dwell_ns(dev), o->z);
  pbit_counters_t c;
  pbit_array_counters(a, &c);
  printf("device %s: %llu p-bits x %llu cycles, dt %g ns, z %g (input %g)\n", dev->name,
         (unsigned long long)o->pbits, (unsigned long long)o->cycles, o->dt_ns, o->z,
         o->z / pbit_device_beta_eff(dev));
  printf("  mean state     %.5f   model %.5f (mean of the p-bits' own sigmoid; nominal %.5f)\n",
         mean / (double)m, want_mean / (double)m, pbit_sigmoid(o->z));
  if (ac_count > 0)
    printf("  lag-1 autocorr %.5f   model %.5f (mean of exp(-dt/tau_c,i); nominal tau_c %.3g ns)\n",
           ac / (double)ac_count, want_ac / (double)ac_count, tau);
  printf("  counters: samples %llu, flips %llu (expected physical %.1f), dac_writes %llu,"
         " pbit_cycles %llu\n",
         (unsigned long long)c.samples, (unsigned long long)c.flips, c.expected_flips,
         (unsigned long long)c.dac_writes, (unsigned long long)c.pbit_cycles);
  printf("  wrote %s\n", o->out);
}

int pbit_cli_sample(int argc, char **argv) {
  if (pbit_cli_help(argc, argv, kUsage)) return PBIT_EXIT_OK;
  opts_t o;
  int rc = parse(argc, argv, &o);
  if (rc != PBIT_EXIT_OK) return rc;
  if (o.pbits == 0) return PBIT_EXIT_USAGE; /* parse() rejects it; for the analyser */

  pbit_error_t err;
  pbit_error_clear(&err);
  char path[4096];
  pbit_device_t dev;
  if (pbit_cli_resolve_config("devices", o.device, path, sizeof(path), &err) != PBIT_OK ||
      pbit_config_load_device(path, &dev, &err) != PBIT_OK)
    return pbit_cli_report(&err);

  pbit_array_t *a = NULL;
  if (pbit_array_create(&dev, (size_t)o.pbits, o.dt_ns, o.seed, &a, &err) != PBIT_OK)
    return pbit_cli_report(&err);
  pbit_array_set_threads(a, (int)o.threads);
  if (pbit_array_set_input_all(a, o.z / pbit_device_beta_eff(&dev)) != PBIT_OK) {
    pbit_array_destroy(a);
    return pbit_cli_usage("sample", "--z %g is not a valid input", o.z);
  }
  pbit_array_equilibrate(a);

  size_t m = (size_t)o.pbits;
  uint8_t *trace = malloc((size_t)CHUNK_CYCLES * m);
  char *line = malloc(2 * m + 40);
  pbit_outfile_t of;
  if (trace == NULL || line == NULL) {
    free(trace);
    free(line);
    pbit_array_destroy(a);
    pbit_error_set(&err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return pbit_cli_report(&err);
  }
  if (pbit_outfile_open(&of, o.out, &err) != PBIT_OK) {
    free(trace);
    free(line);
    pbit_array_destroy(a);
    return pbit_cli_report(&err);
  }
  fputs("cycle", of.fp);
  for (size_t i = 0; i < m; i++) fprintf(of.fp, ",p%zu", i);
  fputc('\n', of.fp);

  lag_stats_t st;
  memset(&st, 0, sizeof(st));
  int nomem = o.summary && lag_alloc(&st, m) != 0;
  for (uint64_t done = 0; done < o.cycles && !nomem;) {
    uint64_t rows = o.cycles - done < CHUNK_CYCLES ? o.cycles - done : CHUNK_CYCLES;
    pbit_array_run(a, rows, trace, m);
    write_rows(of.fp, trace, rows, m, done + 1, line);
    if (o.summary) lag_add(&st, trace, rows, m, done, o.cycles);
    done += rows;
  }
  free(trace);
  free(line);
  if (nomem) { /* lag_alloc freed what it had */
    pbit_outfile_abort(&of);
    pbit_array_destroy(a);
    pbit_error_set(&err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return pbit_cli_report(&err);
  }
  if (pbit_outfile_commit(&of, &err) != PBIT_OK) {
    lag_free(&st);
    pbit_array_destroy(a);
    return pbit_cli_report(&err);
  }
  if (o.summary) print_summary(a, &o, &st);
  lag_free(&st);
  pbit_array_destroy(a);
  return PBIT_EXIT_OK;
}
