/* ff_train: trains the real-valued forward-forward baseline (firmware/ff) on
 * a named data set and reports accuracy, speed and operation counts.
 *
 *   ff_train --dataset fashion-mnist --epochs 20 --seed 1
 *
 * Every field of pbit_ff_config_t has an option (ff_train --help). Per epoch
 * it prints the layer losses, goodness, seconds and samples/s; at the end the
 * test accuracy by goodness and by linear readout, and the operation counts
 * per training example and per inference. --csv appends one row per epoch.
 * Exit codes: 0 success, 1 run-time failure, 2 bad usage. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../firmware/ff/ff.h"
#include "data/dataset.h"

static const char kProg[] = "ff_train";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", kProg);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n(run '%s --help' for usage)\n", kProg);
  va_end(ap);
  return 2;
}

static int report(const pbit_error_t *err) {
  char buf[1024];
  pbit_error_format(err, buf, sizeof(buf));
  fprintf(stderr, "%s: %s\n", kProg, buf);
  return err->status == PBIT_ERR_ARG || err->status == PBIT_ERR_CONFIG ? 2 : 1;
}

static void usage(void) {
  printf(
      "usage: %s [options]\n\n"
      "Trains the real-valued forward-forward baseline and reports test accuracy.\n\n"
      "data:     --dataset fashion-mnist|mnist  --repo DIR  --train-limit N  --test-limit N\n"
      "run:      --epochs N  --batch N  --seed N  --threads N  --eval-every N (0: end only)\n"
      "          --csv FILE (append one row per epoch)\n"
      "network:  --units 500,500  --init-scale X\n"
      "labels:   --label append|overlay  --repeat R  --label-scale X  --label-first-only\n"
      "          --neutral zero|uniform\n"
      "norm:     --input-norm none|l2|rms  --norm none|l2|rms  --norm-eps X\n"
      "          --goodness mean|sum\n"
      "loss:     --loss symba|threshold  --alpha X  --theta X\n"
      "negatives: --neg hard|random  --hard-temp X  --score-from L\n"
      "optimiser: --opt adam|sgd  --lr X  --lr-min X (fraction)  --sched cosine|const\n"
      "          --warmup N  --momentum X  --beta1 X  --beta2 X  --adam-eps X  --wd X\n"
      "readout:  --readout 0|1  --readout-from L  --readout-lr X\n\n"
      "Results do not depend on --threads. On a machine shared with other jobs, run with\n"
      "OMP_WAIT_POLICY=passive (or --threads 1): with OpenMP's default spinning, a thread\n"
      "that loses its core stalls every barrier and an epoch can take 10x longer.\n",
      kProg);
}

static int parse_u32(const char *s, uint32_t *out) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v > 0xFFFFFFFFul || s[0] == '-') return -1;
  *out = (uint32_t)v;
  return 0;
}

static int parse_f(const char *s, float *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !isfinite(v)) return -1;
  *out = (float)v;
  return 0;
}

static int parse_norm(const char *s, pbit_ff_norm_t *out) {
  if (strcmp(s, "none") == 0)
    *out = PBIT_FF_NORM_NONE;
  else if (strcmp(s, "l2") == 0)
    *out = PBIT_FF_NORM_L2;
  else if (strcmp(s, "rms") == 0)
    *out = PBIT_FF_NORM_RMS;
  else
    return -1;
  return 0;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void print_ops(const char *name, const pbit_ff_ops_t *o, double per) {
  printf(
      "  %-16s mul %.4g add %.4g div %.4g cmp %.4g nonlin %.4g | W rd %.4g wr %.4g | "
      "state rd %.4g wr %.4g | act rd %.4g wr %.4g | rng %.3g\n",
      name, (double)o->mul / per, (double)o->add / per, (double)o->div / per, (double)o->cmp / per,
      (double)o->nonlin / per, (double)o->weight_reads / per, (double)o->weight_writes / per,
      (double)o->state_reads / per, (double)o->state_writes / per, (double)o->act_reads / per,
      (double)o->act_writes / per, (double)o->rng / per);
}

int main(int argc, char **argv) {
  pbit_ff_config_t cfg;
  pbit_ff_config_default(&cfg);
  const char *dataset = "fashion-mnist", *repo = ".", *csv = NULL;
  uint32_t train_limit = 0, test_limit = 0, eval_every = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage();
      return 0;
    }
    if (strcmp(a, "--label-first-only") == 0) {
      cfg.label_all_layers = 0;
      continue;
    }
    if (i + 1 >= argc) return usage_error("%s needs a value (or is unknown)", a);
    const char *v = argv[++i];
    int bad = 0;
    uint32_t u = 0;
    if (strcmp(a, "--dataset") == 0)
      dataset = v;
    else if (strcmp(a, "--repo") == 0)
      repo = v;
    else if (strcmp(a, "--csv") == 0)
      csv = v;
    else if (strcmp(a, "--train-limit") == 0)
      bad = parse_u32(v, &train_limit);
    else if (strcmp(a, "--test-limit") == 0)
      bad = parse_u32(v, &test_limit);
    else if (strcmp(a, "--eval-every") == 0)
      bad = parse_u32(v, &eval_every);
    else if (strcmp(a, "--epochs") == 0)
      bad = parse_u32(v, &cfg.epochs);
    else if (strcmp(a, "--batch") == 0)
      bad = parse_u32(v, &cfg.batch);
    else if (strcmp(a, "--seed") == 0) {
      char *end;
      errno = 0;
      cfg.seed = strtoull(v, &end, 10);
      bad = errno != 0 || end == v || *end != '\0';
    } else if (strcmp(a, "--threads") == 0) {
      bad = parse_u32(v, &u);
      cfg.threads = (int)u;
    } else if (strcmp(a, "--units") == 0) {
      cfg.layers = 0;
      const char *p = v;
      while (*p != '\0' && !bad) {
        char *end;
        errno = 0;
        unsigned long n = strtoul(p, &end, 10);
        if (errno != 0 || end == p || cfg.layers >= PBIT_FF_MAX_LAYERS || n > 65536) {
          bad = 1;
          break;
        }
        cfg.units[cfg.layers++] = (uint32_t)n;
        p = *end == ',' ? end + 1 : end;
        if (*end != ',' && *end != '\0') bad = 1;
      }
    } else if (strcmp(a, "--init-scale") == 0)
      bad = parse_f(v, &cfg.init_scale);
    else if (strcmp(a, "--label") == 0) {
      if (strcmp(v, "append") == 0)
        cfg.label_mode = PBIT_FF_LABEL_APPEND;
      else if (strcmp(v, "overlay") == 0)
        cfg.label_mode = PBIT_FF_LABEL_OVERLAY;
      else
        bad = 1;
    } else if (strcmp(a, "--repeat") == 0)
      bad = parse_u32(v, &cfg.label_repeat);
    else if (strcmp(a, "--label-scale") == 0)
      bad = parse_f(v, &cfg.label_scale);
    else if (strcmp(a, "--neutral") == 0) {
      if (strcmp(v, "zero") == 0)
        cfg.neutral_uniform = 0;
      else if (strcmp(v, "uniform") == 0)
        cfg.neutral_uniform = 1;
      else
        bad = 1;
    } else if (strcmp(a, "--input-norm") == 0)
      bad = parse_norm(v, &cfg.input_norm);
    else if (strcmp(a, "--norm") == 0)
      bad = parse_norm(v, &cfg.layer_norm);
    else if (strcmp(a, "--norm-eps") == 0)
      bad = parse_f(v, &cfg.norm_eps);
    else if (strcmp(a, "--goodness") == 0) {
      if (strcmp(v, "mean") == 0)
        cfg.goodness_sum = 0;
      else if (strcmp(v, "sum") == 0)
        cfg.goodness_sum = 1;
      else
        bad = 1;
    } else if (strcmp(a, "--loss") == 0) {
      if (strcmp(v, "symba") == 0)
        cfg.loss = PBIT_FF_LOSS_SYMBA;
      else if (strcmp(v, "threshold") == 0)
        cfg.loss = PBIT_FF_LOSS_THRESHOLD;
      else
        bad = 1;
    } else if (strcmp(a, "--alpha") == 0)
      bad = parse_f(v, &cfg.alpha);
    else if (strcmp(a, "--theta") == 0)
      bad = parse_f(v, &cfg.theta);
    else if (strcmp(a, "--neg") == 0) {
      if (strcmp(v, "hard") == 0)
        cfg.negatives = PBIT_FF_NEG_HARD;
      else if (strcmp(v, "random") == 0)
        cfg.negatives = PBIT_FF_NEG_RANDOM;
      else
        bad = 1;
    } else if (strcmp(a, "--hard-temp") == 0)
      bad = parse_f(v, &cfg.hard_temp);
    else if (strcmp(a, "--score-from") == 0)
      bad = parse_u32(v, &cfg.score_from_layer);
    else if (strcmp(a, "--opt") == 0) {
      if (strcmp(v, "adam") == 0)
        cfg.optimizer = PBIT_FF_OPT_ADAM;
      else if (strcmp(v, "sgd") == 0)
        cfg.optimizer = PBIT_FF_OPT_SGD;
      else
        bad = 1;
    } else if (strcmp(a, "--lr") == 0)
      bad = parse_f(v, &cfg.lr);
    else if (strcmp(a, "--lr-min") == 0)
      bad = parse_f(v, &cfg.lr_min_frac);
    else if (strcmp(a, "--sched") == 0) {
      if (strcmp(v, "cosine") == 0)
        cfg.schedule = PBIT_FF_SCHED_COSINE;
      else if (strcmp(v, "const") == 0)
        cfg.schedule = PBIT_FF_SCHED_CONST;
      else
        bad = 1;
    } else if (strcmp(a, "--warmup") == 0)
      bad = parse_u32(v, &cfg.warmup_steps);
    else if (strcmp(a, "--momentum") == 0)
      bad = parse_f(v, &cfg.momentum);
    else if (strcmp(a, "--beta1") == 0)
      bad = parse_f(v, &cfg.adam_beta1);
    else if (strcmp(a, "--beta2") == 0)
      bad = parse_f(v, &cfg.adam_beta2);
    else if (strcmp(a, "--adam-eps") == 0)
      bad = parse_f(v, &cfg.adam_eps);
    else if (strcmp(a, "--wd") == 0)
      bad = parse_f(v, &cfg.weight_decay);
    else if (strcmp(a, "--readout") == 0) {
      bad = parse_u32(v, &u);
      cfg.readout = u != 0;
    } else if (strcmp(a, "--readout-from") == 0)
      bad = parse_u32(v, &cfg.readout_from_layer);
    else if (strcmp(a, "--readout-lr") == 0)
      bad = parse_f(v, &cfg.readout_lr);
    else
      return usage_error("unknown option '%s'", a);
    if (bad) return usage_error("bad value '%s' for %s", v, a);
  }

  pbit_error_t err;
  pbit_error_clear(&err);
  if (pbit_ff_config_check(&cfg, &err) != PBIT_OK) return report(&err);
  pbit_dataset_t train, test;
  memset(&train, 0, sizeof(train));
  memset(&test, 0, sizeof(test));
  if (pbit_dataset_load_named(dataset, PBIT_SPLIT_TRAIN, repo, &train, &err) != PBIT_OK)
    return report(&err);
  if (pbit_dataset_load_named(dataset, PBIT_SPLIT_TEST, repo, &test, &err) != PBIT_OK) {
    pbit_dataset_free(&train);
    return report(&err);
  }
  const uint32_t dim = (uint32_t)pbit_dataset_example_size(&train);
  pbit_ff_data_t tr = {train.pixels, train.labels, train.count, dim};
  pbit_ff_data_t te = {test.pixels, test.labels, test.count, dim};
  if (train_limit > 0 && train_limit < tr.count) tr.count = train_limit;
  if (test_limit > 0 && test_limit < te.count) te.count = test_limit;
  cfg.inputs = dim;
  cfg.classes = train.classes;

  pbit_ff_t *ff = NULL;
  int rc = pbit_ff_create(&cfg, &ff, &err);
  FILE *cf = NULL;
  if (rc == PBIT_OK && csv != NULL) {
    cf = fopen(csv, "a");
    if (cf == NULL) rc = PBIT_FAIL(&err, PBIT_ERR_IO, csv, 0, 0, "cannot open for appending");
  }
  if (rc != PBIT_OK) {
    pbit_dataset_free(&train);
    pbit_dataset_free(&test);
    return report(&err);
  }
  printf("ff_train: %s, %u train / %u test, layers", dataset, tr.count, te.count);
  for (uint32_t l = 0; l < cfg.layers; l++) printf(" %u", cfg.units[l]);
  printf(
      ", %s labels (R=%u, scale %g, %s), %s loss alpha %g, %s negatives, %s lr %g, batch %u, "
      "%u epochs, seed %llu\n",
      cfg.label_mode == PBIT_FF_LABEL_APPEND ? "appended" : "overlay", cfg.label_repeat,
      (double)cfg.label_scale, cfg.label_all_layers ? "every layer" : "first layer",
      cfg.loss == PBIT_FF_LOSS_SYMBA ? "SymBa" : "threshold", (double)cfg.alpha,
      cfg.negatives == PBIT_FF_NEG_HARD ? "hard" : "random",
      cfg.optimizer == PBIT_FF_OPT_ADAM ? "Adam" : "SGD", (double)cfg.lr, cfg.batch, cfg.epochs,
      (unsigned long long)cfg.seed);
  double train_time = 0.0, acc_g = NAN, acc_r = NAN;
  for (uint32_t ep = 0; ep < cfg.epochs && rc == PBIT_OK; ep++) {
    pbit_ff_stats_t st;
    memset(&st, 0, sizeof(st));
    const double t0 = now_s();
    rc = pbit_ff_train_epoch(ff, &tr, ep, &st, &err);
    if (rc != PBIT_OK) break;
    const double dt = now_s() - t0;
    train_time += dt;
    const int last = ep + 1 == cfg.epochs;
    const int eval = last || (eval_every > 0 && (ep + 1) % eval_every == 0);
    acc_g = acc_r = NAN;
    if (eval) {
      rc = pbit_ff_accuracy(ff, &te, PBIT_FF_PREDICT_GOODNESS, &acc_g, &err);
      if (rc == PBIT_OK && cfg.readout)
        rc = pbit_ff_accuracy(ff, &te, PBIT_FF_PREDICT_READOUT, &acc_r, &err);
      if (rc != PBIT_OK) break;
    }
    const double ex = (double)st.examples;
    printf("epoch %3u  %6.1f s  %7.0f ex/s  loss", ep + 1, dt, ex / dt);
    for (uint32_t l = 0; l < cfg.layers; l++) printf(" %.4f", st.loss[l] / ex);
    printf("  g+/g-");
    for (uint32_t l = 0; l < cfg.layers; l++)
      printf(" %.3g/%.3g", st.g_pos[l] / ex, st.g_neg[l] / ex);
    if (cfg.negatives == PBIT_FF_NEG_HARD) printf("  train-score %.4f", st.score_correct / ex);
    if (cfg.readout) printf("  ro-loss %.4f", st.readout_loss / ex);
    if (eval) printf("  test goodness %.4f readout %.4f", acc_g, acc_r);
    printf("\n");
    fflush(stdout);
    if (cf != NULL) {
      fprintf(cf, "%s,%u,%llu,%u,%.3f,%.1f,%.6f,%.6f,%.6f\n", dataset, ep + 1,
              (unsigned long long)cfg.seed, tr.count, dt, ex / dt, st.loss[0] / ex, acc_g, acc_r);
      fflush(cf);
    }
  }
  if (rc == PBIT_OK) {
    pbit_ff_counters_t k;
    pbit_ff_get_counters(ff, &k);
    printf(
        "result: test accuracy goodness %.4f readout %.4f; training %.1f s, %.2f s/epoch, "
        "%.0f examples/s\n",
        acc_g, acc_r, train_time, train_time / cfg.epochs,
        (double)tr.count * cfg.epochs / train_time);
    const double n = (double)k.train_examples;
    printf(
        "operations per training example (positive + negative passes, all layers, "
        "forward + goodness + update):\n");
    print_ops("forward", &k.forward, n);
    print_ops("goodness", &k.goodness, n);
    print_ops("score (hard neg)", &k.score, n);
    print_ops("update", &k.update, n);
    print_ops("readout", &k.readout, n);
    printf("operations per inference:\n");
    if (k.infer_goodness_examples > 0)
      print_ops("goodness (C passes)", &k.infer_goodness, (double)k.infer_goodness_examples);
    if (k.infer_readout_examples > 0)
      print_ops("readout (1 pass)", &k.infer_readout, (double)k.infer_readout_examples);
  }
  if (cf != NULL) fclose(cf);
  pbit_ff_destroy(ff);
  pbit_dataset_free(&train);
  pbit_dataset_free(&test);
  if (rc != PBIT_OK) return report(&err);
  return 0;
}
