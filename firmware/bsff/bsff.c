/* BSFF trainer over the HAL (bsff.h; docs/firmware.md). */
#include "bsff/bsff.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "state.h"

/* RNG streams of the firmware (the p-bit array has its own). */
enum { RNG_INIT = 1, RNG_BIN = 2, RNG_NEG = 3, RNG_ROUND = 4, RNG_READOUT = 5 };

/* Window writes cost 5 bus accesses besides the data: changed runs closer
 * than this are written as one. */
#define WIN_MERGE_GAP 6

typedef struct {
  uint32_t feat, n_in, n_out, kin; /* kin: copy vectors per presentation */
  uint32_t dac_shift;              /* the tile's: config dac_shift (+ log2 P on layer 1) */
  double dscale;                   /* delta scale: 1 / P on layer 1 (beta is beta / P there) */
  int label_every;                 /* 1: label lines with every vector (layer 1, P > 1) */
  uint64_t sum_gen;                /* reuse_image_sum: the saved sum is of image x_gen (0: none) */
  uint32_t *lab_idx;               /* [kin x R] label rows of one pass (reuse_image_sum) */
  int32_t offsets[64];
  uint8_t *win;    /* the tile's INPUT window as last written [n_in] */
  int win_valid;   /* 0: unknown (write all) */
  uint8_t *want;   /* scratch [n_in] */
  uint8_t *states; /* [(T + 1) x n_out x K] */
  uint8_t *out[2]; /* copy vectors of the first sample, K x n_out: pos/neg (and scratch) */
  double *s[2];    /* sum_k s'(z_jk) per unit, pos / neg */
  int32_t *delta;  /* [n_out] */
  int32_t *codes;  /* [n_out] */
  int phase;       /* PBIT_BSFF_PH_* being accounted, -1 none */
  uint64_t snap[PBIT_DP_NUM_COUNTERS];
} layer_t;

struct pbit_bsff {
  pbit_hal_t *hal;
  pbit_bsff_config_t c;
  pbit_error_t *err; /* of the current call */
  layer_t L[PBIT_BSFF_MAX_LAYERS];
  double input_lsb;
  uint64_t key[8];
  uint64_t steps;
  uint8_t *x0;                 /* binarised image: P planes [P x inputs] */
  uint64_t x_gen;              /* images binarised so far (names x0's contents) */
  uint32_t cur;                /* selected tile */
  int train;                   /* current counter group */
  pbit_bsff_counters_t cnt[2]; /* [0] inference, [1] training */
  pbit_hal_pbit_counters_t pb_snap[PBIT_BSFF_MAX_LAYERS];
  uint64_t t_snap;
  float *ro_w; /* readout [C x (F + 1)] */
  size_t ro_f;
  double *ro_x;
};

void pbit_bsff_config_default(pbit_bsff_config_t *c) {
  memset(c, 0, sizeof *c);
  c->inputs = 784;
  c->classes = 10;
  c->layers = 2;
  c->units[0] = 500;
  c->units[1] = 500;
  c->copies = 4;
  c->label_repeat = 10;
  c->init_scale = 1.0;
  c->frac_bits = 12;
  c->dac_shift = 8;
  c->beta = 1.0;
  c->step = 1.0;
  c->mode = PBIT_BSFF_HARDWARE;
  c->samples = 1;
  c->binarize = PBIT_BSFF_BIN_THRESHOLD;
  c->pixel_threshold = 0.5;
  c->pixel_samples = 1;
  c->loss = PBIT_BSFF_LOSS_PAIRED;
  c->alpha = 4.0;
  c->theta = 1.0;
  c->negatives = PBIT_BSFF_NEG_HARD;
  c->hard_temp = 0.05;
  c->lr = 0.2;
  c->lr_min_frac = 0.0;
  c->schedule = PBIT_BSFF_SCHED_COSINE;
  c->readout_lr = 0.01;
  c->predict = PBIT_BSFF_PREDICT_GOODNESS;
  c->seed = 1;
}

static int bad(pbit_error_t *err, const char *what) {
  return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "bsff: %s", what);
}

int pbit_bsff_config_check(const pbit_bsff_config_t *c, pbit_error_t *err) {
  if (c == NULL) return bad(err, "NULL config");
  if (c->inputs < 1) return bad(err, "inputs must be >= 1");
  if (c->classes < 2 || c->classes > PBIT_BSFF_MAX_CLASSES) return bad(err, "classes in 2..16");
  if (c->layers < 1 || c->layers > PBIT_BSFF_MAX_LAYERS) return bad(err, "layers in 1..8");
  for (uint32_t l = 0; l < c->layers; l++)
    if (c->units[l] < 1) return bad(err, "every layer needs >= 1 unit");
  if (c->copies < 1 || c->copies > 64) return bad(err, "copies (K) in 1..64");
  if (c->label_repeat < 1) return bad(err, "label_repeat (R) must be >= 1");
  if (!(c->init_scale >= 0) || !isfinite(c->init_scale)) return bad(err, "init_scale >= 0");
  if (c->frac_bits > 30 || c->dac_shift > 62) return bad(err, "frac_bits <= 30, dac_shift <= 62");
  if (!(c->beta > 0) || !isfinite(c->beta)) return bad(err, "beta > 0");
  if (!(c->step >= 0) || !isfinite(c->step)) return bad(err, "step >= 0");
  if (c->samples < 1 || c->samples > 4096) return bad(err, "samples (T) in 1..4096");
  if (!(c->pixel_threshold >= 0 && c->pixel_threshold <= 1))
    return bad(err, "pixel_threshold in [0, 1]");
  if (c->pixel_samples < 1 || c->pixel_samples > 64 ||
      (c->pixel_samples & (c->pixel_samples - 1)) != 0)
    return bad(err, "pixel_samples (P) must be a power of two in 1..64");
  if (!(c->alpha > 0) || !isfinite(c->alpha) || !isfinite(c->theta)) return bad(err, "alpha > 0");
  if (!(c->hard_temp > 0)) return bad(err, "hard_temp > 0");
  if (c->score_from_layer >= c->layers) return bad(err, "score_from_layer < layers");
  if (c->readout_from_layer >= c->layers) return bad(err, "readout_from_layer < layers");
  if (!(c->lr >= 0) || !isfinite(c->lr)) return bad(err, "lr >= 0");
  if (!(c->lr_min_frac >= 0 && c->lr_min_frac <= 1)) return bad(err, "lr_min_frac in [0, 1]");
  if (!(c->readout_lr >= 0) || !isfinite(c->readout_lr)) return bad(err, "readout_lr >= 0");
  if (c->predict == PBIT_BSFF_PREDICT_READOUT && !c->readout)
    return bad(err, "predict: readout needs readout on");
  return PBIT_OK;
}

double pbit_bsff_input_lsb(const pbit_bsff_config_t *c) {
  return c->beta * ldexp(1.0, (int)c->dac_shift - (int)c->frac_bits);
}

uint32_t pbit_bsff_layer_inputs(const pbit_bsff_config_t *c, uint32_t l) {
  uint32_t feat = l == 0 ? c->inputs : c->units[l - 1];
  return feat + c->classes * c->label_repeat;
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
static double softplus(double x) { return x > 30 ? x : log1p(exp(x)); }

static int hal_fail(pbit_bsff_t *b, const char *what) {
  return pbit_error_set(b->err, PBIT_ERR_RUNTIME, NULL, 0, 0, "bsff: %s: %s", what,
                        pbit_hal_error(b->hal));
}

/* ---- counters */

static void add_dp(uint64_t *acc, const uint64_t *now, const uint64_t *then) {
  for (int k = 0; k < PBIT_DP_NUM_COUNTERS; k++) acc[k] += now[k] - then[k];
}

/* Layer l (selected) accounts its datapath work from here on to phase ph
 * of the current group: the counters since the last change go to the
 * previous phase. */
static int set_phase(pbit_bsff_t *b, uint32_t l, int ph) {
  layer_t *y = &b->L[l];
  /* A group switch flushes every tile (phase -1), so a running phase
   * always belongs to the current group. */
  if (y->phase == ph) return PBIT_OK;
  uint64_t now[PBIT_DP_NUM_COUNTERS];
  if (pbit_hal_counters(b->hal, now) != PBIT_HAL_OK) return hal_fail(b, "counters");
  if (y->phase >= 0) add_dp(b->cnt[b->train].dp[y->phase], now, y->snap);
  memcpy(y->snap, now, sizeof now);
  y->phase = ph;
  return PBIT_OK;
}

static int select_tile(pbit_bsff_t *b, uint32_t l) {
  if (b->cur == l) return PBIT_OK;
  if (pbit_hal_select(b->hal, l) != PBIT_HAL_OK) return hal_fail(b, "select tile");
  b->cur = l;
  return PBIT_OK;
}

/* Moves the counters of every tile since the last flush (datapath by phase,
 * p-bits, chip time) into the current counter group. */
static int flush(pbit_bsff_t *b) {
  pbit_bsff_counters_t *g = &b->cnt[b->train];
  for (uint32_t l = 0; l < b->c.layers; l++) {
    int rc = select_tile(b, l);
    if (rc != PBIT_OK) return rc;
    layer_t *y = &b->L[l];
    uint64_t now[PBIT_DP_NUM_COUNTERS];
    if (pbit_hal_counters(b->hal, now) != PBIT_HAL_OK) return hal_fail(b, "counters");
    if (y->phase >= 0) add_dp(g->dp[y->phase], now, y->snap);
    memcpy(y->snap, now, sizeof now);
    y->phase = -1;
    pbit_hal_pbit_counters_t pc;
    if (pbit_hal_pbit_counters(b->hal, &pc) != PBIT_HAL_OK) return hal_fail(b, "p-bit counters");
    pbit_hal_pbit_counters_t *s = &b->pb_snap[l];
    g->pbits.samples += pc.samples - s->samples;
    g->pbits.flips += pc.flips - s->flips;
    g->pbits.dac_writes += pc.dac_writes - s->dac_writes;
    g->pbits.pbit_cycles += pc.pbit_cycles - s->pbit_cycles;
    g->pbits.cycles += pc.cycles - s->cycles;
    g->pbits.dac_chunks += pc.dac_chunks - s->dac_chunks;
    *s = pc;
  }
  uint64_t t = pbit_hal_now(b->hal);
  g->cycles += t - b->t_snap;
  b->t_snap = t;
  return PBIT_OK;
}

/* Switches the counter group (training / inference): what was counted so
 * far goes to the group that ends. */
static int set_group(pbit_bsff_t *b, int train) {
  if (b->train == train) return PBIT_OK;
  int rc = flush(b);
  if (rc == PBIT_OK) b->train = train;
  return rc;
}

/* ---- one presentation */

/* Writes want[] into the tile's INPUT window where it differs. */
static int sync_window(pbit_bsff_t *b, layer_t *y) {
  uint32_t n = y->n_in;
  if (!y->win_valid) {
    if (pbit_hal_load_input(b->hal, y->want, n) != PBIT_HAL_OK) return hal_fail(b, "input window");
    memcpy(y->win, y->want, n);
    y->win_valid = 1;
    return PBIT_OK;
  }
  uint32_t i = 0;
  while (i < n) {
    if (y->win[i] == y->want[i]) {
      i++;
      continue;
    }
    uint32_t start = i, end = i + 1, gap = 0;
    for (uint32_t k = i + 1; k < n && gap < WIN_MERGE_GAP; k++) {
      if (y->win[k] != y->want[k]) {
        end = k + 1;
        gap = 0;
      } else {
        gap++;
      }
    }
    if (pbit_hal_load_input_at(b->hal, start, y->want + start, end - start) != PBIT_HAL_OK)
      return hal_fail(b, "input window");
    memcpy(y->win + start, y->want + start, end - start);
    i = end;
  }
  return PBIT_OK;
}

/* Builds copy vector k of a presentation: x_k (feat bytes) then the label
 * lines (copy 0 only, or every vector on a label_every layer; label < 0:
 * neutral, none active). */
static void build_want(const pbit_bsff_t *b, layer_t *y, const uint8_t *xk, uint32_t k, int label) {
  memcpy(y->want, xk, y->feat);
  uint8_t *lab = y->want + y->feat;
  memset(lab, 0, y->n_in - y->feat);
  if ((k == 0 || y->label_every) && label >= 0)
    memset(lab + (size_t)label * b->c.label_repeat, 1, b->c.label_repeat);
}

/* Runs the presentation x (kin copy vectors of feat bytes) with `label`
 * through layer l's datapath as one operation: FORWARD (mode 0, CLEAR on
 * the first vector) or UPDATE with the loaded delta (PBIT_DP_CTRL_UPDATE);
 * `last` goes with the last vector (FINISH, or SAVE for an image sum). */
static int present(pbit_bsff_t *b, uint32_t l, const uint8_t *x, int label, uint32_t mode,
                   uint32_t last) {
  layer_t *y = &b->L[l];
  for (uint32_t k = 0; k < y->kin; k++) {
    build_want(b, y, x + (size_t)k * y->feat, k, label);
    int rc = sync_window(b, y);
    if (rc != PBIT_OK) return rc;
    uint32_t all = mode | (mode == 0 ? PBIT_DP_CTRL_CLEAR : 0) | last;
    uint32_t ctrl = pbit_dp_piece_ctrl(all, k == 0, k + 1 == y->kin);
    if (pbit_hal_run_vector(b->hal, ctrl) != PBIT_HAL_OK)
      return hal_fail(b, mode ? "UPDATE" : "FORWARD");
  }
  return PBIT_OK;
}

/* The FORWARD of layer l (its input is the image) with `label` when
 * reuse_image_sum is on: if the tile's saved bank does not hold this
 * image's sum under the current weights, the P planes without label lines
 * (CLEAR on the first, SAVE on the last); then one FORWARD from the saved
 * sum (RESTORE) through the label rows (R per plane that carries labels;
 * none for the neutral pass), with FINISH. */
static int present_shared(pbit_bsff_t *b, uint32_t l, const uint8_t *x, int label) {
  layer_t *y = &b->L[l];
  if (y->sum_gen != b->x_gen) {
    int rc = present(b, l, x, -1, 0, PBIT_DP_CTRL_SAVE);
    if (rc != PBIT_OK) return rc;
    y->sum_gen = b->x_gen;
  }
  size_t n = 0;
  uint32_t R = b->c.label_repeat;
  if (label >= 0)
    for (uint32_t k = 0; k < y->kin; k++)
      if (k == 0 || y->label_every)
        for (uint32_t r = 0; r < R; r++) y->lab_idx[n++] = y->feat + (uint32_t)label * R + r;
  if (pbit_hal_run_list(b->hal, PBIT_DP_CTRL_RESTORE | PBIT_DP_CTRL_FINISH, y->lab_idx, n) !=
      PBIT_HAL_OK)
    return hal_fail(b, "FORWARD");
  return PBIT_OK;
}

typedef struct {
  double g;     /* goodness */
  double *s;    /* per-unit sum_k s'(z_jk) (NULL: not wanted) */
  uint8_t *out; /* copy vectors of the first sample (NULL: not wanted) */
} pass_t;

/* FORWARD of layer l on x with label, then the p-bits: goodness, the
 * derivative sums and the forwarded copy vectors. ph: phase to charge. */
static int forward(pbit_bsff_t *b, uint32_t l, const uint8_t *x, int label, int ph, pass_t *ps) {
  layer_t *y = &b->L[l];
  const pbit_bsff_config_t *c = &b->c;
  pbit_bsff_ops_t *ops = &b->cnt[b->train].ops[ph];
  int rc = select_tile(b, l);
  if (rc == PBIT_OK) rc = set_phase(b, l, ph);
  if (rc == PBIT_OK)
    rc = (l == 0 && c->reuse_image_sum && x == b->x0)
             ? present_shared(b, l, x, label)
             : present(b, l, x, label, 0, PBIT_DP_CTRL_FINISH);
  if (rc != PBIT_OK) return rc;
  uint32_t N = y->n_out, K = c->copies, T = c->samples;
  size_t np = (size_t)N * K;
  int hw = c->mode == PBIT_BSFF_HARDWARE;
  uint32_t cycles = hw ? (ps->s != NULL ? T + 1 : T) : 1;
  if (pbit_hal_pbit_sample(b->hal, N, cycles, NULL, y->states) != PBIT_HAL_OK)
    return hal_fail(b, "p-bit sample");
  if (ps->out != NULL)
    for (uint32_t j = 0; j < N; j++)
      for (uint32_t k = 0; k < K; k++) ps->out[(size_t)k * N + j] = y->states[(size_t)j * K + k];
  int sq = c->goodness == PBIT_BSFF_GOOD_SQUARE;
  if (hw) {
    /* Counts of every sample t: n_j(t) = sum_k h_jk(t). The derivative
     * counts d_jk(t) = h_jk(t) & !h_jk(t+1), whose mean is s'(z_jk). For the
     * square goodness, dE[n^2]/da = beta sum_k s'_k (1 + 2 (m - p_k)), and
     * d_jk(t) (1 + 2 (n_j(t) - h_jk(t))) = d_jk(t) (2 n_j(t) - 1) estimates
     * each term without bias (the copies are independent p-bits). */
    uint64_t ones = 0;
    if (ps->s != NULL)
      for (uint32_t j = 0; j < N; j++) ps->s[j] = 0;
    for (uint32_t t = 0; t < T; t++) {
      const uint8_t *st = y->states + (size_t)t * np;
      for (uint32_t j = 0; j < N; j++) {
        const uint8_t *a = st + (size_t)j * K;
        uint32_t n = 0, d = 0;
        for (uint32_t k = 0; k < K; k++) n += a[k];
        ones += sq ? n * n : n;
        if (ps->s == NULL) continue;
        const uint8_t *next = a + np; /* sample t + 1 */
        for (uint32_t k = 0; k < K; k++) d += a[k] & (uint8_t)!next[k];
        ps->s[j] += sq ? d * (2.0 * n - 1) : d; /* d > 0 implies n >= 1 */
      }
    }
    ops->int_add += (uint64_t)T * np;
    if (sq) ops->int_mult += (uint64_t)T * N;
    ps->g = (double)ones / ((double)N * T * (sq ? K : 1));
    if (ps->s != NULL) {
      for (uint32_t j = 0; j < N; j++) ps->s[j] /= (double)T * (sq ? K : 1);
      ops->int_add += (uint64_t)T * np;
      if (sq) ops->int_mult += (uint64_t)T * N;
    }
  } else {
    /* Expectations (pbit_bsff_unit_goodness). */
    if (pbit_hal_pbit_codes(b->hal, y->codes, N) != PBIT_HAL_OK) return hal_fail(b, "DAC codes");
    double sum = 0;
    double p[64];
    for (uint32_t j = 0; j < N; j++) {
      for (uint32_t k = 0; k < K; k++)
        p[k] = sigmoid(((double)y->codes[j] + (double)y->offsets[k]) * b->input_lsb);
      double gj, sj;
      pbit_bsff_unit_goodness(p, K, c->goodness, &gj, &sj);
      sum += gj;
      if (ps->s != NULL) ps->s[j] = sj;
    }
    ops->nonlin += np;
    ops->fp_op += (sq ? 9 : 4) * np;
    ps->g = sum / N;
  }
  return PBIT_OK;
}

/* Binarised image of one example into b->x0: P binary planes. Threshold:
 * plane p is pixel/255 > pixel_threshold when P = 1, and a thermometer code
 * pixel/255 > (p + 1/2) / P otherwise; stochastic: P independent draws with
 * probability pixel/256. Layer 1 adds weight row i once per plane where
 * pixel i is on. */
static void binarize(pbit_bsff_t *b, const uint8_t *px, uint64_t id) {
  const pbit_bsff_config_t *c = &b->c;
  uint32_t P = c->pixel_samples, n = c->inputs;
  b->x_gen++;
  if (c->binarize == PBIT_BSFF_BIN_THRESHOLD) {
    for (uint32_t p = 0; p < P; p++) {
      double th = P == 1 ? c->pixel_threshold * 255.0 : ((double)p + 0.5) / P * 255.0;
      for (uint32_t i = 0; i < n; i++) b->x0[(size_t)p * n + i] = (double)px[i] > th;
    }
  } else {
    uint64_t ck = pbit_rng_counter_key(b->key[RNG_BIN], id);
    for (uint32_t p = 0; p < P; p++)
      for (uint32_t i = 0; i < n; i++)
        b->x0[(size_t)p * n + i] = (uint8_t)((pbit_rng_u32_ck(ck, p * n + i) >> 24) < px[i]);
    b->cnt[b->train].ops[PBIT_BSFF_PH_FORWARD].rng += (uint64_t)P * n;
  }
}

/* Every label through every layer: score_c = sum over layers >=
 * score_from_layer of the goodness. */
static int score_labels(pbit_bsff_t *b, int ph, double *scores) {
  const pbit_bsff_config_t *c = &b->c;
  for (uint32_t lab = 0; lab < c->classes; lab++) {
    const uint8_t *x = b->x0;
    double sc = 0;
    for (uint32_t l = 0; l < c->layers; l++) {
      pass_t ps = {0, NULL, l + 1 < c->layers ? b->L[l].out[1] : NULL};
      int rc = forward(b, l, x, (int)lab, ph, &ps);
      if (rc != PBIT_OK) return rc;
      if (l >= c->score_from_layer) sc += ps.g;
      x = b->L[l].out[1];
    }
    scores[lab] = sc;
    b->cnt[b->train].ops[ph].int_add += c->layers;
  }
  return PBIT_OK;
}

void pbit_bsff_unit_goodness(const double *p, uint32_t K, pbit_bsff_goodness_t kind, double *g,
                             double *ds) {
  double m = 0, v = 0;
  for (uint32_t k = 0; k < K; k++) {
    m += p[k];
    v += p[k] * (1.0 - p[k]);
  }
  if (kind != PBIT_BSFF_GOOD_SQUARE) {
    *g = m;
    *ds = v;
    return;
  }
  /* E[n^2] = Var n + m^2 = sum_k p_k (1 - p_k) + m^2 (independent copies);
   * its derivative in z: sum_k p_k (1 - p_k) (1 - 2 p_k + 2 m). */
  double d = 0;
  for (uint32_t k = 0; k < K; k++) d += p[k] * (1.0 - p[k]) * (1.0 + 2.0 * (m - p[k]));
  *g = (v + m * m) / K;
  *ds = d / K;
}

static double lr_now(const pbit_bsff_t *b) {
  const pbit_bsff_config_t *c = &b->c;
  if (c->schedule != PBIT_BSFF_SCHED_COSINE || c->total_steps == 0) return c->lr;
  double f = b->steps >= c->total_steps ? 1.0 : (double)b->steps / (double)c->total_steps;
  return c->lr * (c->lr_min_frac + (1 - c->lr_min_frac) * 0.5 * (1 + cos(M_PI * f)));
}

/* delta codes = stochastic round(-lr * dLdg * beta / N * s_j * 2^F). */
static void make_delta(pbit_bsff_t *b, uint32_t l, double dldg, const double *s, uint64_t id,
                       uint32_t which) {
  const pbit_bsff_config_t *c = &b->c;
  layer_t *y = &b->L[l];
  double scale = -lr_now(b) * dldg * c->beta * y->dscale / y->n_out * ldexp(1.0, (int)c->frac_bits);
  uint64_t ck = pbit_rng_counter_key(b->key[RNG_ROUND], id * 64 + l * 2 + which);
  /* weight_bits of the build are not known here: clamp to 16-bit codes; the
   * datapath saturates the stored weight anyway. */
  for (uint32_t j = 0; j < y->n_out; j++) {
    double v = scale * s[j];
    double u = ((double)pbit_rng_u32_ck(ck, j) + 0.5) * 0x1p-32;
    double q = floor(v + u);
    if (q > 32767) q = 32767;
    if (q < -32767) q = -32767;
    y->delta[j] = (int32_t)q;
  }
  pbit_bsff_ops_t *ops = &b->cnt[b->train].ops[PBIT_BSFF_PH_UPDATE];
  ops->int_mult += y->n_out;
  ops->int_add += y->n_out;
  ops->rng += y->n_out;
}

static int update(pbit_bsff_t *b, uint32_t l, const uint8_t *x, int label) {
  layer_t *y = &b->L[l];
  int rc = select_tile(b, l);
  if (rc == PBIT_OK) rc = set_phase(b, l, PBIT_BSFF_PH_UPDATE);
  if (rc != PBIT_OK) return rc;
  if (pbit_hal_load_delta(b->hal, y->delta, y->n_out) != PBIT_HAL_OK) return hal_fail(b, "delta");
  y->sum_gen = 0; /* new weights: a saved image sum is stale */
  return present(b, l, x, label, PBIT_DP_CTRL_UPDATE, PBIT_DP_CTRL_FINISH);
}

/* ---- readout: softmax regression on the neutral pass's counts / K */

static int readout_features(pbit_bsff_t *b, int ph) {
  const pbit_bsff_config_t *c = &b->c;
  const uint8_t *x = b->x0;
  size_t f = 0;
  for (uint32_t l = 0; l < c->layers; l++) {
    pass_t ps = {0, NULL, b->L[l].out[1]};
    int rc = forward(b, l, x, -1, ph, &ps);
    if (rc != PBIT_OK) return rc;
    if (l >= c->readout_from_layer) {
      uint32_t N = b->L[l].n_out;
      for (uint32_t j = 0; j < N; j++) {
        uint32_t n = 0;
        for (uint32_t k = 0; k < c->copies; k++) n += b->L[l].out[1][(size_t)k * N + j];
        b->ro_x[f++] = (double)n / c->copies;
      }
      b->cnt[b->train].ops[ph].int_add += (uint64_t)N * c->copies;
    }
    x = b->L[l].out[1];
  }
  return PBIT_OK;
}

static void readout_scores(pbit_bsff_t *b, double *z) {
  const pbit_bsff_config_t *c = &b->c;
  size_t F = b->ro_f;
  for (uint32_t k = 0; k < c->classes; k++) {
    const float *w = b->ro_w + k * (F + 1);
    double s = w[F];
    for (size_t i = 0; i < F; i++) s += w[i] * b->ro_x[i];
    z[k] = s;
  }
  b->cnt[b->train].ops[PBIT_BSFF_PH_READOUT].fp_op += 2 * (uint64_t)c->classes * F;
}

static int readout_train(pbit_bsff_t *b, uint32_t label, pbit_bsff_stats_t *st) {
  const pbit_bsff_config_t *c = &b->c;
  int rc = readout_features(b, PBIT_BSFF_PH_READOUT);
  if (rc != PBIT_OK) return rc;
  double z[PBIT_BSFF_MAX_CLASSES], mx = -1e300, sum = 0;
  readout_scores(b, z);
  uint32_t best = 0;
  for (uint32_t k = 0; k < c->classes; k++) {
    if (z[k] > mx) {
      mx = z[k];
      best = k;
    }
  }
  for (uint32_t k = 0; k < c->classes; k++) sum += exp(z[k] - mx);
  double lr = c->readout_lr * (c->lr > 0 ? lr_now(b) / c->lr : 1.0);
  size_t F = b->ro_f;
  for (uint32_t k = 0; k < c->classes; k++) {
    double p = exp(z[k] - mx) / sum;
    double g = p - (k == label ? 1.0 : 0.0);
    float *w = b->ro_w + k * (F + 1);
    for (size_t i = 0; i < F; i++) w[i] -= (float)(lr * g * b->ro_x[i]);
    w[F] -= (float)(lr * g);
  }
  pbit_bsff_ops_t *ops = &b->cnt[b->train].ops[PBIT_BSFF_PH_READOUT];
  ops->nonlin += 2 * c->classes;
  ops->fp_op += 2 * (uint64_t)c->classes * (F + 1);
  if (st != NULL) {
    st->readout_loss += log(sum) - (z[label] - mx);
    st->readout_correct += best == label;
  }
  return PBIT_OK;
}

/* ---- public */

int pbit_bsff_create(pbit_hal_t *hal, const pbit_bsff_config_t *cfg, pbit_bsff_t **out,
                     pbit_error_t *err) {
  if (hal == NULL || cfg == NULL || out == NULL) return bad(err, "NULL argument");
  *out = NULL;
  int rc = pbit_bsff_config_check(cfg, err);
  if (rc != PBIT_OK) return rc;
  pbit_hal_info_t info;
  if (pbit_hal_info(hal, &info) != PBIT_HAL_OK)
    return pbit_error_set(err, PBIT_ERR_RUNTIME, NULL, 0, 0, "bsff: %s", pbit_hal_error(hal));
  if (info.tiles < cfg->layers)
    return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                          "bsff: %u layers need %u tiles, the accelerator has %u", cfg->layers,
                          cfg->layers, info.tiles);
  if (info.max_copies < cfg->copies)
    return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                          "bsff: K = %u copies, the p-bit arrays hold %u per unit", cfg->copies,
                          info.max_copies);
  for (uint32_t l = 0; l < cfg->layers; l++) {
    uint32_t n_in = pbit_bsff_layer_inputs(cfg, l);
    if (n_in > info.max_inputs || cfg->units[l] > info.max_units)
      return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                            "bsff: layer %u is %u inputs x %u units, the accelerator holds %u x %u",
                            l + 1, n_in, cfg->units[l], info.max_inputs, info.max_units);
  }
  uint32_t p_shift = 0;
  while ((1u << p_shift) < cfg->pixel_samples) p_shift++;
  if (cfg->dac_shift + p_shift >= info.acc_bits)
    return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                          "bsff: dac_shift %u (+ %u for P = %u pixel samples on layer 1) must be "
                          "below the accumulator width %u",
                          cfg->dac_shift, p_shift, cfg->pixel_samples, info.acc_bits);
  if (cfg->frac_bits + 1 >= info.weight_bits)
    return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                          "bsff: frac_bits %u leaves no integer bits in %u-bit weights",
                          cfg->frac_bits, info.weight_bits);
  pbit_bsff_t *b = calloc(1, sizeof *b);
  if (b == NULL) return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
  b->hal = hal;
  b->c = *cfg;
  b->err = err;
  b->input_lsb = pbit_bsff_input_lsb(cfg);
  b->train = 1;
  for (uint32_t s = 0; s < 8; s++) b->key[s] = pbit_rng_key(cfg->seed, 0x42534646u + s);
  b->x0 = calloc((size_t)cfg->pixel_samples * cfg->inputs, 1);
  int ok = b->x0 != NULL;
  uint32_t K = cfg->copies;
  size_t F = 0;
  for (uint32_t l = 0; l < cfg->layers && ok; l++) {
    layer_t *y = &b->L[l];
    y->feat = l == 0 ? cfg->inputs : cfg->units[l - 1];
    y->n_in = pbit_bsff_layer_inputs(cfg, l);
    y->n_out = cfg->units[l];
    y->kin = l == 0 ? cfg->pixel_samples : K;
    /* Layer 1 sees P planes: row i is added n_i in 0..P times and the label
     * rows P times, so its DAC shift grows by log2 P and its z is
     * beta * (sum_i (n_i / P) w_i + label row + b / P) + c_k; delta carries
     * that beta / P (exact gradient). P = 1: as the other layers. */
    y->dac_shift = cfg->dac_shift + (l == 0 ? p_shift : 0);
    y->dscale = l == 0 ? 1.0 / cfg->pixel_samples : 1.0;
    y->label_every = l == 0 && cfg->pixel_samples > 1;
    y->phase = -1;
    size_t np = (size_t)y->n_out * K;
    y->win = calloc(y->n_in, 1);
    y->want = calloc(y->n_in, 1);
    y->states = calloc(np * (cfg->samples + 1), 1);
    y->out[0] = calloc(np, 1);
    y->out[1] = calloc(np, 1);
    y->s[0] = calloc(y->n_out, sizeof(double));
    y->s[1] = calloc(y->n_out, sizeof(double));
    y->delta = calloc(y->n_out, sizeof(int32_t));
    y->codes = calloc(y->n_out, sizeof(int32_t));
    y->lab_idx = calloc((size_t)y->kin * cfg->label_repeat, sizeof(uint32_t));
    ok = y->win && y->want && y->states && y->out[0] && y->out[1] && y->s[0] && y->s[1] &&
         y->delta && y->codes && y->lab_idx;
    /* c_k = -(k - 1/2) step in DAC code units. */
    for (uint32_t k = 1; k <= K; k++)
      y->offsets[k - 1] = (int32_t)lround(-((double)k - 0.5) * cfg->step / b->input_lsb);
    if (l >= cfg->readout_from_layer) F += y->n_out;
  }
  if (ok && cfg->readout) {
    b->ro_f = F;
    b->ro_w = calloc(cfg->classes * (F + 1), sizeof(float));
    b->ro_x = calloc(F, sizeof(double));
    ok = b->ro_w && b->ro_x;
  }
  if (!ok) {
    pbit_bsff_destroy(b);
    return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
  }
  /* Initial weights from the seed, loaded tile by tile. */
  for (uint32_t l = 0; l < cfg->layers && rc == PBIT_OK; l++) {
    layer_t *y = &b->L[l];
    size_t nw = (size_t)y->n_in * y->n_out;
    int32_t *w = malloc(nw * sizeof *w);
    int32_t *bias = calloc(y->n_out, sizeof *bias);
    if (w == NULL || bias == NULL) {
      free(w);
      free(bias);
      rc = pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
      break;
    }
    double a = cfg->init_scale * sqrt(3.0 / y->n_in) * ldexp(1.0, (int)cfg->frac_bits);
    uint64_t ck = pbit_rng_counter_key(b->key[RNG_INIT], l);
    for (size_t i = 0; i < nw; i++) {
      double u = ((double)pbit_rng_u32_ck(ck, (uint32_t)i) + 0.5) * 0x1p-32;
      w[i] = (int32_t)lround((2 * u - 1) * a);
    }
    rc = pbit_bsff_write_layer(b, l, w, bias, err);
    free(w);
    free(bias);
  }
  if (rc == PBIT_OK) rc = select_tile(b, 0);
  if (rc != PBIT_OK) {
    pbit_bsff_destroy(b);
    return rc;
  }
  b->t_snap = pbit_hal_now(hal);
  *out = b;
  return PBIT_OK;
}

void pbit_bsff_destroy(pbit_bsff_t *b) {
  if (b == NULL) return;
  for (uint32_t l = 0; l < PBIT_BSFF_MAX_LAYERS; l++) {
    layer_t *y = &b->L[l];
    free(y->win);
    free(y->want);
    free(y->states);
    free(y->out[0]);
    free(y->out[1]);
    free(y->s[0]);
    free(y->s[1]);
    free(y->delta);
    free(y->codes);
    free(y->lab_idx);
  }
  free(b->x0);
  free(b->ro_w);
  free(b->ro_x);
  free(b);
}

int pbit_bsff_write_layer(pbit_bsff_t *b, uint32_t l, const int32_t *w, const int32_t *bias,
                          pbit_error_t *err) {
  if (b == NULL || l >= b->c.layers || w == NULL || bias == NULL) return bad(err, "bad argument");
  b->err = err;
  layer_t *y = &b->L[l];
  int rc = select_tile(b, l);
  if (rc != PBIT_OK) return rc;
  if (pbit_hal_set_geometry(b->hal, y->n_in, y->n_out, y->dac_shift) != PBIT_HAL_OK ||
      pbit_hal_load_weights(b->hal, 0, y->n_in, y->n_out, w) != PBIT_HAL_OK ||
      pbit_hal_load_bias(b->hal, bias, y->n_out) != PBIT_HAL_OK ||
      pbit_hal_pbit_copies(b->hal, b->c.copies, y->offsets) != PBIT_HAL_OK)
    return hal_fail(b, "loading the layer");
  y->win_valid = 0;
  y->sum_gen = 0;
  return PBIT_OK;
}

int pbit_bsff_read_layer(pbit_bsff_t *b, uint32_t l, int32_t *w, int32_t *bias, pbit_error_t *err) {
  if (b == NULL || l >= b->c.layers || w == NULL || bias == NULL) return bad(err, "bad argument");
  b->err = err;
  layer_t *y = &b->L[l];
  int rc = select_tile(b, l);
  if (rc != PBIT_OK) return rc;
  if (pbit_hal_read_weights(b->hal, 0, y->n_in, y->n_out, w) != PBIT_HAL_OK ||
      pbit_hal_read_bias(b->hal, bias, y->n_out) != PBIT_HAL_OK)
    return hal_fail(b, "reading the layer");
  return PBIT_OK;
}

float *pbit_bsff_readout(pbit_bsff_t *b, size_t *n) {
  if (b == NULL || b->ro_w == NULL) return NULL;
  if (n != NULL) *n = b->c.classes * (b->ro_f + 1);
  return b->ro_w;
}

uint64_t pbit_bsff_steps(const pbit_bsff_t *b) { return b ? b->steps : 0; }
void pbit_bsff_set_steps(pbit_bsff_t *b, uint64_t steps) {
  if (b) b->steps = steps;
}

static double dldg_pos(const pbit_bsff_config_t *c, double gp, double gn) {
  if (c->loss == PBIT_BSFF_LOSS_PAIRED) return -c->alpha * sigmoid(-c->alpha * (gp - gn));
  return -c->alpha * sigmoid(-c->alpha * (gp - c->theta));
}
static double dldg_neg(const pbit_bsff_config_t *c, double gp, double gn) {
  if (c->loss == PBIT_BSFF_LOSS_PAIRED) return c->alpha * sigmoid(-c->alpha * (gp - gn));
  return c->alpha * sigmoid(c->alpha * (gn - c->theta));
}
static double loss_of(const pbit_bsff_config_t *c, double gp, double gn) {
  if (c->loss == PBIT_BSFF_LOSS_PAIRED) return softplus(-c->alpha * (gp - gn));
  return softplus(-c->alpha * (gp - c->theta)) + softplus(c->alpha * (gn - c->theta));
}
static double sgn(double v) { return (v > 0) - (v < 0); }

int pbit_bsff_train_example(pbit_bsff_t *b, const uint8_t *px, uint32_t label, uint64_t id,
                            pbit_bsff_stats_t *st, pbit_error_t *err) {
  if (b == NULL || px == NULL || label >= b->c.classes) return bad(err, "bad argument");
  b->err = err;
  const pbit_bsff_config_t *c = &b->c;
  int rc = set_group(b, 1);
  if (rc != PBIT_OK) return rc;
  binarize(b, px, id);
  /* The negative label. */
  uint32_t neg;
  pbit_bsff_ops_t *sops = &b->cnt[1].ops[PBIT_BSFF_PH_SCORE];
  if (c->negatives == PBIT_BSFF_NEG_HARD) {
    double sc[PBIT_BSFF_MAX_CLASSES], w[PBIT_BSFF_MAX_CLASSES], mx = -1e300, tot = 0;
    rc = score_labels(b, PBIT_BSFF_PH_SCORE, sc);
    if (rc != PBIT_OK) return rc;
    uint32_t best = 0;
    for (uint32_t k = 0; k < c->classes; k++)
      if (sc[k] > sc[best]) best = k;
    if (st) {
      st->scored++;
      st->score_correct += best == label;
    }
    for (uint32_t k = 0; k < c->classes; k++)
      if (k != label && sc[k] > mx) mx = sc[k];
    for (uint32_t k = 0; k < c->classes; k++) {
      w[k] = k == label ? 0 : exp((sc[k] - mx) / c->hard_temp);
      tot += w[k];
    }
    double u = pbit_rng_uniform(b->key[RNG_NEG], 0, id) * tot;
    neg = label == 0 ? 1 : 0;
    for (uint32_t k = 0; k < c->classes; k++) {
      if (k == label) continue;
      neg = k;
      if (u < w[k]) break;
      u -= w[k];
    }
    sops->nonlin += c->classes;
    sops->fp_op += 3 * (uint64_t)c->classes;
    sops->rng += 1;
  } else {
    uint32_t r = pbit_rng_u32(b->key[RNG_NEG], 0, id) % (c->classes - 1);
    neg = r >= label ? r + 1 : r;
    b->cnt[1].ops[PBIT_BSFF_PH_FORWARD].rng += 1;
  }
  /* Layer by layer: positive and negative passes, loss, local update. */
  const uint8_t *xp = b->x0, *xn = b->x0;
  for (uint32_t l = 0; l < c->layers; l++) {
    layer_t *y = &b->L[l];
    /* out[0] / out[1] of the previous layer are this layer's inputs: keep
     * them until the update, write this layer's into its own buffers. */
    pass_t pp = {0, y->s[0], y->out[0]}, pn = {0, y->s[1], y->out[1]};
    rc = forward(b, l, xp, (int)label, PBIT_BSFF_PH_FORWARD, &pp);
    if (rc == PBIT_OK) rc = forward(b, l, xn, (int)neg, PBIT_BSFF_PH_FORWARD, &pn);
    if (rc != PBIT_OK) return rc;
    double gp = dldg_pos(c, pp.g, pn.g), gn = dldg_neg(c, pp.g, pn.g);
    if (c->sign) {
      gp = sgn(gp);
      gn = sgn(gn);
    }
    pbit_bsff_ops_t *gops = &b->cnt[1].ops[PBIT_BSFF_PH_GOODNESS];
    gops->nonlin += 2;
    gops->fp_op += 8;
    if (st) {
      st->loss[l] += loss_of(c, pp.g, pn.g);
      st->g_pos[l] += pp.g;
      st->g_neg[l] += pn.g;
    }
    make_delta(b, l, gp, y->s[0], id, 0);
    rc = update(b, l, xp, (int)label);
    if (rc != PBIT_OK) return rc;
    make_delta(b, l, gn, y->s[1], id, 1);
    rc = update(b, l, xn, (int)neg);
    if (rc != PBIT_OK) return rc;
    xp = y->out[0];
    xn = y->out[1];
  }
  if (c->readout) {
    rc = readout_train(b, label, st);
    if (rc != PBIT_OK) return rc;
  }
  if (st) st->examples++;
  b->cnt[1].examples++;
  b->steps++;
  return PBIT_OK;
}

int pbit_bsff_predict(pbit_bsff_t *b, const uint8_t *px, uint64_t id, pbit_bsff_predict_t rule,
                      uint32_t *pred, double *scores, pbit_error_t *err) {
  if (b == NULL || px == NULL || pred == NULL) return bad(err, "bad argument");
  if (rule == PBIT_BSFF_PREDICT_READOUT && !b->c.readout) return bad(err, "no readout trained");
  b->err = err;
  const pbit_bsff_config_t *c = &b->c;
  int rc = set_group(b, 0);
  if (rc != PBIT_OK) return rc;
  /* Test examples draw from their own part of the streams. */
  binarize(b, px, id | (UINT64_C(1) << 62));
  double sc[PBIT_BSFF_MAX_CLASSES];
  if (rule == PBIT_BSFF_PREDICT_READOUT) {
    rc = readout_features(b, PBIT_BSFF_PH_READOUT);
    if (rc != PBIT_OK) return rc;
    readout_scores(b, sc);
  } else {
    rc = score_labels(b, PBIT_BSFF_PH_SCORE, sc);
    if (rc != PBIT_OK) return rc;
  }
  uint32_t best = 0;
  for (uint32_t k = 0; k < c->classes; k++)
    if (sc[k] > sc[best]) best = k;
  *pred = best;
  if (scores) memcpy(scores, sc, c->classes * sizeof *sc);
  b->cnt[0].examples++;
  return PBIT_OK;
}

int pbit_bsff_counters(pbit_bsff_t *b, int train, pbit_bsff_counters_t *out, pbit_error_t *err) {
  if (b == NULL || out == NULL) return bad(err, "bad argument");
  b->err = err;
  int rc = flush(b);
  if (rc != PBIT_OK) return rc;
  *out = b->cnt[train ? 1 : 0];
  return PBIT_OK;
}

/* ---- state (bsff.h) */

#define BSFF_STATE_MAGIC UINT64_C(0x3154534646534250) /* "PBSFFST1" */

/* What the state belongs to: the shapes of every buffer it fills. */
static uint64_t bsff_fingerprint(const pbit_bsff_t *b) {
  const pbit_bsff_config_t *c = &b->c;
  uint64_t v[8 + PBIT_BSFF_MAX_LAYERS] = {c->inputs, c->classes,      c->layers,
                                          c->copies, c->label_repeat, (uint64_t)c->readout,
                                          b->ro_f,   c->samples};
  for (uint32_t l = 0; l < c->layers; l++) v[8 + l] = c->units[l];
  return pbit_state_hash(PBIT_STATE_HASH_INIT, v, sizeof v);
}

static void bsff_state_write(const pbit_bsff_t *b, pbit_state_writer_t *w) {
  pbit_state_put_u64(w, BSFF_STATE_MAGIC);
  pbit_state_put_u64(w, bsff_fingerprint(b));
  pbit_state_put_u64(w, b->steps);
  pbit_state_put_u64(w, b->t_snap);
  const uint32_t v[2] = {b->cur, (uint32_t)b->train};
  pbit_state_put(w, v, sizeof v);
  pbit_state_put(w, b->cnt, sizeof b->cnt);
  pbit_state_put(w, b->pb_snap, b->c.layers * sizeof *b->pb_snap);
  for (uint32_t l = 0; l < b->c.layers; l++) {
    const layer_t *y = &b->L[l];
    const int32_t f[2] = {y->phase, y->win_valid};
    pbit_state_put(w, f, sizeof f);
    pbit_state_put(w, y->snap, sizeof y->snap);
    pbit_state_put(w, y->win, y->n_in);
  }
  if (b->ro_w != NULL) pbit_state_put(w, b->ro_w, b->c.classes * (b->ro_f + 1) * sizeof *b->ro_w);
}

size_t pbit_bsff_state_size(const pbit_bsff_t *b) {
  if (b == NULL) return 0;
  pbit_state_writer_t w;
  pbit_state_writer_init(&w, NULL, 0);
  bsff_state_write(b, &w);
  return w.pos;
}

int pbit_bsff_state_save(const pbit_bsff_t *b, void *buf, size_t len, pbit_error_t *err) {
  if (b == NULL || buf == NULL) return bad(err, "NULL argument");
  if (len < pbit_bsff_state_size(b)) return bad(err, "state buffer too small");
  pbit_state_writer_t w;
  pbit_state_writer_init(&w, buf, len);
  bsff_state_write(b, &w);
  return PBIT_OK;
}

int pbit_bsff_state_restore(pbit_bsff_t *b, const void *buf, size_t len, pbit_error_t *err) {
  if (b == NULL || buf == NULL) return bad(err, "NULL argument");
  pbit_state_reader_t r;
  pbit_state_reader_init(&r, buf, len);
  uint64_t magic = pbit_state_get_u64(&r), fp = pbit_state_get_u64(&r);
  if (!r.ok || magic != BSFF_STATE_MAGIC)
    return pbit_error_set(err, PBIT_ERR_DATA, NULL, 0, 0, "bsff: not a trainer state");
  if (fp != bsff_fingerprint(b))
    return pbit_error_set(err, PBIT_ERR_CONFIG, NULL, 0, 0,
                          "bsff: trainer state of another network (layers, K, R, T or readout)");
  if (len != pbit_bsff_state_size(b))
    return pbit_error_set(err, PBIT_ERR_DATA, NULL, 0, 0,
                          "bsff: trainer state is %zu bytes, expected %zu", len,
                          pbit_bsff_state_size(b));
  /* The size is right: check the few values with invariants, then apply. */
  pbit_state_reader_t chk = r;
  chk.pos += 2 * sizeof(uint64_t);
  uint32_t v[2];
  pbit_state_get(&chk, v, sizeof v);
  if (v[0] >= b->c.layers || v[1] > 1) return bad(err, "trainer state: bad tile or group");
  chk.pos += sizeof b->cnt + b->c.layers * sizeof *b->pb_snap;
  for (uint32_t l = 0; l < b->c.layers; l++) {
    int32_t f[2];
    pbit_state_get(&chk, f, sizeof f);
    if (f[0] < -1 || f[0] >= PBIT_BSFF_NUM_PH || f[1] < 0 || f[1] > 1)
      return bad(err, "trainer state: bad layer phase");
    chk.pos += sizeof b->L[l].snap + b->L[l].n_in;
  }
  b->err = err;
  b->steps = pbit_state_get_u64(&r);
  b->t_snap = pbit_state_get_u64(&r);
  pbit_state_get(&r, v, sizeof v);
  b->cur = v[0];
  b->train = (int)v[1];
  pbit_state_get(&r, b->cnt, sizeof b->cnt);
  pbit_state_get(&r, b->pb_snap, b->c.layers * sizeof *b->pb_snap);
  for (uint32_t l = 0; l < b->c.layers; l++) {
    layer_t *y = &b->L[l];
    int32_t f[2];
    pbit_state_get(&r, f, sizeof f);
    y->phase = f[0];
    y->win_valid = f[1];
    y->sum_gen = 0; /* the tile's saved bank is not trusted across a restore */
    pbit_state_get(&r, y->snap, sizeof y->snap);
    pbit_state_get(&r, y->win, y->n_in);
  }
  if (b->ro_w != NULL) pbit_state_get(&r, b->ro_w, b->c.classes * (b->ro_f + 1) * sizeof *b->ro_w);
  return PBIT_OK;
}
