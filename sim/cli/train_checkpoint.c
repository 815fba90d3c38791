/* The checkpoint file of pbitsim train (docs/firmware.md, "Checkpoints and
 * resume").
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
#include "train_checkpoint.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hal_sim.h"
#include "state.h"

#define CKPT_MAGIC_V1 "PBSFFCK1"
#define CKPT_MAGIC "PBSFFCK2"
#define CKPT_MAX_BYTES ((size_t)1 << 32)

typedef struct {
  uint32_t layers, inputs, classes, copies, label_repeat, frac_bits;
  uint32_t units[PBIT_BSFF_MAX_LAYERS];
  uint32_t epoch, readout;
  uint64_t steps, ro_n;
} ckpt_head_t;

/* HEAD holds ckpt_head_t then pbit_ckpt_run_t, byte for byte. */
_Static_assert(sizeof(pbit_ckpt_run_t) == 16, "pbit_ckpt_run_t is part of format 2");

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
  /* The sizing pass (no buffer) needs no checksum: hash megabytes once. */
  pbit_state_put_u64(w, w->buf != NULL ? pbit_state_hash(PBIT_STATE_HASH_INIT, p, n) : 0);
  pbit_state_put(w, p, n);
}

static void curve_write(pbit_state_writer_t *w, const pbit_ckpt_curve_row_t *rows, size_t n) {
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
int pbit_ckpt_save(pbit_bsff_t *b, pbit_hal_t *hal, const pbit_bsff_config_t *c,
                   const pbit_ckpt_run_t *run, uint32_t epoch, const pbit_ckpt_curve_row_t *curve,
                   size_t ncurve, const char *config_text, const char *path, pbit_error_t *err) {
  uint8_t hb[sizeof(ckpt_head_t) + sizeof(pbit_ckpt_run_t)];
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
                   const char *path, pbit_ckpt_resume_t *res, pbit_error_t *err) {
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
  res->kind = PBIT_CKPT_RESUME_FORMAT1;
  return PBIT_OK;
}

int pbit_ckpt_load(pbit_bsff_t *b, pbit_hal_t *hal, const pbit_bsff_config_t *c,
                   const pbit_ckpt_run_t *run, const char *path, pbit_ckpt_resume_t *res,
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
  if (!have[S_HEAD] || !have[S_WGTS] ||
      sec[S_HEAD].n != sizeof(ckpt_head_t) + sizeof(pbit_ckpt_run_t)) {
    rc = ckpt_fail(err, PBIT_ERR_DATA, path, "checkpoint without its %s section",
                   have[S_HEAD] && sec[S_HEAD].n == sizeof(ckpt_head_t) + sizeof(pbit_ckpt_run_t)
                       ? "WGTS"
                       : "HEAD");
    goto out;
  }
  ckpt_head_t h;
  memcpy(&h, sec[S_HEAD].p, sizeof h);
  memcpy(&res->saved, sec[S_HEAD].p + sizeof h, sizeof res->saved);
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
    pbit_ckpt_curve_row_t *row = &res->curve[i];
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
    res->kind = res->saved.train_n == run->train_n && res->saved.epochs == run->epochs
                    ? PBIT_CKPT_RESUME_EXACT
                    : PBIT_CKPT_RESUME_OTHER_RUN;
  } else {
    res->kind = PBIT_CKPT_RESUME_NO_SIM;
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
