/* pbitsim train: the BSFF firmware on the emulated accelerator, on real data
 * (shared/spec/cli.md, docs/firmware.md). Writes <out>/summary.json,
 * curve.csv, curve.png (gnuplot), energy.csv and checkpoint.bin (its format:
 * train_checkpoint.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bsff/bsff.h"
#include "cli.h"
#include "config/config.h"
#include "config/config_run.h"
#include "data/dataset.h"
#include "energy/ledger.h"
#include "ff/ff.h"
#include "hal_sim.h"
#include "hal_systemc.h"
#include "rng.h"
#include "train_checkpoint.h"

/* Weak: a program without the SystemC builds (the sanitizer pbitsim) still
 * links; pbit_hal_open then reports that it has no systemc backend. */
#pragma weak pbit_hal_systemc_run

static const char kUsage[] =
    "usage: pbitsim train --config <run.yaml> [--backend model|rtl|systemc] [--out <dir>]\n"
    "                     [--epochs <n>] [--train-limit <n>] [--test-limit <n>]\n"
    "                     [--resume <checkpoint.bin>] [--stop-after <epoch>]\n"
    "                     [--trace <file.vcd|file.fst>] [--quiet]\n\n"
    "Trains the binary stochastic forward-forward (BSFF) firmware on the accelerator\n"
    "(one tile per layer) through the HAL, on the run's data set, then evaluates it\n"
    "on the test split and prices the run with the technology table.\n\n"
    "  --config      run config (configs/<name>.yaml or a path; docs/configs.md)\n"
    "  --backend     overrides run.backend\n"
    "  --out         output directory (default runs/<run.name>)\n"
    "  --epochs, --train-limit, --test-limit   override the config\n"
    "  --resume      continue from a checkpoint of this config. On the model backend\n"
    "                the checkpoint holds the firmware's and the simulator's state\n"
    "                (p-bit arrays, datapaths, clock, counters): the continuation is\n"
    "                bit-identical to the uninterrupted run (same --epochs and\n"
    "                --train-limit). Checkpoints of rtl/systemc runs and of older\n"
    "                versions resume from the weights, readout and schedule position\n"
    "                only. summary.json says which: \"exact_resume\".\n"
    "  --stop-after  stop once the checkpoint of this epoch is written, as if the run\n"
    "                were interrupted there (the schedule stays that of --epochs; no\n"
    "                evaluation, only checkpoint.bin); continue it with --resume\n"
    "  --trace       waveforms of the RTL (rtl and systemc backends)\n"
    "  --quiet       no progress bar\n\n"
    "Writes <out>/summary.json, curve.csv (+ curve.png with gnuplot), energy.csv\n"
    "and checkpoint.bin; each file appears only when complete.\n";

typedef struct {
  const char *config, *backend, *out, *resume, *trace;
  long epochs, train_limit, test_limit, stop_after;
  int quiet;
} opts_t;

static int parse(int argc, char **argv, opts_t *o) {
  memset(o, 0, sizeof *o);
  o->epochs = o->train_limit = o->test_limit = o->stop_after = -1;
  for (int i = 1; i < argc; i++) {
    const char *k = argv[i];
    if (strcmp(k, "--quiet") == 0) {
      o->quiet = 1;
      continue;
    }
    if (i + 1 >= argc) return pbit_cli_usage("train", "option '%s' needs a value", k);
    const char *v = argv[++i];
    uint64_t u = 0;
    if (strcmp(k, "--config") == 0) {
      o->config = v;
    } else if (strcmp(k, "--backend") == 0) {
      o->backend = v;
    } else if (strcmp(k, "--out") == 0) {
      o->out = v;
    } else if (strcmp(k, "--resume") == 0) {
      o->resume = v;
    } else if (strcmp(k, "--trace") == 0) {
      o->trace = v;
    } else if (strcmp(k, "--stop-after") == 0) {
      if (pbit_cli_parse_u64(v, &u) || u < 1 || u > 100000000)
        return pbit_cli_usage("train", "bad value '%s' for %s (an epoch >= 1)", v, k);
      o->stop_after = (long)u;
    } else if (strcmp(k, "--epochs") == 0 || strcmp(k, "--train-limit") == 0 ||
               strcmp(k, "--test-limit") == 0) {
      if (pbit_cli_parse_u64(v, &u) || u > 100000000)
        return pbit_cli_usage("train", "bad value '%s' for %s", v, k);
      long *dst = k[2] == 'e' ? &o->epochs : k[4] == 'a' ? &o->train_limit : &o->test_limit;
      *dst = (long)u;
    } else {
      return pbit_cli_usage("train", "unknown option '%s'", k);
    }
  }
  if (o->config == NULL) return pbit_cli_usage("train", "missing --config");
  if (o->backend != NULL && strcmp(o->backend, "model") != 0 && strcmp(o->backend, "rtl") != 0 &&
      strcmp(o->backend, "systemc") != 0)
    return pbit_cli_usage("train", "unknown backend '%s' (model, rtl, systemc)", o->backend);
  return PBIT_EXIT_OK;
}

/* ---- resume */

/* Tells how far --resume restored the run (the checkpoint unit only says). */
static void report_resume(const pbit_ckpt_resume_t *res, const pbit_ckpt_run_t *run,
                          const char *path) {
  switch (res->kind) {
    case PBIT_CKPT_RESUME_OTHER_RUN:
      fprintf(stderr,
              "pbitsim: note: %s: the run had %u examples x %u epochs, this one %u x %u: state "
              "restored, but this is not the interrupted run's continuation\n",
              path, res->saved.train_n, res->saved.epochs, run->train_n, run->epochs);
      break;
    case PBIT_CKPT_RESUME_NO_SIM:
      fprintf(stderr,
              "pbitsim: warning: %s holds no simulator state (saved on a backend that cannot save "
              "it): weights-only resume, not bit-identical to an uninterrupted run\n",
              path);
      break;
    case PBIT_CKPT_RESUME_FORMAT1:
      fprintf(stderr,
              "pbitsim: warning: %s is a format-1 checkpoint (weights, readout, schedule position "
              "only): weights-only resume, not bit-identical to an uninterrupted run\n",
              path);
      break;
    case PBIT_CKPT_RESUME_NONE:
    case PBIT_CKPT_RESUME_EXACT:
      break;
  }
}

/* ---- progress */

typedef struct {
  int quiet, tty;
  double t0;
  uint64_t total, done;
  int last_decile;
} progress_t;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void progress_show(progress_t *p, uint32_t epoch, uint32_t epochs, uint64_t in_epoch,
                          uint64_t epoch_n, double acc, int final) {
  if (p->quiet) return;
  double el = now_s() - p->t0;
  double rate = el > 0 ? (double)p->done / el : 0;
  double eta = rate > 0 ? (double)(p->total - p->done) / rate : 0;
  int decile = (int)(10 * in_epoch / (epoch_n ? epoch_n : 1));
  if (!p->tty && !final && decile == p->last_decile) return;
  p->last_decile = decile;
  char bar[21];
  int fill = (int)(20 * in_epoch / (epoch_n ? epoch_n : 1));
  for (int i = 0; i < 20; i++) bar[i] = i < fill ? '#' : '.';
  bar[20] = '\0';
  char tail[64];
  if (acc >= 0)
    snprintf(tail, sizeof tail, "train acc %.1f%%", 100 * acc);
  else
    snprintf(tail, sizeof tail, "loss %.4f", -acc);
  fprintf(stderr, "%sepoch %u/%u [%s] %llu/%llu  %.0f ex/s  ETA %dm%02ds  %s%s", p->tty ? "\r" : "",
          epoch, epochs, bar, (unsigned long long)in_epoch, (unsigned long long)epoch_n, rate,
          (int)eta / 60, (int)eta % 60, tail, p->tty && !final ? "" : "\n");
  fflush(stderr);
}

/* ---- evaluation */

static int evaluate(pbit_bsff_t *b, const pbit_dataset_t *test, uint32_t n,
                    pbit_bsff_predict_t rule, double *acc, pbit_error_t *err) {
  size_t dim = pbit_dataset_example_size(test);
  uint64_t correct = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t pred = 0;
    int rc = pbit_bsff_predict(b, test->pixels + (size_t)i * dim, i, rule, &pred, NULL, err);
    if (rc != PBIT_OK) return rc;
    correct += pred == test->labels[i];
  }
  *acc = n ? (double)correct / n : 0;
  return PBIT_OK;
}

/* ---- energy */

typedef struct {
  pbit_energy_ledger_t train, infer, baseline;
  double per_update_pj, per_inference_pj, baseline_per_update_pj;
  uint64_t baseline_examples;
} energy_t;

static int ledger_of(const pbit_bsff_counters_t *c, uint32_t tiles, const pbit_dp_params_t *accel,
                     const pbit_device_t *dev, const pbit_energy_tech_t *tech,
                     pbit_energy_ledger_t *l, pbit_error_t *err) {
  pbit_energy_ledger_init(l);
  static const int kDpPhase[PBIT_BSFF_NUM_PH] = {PBIT_ENERGY_FORWARD, PBIT_ENERGY_GOODNESS,
                                                 PBIT_ENERGY_UPDATE, PBIT_ENERGY_READOUT,
                                                 PBIT_ENERGY_FORWARD};
  static const int kOpsPhase[PBIT_BSFF_NUM_PH] = {PBIT_ENERGY_GOODNESS, PBIT_ENERGY_GOODNESS,
                                                  PBIT_ENERGY_UPDATE, PBIT_ENERGY_READOUT,
                                                  PBIT_ENERGY_GOODNESS};
  int rc = PBIT_OK;
  for (int ph = 0; ph < PBIT_BSFF_NUM_PH && rc == PBIT_OK; ph++) {
    pbit_dp_counters_t dc;
    memcpy(dc.v, c->dp[ph], sizeof dc.v);
    rc = pbit_energy_add_dp(l, kDpPhase[ph], &dc, accel, tech, err);
    if (rc == PBIT_OK) rc = pbit_energy_add_bsff_ops(l, kOpsPhase[ph], &c->ops[ph], tech, err);
  }
  pbit_counters_t pc;
  memset(&pc, 0, sizeof pc);
  pc.samples = c->pbits.samples;
  pc.flips = c->pbits.flips;
  pc.dac_writes = c->pbits.dac_writes;
  pc.pbit_cycles = c->pbits.pbit_cycles;
  pc.cycles = c->pbits.cycles;
  if (rc == PBIT_OK)
    rc = pbit_energy_add_pbits(l, PBIT_ENERGY_SAMPLING, &pc, dev, accel->clock_ns, err);
  /* Static: every tile's SRAMs leak all the time. A phase gets the chip
   * cycles its datapath operations kept a tile busy (one tile is busy at a
   * time); the rest (p-bit sampling, bus traffic) goes to sampling. */
  uint64_t busy[PBIT_ENERGY_NUM_PHASES] = {0}, busy_all = 0;
  for (int ph = 0; ph < PBIT_BSFF_NUM_PH; ph++) {
    busy[kDpPhase[ph]] += c->dp[ph][PBIT_DP_CNT_CYCLES];
    busy_all += c->dp[ph][PBIT_DP_CNT_CYCLES];
  }
  if (c->cycles > busy_all) busy[PBIT_ENERGY_SAMPLING] += c->cycles - busy_all;
  for (int ph = 0; ph < PBIT_ENERGY_NUM_PHASES && rc == PBIT_OK; ph++)
    if (busy[ph] > 0) rc = pbit_energy_add_leakage(l, ph, busy[ph] * tiles, accel, tech, err);
  return rc;
}

/* The real-valued FF baseline of the same layer sizes (its tuned defaults,
 * same data), priced on a MAC datapath from the same table: counters of a
 * few training steps, per example. */
static int baseline_energy(const pbit_bsff_config_t *bc, const pbit_dataset_t *train,
                           const pbit_energy_tech_t *tech, energy_t *e, pbit_error_t *err) {
  pbit_ff_config_t fc;
  pbit_ff_config_default(&fc);
  fc.inputs = bc->inputs;
  fc.classes = bc->classes;
  fc.layers = bc->layers;
  for (uint32_t l = 0; l < bc->layers; l++) fc.units[l] = bc->units[l];
  /* Same work per example as the BSFF run: the same negatives (a hard
   * negative costs both a scoring pass over the labels) and a readout only
   * if BSFF trains one. */
  fc.negatives = bc->negatives == PBIT_BSFF_NEG_HARD ? PBIT_FF_NEG_HARD : PBIT_FF_NEG_RANDOM;
  fc.readout = bc->readout;
  fc.threads = 1;
  fc.seed = bc->seed;
  pbit_ff_t *ff = NULL;
  int rc = pbit_ff_create(&fc, &ff, err);
  if (rc != PBIT_OK) return rc;
  uint32_t n = fc.batch * 4 < train->count ? fc.batch * 4 : train->count;
  pbit_ff_data_t d = {train->pixels, train->labels, n, (uint32_t)pbit_dataset_example_size(train)};
  rc = pbit_ff_train_epoch(ff, &d, 0, NULL, err);
  pbit_ff_counters_t c;
  if (rc == PBIT_OK) {
    pbit_ff_get_counters(ff, &c);
    pbit_energy_ff_mem_t mem;
    double wbits = 0, abits = 0;
    uint32_t prev = fc.inputs;
    for (uint32_t l = 0; l < fc.layers; l++) {
      uint32_t in =
          prev + (fc.label_mode == PBIT_FF_LABEL_APPEND ? fc.classes * fc.label_repeat : 0);
      wbits += 32.0 * ((double)in + 1) * fc.units[l];
      abits += 32.0 * 4 * ((double)in + fc.units[l]) * fc.batch;
      prev = fc.units[l];
    }
    mem.weight_capacity_bits = wbits;
    mem.act_capacity_bits = abits + 2 * wbits; /* + Adam moments */
    pbit_energy_ledger_init(&e->baseline);
    rc = pbit_energy_add_ff(&e->baseline, &c, &mem, tech, err);
    e->baseline_examples = c.train_examples;
    if (rc == PBIT_OK && c.train_examples > 0)
      e->baseline_per_update_pj =
          pbit_energy_aj_to_pj(pbit_energy_ledger_sum_aj(&e->baseline, -1, -1)) /
          (double)c.train_examples;
  }
  pbit_ff_destroy(ff);
  return rc;
}

/* ---- outputs */

static int write_curve(const char *dir, const pbit_ckpt_curve_row_t *rows, size_t n,
                       pbit_error_t *err) {
  char path[1100];
  snprintf(path, sizeof path, "%s/curve.csv", dir);
  pbit_outfile_t of;
  int rc = pbit_outfile_open(&of, path, err);
  if (rc != PBIT_OK) return rc;
  fprintf(of.fp,
          "epoch,examples,seconds,train_loss,train_score_accuracy,test_accuracy,"
          "readout_accuracy\n");
  for (size_t i = 0; i < n; i++)
    fprintf(of.fp, "%u,%llu,%.3f,%.6f,%.6f,%.6f,%.6f\n", rows[i].epoch,
            (unsigned long long)rows[i].examples, rows[i].seconds, rows[i].loss, rows[i].train_acc,
            rows[i].test_acc, rows[i].readout_acc);
  return pbit_outfile_commit(&of, err);
}

/* The gnuplot script of curve.png: training accuracy of the scoring pass
 * every epoch, test accuracy (goodness, and readout if trained) where it
 * was measured (rows without it are filtered out, so the points join). */
static int write_plot_script(const char *script, const char *terminal, const char *png,
                             const char *title, const char *dir, int readout) {
  FILE *f = fopen(script, "w");
  if (f == NULL) return -1;
  fprintf(f,
          "set terminal %s size 800,500\nset output '%s'\nset datafile separator ','\n"
          "set title '%s' noenhanced\nset xlabel 'epoch'\nset ylabel 'accuracy'\n"
          "set key bottom right\nset yrange [0:1]\nset grid\n"
          "tested = '< awk -F, ''NR > 1 && $6 != \"nan\"'' %s/curve.csv'\n"
          "plot tested using 1:6 with linespoints title 'test (goodness)', "
          "'%s/curve.csv' using 1:5 skip 1 with linespoints title 'train (scoring pass)'%s\n",
          terminal, png, title, dir, dir,
          readout ? ", tested using 1:7 with linespoints title 'test (readout)'" : "");
  return fclose(f) == 0 ? 0 : -1;
}

/* curve.png from curve.csv with gnuplot; 0 if drawn, else why not in msg. */
static int plot_curve(const char *dir, const char *title, int readout, char *msg, size_t len) {
  char tmp[1200], script[1300], cmd[1400], png[1100];
  snprintf(png, sizeof png, "%s/curve.png", dir);
  snprintf(tmp, sizeof tmp, "%s/.curve.png.tmp.%d", dir, (int)getpid());
  snprintf(script, sizeof script, "%s/.curve.gp.%d", dir, (int)getpid());
  snprintf(cmd, sizeof cmd, "gnuplot '%s' 2>/dev/null", script);
  /* pngcairo first; gnuplot-nox may only have the plain png terminal. */
  static const char *const kTerminals[] = {"pngcairo", "png"};
  int st = -1;
  for (size_t i = 0; i < 2 && st != 0; i++) {
    if (write_plot_script(script, kTerminals[i], tmp, title, dir, readout) != 0) {
      remove(script);
      snprintf(msg, len, "cannot write the gnuplot script");
      return -1;
    }
    st = system(cmd);
    remove(script);
  }
  if (st != 0 || rename(tmp, png) != 0) {
    remove(tmp);
    snprintf(msg, len, "gnuplot failed or is not installed (curve.csv has the data)");
    return -1;
  }
  return 0;
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fputc('\\', f);
    if ((unsigned char)*s < 0x20)
      fprintf(f, "\\u%04x", *s);
    else
      fputc(*s, f);
  }
  fputc('"', f);
}

static void json_breakdown(FILE *f, const pbit_energy_ledger_t *l, double per, int by_phase) {
  int n = by_phase ? PBIT_ENERGY_NUM_PHASES : PBIT_ENERGY_NUM_COMPONENTS;
  int first = 1;
  fputc('{', f);
  for (int k = 0; k < n; k++) {
    pbit_energy_aj_t aj =
        by_phase ? pbit_energy_ledger_sum_aj(l, -1, k) : pbit_energy_ledger_sum_aj(l, k, -1);
    if (aj == 0) continue;
    fprintf(f, "%s\"%s\": %.6f", first ? "" : ", ",
            by_phase ? pbit_energy_phase_name(k) : pbit_energy_component_name(k),
            pbit_energy_aj_to_pj(aj) / per);
    first = 0;
  }
  fputc('}', f);
}

typedef struct {
  const pbit_run_config_t *run;
  const char *backend, *config_path, *plot_msg;
  uint32_t epochs, test_n, train_n;
  double test_acc, readout_acc, train_seconds, eval_seconds;
  uint64_t examples;       /* trained in total (a resumed run: since its start) */
  uint64_t timed_examples; /* trained by this process, in train_seconds */
  const energy_t *e;
  const pbit_bsff_counters_t *tc;
  double clock_ns;
  int resumed, exact_resume;
} summary_t;

static int write_summary(const char *dir, const summary_t *s, pbit_error_t *err) {
  char path[1100];
  snprintf(path, sizeof path, "%s/summary.json", dir);
  pbit_outfile_t of;
  int rc = pbit_outfile_open(&of, path, err);
  if (rc != PBIT_OK) return rc;
  FILE *f = of.fp;
  const pbit_bsff_config_t *c = &s->run->bsff;
  double per = s->examples ? (double)s->examples : 1;
  fprintf(f, "{\n  \"algorithm\": \"bsff\",\n  \"name\": ");
  json_str(f, s->run->name);
  fprintf(f, ",\n  \"config\": ");
  json_str(f, s->config_path);
  fprintf(f, ",\n  \"dataset\": ");
  json_str(f, s->run->dataset);
  fprintf(f, ",\n  \"backend\": ");
  json_str(f, s->backend);
  fprintf(f, ",\n  \"accel\": ");
  json_str(f, s->run->accel);
  fprintf(f, ",\n  \"device\": ");
  json_str(f, s->run->device);
  fprintf(f, ",\n  \"tech\": ");
  json_str(f, s->run->tech);
  fprintf(f, ",\n  \"seed\": %d,\n  \"epochs\": %u,\n  \"resumed\": %s,\n  \"exact_resume\": %s,\n",
          s->run->seed, s->epochs, s->resumed ? "true" : "false",
          s->exact_resume ? "true" : "false");
  fprintf(f, "  \"layers\": [");
  for (uint32_t l = 0; l < c->layers; l++) fprintf(f, "%s%u", l ? ", " : "", c->units[l]);
  fprintf(f, "],\n  \"copies\": %u,\n  \"label_repeat\": %u,\n  \"samples\": %u,\n", c->copies,
          c->label_repeat, c->samples);
  fprintf(f, "  \"mode\": \"%s\",\n  \"negatives\": \"%s\",\n",
          c->mode == PBIT_BSFF_HARDWARE ? "hardware" : "reference",
          c->negatives == PBIT_BSFF_NEG_HARD ? "hard" : "random");
  fprintf(f, "  \"train_examples\": %llu,\n  \"train_split\": %u,\n  \"test_examples\": %u,\n",
          (unsigned long long)s->examples, s->train_n, s->test_n);
  fprintf(f, "  \"test_accuracy\": %.6f,\n", s->test_acc);
  if (c->readout)
    fprintf(f, "  \"readout_test_accuracy\": %.6f,\n", s->readout_acc);
  else
    fprintf(f, "  \"readout_test_accuracy\": null,\n");
  fprintf(f, "  \"train_seconds\": %.3f,\n  \"eval_seconds\": %.3f,\n", s->train_seconds,
          s->eval_seconds);
  fprintf(f, "  \"samples_per_second\": %.3f,\n",
          s->train_seconds > 0 ? (double)s->timed_examples / s->train_seconds : 0.0);
  fprintf(f, "  \"cycles_per_update\": %.1f,\n", (double)s->tc->cycles / per);
  fprintf(f, "  \"simulated_seconds_per_update\": %.9g,\n",
          (double)s->tc->cycles / per * s->clock_ns * 1e-9);
  const double total = pbit_energy_aj_to_pj(pbit_energy_ledger_sum_aj(&s->e->train, -1, -1));
  fprintf(f, "  \"energy_per_update_pj\": %.6f,\n  \"energy_breakdown_pj\": ", total / per);
  json_breakdown(f, &s->e->train, per, 0);
  fprintf(f, ",\n  \"energy_by_phase_pj\": ");
  json_breakdown(f, &s->e->train, per, 1);
  fprintf(f, ",\n  \"energy_per_inference_pj\": %.6f,\n", s->e->per_inference_pj);
  if (s->e->baseline_per_update_pj > 0) {
    fprintf(f, "  \"baseline_energy_per_update_pj\": %.6f,\n", s->e->baseline_per_update_pj);
    fprintf(f, "  \"energy_ratio\": %.6f,\n", s->e->baseline_per_update_pj / (total / per));
    fprintf(f, "  \"baseline_energy_breakdown_pj\": ");
    json_breakdown(f, &s->e->baseline, (double)s->e->baseline_examples, 0);
    fprintf(f, ",\n  \"baseline_energy_by_phase_pj\": ");
    json_breakdown(f, &s->e->baseline, (double)s->e->baseline_examples, 1);
    fprintf(f, ",\n");
  } else {
    fprintf(f, "  \"baseline_energy_per_update_pj\": null,\n  \"energy_ratio\": null,\n");
  }
  fprintf(f,
          "  \"pbit_counters_per_update\": {\"samples\": %.1f, \"flips\": %.1f, "
          "\"dac_writes\": %.1f},\n",
          (double)s->tc->pbits.samples / per, (double)s->tc->pbits.flips / per,
          (double)s->tc->pbits.dac_writes / per);
  fprintf(f, "  \"datapath_counters_per_update\": {");
  static const char *const kCnt[] = {"cycles",      "stall_cycles", "indices",     "sram_reads",
                                     "sram_writes", "lane_adds",    "saturations", "dac_codes"};
  for (int k = 0; k < PBIT_DP_NUM_COUNTERS; k++) {
    uint64_t v = 0;
    for (int ph = 0; ph < PBIT_BSFF_NUM_PH; ph++) v += s->tc->dp[ph][k];
    fprintf(f, "%s\"%s\": %.1f", k ? ", " : "", kCnt[k], (double)v / per);
  }
  fprintf(f, "},\n  \"curve\": \"curve.csv\",\n  \"plot\": ");
  if (s->plot_msg == NULL)
    fprintf(f, "\"curve.png\"");
  else
    fprintf(f, "null");
  fprintf(f, ",\n  \"energy_ledger\": \"energy.csv\"\n}\n");
  return pbit_outfile_commit(&of, err);
}

static int write_energy_csv(const char *dir, const energy_t *e, pbit_error_t *err) {
  char path[1100];
  snprintf(path, sizeof path, "%s/energy.csv", dir);
  pbit_outfile_t of;
  int rc = pbit_outfile_open(&of, path, err);
  if (rc == PBIT_OK) rc = pbit_energy_ledger_write_csv(&e->train, of.fp, err);
  if (rc != PBIT_OK) {
    pbit_outfile_abort(&of);
    return rc;
  }
  return pbit_outfile_commit(&of, err);
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  char *buf = malloc((1u << 20) + 1);
  size_t n = buf ? fread(buf, 1, 1u << 20, f) : 0;
  fclose(f);
  if (buf) buf[n] = '\0';
  return buf;
}

/* ---- the command */

/* What train_job needs from pbit_cli_train (read only). */
typedef struct {
  const opts_t *o;
  const pbit_run_config_t *run;
  const pbit_dp_params_t *accel;
  const pbit_device_t *dev;
  const pbit_energy_tech_t *tech;
  const pbit_dataset_t *train, *test;
  const char *path;
  int sc_thread; /* runs inside pbit_hal_systemc_run */
} train_job_t;

/* Everything that drives the accelerator: open the HAL, train, evaluate,
 * price, write the outputs. Returns the exit code (errors reported). On the
 * systemc backend it runs as an SC_THREAD, the firmware as the bus master
 * of the SystemC top (pbit_hal_systemc_run). */
static int train_job(void *arg) {
  const train_job_t *j = arg;
  const opts_t o = *j->o;
  pbit_run_config_t run = *j->run;
  const pbit_dp_params_t accel = *j->accel;
  const pbit_device_t dev = *j->dev;
  const pbit_energy_tech_t tech = *j->tech;
  const pbit_dataset_t train = *j->train, test = *j->test;
  const char *path = j->path;
  pbit_error_t err;
  pbit_error_clear(&err);
  int rc = PBIT_OK, ex = PBIT_EXIT_OK;
  pbit_hal_t *hal = NULL;
  pbit_bsff_t *b = NULL;
  pbit_ckpt_curve_row_t *curve = NULL;
  uint32_t *order = NULL;
  char *config_text = NULL;
  pbit_ckpt_resume_t res; /* what --resume restored (freed at out) */
  memset(&res, 0, sizeof res);
  pbit_bsff_config_t *bc = &run.bsff;
  bc->inputs = (uint32_t)pbit_dataset_example_size(&train);
  bc->classes = train.classes;
  uint32_t n_train = run.train_limit > 0 && (uint32_t)run.train_limit < train.count
                         ? (uint32_t)run.train_limit
                         : train.count;
  uint32_t n_test = run.test_limit > 0 && (uint32_t)run.test_limit < test.count
                        ? (uint32_t)run.test_limit
                        : test.count;
  uint32_t n_eval =
      run.eval_limit > 0 && (uint32_t)run.eval_limit < n_test ? (uint32_t)run.eval_limit : n_test;
  bc->total_steps = (uint64_t)n_train * (uint64_t)run.epochs;
  char outdir[900];
  snprintf(outdir, sizeof outdir, "%s", o.out ? o.out : "");
  if (o.out == NULL) snprintf(outdir, sizeof outdir, "runs/%s", run.name);

  pbit_hal_config_t hc;
  memset(&hc, 0, sizeof hc);
  hc.backend = run.backend;
  hc.accel = accel;
  hc.device = dev;
  hc.max_copies = bc->copies;
  /* One DAC code step moves the p-bit's sigmoid argument by the firmware's
   * z per code: divide out the device's effective beta (its convention,
   * beta and temperature) so that hardware and reference modes agree. */
  hc.input_lsb = pbit_bsff_input_lsb(bc) / pbit_device_beta_eff(&dev);
  hc.seed = (uint64_t)run.seed;
  hc.dt_ns = run.dt_ns;
  hc.tiles = bc->layers;
  hc.trace = o.trace;
  config_text = slurp(path);
  if (config_text == NULL) {
    rc = pbit_error_set(&err, PBIT_ERR_IO, path, 0, 0, "cannot read the config");
    goto out;
  }
  if (o.trace != NULL && pbit_cli_make_parents(o.trace) != 0) {
    rc = pbit_error_set(&err, PBIT_ERR_IO, o.trace, 0, 0, "cannot create its directory");
    goto out;
  }
  rc = pbit_hal_open(&hc, &hal, &err);
  if (rc == PBIT_OK) rc = pbit_bsff_create(hal, bc, &b, &err);
  if (rc != PBIT_OK) goto out;
  uint32_t start_epoch = 0;
  const pbit_ckpt_run_t crun = {n_train, (uint32_t)run.epochs, bc->total_steps};
  if (o.resume != NULL) {
    rc = pbit_ckpt_load(b, hal, bc, &crun, o.resume, &res, &err);
    if (rc != PBIT_OK) goto out;
    report_resume(&res, &crun, o.resume);
    start_epoch = res.epoch;
  }
  uint32_t end_epoch = (uint32_t)run.epochs;
  int stopping = o.stop_after >= 0 && (uint32_t)o.stop_after < end_epoch;
  if (stopping) {
    end_epoch = (uint32_t)o.stop_after;
    if (end_epoch <= start_epoch) {
      rc = pbit_error_set(&err, PBIT_ERR_ARG, NULL, 0, 0,
                          "--stop-after %u: the checkpoint is already at epoch %u", end_epoch,
                          start_epoch);
      goto out;
    }
  }
  curve = calloc((size_t)run.epochs + res.ncurve + 2, sizeof *curve);
  order = malloc((size_t)n_train * sizeof *order + 1);
  if (curve == NULL || order == NULL) {
    rc = pbit_error_set(&err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
    goto out;
  }
  size_t ncurve = 0;
  uint64_t examples = 0;
  /* An exact resume continues the learning curve (rows without times). */
  if (res.ncurve > 0) {
    memcpy(curve, res.curve, res.ncurve * sizeof *curve);
    ncurve = res.ncurve;
    examples = curve[ncurve - 1].examples;
  }
  size_t dim = pbit_dataset_example_size(&train);
  progress_t pg = {
      o.quiet, isatty(2),
      now_s(), (uint64_t)n_train * (end_epoch > start_epoch ? end_epoch - start_epoch : 0),
      0,       -1};
  double train_s = 0;
  char ckpt[1100];
  snprintf(ckpt, sizeof ckpt, "%s/checkpoint.bin", outdir);
  if (!o.quiet)
    fprintf(stderr, "pbitsim train: %s on %s (%u train / %u test), %u layers x K=%u, %s backend\n",
            run.name, run.dataset, n_train, n_test, bc->layers, bc->copies, run.backend);
  for (uint32_t ep = start_epoch; ep < end_epoch; ep++) {
    for (uint32_t i = 0; i < n_train; i++) order[i] = i;
    if (run.shuffle) {
      uint64_t key = pbit_rng_key((uint64_t)run.seed, 0x5348u);
      for (uint32_t i = n_train; i > 1; i--) {
        uint32_t j = (uint32_t)(((uint64_t)pbit_rng_u32(key, i, ep) * i) >> 32);
        uint32_t t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
      }
    }
    pbit_bsff_stats_t st;
    memset(&st, 0, sizeof st);
    double t0 = now_s();
    pg.last_decile = -1;
    for (uint32_t i = 0; i < n_train; i++) {
      uint32_t k = order[i];
      rc = pbit_bsff_train_example(b, train.pixels + (size_t)k * dim, train.labels[k],
                                   (uint64_t)ep * n_train + i, &st, &err);
      if (rc != PBIT_OK) goto out;
      pg.done++;
      if ((i + 1) % (uint32_t)run.progress_every == 0 || i + 1 == n_train) {
        double ls = 0;
        for (uint32_t l = 0; l < bc->layers; l++) ls += st.loss[l];
        /* running accuracy of the scoring pass, else (negated) the loss */
        double shown = st.scored ? (double)st.score_correct / st.scored
                                 : -(st.examples ? ls / st.examples : 0);
        progress_show(&pg, ep + 1, (uint32_t)run.epochs, i + 1, n_train, shown, i + 1 == n_train);
      }
    }
    train_s += now_s() - t0;
    examples += n_train;
    pbit_ckpt_curve_row_t *row = &curve[ncurve];
    row->epoch = ep + 1;
    row->examples = examples;
    row->seconds = train_s;
    double ls = 0;
    for (uint32_t l = 0; l < bc->layers; l++) ls += st.loss[l];
    row->loss = st.examples ? ls / st.examples : 0;
    row->train_acc = st.scored ? (double)st.score_correct / st.scored : NAN;
    row->test_acc = NAN;
    row->readout_acc = NAN;
    int last = ep + 1 == (uint32_t)run.epochs;
    if (!last && run.eval_every > 0 && (ep + 1) % (uint32_t)run.eval_every == 0) {
      rc = evaluate(b, &test, n_eval, PBIT_BSFF_PREDICT_GOODNESS, &row->test_acc, &err);
      if (rc == PBIT_OK && bc->readout)
        rc = evaluate(b, &test, n_eval, PBIT_BSFF_PREDICT_READOUT, &row->readout_acc, &err);
      if (rc != PBIT_OK) goto out;
      if (!o.quiet)
        fprintf(stderr, "epoch %u: test accuracy %.2f%% on %u examples\n", ep + 1,
                100 * row->test_acc, n_eval);
    }
    ncurve++;
    rc = pbit_ckpt_save(b, hal, bc, &crun, ep + 1, curve, ncurve, config_text, ckpt, &err);
    if (rc != PBIT_OK) goto out;
  }
  if (stopping) {
    fprintf(stderr,
            "pbitsim train: stopped after epoch %u of %u (--stop-after); continue with "
            "--resume %s\n",
            end_epoch, (uint32_t)run.epochs, ckpt);
    goto out;
  }
  /* Final evaluation on the test split. */
  double t1 = now_s(), test_acc = 0, ro_acc = NAN;
  rc = evaluate(b, &test, n_test, PBIT_BSFF_PREDICT_GOODNESS, &test_acc, &err);
  if (rc == PBIT_OK && bc->readout)
    rc = evaluate(b, &test, n_test, PBIT_BSFF_PREDICT_READOUT, &ro_acc, &err);
  if (rc != PBIT_OK) goto out;
  double eval_s = now_s() - t1;
  if (ncurve > 0) {
    curve[ncurve - 1].test_acc = test_acc;
    curve[ncurve - 1].readout_acc = ro_acc;
  }
  /* Energy. */
  energy_t e;
  memset(&e, 0, sizeof e);
  pbit_bsff_counters_t tc, ic;
  rc = pbit_bsff_counters(b, 1, &tc, &err);
  if (rc == PBIT_OK) rc = pbit_bsff_counters(b, 0, &ic, &err);
  if (rc == PBIT_OK) rc = ledger_of(&tc, bc->layers, &accel, &dev, &tech, &e.train, &err);
  if (rc == PBIT_OK) rc = ledger_of(&ic, bc->layers, &accel, &dev, &tech, &e.infer, &err);
  if (rc == PBIT_OK && run.baseline) rc = baseline_energy(bc, &train, &tech, &e, &err);
  if (rc != PBIT_OK) goto out;
  e.per_update_pj =
      tc.examples
          ? pbit_energy_aj_to_pj(pbit_energy_ledger_sum_aj(&e.train, -1, -1)) / (double)tc.examples
          : 0;
  e.per_inference_pj =
      ic.examples
          ? pbit_energy_aj_to_pj(pbit_energy_ledger_sum_aj(&e.infer, -1, -1)) / (double)ic.examples
          : 0;
  char plot_msg[200];
  rc = write_curve(outdir, curve, ncurve, &err);
  if (rc != PBIT_OK) goto out;
  const char *pm =
      plot_curve(outdir, run.name, bc->readout, plot_msg, sizeof plot_msg) == 0 ? NULL : plot_msg;
  if (pm != NULL) fprintf(stderr, "pbitsim: warning: no curve.png: %s\n", pm);
  const int exact = res.kind == PBIT_CKPT_RESUME_EXACT;
  summary_t s = {&run,           run.backend,      path,     pm,     (uint32_t)run.epochs,
                 n_test,         n_train,          test_acc, ro_acc, train_s,
                 eval_s,         tc.examples,      pg.done,  &e,     &tc,
                 accel.clock_ns, o.resume != NULL, exact};
  rc = write_energy_csv(outdir, &e, &err);
  if (rc == PBIT_OK) rc = write_summary(outdir, &s, &err);
  if (rc != PBIT_OK) goto out;
  printf("test accuracy      %.2f%% (goodness, %u test examples)\n", 100 * test_acc, n_test);
  if (bc->readout) printf("readout accuracy   %.2f%%\n", 100 * ro_acc);
  printf("energy per update  %.1f nJ (BSFF on %s, %s)\n", e.per_update_pj / 1000, run.accel,
         run.tech);
  if (e.baseline_per_update_pj > 0)
    printf("baseline FF        %.1f nJ per update -> ratio %.2fx\n",
           e.baseline_per_update_pj / 1000, e.baseline_per_update_pj / e.per_update_pj);
  printf("energy per infer.  %.1f nJ\n", e.per_inference_pj / 1000);
  printf("train time         %.1f s (%.0f examples/s)\n", train_s,
         train_s > 0 ? (double)pg.done / train_s : 0.0);
  if (j->sc_thread) printf("firmware           an SC_THREAD, bus master of the SystemC top\n");
  printf("outputs            %s/{summary.json,curve.csv,%senergy.csv,checkpoint.bin}\n", outdir,
         pm ? "" : "curve.png,");
out:
  if (rc != PBIT_OK) ex = pbit_cli_report(&err);
  pbit_bsff_destroy(b);
  pbit_hal_close(hal);
  free(curve);
  free(order);
  free(config_text);
  free(res.curve);
  return ex;
}

int pbit_cli_train(int argc, char **argv) {
  if (pbit_cli_help(argc, argv, kUsage)) return PBIT_EXIT_OK;
  opts_t o;
  int ex = parse(argc, argv, &o);
  if (ex != PBIT_EXIT_OK) return ex;
  pbit_error_t err;
  pbit_error_clear(&err);

  char path[1024], apath[1024], dpath[1024], tpath[1024];
  pbit_run_config_t run;
  pbit_run_config_default(&run);
  if (pbit_cli_resolve_config(".", o.config, path, sizeof path, &err) != PBIT_OK ||
      pbit_config_load_run(path, &run, &err) != PBIT_OK)
    return pbit_cli_report(&err);
  if (o.backend) snprintf(run.backend, sizeof run.backend, "%s", o.backend);
  if (o.epochs >= 0) run.epochs = (int)o.epochs;
  if (o.train_limit >= 0) run.train_limit = (int)o.train_limit;
  if (o.test_limit >= 0) run.test_limit = (int)o.test_limit;

  pbit_dp_params_t accel;
  pbit_device_t dev;
  pbit_device_ideal(&dev);
  pbit_energy_tech_t tech;
  if (pbit_cli_resolve_config("accel", run.accel, apath, sizeof apath, &err) != PBIT_OK ||
      pbit_config_load_accel(apath, &accel, &err) != PBIT_OK ||
      pbit_cli_resolve_config("devices", run.device, dpath, sizeof dpath, &err) != PBIT_OK ||
      pbit_config_load_device(dpath, &dev, &err) != PBIT_OK ||
      pbit_cli_resolve_config("tech", run.tech, tpath, sizeof tpath, &err) != PBIT_OK ||
      pbit_config_load_tech(tpath, &tech, &err) != PBIT_OK)
    return pbit_cli_report(&err);

  pbit_dataset_t train, test;
  memset(&train, 0, sizeof train);
  memset(&test, 0, sizeof test);
  if (pbit_dataset_load_named(run.dataset, PBIT_SPLIT_TRAIN, NULL, &train, &err) != PBIT_OK ||
      pbit_dataset_load_named(run.dataset, PBIT_SPLIT_TEST, NULL, &test, &err) != PBIT_OK) {
    pbit_dataset_free(&train);
    return pbit_cli_report(&err);
  }
  train_job_t job = {
      &o,    &run,  &accel,
      &dev,  &tech, &train,
      &test, path,  strcmp(run.backend, "systemc") == 0 && pbit_hal_systemc_run != NULL};
  if (job.sc_thread) {
    ex = pbit_hal_systemc_run(train_job, &job, &err);
    if (err.status != PBIT_OK) ex = pbit_cli_report(&err);
  } else {
    ex = train_job(&job);
  }
  pbit_dataset_free(&train);
  pbit_dataset_free(&test);
  return ex;
}
