/* pbitsim train: the BSFF firmware on the emulated accelerator, on real data
 * (shared/spec/cli.md, docs/firmware.md). Writes <out>/summary.json,
 * curve.csv, curve.png (gnuplot), energy.csv and checkpoint.bin. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
#include "rng.h"
#include "state.h"

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

/* ---- checkpoints (docs/firmware.md, "Checkpoints and resume").
 *
 * Format 2: the magic "PBSFFCK2", then sections, each a 24-byte header
 * (tag[4], format version of the section, payload bytes, FNV-1a 64 of the
 * payload) and its payload, closed by an empty "END " section:
 *   HEAD  the network's shape, epoch, schedule position (ckpt_head_t), and
 *         the run's schedule: examples per epoch, epochs, schedule length;
 *   CONF  the text of the run config;
 *   WGTS  every layer's weight codes (inputs x units) then bias codes,
 *         read back from the tiles;
 *   RDOT  the readout (if trained);
 *   CURV  the learning curve so far, without wall-clock times;
 *   FWST  the firmware's own state (pbit_bsff_state_save);
 *   SIM   the simulator's state (pbit_hal_sim_state_save): model backend
 *         only.
 * FWST + SIM make a resume exact. Format 1 ("PBSFFCK1": head, config text,
 * weights, readout) still loads, weights only. Nothing in a checkpoint
 * depends on wall-clock time, so an interrupted and resumed run writes the
 * same bytes as an uninterrupted one. */

#define CKPT_MAGIC_V1 "PBSFFCK1"
#define CKPT_MAGIC "PBSFFCK2"
#define CKPT_MAX_BYTES ((size_t)1 << 32)

typedef struct {
  uint32_t layers, inputs, classes, copies, label_repeat, frac_bits;
  uint32_t units[PBIT_BSFF_MAX_LAYERS];
  uint32_t epoch, readout;
  uint64_t steps, ro_n;
} ckpt_head_t;

/* The run a checkpoint belongs to: an exact resume continues it only with
 * the same examples per epoch and epochs (the data order and schedule). */
typedef struct {
  uint32_t train_n, epochs;
  uint64_t total_steps;
} ckpt_run_t;

typedef struct {
  uint32_t epoch;
  uint64_t examples;
  double seconds, loss, train_acc, test_acc, readout_acc;
} curve_row_t;

static void ckpt_head_of(const pbit_bsff_config_t *c, ckpt_head_t *h) {
  memset(h, 0, sizeof *h);
  h->layers = c->layers;
  h->inputs = c->inputs;
  h->classes = c->classes;
  h->copies = c->copies;
  h->label_repeat = c->label_repeat;
  h->frac_bits = c->frac_bits;
  memcpy(h->units, c->units, sizeof h->units);
  h->readout = (uint32_t)c->readout;
}

/* Bytes of every layer's weights and biases. */
static size_t ckpt_weight_bytes(const pbit_bsff_config_t *c) {
  size_t n = 0;
  for (uint32_t l = 0; l < c->layers; l++)
    n += ((size_t)pbit_bsff_layer_inputs(c, l) + 1) * c->units[l] * sizeof(int32_t);
  return n;
}

static void ckpt_section(pbit_state_writer_t *w, const char *tag, const void *p, size_t n) {
  char t[4];
  memcpy(t, tag, 4);
  const uint32_t version = 1;
  pbit_state_put(w, t, 4);
  pbit_state_put(w, &version, sizeof version);
  pbit_state_put_u64(w, n);
  pbit_state_put_u64(w, pbit_state_hash(PBIT_STATE_HASH_INIT, p, n));
  pbit_state_put(w, p, n);
}

static void curve_write(pbit_state_writer_t *w, const curve_row_t *rows, size_t n) {
  for (size_t i = 0; i < n; i++) {
    pbit_state_put_u64(w, rows[i].epoch);
    pbit_state_put_u64(w, rows[i].examples);
    const double v[4] = {rows[i].loss, rows[i].train_acc, rows[i].test_acc, rows[i].readout_acc};
    pbit_state_put(w, v, sizeof v);
  }
}
#define CURVE_ROW_BYTES (2 * sizeof(uint64_t) + 4 * sizeof(double))

/* Everything is gathered first (the weights over the bus), then the
 * firmware's and the simulator's states, taken at that same instant. */
static int save_checkpoint(pbit_bsff_t *b, pbit_hal_t *hal, const pbit_bsff_config_t *c,
                           const ckpt_run_t *run, uint32_t epoch, const curve_row_t *curve,
                           size_t ncurve, const char *config_text, const char *path,
                           pbit_error_t *err) {
  uint8_t hb[sizeof(ckpt_head_t) + sizeof(ckpt_run_t)];
  ckpt_head_t h;
  ckpt_head_of(c, &h);
  h.epoch = epoch;
  h.steps = pbit_bsff_steps(b);
  size_t ro_n = 0;
  float *ro = pbit_bsff_readout(b, &ro_n);
  h.ro_n = ro_n;
  memcpy(hb, &h, sizeof h);
  memcpy(hb + sizeof h, run, sizeof *run);
  size_t nw = ckpt_weight_bytes(c), ncv = ncurve * CURVE_ROW_BYTES;
  size_t nfw = pbit_bsff_state_size(b), nsim = 0;
  int exact = pbit_hal_sim_state_supported(hal);
  int rc = exact ? pbit_hal_sim_state_size(hal, &nsim, err) : PBIT_OK;
  if (rc != PBIT_OK) return rc;
  uint8_t *wg = malloc(nw + 1), *cv = malloc(ncv + 1), *fw = malloc(nfw + 1),
          *sim = malloc(nsim + 1);
  uint8_t *buf = NULL;
  if (wg == NULL || cv == NULL || fw == NULL || sim == NULL) {
    rc = pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
    goto done;
  }
  size_t off = 0;
  for (uint32_t l = 0; l < c->layers && rc == PBIT_OK; l++) {
    size_t n_in = pbit_bsff_layer_inputs(c, l), n = c->units[l];
    int32_t *w = (int32_t *)(void *)(wg + off);
    rc = pbit_bsff_read_layer(b, l, w, w + n_in * n, err);
    off += (n_in + 1) * n * sizeof(int32_t);
  }
  if (rc != PBIT_OK) goto done;
  pbit_state_writer_t cw;
  pbit_state_writer_init(&cw, cv, ncv);
  curve_write(&cw, curve, ncurve);
  rc = pbit_bsff_state_save(b, fw, nfw, err);
  if (rc == PBIT_OK && exact) rc = pbit_hal_sim_state_save(hal, sim, nsim, err);
  if (rc != PBIT_OK) goto done;
  /* The file in memory: size it, then write it. */
  const char *text = config_text;
  size_t tl = strlen(text);
  for (int pass = 0; pass < 2; pass++) {
    pbit_state_writer_t w;
    pbit_state_writer_init(&w, buf, off);
    pbit_state_put(&w, CKPT_MAGIC, 8);
    ckpt_section(&w, "HEAD", hb, sizeof hb);
    ckpt_section(&w, "CONF", text, tl);
    ckpt_section(&w, "WGTS", wg, nw);
    if (ro_n > 0) ckpt_section(&w, "RDOT", ro, ro_n * sizeof *ro);
    ckpt_section(&w, "CURV", cv, ncv);
    ckpt_section(&w, "FWST", fw, nfw);
    if (exact) ckpt_section(&w, "SIM ", sim, nsim);
    ckpt_section(&w, "END ", "", 0);
    if (pass == 0) {
      off = w.pos;
      buf = malloc(off);
      if (buf == NULL) {
        rc = pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
        goto done;
      }
    }
  }
  pbit_outfile_t of;
  rc = pbit_outfile_open(&of, path, err);
  if (rc != PBIT_OK) goto done;
  if (fwrite(buf, 1, off, of.fp) != off) {
    pbit_outfile_abort(&of);
    rc = pbit_error_set(err, PBIT_ERR_IO, path, 0, 0, "cannot write the checkpoint");
    goto done;
  }
  rc = pbit_outfile_commit(&of, err);
done:
  free(wg);
  free(cv);
  free(fw);
  free(sim);
  free(buf);
  return rc;
}

/* What a resume restored. */
typedef struct {
  uint32_t epoch;
  int exact;          /* firmware and simulator state restored, same run */
  curve_row_t *curve; /* rows of the curve so far (format 2), malloc'd */
  size_t ncurve;
} resume_t;

typedef struct {
  const uint8_t *p;
  size_t n;
} span_t;

static int ckpt_fail(pbit_error_t *err, int status, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int ckpt_fail(pbit_error_t *err, int status, const char *path, const char *fmt, ...) {
  char msg[sizeof err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return pbit_error_set(err, status, path, 0, 0, "%s", msg);
}

/* A library's refusal (err filled without a file): name the checkpoint. */
static int ckpt_name(pbit_error_t *err, int rc, const char *path) {
  if (rc != PBIT_OK && err != NULL) snprintf(err->file, sizeof err->file, "%s", path);
  return rc;
}

static int check_head(const ckpt_head_t *h, const pbit_bsff_config_t *c, const char *path,
                      pbit_error_t *err) {
  ckpt_head_t want;
  ckpt_head_of(c, &want);
  const char *diff = NULL;
  if (h->layers != want.layers || memcmp(h->units, want.units, sizeof h->units) != 0)
    diff = "network.layers";
  else if (h->inputs != want.inputs || h->classes != want.classes)
    diff = "dataset (inputs/classes)";
  else if (h->copies != want.copies)
    diff = "network.copies";
  else if (h->label_repeat != want.label_repeat)
    diff = "network.label_repeat";
  else if (h->frac_bits != want.frac_bits)
    diff = "network.frac_bits";
  else if (h->readout != want.readout)
    diff = "readout.enabled";
  if (diff != NULL)
    return ckpt_fail(err, PBIT_ERR_CONFIG, path,
                     "checkpoint belongs to another network: %s differs from the config", diff);
  return PBIT_OK;
}

/* Weights (WGTS layout) into the tiles, the readout into the trainer. */
static int load_weights(pbit_bsff_t *b, const pbit_bsff_config_t *c, span_t wg, span_t ro,
                        uint64_t ro_n_head, const char *path, pbit_error_t *err) {
  if (wg.n != ckpt_weight_bytes(c))
    return ckpt_fail(err, PBIT_ERR_DATA, path, "truncated or mismatched weights (%zu bytes)", wg.n);
  size_t off = 0;
  int rc = PBIT_OK;
  for (uint32_t l = 0; l < c->layers && rc == PBIT_OK; l++) {
    size_t n_in = pbit_bsff_layer_inputs(c, l), n = c->units[l];
    size_t bytes = (n_in + 1) * n * sizeof(int32_t);
    int32_t *w = malloc(bytes);
    if (w == NULL) return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
    memcpy(w, wg.p + off, bytes);
    rc = pbit_bsff_write_layer(b, l, w, w + n_in * n, err);
    free(w);
    off += bytes;
  }
  if (rc != PBIT_OK) return rc;
  size_t ro_n = 0;
  float *rw = pbit_bsff_readout(b, &ro_n);
  if (ro_n_head != ro_n || ro.n != ro_n * sizeof *rw)
    return ckpt_fail(err, PBIT_ERR_DATA, path, "truncated or mismatched readout");
  if (ro_n > 0) memcpy(rw, ro.p, ro.n);
  return PBIT_OK;
}

static int load_v1(pbit_bsff_t *b, const pbit_bsff_config_t *c, const uint8_t *f, size_t n,
                   const char *path, resume_t *res, pbit_error_t *err) {
  pbit_state_reader_t r;
  pbit_state_reader_init(&r, f, n);
  r.pos = 8;
  ckpt_head_t h;
  pbit_state_get(&r, &h, sizeof h);
  uint64_t tl = pbit_state_get_u64(&r);
  if (!r.ok || tl > n - r.pos)
    return ckpt_fail(err, PBIT_ERR_DATA, path, "truncated checkpoint (format 1)");
  r.pos += (size_t)tl;
  int rc = check_head(&h, c, path, err);
  if (rc != PBIT_OK) return rc;
  size_t nw = ckpt_weight_bytes(c);
  if (nw > n - r.pos) return ckpt_fail(err, PBIT_ERR_DATA, path, "truncated checkpoint (weights)");
  span_t wg = {f + r.pos, nw}, ro = {f + r.pos + nw, n - r.pos - nw};
  /* Format 1 wrote layer by layer: weights then biases, as WGTS does. */
  rc = load_weights(b, c, wg, ro, h.ro_n, path, err);
  if (rc != PBIT_OK) return rc;
  pbit_bsff_set_steps(b, h.steps);
  res->epoch = h.epoch;
  fprintf(stderr,
          "pbitsim: warning: %s is a format-1 checkpoint (weights, readout, schedule position "
          "only): weights-only resume, not bit-identical to an uninterrupted run\n",
          path);
  return PBIT_OK;
}

static int load_checkpoint(pbit_bsff_t *b, pbit_hal_t *hal, const pbit_bsff_config_t *c,
                           const ckpt_run_t *run, const char *path, resume_t *res,
                           pbit_error_t *err) {
  memset(res, 0, sizeof *res);
  FILE *fp = fopen(path, "rb");
  if (fp == NULL)
    return pbit_error_set(err, PBIT_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
  uint8_t *f = NULL;
  size_t n = 0;
  long end = fseek(fp, 0, SEEK_END) == 0 ? ftell(fp) : -1;
  if (end >= 8 && (size_t)end <= CKPT_MAX_BYTES && fseek(fp, 0, SEEK_SET) == 0) {
    f = malloc((size_t)end);
    if (f != NULL) n = fread(f, 1, (size_t)end, fp);
  }
  fclose(fp);
  int rc = PBIT_OK;
  if (f == NULL || n != (size_t)end || n < 8) {
    rc = ckpt_fail(err, PBIT_ERR_DATA, path, "not a pbitsim BSFF checkpoint (too short)");
    goto out;
  }
  if (memcmp(f, CKPT_MAGIC_V1, 8) == 0) {
    rc = load_v1(b, c, f, n, path, res, err);
    goto out;
  }
  if (memcmp(f, CKPT_MAGIC, 8) != 0) {
    rc = ckpt_fail(err, PBIT_ERR_DATA, path, "not a pbitsim BSFF checkpoint");
    goto out;
  }
  /* The section table: every payload checked against its length and hash. */
  static const char *const kTags[] = {"HEAD", "CONF", "WGTS", "RDOT", "CURV", "FWST", "SIM "};
  enum { S_HEAD, S_CONF, S_WGTS, S_RDOT, S_CURV, S_FWST, S_SIM, S_NUM };
  span_t sec[S_NUM];
  int have[S_NUM] = {0}, ended = 0;
  memset(sec, 0, sizeof sec);
  pbit_state_reader_t r;
  pbit_state_reader_init(&r, f, n);
  r.pos = 8;
  while (!ended) {
    char tag[5] = {0};
    uint32_t version = 0;
    pbit_state_get(&r, tag, 4);
    pbit_state_get(&r, &version, sizeof version);
    uint64_t len = pbit_state_get_u64(&r), hash = pbit_state_get_u64(&r);
    if (!r.ok || len > n - r.pos) {
      rc = ckpt_fail(err, PBIT_ERR_DATA, path, "truncated checkpoint%s%s",
                     r.ok ? " in section " : "", r.ok ? tag : "");
      goto out;
    }
    if (pbit_state_hash(PBIT_STATE_HASH_INIT, f + r.pos, (size_t)len) != hash) {
      rc = ckpt_fail(err, PBIT_ERR_DATA, path,
                     "corrupt checkpoint: section '%s' fails its checksum", tag);
      goto out;
    }
    if (memcmp(tag, "END ", 4) == 0) {
      ended = 1;
    } else {
      for (int k = 0; k < S_NUM; k++) {
        if (memcmp(tag, kTags[k], 4) != 0) continue;
        if (have[k] || version != 1) {
          rc = ckpt_fail(err, PBIT_ERR_DATA, path, "checkpoint: %s section '%s'",
                         have[k] ? "duplicate" : "unknown version of", tag);
          goto out;
        }
        have[k] = 1;
        sec[k].p = f + r.pos;
        sec[k].n = (size_t)len;
      }
    }
    r.pos += (size_t)len;
  }
  if (!have[S_HEAD] || !have[S_WGTS] || sec[S_HEAD].n != sizeof(ckpt_head_t) + sizeof(ckpt_run_t)) {
    rc = ckpt_fail(err, PBIT_ERR_DATA, path, "checkpoint without its %s section",
                   have[S_HEAD] && sec[S_HEAD].n == sizeof(ckpt_head_t) + sizeof(ckpt_run_t)
                       ? "WGTS"
                       : "HEAD");
    goto out;
  }
  ckpt_head_t h;
  ckpt_run_t saved;
  memcpy(&h, sec[S_HEAD].p, sizeof h);
  memcpy(&saved, sec[S_HEAD].p + sizeof h, sizeof saved);
  rc = check_head(&h, c, path, err);
  if (rc == PBIT_OK && sec[S_CURV].n % CURVE_ROW_BYTES != 0)
    rc = ckpt_fail(err, PBIT_ERR_DATA, path, "checkpoint: bad CURV section");
  if (rc == PBIT_OK) rc = load_weights(b, c, sec[S_WGTS], sec[S_RDOT], h.ro_n, path, err);
  if (rc != PBIT_OK) goto out;
  pbit_bsff_set_steps(b, h.steps);
  res->epoch = h.epoch;
  res->ncurve = sec[S_CURV].n / CURVE_ROW_BYTES;
  res->curve = calloc(res->ncurve + 1, sizeof *res->curve);
  if (res->curve == NULL) {
    rc = pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
    goto out;
  }
  pbit_state_reader_t cr;
  pbit_state_reader_init(&cr, sec[S_CURV].p, sec[S_CURV].n);
  for (size_t i = 0; i < res->ncurve; i++) {
    curve_row_t *row = &res->curve[i];
    row->epoch = (uint32_t)pbit_state_get_u64(&cr);
    row->examples = pbit_state_get_u64(&cr);
    double v[4];
    pbit_state_get(&cr, v, sizeof v);
    row->seconds = NAN; /* trained by an earlier process */
    row->loss = v[0];
    row->train_acc = v[1];
    row->test_acc = v[2];
    row->readout_acc = v[3];
  }
  if (have[S_SIM] && have[S_FWST]) {
    /* The accelerator exactly as it was, then the firmware beside it (both
     * overwrite what loading the weights did to them). */
    rc = ckpt_name(err, pbit_hal_sim_state_restore(hal, sec[S_SIM].p, sec[S_SIM].n, err), path);
    if (rc == PBIT_OK)
      rc = ckpt_name(err, pbit_bsff_state_restore(b, sec[S_FWST].p, sec[S_FWST].n, err), path);
    if (rc != PBIT_OK) goto out;
    res->exact = saved.train_n == run->train_n && saved.epochs == run->epochs;
    if (!res->exact)
      fprintf(stderr,
              "pbitsim: note: %s: the run had %u examples x %u epochs, this one %u x %u: state "
              "restored, but this is not the interrupted run's continuation\n",
              path, saved.train_n, saved.epochs, run->train_n, run->epochs);
  } else {
    fprintf(stderr,
            "pbitsim: warning: %s holds no simulator state (saved on a backend that cannot save "
            "it): weights-only resume, not bit-identical to an uninterrupted run\n",
            path);
  }
out:
  free(f);
  if (rc != PBIT_OK) {
    free(res->curve);
    res->curve = NULL;
    res->ncurve = 0;
  }
  return rc;
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

static int write_curve(const char *dir, const curve_row_t *rows, size_t n, pbit_error_t *err) {
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
  uint64_t examples;
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
          s->train_seconds > 0 ? (double)s->examples / s->train_seconds : 0.0);
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
  int rc = PBIT_OK;
  ex = PBIT_EXIT_OK;
  pbit_hal_t *hal = NULL;
  pbit_bsff_t *b = NULL;
  curve_row_t *curve = NULL;
  uint32_t *order = NULL;
  char *config_text = NULL;
  resume_t res; /* what --resume restored (freed at out) */
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
  const ckpt_run_t crun = {n_train, (uint32_t)run.epochs, bc->total_steps};
  if (o.resume != NULL) {
    rc = load_checkpoint(b, hal, bc, &crun, o.resume, &res, &err);
    if (rc != PBIT_OK) goto out;
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
    curve_row_t *row = &curve[ncurve];
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
    rc = save_checkpoint(b, hal, bc, &crun, ep + 1, curve, ncurve, config_text, ckpt, &err);
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
  summary_t s = {
      &run,           run.backend,      path,     pm,     (uint32_t)run.epochs, n_test, n_train,
      test_acc,       ro_acc,           train_s,  eval_s, tc.examples,          &e,     &tc,
      accel.clock_ns, o.resume != NULL, res.exact};
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
         train_s > 0 ? (double)tc.examples / train_s : 0.0);
  printf("outputs            %s/{summary.json,curve.csv,%senergy.csv,checkpoint.bin}\n", outdir,
         pm ? "" : "curve.png,");
out:
  if (rc != PBIT_OK) ex = pbit_cli_report(&err);
  pbit_bsff_destroy(b);
  pbit_hal_close(hal);
  pbit_dataset_free(&train);
  pbit_dataset_free(&test);
  free(curve);
  free(order);
  free(config_text);
  free(res.curve);
  return ex;
}
