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

typedef struct {
  double sum;         /* sum of states */
  double pairs;       /* sum of s_t s_{t+1} */
  double sum_head;    /* sum over t < n of s_t */
  double sum_tail;    /* sum over t > 1 of s_t */
} lag_stats_t;

static void print_summary(const pbit_array_t *a, const opts_t *o, const lag_stats_t *st) {
  double beta = pbit_device_beta_eff(pbit_array_device(a));
  double n = (double)o->pbits * (double)o->cycles;
  double mean = st->sum / n;
  double p = pbit_sigmoid(o->z);
  double pairs_n = (double)o->pbits * (double)(o->cycles - 1);
  double ac = NAN;
  if (o->cycles > 1) {
    double mh = st->sum_head / pairs_n, mt = st->sum_tail / pairs_n;
    double cov = st->pairs / pairs_n - mh * mt;
    double var = sqrt(mh * (1 - mh) * mt * (1 - mt));
    ac = var > 0 ? cov / var : NAN;
  }
  double tau = pbit_correlation_time_ns(pbit_array_device(a), pbit_device_dwell_ns(pbit_array_device(a)), o->z);
  double rho = tau > 0 ? exp(-o->dt_ns / tau) : 0.0;
  pbit_counters_t c;
  pbit_array_counters(a, &c);
  printf("device %s: %llu p-bits x %llu cycles, dt %g ns, z %g (input %g)\n",
         pbit_array_device(a)->name, (unsigned long long)o->pbits,
         (unsigned long long)o->cycles, o->dt_ns, o->z, o->z / beta);
  printf("  mean state     %.5f   sigmoid(z) %.5f   (nominal device, no variation)\n", mean, p);
  printf("  lag-1 autocorr %.5f   exp(-dt/tau_c) %.5f   (tau_c %.3g ns)\n", ac, rho, tau);
  printf("  counters: samples %llu, flips %llu (expected physical %.1f), dac_writes %llu,"
         " pbit_cycles %llu\n",
         (unsigned long long)c.samples, (unsigned long long)c.flips, c.expected_flips,
         (unsigned long long)c.dac_writes, (unsigned long long)c.pbit_cycles);
  printf("  wrote %s\n", o->out);
}

int pbit_cli_sample(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(kUsage, stdout);
      return PBIT_EXIT_OK;
    }
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

  lag_stats_t st = {0, 0, 0, 0};
  uint8_t *last = calloc(m, 1);
  for (uint64_t done = 0; done < o.cycles && last != NULL;) {
    uint64_t rows = o.cycles - done < CHUNK_CYCLES ? o.cycles - done : CHUNK_CYCLES;
    pbit_array_run(a, rows, trace, m);
    write_rows(of.fp, trace, rows, m, done + 1, line);
    if (o.summary) {
      for (uint64_t r = 0; r < rows; r++) {
        const uint8_t *row = trace + r * m;
        uint64_t t = done + r; /* 0-based cycle index */
        for (size_t i = 0; i < m; i++) {
          st.sum += row[i];
          if (t + 1 < o.cycles) st.sum_head += row[i];
          if (t > 0) {
            st.sum_tail += row[i];
            st.pairs += row[i] & last[i];
          }
          last[i] = row[i];
        }
      }
    }
    done += rows;
  }
  free(trace);
  free(line);
  if (last == NULL) {
    pbit_outfile_abort(&of);
    pbit_array_destroy(a);
    pbit_error_set(&err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return pbit_cli_report(&err);
  }
  free(last);
  if (pbit_outfile_commit(&of, &err) != PBIT_OK) {
    pbit_array_destroy(a);
    return pbit_cli_report(&err);
  }
  if (o.summary) print_summary(a, &o, &st);
  pbit_array_destroy(a);
  return PBIT_EXIT_OK;
}
