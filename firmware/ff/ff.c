/* Real-valued forward-forward trainer (see ff.h). */
#include "ff.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ff_gemm.h"
#include "rng.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* RNG streams of this module. */
enum {
  STREAM_SHUFFLE = PBIT_STREAM_USER + 1,
  STREAM_NEGATIVE = PBIT_STREAM_USER + 2,
  STREAM_INIT = PBIT_STREAM_USER + 8, /* + layer */
};

enum { ALIGN = 64, NO_LABEL = 0xFF };

typedef struct {
  uint32_t n_in;     /* feature inputs */
  uint32_t units;    /* N */
  uint32_t stride;   /* N rounded up to 16 */
  uint32_t rows;     /* weight rows: n_in + appended label rows */
  uint32_t k0;       /* first row of the feature product (C in overlay mode) */
  uint32_t lab_row0; /* rows of class c: lab_row0 + c * lab_rep + r, r < lab_rep */
  uint32_t lab_rep;  /* 0: the layer gets no label */
  float *w, *b;      /* rows x stride, stride */
  float *gw, *gb;    /* gradients, same shapes */
  float *m1w, *m1b;  /* Adam first moment / SGD momentum */
  float *m2w, *m2b;  /* Adam second moment */
  float *lsum;       /* (C + 1) x stride: label line sums per class, then neutral */
} layer_t;

/* A parameter block the optimiser walks over. */
typedef struct {
  float *w, *g, *m1, *m2;
  uint32_t rows, cols, stride;
} param_t;

struct pbit_ff {
  pbit_ff_config_t cfg;
  int threads;
  layer_t layer[PBIT_FF_MAX_LAYERS];
  uint32_t in_stride;
  /* readout: feat x ro_stride weights over the concatenated activities */
  uint32_t ro_feat, ro_fstride, ro_stride;
  float *ro_w, *ro_b, *ro_gw, *ro_gb, *ro_m1w, *ro_m1b, *ro_m2w, *ro_m2b;
  uint64_t step, ro_step;
  pbit_ff_counters_t cnt;
  /* workspace for ws_ex examples of up to C + 1 passes */
  uint32_t ws_ex, ws_rows, max_stride;
  float *x0, *zf, *g, *delta, *dsum, *feat, *logit;
  float *h[PBIT_FF_MAX_LAYERS], *xn[PBIT_FF_MAX_LAYERS];
  double *coef; /* 2 per example */
  uint32_t *pos, *neg;
  uint8_t *lab, *ypos, *yneg;
  const float **xp, **dp;
  float **zp;
};

/* ------------------------------------------------------------ small helpers */

static uint32_t round16(uint32_t n) { return (n + 15u) & ~15u; }

static float *falloc(size_t n) {
  size_t bytes = (n * sizeof(float) + ALIGN - 1) / ALIGN * ALIGN;
  if (bytes == 0) bytes = ALIGN;
  float *p = aligned_alloc(ALIGN, bytes);
  if (p != NULL) memset(p, 0, bytes);
  return p;
}

static int nthreads(const pbit_ff_t *ff) { return ff->threads; }

void pbit_ff_ops_add(pbit_ff_ops_t *out, const pbit_ff_ops_t *a, const pbit_ff_ops_t *b) {
  pbit_ff_ops_t r;
  r.mul = a->mul + b->mul;
  r.add = a->add + b->add;
  r.div = a->div + b->div;
  r.cmp = a->cmp + b->cmp;
  r.nonlin = a->nonlin + b->nonlin;
  r.weight_reads = a->weight_reads + b->weight_reads;
  r.weight_writes = a->weight_writes + b->weight_writes;
  r.state_reads = a->state_reads + b->state_reads;
  r.state_writes = a->state_writes + b->state_writes;
  r.act_reads = a->act_reads + b->act_reads;
  r.act_writes = a->act_writes + b->act_writes;
  r.rng = a->rng + b->rng;
  *out = r;
}

/* Sum of squares in a fixed order: 16 lane sums, then the lanes in order. */
static float sumsq(const float *x, uint32_t n) {
  float lane[16] = {0};
  uint32_t j = 0;
  for (; j + 16 <= n; j += 16)
    for (int l = 0; l < 16; l++) lane[l] += x[j + l] * x[j + l];
  for (int l = 0; j < n; j++, l++) lane[l] += x[j] * x[j];
  float s = 0.0f;
  for (int l = 0; l < 16; l++) s += lane[l];
  return s;
}

float pbit_ff_goodness(const float *h, uint32_t n, int sum) {
  if (h == NULL || n == 0) return 0.0f;
  float ss = sumsq(h, n);
  return sum ? ss : ss * (1.0f / (float)n);
}

/* Factor that normalises a vector of n entries whose sum of squares is ss. */
static float norm_factor(float ss, uint32_t n, pbit_ff_norm_t mode, float eps) {
  switch (mode) {
    case PBIT_FF_NORM_L2:
      return 1.0f / (sqrtf(ss) + eps);
    case PBIT_FF_NORM_RMS:
      return 1.0f / (sqrtf(ss * (1.0f / (float)n)) + eps);
    default:
      return 1.0f;
  }
}

float pbit_ff_normalise(float *x, uint32_t n, pbit_ff_norm_t mode, float eps) {
  if (x == NULL || n == 0 || mode == PBIT_FF_NORM_NONE) return 1.0f;
  float f = norm_factor(sumsq(x, n), n, mode, eps);
  for (uint32_t j = 0; j < n; j++) x[j] *= f;
  return f;
}

static double softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }
static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

double pbit_ff_loss_value(pbit_ff_loss_t loss, double alpha, double theta, double g_pos,
                          double g_neg, double *dpos, double *dneg) {
  double l, dp, dn;
  if (loss == PBIT_FF_LOSS_THRESHOLD) {
    double u = alpha * (g_pos - theta), v = alpha * (g_neg - theta);
    l = softplus(-u) + softplus(v);
    dp = -alpha * sigmoid(-u);
    dn = alpha * sigmoid(v);
  } else {
    double u = alpha * (g_pos - g_neg);
    l = softplus(-u);
    dp = -alpha * sigmoid(-u);
    dn = -dp;
  }
  if (dpos != NULL) *dpos = dp;
  if (dneg != NULL) *dneg = dn;
  return l;
}

/* ------------------------------------------------------------- configuration */

void pbit_ff_config_default(pbit_ff_config_t *cfg) {
  if (cfg == NULL) return;
  memset(cfg, 0, sizeof(*cfg));
  cfg->inputs = 784;
  cfg->classes = 10;
  cfg->layers = 2;
  cfg->units[0] = 500;
  cfg->units[1] = 500;
  cfg->init_scale = 1.0f;
  cfg->label_mode = PBIT_FF_LABEL_APPEND;
  cfg->label_repeat = 1;
  cfg->label_all_layers = 1;
  cfg->label_scale = 1.0f;
  cfg->neutral_uniform = 0;
  cfg->input_norm = PBIT_FF_NORM_RMS;
  cfg->layer_norm = PBIT_FF_NORM_RMS;
  cfg->norm_eps = 1e-6f;
  cfg->goodness_sum = 1;
  cfg->loss = PBIT_FF_LOSS_SYMBA;
  cfg->alpha = 0.3f;
  cfg->theta = 2.0f;
  cfg->negatives = PBIT_FF_NEG_HARD;
  cfg->hard_temp = 1.0f;
  cfg->score_from_layer = 0;
  cfg->optimizer = PBIT_FF_OPT_ADAM;
  cfg->lr = 1e-3f;
  cfg->lr_min_frac = 0.0f;
  cfg->schedule = PBIT_FF_SCHED_COSINE;
  cfg->warmup_steps = 0;
  cfg->momentum = 0.9f;
  cfg->adam_beta1 = 0.9f;
  cfg->adam_beta2 = 0.999f;
  cfg->adam_eps = 1e-8f;
  cfg->weight_decay = 0.0f;
  cfg->batch = 64;
  cfg->epochs = 20;
  cfg->readout = 1;
  cfg->readout_from_layer = 0;
  cfg->readout_lr = 1e-3f;
  cfg->seed = 1;
  cfg->threads = 0;
}

#define BAD(...) PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, __VA_ARGS__)

static int finite_nonneg(float x) { return isfinite(x) && x >= 0.0f; }

int pbit_ff_config_check(const pbit_ff_config_t *cfg, pbit_error_t *err) {
  if (cfg == NULL) return BAD("ff config: NULL");
  if (cfg->inputs == 0 || cfg->inputs > (1u << 20))
    return BAD("ff config: inputs %u out of range 1..%u", cfg->inputs, 1u << 20);
  if (cfg->classes < 2 || cfg->classes > PBIT_FF_MAX_CLASSES)
    return BAD("ff config: classes %u out of range 2..%d", cfg->classes, PBIT_FF_MAX_CLASSES);
  if (cfg->layers < 1 || cfg->layers > PBIT_FF_MAX_LAYERS)
    return BAD("ff config: layers %u out of range 1..%d", cfg->layers, PBIT_FF_MAX_LAYERS);
  for (uint32_t l = 0; l < cfg->layers; l++)
    if (cfg->units[l] == 0 || cfg->units[l] > (1u << 16))
      return BAD("ff config: units[%u] = %u out of range 1..%u", l, cfg->units[l], 1u << 16);
  if (!(isfinite(cfg->init_scale) && cfg->init_scale > 0.0f))
    return BAD("ff config: init_scale must be > 0");
  if (cfg->label_mode != PBIT_FF_LABEL_OVERLAY && cfg->label_mode != PBIT_FF_LABEL_APPEND)
    return BAD("ff config: unknown label_mode %d", (int)cfg->label_mode);
  if (cfg->label_mode == PBIT_FF_LABEL_APPEND && (cfg->label_repeat < 1 || cfg->label_repeat > 64))
    return BAD("ff config: label_repeat %u out of range 1..64", cfg->label_repeat);
  if (cfg->label_mode == PBIT_FF_LABEL_OVERLAY) {
    if (cfg->inputs <= cfg->classes)
      return BAD("ff config: overlay label needs more than %u inputs", cfg->classes);
    if (cfg->label_all_layers)
      for (uint32_t l = 0; l + 1 < cfg->layers; l++)
        if (cfg->units[l] <= cfg->classes)
          return BAD("ff config: overlay label on every layer needs units[%u] > %u", l,
                     cfg->classes);
  }
  if (!(isfinite(cfg->label_scale) && cfg->label_scale > 0.0f))
    return BAD("ff config: label_scale must be > 0");
  if ((unsigned)cfg->input_norm > PBIT_FF_NORM_RMS || (unsigned)cfg->layer_norm > PBIT_FF_NORM_RMS)
    return BAD("ff config: unknown normalisation mode");
  if (!finite_nonneg(cfg->norm_eps)) return BAD("ff config: norm_eps must be >= 0");
  if (cfg->loss != PBIT_FF_LOSS_SYMBA && cfg->loss != PBIT_FF_LOSS_THRESHOLD)
    return BAD("ff config: unknown loss %d", (int)cfg->loss);
  if (!(isfinite(cfg->alpha) && cfg->alpha > 0.0f)) return BAD("ff config: alpha must be > 0");
  if (!isfinite(cfg->theta)) return BAD("ff config: theta must be finite");
  if (cfg->negatives != PBIT_FF_NEG_RANDOM && cfg->negatives != PBIT_FF_NEG_HARD)
    return BAD("ff config: unknown negatives %d", (int)cfg->negatives);
  if (!(isfinite(cfg->hard_temp) && cfg->hard_temp > 0.0f))
    return BAD("ff config: hard_temp must be > 0");
  if (cfg->score_from_layer >= cfg->layers)
    return BAD("ff config: score_from_layer %u >= layers %u", cfg->score_from_layer, cfg->layers);
  if (cfg->optimizer != PBIT_FF_OPT_ADAM && cfg->optimizer != PBIT_FF_OPT_SGD)
    return BAD("ff config: unknown optimizer %d", (int)cfg->optimizer);
  if (!finite_nonneg(cfg->lr)) return BAD("ff config: lr must be >= 0");
  if (!(finite_nonneg(cfg->lr_min_frac) && cfg->lr_min_frac <= 1.0f))
    return BAD("ff config: lr_min_frac must be in [0, 1]");
  if (cfg->schedule != PBIT_FF_SCHED_CONST && cfg->schedule != PBIT_FF_SCHED_COSINE)
    return BAD("ff config: unknown schedule %d", (int)cfg->schedule);
  if (!(finite_nonneg(cfg->momentum) && cfg->momentum < 1.0f))
    return BAD("ff config: momentum must be in [0, 1)");
  if (!(finite_nonneg(cfg->adam_beta1) && cfg->adam_beta1 < 1.0f) ||
      !(finite_nonneg(cfg->adam_beta2) && cfg->adam_beta2 < 1.0f))
    return BAD("ff config: adam betas must be in [0, 1)");
  if (!(isfinite(cfg->adam_eps) && cfg->adam_eps > 0.0f))
    return BAD("ff config: adam_eps must be > 0");
  if (!finite_nonneg(cfg->weight_decay)) return BAD("ff config: weight_decay must be >= 0");
  if (cfg->batch < 1 || cfg->batch > 65536)
    return BAD("ff config: batch %u out of range 1..65536", cfg->batch);
  if (cfg->epochs < 1) return BAD("ff config: epochs must be >= 1");
  if (cfg->readout_from_layer >= cfg->layers)
    return BAD("ff config: readout_from_layer %u >= layers %u", cfg->readout_from_layer,
               cfg->layers);
  if (!finite_nonneg(cfg->readout_lr)) return BAD("ff config: readout_lr must be >= 0");
  if (cfg->threads < 0 || cfg->threads > 1024)
    return BAD("ff config: threads %d out of range 0..1024", cfg->threads);
  return PBIT_OK;
}

/* --------------------------------------------------------- create / destroy */

static void free_ws(pbit_ff_t *ff) {
  free(ff->x0);
  free(ff->zf);
  free(ff->g);
  free(ff->delta);
  free(ff->dsum);
  free(ff->feat);
  free(ff->logit);
  for (uint32_t l = 0; l < PBIT_FF_MAX_LAYERS; l++) {
    free(ff->h[l]);
    free(ff->xn[l]);
    ff->h[l] = ff->xn[l] = NULL;
  }
  free(ff->coef);
  free(ff->pos);
  free(ff->neg);
  free(ff->lab);
  free(ff->ypos);
  free(ff->yneg);
  free((void *)ff->xp);
  free((void *)ff->dp);
  free((void *)ff->zp);
  ff->x0 = ff->zf = ff->g = ff->delta = ff->dsum = ff->feat = ff->logit = NULL;
  ff->coef = NULL;
  ff->pos = ff->neg = NULL;
  ff->lab = ff->ypos = ff->yneg = NULL;
  ff->xp = ff->dp = NULL;
  ff->zp = NULL;
  ff->ws_ex = ff->ws_rows = 0;
}

/* Makes room for `ex` examples of up to C + 1 passes each. */
static int ensure_ws(pbit_ff_t *ff, uint32_t ex, pbit_error_t *err) {
  if (ex <= ff->ws_ex) return PBIT_OK;
  free_ws(ff);
  const pbit_ff_config_t *c = &ff->cfg;
  const size_t rows = (size_t)ex * (c->classes + 1);
  const size_t ms = ff->max_stride, L = c->layers;
  int ok = 1;
  ok &= (ff->x0 = falloc((size_t)ex * ff->in_stride)) != NULL;
  ok &= (ff->zf = falloc(rows * ms)) != NULL;
  ok &= (ff->g = falloc(rows * L)) != NULL;
  ok &= (ff->delta = falloc(2 * (size_t)ex * ms)) != NULL;
  ok &= (ff->dsum = falloc((size_t)ex * ms)) != NULL;
  ok &= (ff->feat = falloc((size_t)ex * ff->ro_fstride)) != NULL;
  ok &= (ff->logit = falloc((size_t)ex * ff->ro_stride)) != NULL;
  for (uint32_t l = 0; l < L; l++) {
    ok &= (ff->h[l] = falloc(rows * ff->layer[l].stride)) != NULL;
    ok &= (ff->xn[l] = falloc(rows * ff->layer[l].stride)) != NULL;
  }
  ok &= (ff->coef = calloc(2 * (size_t)ex, sizeof(double))) != NULL;
  ok &= (ff->pos = calloc(ex, sizeof(uint32_t))) != NULL;
  ok &= (ff->neg = calloc(ex, sizeof(uint32_t))) != NULL;
  ok &= (ff->lab = calloc(rows, 1)) != NULL;
  ok &= (ff->ypos = calloc(ex, 1)) != NULL;
  ok &= (ff->yneg = calloc(ex, 1)) != NULL;
  ok &= (ff->xp = calloc(rows + 2 * (size_t)ex, sizeof(float *))) != NULL;
  ok &= (ff->dp = calloc(rows + 2 * (size_t)ex, sizeof(float *))) != NULL;
  ok &= (ff->zp = calloc(rows + 2 * (size_t)ex, sizeof(float *))) != NULL;
  if (!ok) {
    free_ws(ff);
    return PBIT_FAIL(err, PBIT_ERR_NOMEM, NULL, 0, 0, "ff: out of memory for %u examples", ex);
  }
  ff->ws_ex = ex;
  ff->ws_rows = (uint32_t)rows;
  return PBIT_OK;
}

void pbit_ff_destroy(pbit_ff_t *ff) {
  if (ff == NULL) return;
  for (uint32_t l = 0; l < PBIT_FF_MAX_LAYERS; l++) {
    layer_t *L = &ff->layer[l];
    free(L->w);
    free(L->b);
    free(L->gw);
    free(L->gb);
    free(L->m1w);
    free(L->m1b);
    free(L->m2w);
    free(L->m2b);
    free(L->lsum);
  }
  free(ff->ro_w);
  free(ff->ro_b);
  free(ff->ro_gw);
  free(ff->ro_gb);
  free(ff->ro_m1w);
  free(ff->ro_m1b);
  free(ff->ro_m2w);
  free(ff->ro_m2b);
  free_ws(ff);
  free(ff);
}

int pbit_ff_create(const pbit_ff_config_t *cfg, pbit_ff_t **out, pbit_error_t *err) {
  if (out == NULL) return BAD("ff create: NULL output");
  *out = NULL;
  int rc = pbit_ff_config_check(cfg, err);
  if (rc != PBIT_OK) return rc;
  pbit_ff_t *ff = calloc(1, sizeof(*ff));
  if (ff == NULL) return PBIT_FAIL(err, PBIT_ERR_NOMEM, NULL, 0, 0, "ff create: out of memory");
  ff->cfg = *cfg;
#ifdef _OPENMP
  ff->threads = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
#else
  ff->threads = 1;
#endif
  const uint32_t C = cfg->classes;
  ff->in_stride = round16(cfg->inputs);
  ff->max_stride = 16;
  int ok = 1;
  for (uint32_t l = 0; l < cfg->layers; l++) {
    layer_t *L = &ff->layer[l];
    L->n_in = l == 0 ? cfg->inputs : cfg->units[l - 1];
    L->units = cfg->units[l];
    L->stride = round16(L->units);
    if (L->stride > ff->max_stride) ff->max_stride = L->stride;
    const int labelled = l == 0 || cfg->label_all_layers;
    L->rows = L->n_in;
    if (labelled && cfg->label_mode == PBIT_FF_LABEL_APPEND) {
      L->lab_row0 = L->n_in;
      L->lab_rep = cfg->label_repeat;
      L->rows += C * cfg->label_repeat;
    } else if (labelled) {
      L->lab_row0 = 0;
      L->lab_rep = 1;
      L->k0 = C;
    }
    const size_t nw = (size_t)L->rows * L->stride;
    ok &= (L->w = falloc(nw)) != NULL && (L->gw = falloc(nw)) != NULL &&
          (L->m1w = falloc(nw)) != NULL && (L->m2w = falloc(nw)) != NULL &&
          (L->b = falloc(L->stride)) != NULL && (L->gb = falloc(L->stride)) != NULL &&
          (L->m1b = falloc(L->stride)) != NULL && (L->m2b = falloc(L->stride)) != NULL &&
          (L->lsum = falloc((size_t)(C + 1) * L->stride)) != NULL;
    if (!ok) break;
    /* W ~ N(0, init_scale^2 / fan_in); fan_in counts the label lines too. */
    const uint64_t key = pbit_rng_key(cfg->seed, STREAM_INIT + l);
    const double sd = cfg->init_scale / sqrt((double)L->rows);
    for (uint32_t k = 0; k < L->rows; k++)
      for (uint32_t j = 0; j < L->units; j++)
        L->w[(size_t)k * L->stride + j] = (float)(sd * pbit_rng_normal(key, j, k));
  }
  uint32_t feat = 0;
  for (uint32_t l = cfg->readout_from_layer; l < cfg->layers; l++) feat += cfg->units[l];
  ff->ro_feat = feat;
  ff->ro_fstride = round16(feat);
  ff->ro_stride = round16(C);
  if (ok) {
    const size_t nr = (size_t)ff->ro_fstride * ff->ro_stride;
    ok &= (ff->ro_w = falloc(nr)) != NULL && (ff->ro_gw = falloc(nr)) != NULL &&
          (ff->ro_m1w = falloc(nr)) != NULL && (ff->ro_m2w = falloc(nr)) != NULL &&
          (ff->ro_b = falloc(ff->ro_stride)) != NULL &&
          (ff->ro_gb = falloc(ff->ro_stride)) != NULL &&
          (ff->ro_m1b = falloc(ff->ro_stride)) != NULL &&
          (ff->ro_m2b = falloc(ff->ro_stride)) != NULL;
  }
  if (ok) ok = ensure_ws(ff, cfg->batch < 64 ? 64 : cfg->batch, err) == PBIT_OK;
  if (!ok) {
    pbit_ff_destroy(ff);
    return PBIT_FAIL(err, PBIT_ERR_NOMEM, NULL, 0, 0, "ff create: out of memory");
  }
  *out = ff;
  return PBIT_OK;
}

const pbit_ff_config_t *pbit_ff_get_config(const pbit_ff_t *ff) {
  return ff == NULL ? NULL : &ff->cfg;
}

int pbit_ff_layer_shape(const pbit_ff_t *ff, uint32_t layer, uint32_t *rows, uint32_t *units,
                        pbit_error_t *err) {
  if (ff == NULL) return BAD("ff: NULL network");
  if (layer >= ff->cfg.layers) return BAD("ff: layer %u >= layers %u", layer, ff->cfg.layers);
  if (rows != NULL) *rows = ff->layer[layer].rows;
  if (units != NULL) *units = ff->layer[layer].units;
  return PBIT_OK;
}

int pbit_ff_get_params(const pbit_ff_t *ff, uint32_t layer, float *w, float *b, pbit_error_t *err) {
  int rc = pbit_ff_layer_shape(ff, layer, NULL, NULL, err);
  if (rc != PBIT_OK) return rc;
  const layer_t *L = &ff->layer[layer];
  if (w != NULL)
    for (uint32_t k = 0; k < L->rows; k++)
      memcpy(w + (size_t)k * L->units, L->w + (size_t)k * L->stride, L->units * sizeof(float));
  if (b != NULL) memcpy(b, L->b, L->units * sizeof(float));
  return PBIT_OK;
}

int pbit_ff_set_params(pbit_ff_t *ff, uint32_t layer, const float *w, const float *b,
                       pbit_error_t *err) {
  int rc = pbit_ff_layer_shape(ff, layer, NULL, NULL, err);
  if (rc != PBIT_OK) return rc;
  layer_t *L = &ff->layer[layer];
  if (w != NULL)
    for (uint32_t k = 0; k < L->rows; k++)
      memcpy(L->w + (size_t)k * L->stride, w + (size_t)k * L->units, L->units * sizeof(float));
  if (b != NULL) memcpy(L->b, b, L->units * sizeof(float));
  return PBIT_OK;
}

void pbit_ff_get_counters(const pbit_ff_t *ff, pbit_ff_counters_t *out) {
  if (ff == NULL || out == NULL) return;
  *out = ff->cnt;
}

void pbit_ff_reset_counters(pbit_ff_t *ff) {
  if (ff != NULL) memset(&ff->cnt, 0, sizeof(ff->cnt));
}

/* ------------------------------------------------------------------ counting
 * Each function adds the counts of one stage (docs/results.md lists them). */

/* Image preparation: scale the D - k0 pixels by 1/255 and normalise. */
static void count_prep(const pbit_ff_t *ff, pbit_ff_ops_t *o, uint64_t n) {
  const pbit_ff_config_t *c = &ff->cfg;
  const uint64_t d = c->inputs - ff->layer[0].k0;
  o->act_reads += n * d;
  o->mul += n * d;
  o->act_writes += n * d;
  if (c->input_norm != PBIT_FF_NORM_NONE) {
    o->mul += n * (d + d + (c->input_norm == PBIT_FF_NORM_RMS)); /* squares, scaling, 1/D */
    o->add += n * (d + 1);                                       /* sum, + eps */
    o->nonlin += n;                                              /* sqrt */
    o->div += n;                                                 /* reciprocal */
  }
}

/* Feature product of one input vector: z = b + W^T x over rows k0..n_in-1. */
static void count_feature(const layer_t *L, pbit_ff_ops_t *o, uint64_t n) {
  const uint64_t nf = L->n_in - L->k0, N = L->units;
  o->mul += n * nf * N;
  o->add += n * (nf + 1) * N;
  o->weight_reads += n * (nf + 1) * N;
  o->act_reads += n * nf;
  o->act_writes += n * N;
}

/* One pass through the unit pipeline: label lines, ReLU, goodness, norm.
 * label: a class, classes (neutral) or NO_LABEL. */
static void count_pass(const pbit_ff_t *ff, const layer_t *L, pbit_ff_ops_t *o, uint64_t n,
                       uint32_t label) {
  const pbit_ff_config_t *c = &ff->cfg;
  const uint64_t N = L->units, R = L->lab_rep, C = c->classes;
  o->act_reads += n * N;
  if (R > 0 && label < C) {
    o->weight_reads += n * R * N;
    o->add += n * R * N;
    if (c->label_scale != 1.0f) o->mul += n * N;
  } else if (R > 0 && label == C && c->neutral_uniform) {
    o->weight_reads += n * C * R * N;
    o->add += n * C * R * N;
    o->mul += n * N;
  }
  o->cmp += n * N;              /* ReLU */
  o->mul += n * N;              /* squares */
  o->add += n * N;              /* sum of squares */
  o->act_writes += n * (N + 1); /* h, g */
  const int mean_needed = !c->goodness_sum || c->layer_norm == PBIT_FF_NORM_RMS;
  if (mean_needed) o->mul += n;
  if (c->layer_norm != PBIT_FF_NORM_NONE) {
    o->nonlin += n;  /* sqrt */
    o->add += n;     /* + eps */
    o->div += n;     /* reciprocal */
    o->mul += n * N; /* scaling */
    o->act_writes += n * N;
  }
}

/* All layers of n passes with label `label`; layer 0's feature product is
 * not included (it is shared by every pass of an example). */
static void count_passes(const pbit_ff_t *ff, pbit_ff_ops_t *o, uint64_t n, uint32_t label) {
  for (uint32_t l = 0; l < ff->cfg.layers; l++) {
    if (l > 0) count_feature(&ff->layer[l], o, n);
    count_pass(ff, &ff->layer[l], o, n, label);
  }
}

/* Label scores from per-layer goodness (n examples x C labels). */
static void count_scores(const pbit_ff_t *ff, pbit_ff_ops_t *o, uint64_t n) {
  const uint64_t ls = ff->cfg.layers - ff->cfg.score_from_layer, C = ff->cfg.classes;
  o->act_reads += n * C * ls;
  o->add += n * C * ls;
}

/* Optimiser over p parameters. */
static void count_opt(const pbit_ff_t *ff, pbit_ff_ops_t *o, uint64_t p) {
  const pbit_ff_config_t *c = &ff->cfg;
  o->weight_reads += p;
  o->weight_writes += p;
  if (c->optimizer == PBIT_FF_OPT_ADAM) {
    o->state_reads += 3 * p; /* g, m, v */
    o->state_writes += 2 * p;
    o->mul += 6 * p;
    o->add += 4 * p;
    o->div += p;
    o->nonlin += p;
  } else {
    o->state_reads += p; /* g */
    o->mul += p;         /* lr * v */
    o->add += p;         /* w -= */
    if (c->momentum > 0.0f) {
      o->state_reads += p;
      o->state_writes += p;
      o->mul += p;
      o->add += p;
    }
  }
  if (c->weight_decay > 0.0f) {
    o->mul += p;
    o->add += p;
  }
}

/* Readout forward on n examples: logits = c + V^T f, then softmax when
 * training (with_softmax) or argmax when predicting. */
static void count_readout_fwd(const pbit_ff_t *ff, pbit_ff_ops_t *o, uint64_t n, int train) {
  const uint64_t F = ff->ro_feat, C = ff->cfg.classes;
  o->mul += n * F * C;
  o->add += n * (F + 1) * C;
  o->weight_reads += n * (F + 1) * C;
  o->act_reads += n * F;
  o->act_writes += n * C;
  if (train) {
    /* softmax: max, subtract, exp, sum, reciprocal, scale; delta = (p - y) / B */
    o->act_reads += n * C;
    o->cmp += n * C;
    o->add += n * (C + C + 1);
    o->nonlin += n * C;
    o->div += n;
    o->mul += n * (C + C);
    o->act_writes += n * C;
  } else {
    o->act_reads += n * C;
    o->cmp += n * C;
  }
}

/* ------------------------------------------------------------ forward pieces */

/* Scales pixels into x0 (rows 0..n-1) and normalises them. */
static void prep_inputs(pbit_ff_t *ff, const pbit_ff_data_t *data, const uint32_t *idx,
                        uint32_t first, uint32_t n) {
  const pbit_ff_config_t *c = &ff->cfg;
  const uint32_t D = c->inputs, k0 = ff->layer[0].k0;
#pragma omp parallel for schedule(static) num_threads(nthreads(ff))
  for (uint32_t e = 0; e < n; e++) {
    const uint32_t i = idx != NULL ? idx[e] : first + e;
    const uint8_t *px = data->pixels + (size_t)i * data->dim;
    float *x = ff->x0 + (size_t)e * ff->in_stride;
    for (uint32_t k = 0; k < k0; k++) x[k] = 0.0f;
    for (uint32_t k = k0; k < D; k++) x[k] = (float)px[k] * (1.0f / 255.0f);
    pbit_ff_normalise(x + k0, D - k0, c->input_norm, c->norm_eps);
  }
}

/* Per-class label line sums (times label_scale) and the neutral row. */
static void label_sums(pbit_ff_t *ff, layer_t *L) {
  if (L->lab_rep == 0) return;
  const pbit_ff_config_t *c = &ff->cfg;
  const uint32_t C = c->classes, S = L->stride;
  for (uint32_t cl = 0; cl < C; cl++) {
    float *s = L->lsum + (size_t)cl * S;
    const float *r0 = L->w + (size_t)(L->lab_row0 + cl * L->lab_rep) * S;
    memcpy(s, r0, S * sizeof(float));
    for (uint32_t r = 1; r < L->lab_rep; r++)
      for (uint32_t j = 0; j < S; j++) s[j] += r0[(size_t)r * S + j];
    if (c->label_scale != 1.0f)
      for (uint32_t j = 0; j < S; j++) s[j] *= c->label_scale;
  }
  float *nu = L->lsum + (size_t)C * S;
  memset(nu, 0, S * sizeof(float));
  if (c->neutral_uniform) {
    for (uint32_t cl = 0; cl < C; cl++)
      for (uint32_t r = 0; r < L->lab_rep; r++) {
        const float *row = L->w + (size_t)(L->lab_row0 + cl * L->lab_rep + r) * S;
        for (uint32_t j = 0; j < S; j++) nu[j] += row[j];
      }
    const float f = c->label_scale / (float)C;
    for (uint32_t j = 0; j < S; j++) nu[j] *= f;
  }
}

/* Unit pipeline of one pass: z = zf + label, h = relu(z), g, xn = norm(h). */
static float pass_stage(const pbit_ff_t *ff, const layer_t *L, const float *zf, uint32_t label,
                        float *h, float *xn) {
  const pbit_ff_config_t *c = &ff->cfg;
  const uint32_t N = L->units, S = L->stride;
  const float *ls = NULL;
  if (L->lab_rep > 0 && label < c->classes) ls = L->lsum + (size_t)label * S;
  if (L->lab_rep > 0 && label == c->classes && c->neutral_uniform) ls = L->lsum + (size_t)label * S;
  for (uint32_t j = 0; j < N; j++) {
    float z = ls != NULL ? zf[j] + ls[j] : zf[j];
    h[j] = z <= 0.0f ? 0.0f : z; /* NaN passes through, so divergence is seen */
  }
  for (uint32_t j = N; j < S; j++) h[j] = 0.0f;
  const float ss = sumsq(h, N);
  const float g = c->goodness_sum ? ss : ss * (1.0f / (float)N);
  const float f = norm_factor(ss, N, c->layer_norm, c->norm_eps);
  for (uint32_t j = 0; j < S; j++) xn[j] = h[j] * f;
  return g;
}

/* Forward of n examples with P passes each (labels ff->lab[e * P + p]),
 * from the prepared inputs in x0. Fills h, xn and g (rows x layers). */
static void forward(pbit_ff_t *ff, uint32_t n, uint32_t P) {
  const pbit_ff_config_t *c = &ff->cfg;
  const uint32_t rows = n * P, Lc = c->layers;
  const int nt = nthreads(ff);
  for (uint32_t l = 0; l < Lc; l++) {
    layer_t *L = &ff->layer[l];
    label_sums(ff, L);
    const uint32_t distinct = l == 0 ? n : rows;
    for (uint32_t m = 0; m < distinct; m++) {
      ff->xp[m] = l == 0 ? ff->x0 + (size_t)m * ff->in_stride
                         : ff->xn[l - 1] + (size_t)m * ff->layer[l - 1].stride;
      ff->zp[m] = ff->zf + (size_t)m * L->stride;
    }
    pbit_ff_gemm_fwd(distinct, ff->xp, L->w, L->stride, L->k0, L->n_in, L->b, L->stride, ff->zp,
                     nt);
    const uint32_t S = L->stride;
#pragma omp parallel for schedule(static) num_threads(nt)
    for (uint32_t m = 0; m < rows; m++) {
      const float *zf = ff->zf + (size_t)(l == 0 ? m / P : m) * S;
      ff->g[(size_t)m * Lc + l] =
          pass_stage(ff, L, zf, ff->lab[m], ff->h[l] + (size_t)m * S, ff->xn[l] + (size_t)m * S);
    }
  }
}

static double label_score(const pbit_ff_t *ff, uint32_t row) {
  const pbit_ff_config_t *c = &ff->cfg;
  double s = 0.0;
  for (uint32_t l = c->score_from_layer; l < c->layers; l++)
    s += ff->g[(size_t)row * c->layers + l];
  return s;
}

/* ---------------------------------------------------------- gradient pieces */

/* Loss derivative coefficients of layer l for n examples whose positive /
 * negative goodness is at rows pos[e] / neg[e]: delta = coef * h. Returns
 * the summed loss. */
static double layer_coefs(pbit_ff_t *ff, uint32_t l, uint32_t n, pbit_ff_stats_t *st) {
  const pbit_ff_config_t *c = &ff->cfg;
  const uint32_t Lc = c->layers;
  const double k = (c->goodness_sum ? 2.0 : 2.0 / ff->layer[l].units) / n;
  double loss = 0.0;
  for (uint32_t e = 0; e < n; e++) {
    const double gp = ff->g[(size_t)ff->pos[e] * Lc + l], gn = ff->g[(size_t)ff->neg[e] * Lc + l];
    double dp, dn;
    loss += pbit_ff_loss_value(c->loss, c->alpha, c->theta, gp, gn, &dp, &dn);
    ff->coef[2 * e] = dp * k;
    ff->coef[2 * e + 1] = dn * k;
    if (st != NULL) {
      st->g_pos[l] += gp;
      st->g_neg[l] += gn;
    }
  }
  if (st != NULL) st->loss[l] += loss;
  return loss;
}

/* Gradients of layer l into gw/gb from the coefficients: delta rows (pos
 * then neg), feature gradient through the shared input (layer 0: x0) or
 * the separate previous-layer activities xin (rows pos[e] / neg[e]). */
static void layer_grads(pbit_ff_t *ff, uint32_t l, uint32_t n, int shared, const float *xin,
                        uint32_t xstride) {
  const pbit_ff_config_t *c = &ff->cfg;
  layer_t *L = &ff->layer[l];
  const uint32_t S = L->stride, N = L->units;
  const int nt = nthreads(ff);
  const float *hl = ff->h[l];
#pragma omp parallel for schedule(static) num_threads(nt)
  for (uint32_t e = 0; e < n; e++) {
    const float cp = (float)ff->coef[2 * e], cn = (float)ff->coef[2 * e + 1];
    const float *hp = hl + (size_t)ff->pos[e] * S, *hn = hl + (size_t)ff->neg[e] * S;
    float *dp = ff->delta + (size_t)e * S, *dn = ff->delta + (size_t)(n + e) * S;
    for (uint32_t j = 0; j < S; j++) {
      dp[j] = cp * hp[j];
      dn[j] = cn * hn[j];
    }
    if (shared) {
      float *ds = ff->dsum + (size_t)e * S;
      for (uint32_t j = 0; j < S; j++) ds[j] = dp[j] + dn[j];
    }
  }
  /* feature rows */
  uint32_t m_rows;
  if (shared) {
    m_rows = n;
    for (uint32_t e = 0; e < n; e++) {
      ff->xp[e] = xin + (size_t)e * xstride;
      ff->dp[e] = ff->dsum + (size_t)e * S;
    }
  } else {
    m_rows = 2 * n;
    for (uint32_t e = 0; e < n; e++) {
      ff->xp[e] = xin + (size_t)ff->pos[e] * xstride;
      ff->xp[n + e] = xin + (size_t)ff->neg[e] * xstride;
      ff->dp[e] = ff->delta + (size_t)e * S;
      ff->dp[n + e] = ff->delta + (size_t)(n + e) * S;
    }
  }
  pbit_ff_gemm_grad(m_rows, ff->xp, ff->dp, L->k0, L->n_in, S, L->gw, S, nt);
  /* bias and label rows: one sweep over the delta rows, in row order */
  const uint32_t C = c->classes;
  memset(L->gb, 0, S * sizeof(float));
  if (L->lab_rep > 0)
    for (uint32_t cl = 0; cl < C; cl++)
      memset(L->gw + (size_t)(L->lab_row0 + cl * L->lab_rep) * S, 0, S * sizeof(float));
  for (uint32_t m = 0; m < 2 * n; m++) {
    const float *d = ff->delta + (size_t)m * S;
    for (uint32_t j = 0; j < N; j++) L->gb[j] += d[j];
    if (L->lab_rep > 0) {
      const uint32_t y = m < n ? ff->ypos[m] : ff->yneg[m - n];
      float *gl = L->gw + (size_t)(L->lab_row0 + y * L->lab_rep) * S;
      for (uint32_t j = 0; j < N; j++) gl[j] += d[j];
    }
  }
  if (L->lab_rep > 0)
    for (uint32_t cl = 0; cl < C; cl++) {
      float *g0 = L->gw + (size_t)(L->lab_row0 + cl * L->lab_rep) * S;
      if (c->label_scale != 1.0f)
        for (uint32_t j = 0; j < N; j++) g0[j] *= c->label_scale;
      for (uint32_t r = 1; r < L->lab_rep; r++) memcpy(g0 + (size_t)r * S, g0, S * sizeof(float));
    }
}

/* Counts of the gradient of layer l for n examples (update phase). */
static void count_grads(const pbit_ff_t *ff, uint32_t l, pbit_ff_ops_t *o, uint64_t n, int shared) {
  const pbit_ff_config_t *c = &ff->cfg;
  const layer_t *L = &ff->layer[l];
  const uint64_t N = L->units, nf = L->n_in - L->k0, C = c->classes;
  /* deltas: delta = coef * h for both passes */
  o->act_reads += 2 * n * N;
  o->mul += 2 * n * N;
  o->act_writes += 2 * n * N;
  uint64_t m_rows = 2 * n;
  if (shared) {
    o->act_reads += 2 * n * N;
    o->add += n * N;
    o->act_writes += n * N;
    m_rows = n;
  }
  o->mul += m_rows * nf * N;
  o->add += m_rows * nf * N;
  o->act_reads += m_rows * (nf + N);
  o->state_writes += nf * N;
  /* bias and label rows: one sweep over the 2n delta rows */
  o->act_reads += 2 * n * N;
  o->add += 2 * n * N;
  o->state_writes += N;
  if (L->lab_rep > 0) {
    o->add += 2 * n * N;
    if (c->label_scale != 1.0f) o->mul += C * N;
    o->state_writes += C * L->lab_rep * N;
  }
}

/* Loss derivative counts of layer l for n examples (goodness phase). */
static void count_coefs(const pbit_ff_t *ff, pbit_ff_ops_t *o, uint64_t n) {
  const uint64_t terms = ff->cfg.loss == PBIT_FF_LOSS_THRESHOLD ? 2 : 1;
  o->act_reads += 2 * n;
  o->act_writes += 2 * n;
  o->add += n * terms * 2; /* difference, 1 + exp */
  o->mul += n * terms * 3; /* alpha * d, alpha * sigma, * 2 / (N B) */
  o->nonlin += n * terms;  /* exp */
  o->div += n * terms;     /* 1 / (1 + exp) */
}

/* ------------------------------------------------------------------ optimiser */

static void opt_block(const pbit_ff_t *ff, const param_t *p, double lr, uint64_t t) {
  const pbit_ff_config_t *c = &ff->cfg;
  const float wd = (float)(lr * c->weight_decay);
  if (c->optimizer == PBIT_FF_OPT_ADAM) {
    const double bc1 = 1.0 - pow(c->adam_beta1, (double)t);
    const double bc2 = 1.0 - pow(c->adam_beta2, (double)t);
    const float lr_t = (float)(lr * sqrt(bc2) / bc1);
    const float eps = (float)(c->adam_eps * sqrt(bc2));
    const float b1 = c->adam_beta1, b2 = c->adam_beta2, a1 = 1.0f - b1, a2 = 1.0f - b2;
#pragma omp parallel for schedule(static) num_threads(nthreads(ff))
    for (uint32_t k = 0; k < p->rows; k++) {
      float *w = p->w + (size_t)k * p->stride, *g = p->g + (size_t)k * p->stride;
      float *m = p->m1 + (size_t)k * p->stride, *v = p->m2 + (size_t)k * p->stride;
      for (uint32_t j = 0; j < p->cols; j++) {
        const float gj = g[j];
        if (wd > 0.0f) w[j] -= wd * w[j];
        m[j] = b1 * m[j] + a1 * gj;
        v[j] = b2 * v[j] + a2 * (gj * gj);
        w[j] -= lr_t * m[j] / (sqrtf(v[j]) + eps);
      }
    }
  } else {
    const float lrf = (float)lr, mu = c->momentum, wdc = c->weight_decay;
#pragma omp parallel for schedule(static) num_threads(nthreads(ff))
    for (uint32_t k = 0; k < p->rows; k++) {
      float *w = p->w + (size_t)k * p->stride, *g = p->g + (size_t)k * p->stride;
      float *m = p->m1 + (size_t)k * p->stride;
      for (uint32_t j = 0; j < p->cols; j++) {
        float gj = g[j];
        if (wdc > 0.0f) gj += wdc * w[j];
        if (mu > 0.0f) {
          m[j] = mu * m[j] + gj;
          gj = m[j];
        }
        w[j] -= lrf * gj;
      }
    }
  }
}

static void opt_layer(pbit_ff_t *ff, layer_t *L, double lr, uint64_t t) {
  param_t pw = {L->w, L->gw, L->m1w, L->m2w, L->rows, L->units, L->stride};
  param_t pb = {L->b, L->gb, L->m1b, L->m2b, 1, L->units, L->stride};
  opt_block(ff, &pw, lr, t);
  opt_block(ff, &pb, lr, t);
}

/* --------------------------------------------------------------- readout */

/* Concatenated activities of the rows row(e) = e * P + p into feat. */
static void gather_feat(pbit_ff_t *ff, uint32_t n, uint32_t P, uint32_t p) {
  const pbit_ff_config_t *c = &ff->cfg;
#pragma omp parallel for schedule(static) num_threads(nthreads(ff))
  for (uint32_t e = 0; e < n; e++) {
    float *f = ff->feat + (size_t)e * ff->ro_fstride;
    uint32_t off = 0;
    for (uint32_t l = c->readout_from_layer; l < c->layers; l++) {
      const layer_t *L = &ff->layer[l];
      memcpy(f + off, ff->xn[l] + ((size_t)e * P + p) * L->stride, L->units * sizeof(float));
      off += L->units;
    }
  }
}

static void readout_logits(pbit_ff_t *ff, uint32_t n) {
  for (uint32_t e = 0; e < n; e++) {
    ff->xp[e] = ff->feat + (size_t)e * ff->ro_fstride;
    ff->zp[e] = ff->logit + (size_t)e * ff->ro_stride;
  }
  pbit_ff_gemm_fwd(n, ff->xp, ff->ro_w, ff->ro_stride, 0, ff->ro_feat, ff->ro_b, ff->ro_stride,
                   ff->zp, nthreads(ff));
}

/* Readout gradient from the features in feat and labels ypos; returns the
 * summed cross-entropy. */
static double readout_grads(pbit_ff_t *ff, uint32_t n) {
  const uint32_t C = ff->cfg.classes, S = ff->ro_stride;
  readout_logits(ff, n);
  double loss = 0.0;
  for (uint32_t e = 0; e < n; e++) {
    float *z = ff->logit + (size_t)e * S;
    float mx = z[0];
    for (uint32_t c = 1; c < C; c++) mx = z[c] > mx ? z[c] : mx;
    float sum = 0.0f;
    for (uint32_t c = 0; c < C; c++) {
      z[c] = expf(z[c] - mx);
      sum += z[c];
    }
    const float inv = 1.0f / sum;
    const uint32_t y = ff->ypos[e];
    const double py = (double)z[y] * inv;
    loss -= log(py > 1e-300 ? py : 1e-300);
    const float k = 1.0f / (float)n;
    for (uint32_t c = 0; c < C; c++) z[c] = (z[c] * inv - (c == y ? 1.0f : 0.0f)) * k;
    for (uint32_t c = C; c < S; c++) z[c] = 0.0f;
  }
  for (uint32_t e = 0; e < n; e++) {
    ff->xp[e] = ff->feat + (size_t)e * ff->ro_fstride;
    ff->dp[e] = ff->logit + (size_t)e * S;
  }
  pbit_ff_gemm_grad(n, ff->xp, ff->dp, 0, ff->ro_feat, S, ff->ro_gw, S, nthreads(ff));
  memset(ff->ro_gb, 0, S * sizeof(float));
  for (uint32_t e = 0; e < n; e++)
    for (uint32_t c = 0; c < C; c++) ff->ro_gb[c] += ff->logit[(size_t)e * S + c];
  return loss;
}

/* ------------------------------------------------------------------ training */

static double sched_mult(const pbit_ff_config_t *c, uint64_t step, uint64_t total) {
  if (c->warmup_steps > 0 && step < c->warmup_steps)
    return (double)(step + 1) / (double)c->warmup_steps;
  if (c->schedule != PBIT_FF_SCHED_COSINE) return 1.0;
  const uint64_t w = c->warmup_steps < total ? c->warmup_steps : 0;
  const double span = total > w ? (double)(total - w) : 1.0;
  double t = (double)(step - (step >= w ? w : step)) / span;
  if (t > 1.0) t = 1.0;
  const double f = c->lr_min_frac;
  return f + (1.0 - f) * 0.5 * (1.0 + cos(3.141592653589793 * t));
}

double pbit_ff_lr_at(const pbit_ff_config_t *cfg, uint64_t step, uint64_t total) {
  if (cfg == NULL) return 0.0;
  return cfg->lr * sched_mult(cfg, step, total);
}

static int check_data(const pbit_ff_t *ff, const pbit_ff_data_t *data, pbit_error_t *err) {
  if (data == NULL || data->pixels == NULL || data->labels == NULL) return BAD("ff: NULL data");
  if (data->dim != ff->cfg.inputs)
    return BAD("ff: data has %u values per example, the network %u inputs", data->dim,
               ff->cfg.inputs);
  return PBIT_OK;
}

int pbit_ff_train_step(pbit_ff_t *ff, const pbit_ff_data_t *data, const uint32_t *idx, uint32_t n,
                       double lr_scale, pbit_ff_stats_t *stats, pbit_error_t *err) {
  if (ff == NULL) return BAD("ff train: NULL network");
  int rc = check_data(ff, data, err);
  if (rc != PBIT_OK) return rc;
  if (idx == NULL || n == 0) return BAD("ff train: empty batch");
  if (!(isfinite(lr_scale) && lr_scale >= 0.0)) return BAD("ff train: bad lr_scale");
  const pbit_ff_config_t *c = &ff->cfg;
  const uint32_t C = c->classes, Lc = c->layers;
  for (uint32_t e = 0; e < n; e++) {
    if (idx[e] >= data->count)
      return BAD("ff train: example %u out of range (%u examples)", idx[e], data->count);
    if (data->labels[idx[e]] >= C)
      return BAD("ff train: label %u of example %u >= classes %u", data->labels[idx[e]], idx[e], C);
  }
  rc = ensure_ws(ff, n, err);
  if (rc != PBIT_OK) return rc;

  const int hard = c->negatives == PBIT_FF_NEG_HARD;
  const uint32_t P = (hard ? C : 2) + (c->readout ? 1 : 0);
  const uint64_t nkey = pbit_rng_key(c->seed, STREAM_NEGATIVE);
  pbit_ff_counters_t *k = &ff->cnt;

  /* labels of every pass */
  for (uint32_t e = 0; e < n; e++) {
    const uint32_t y = data->labels[idx[e]];
    ff->ypos[e] = (uint8_t)y;
    if (hard) {
      for (uint32_t cl = 0; cl < C; cl++) ff->lab[e * P + cl] = (uint8_t)cl;
    } else {
      const uint32_t u = pbit_rng_u32(nkey, idx[e], ff->step);
      const uint32_t yn = (y + 1 + u % (C - 1)) % C;
      ff->yneg[e] = (uint8_t)yn;
      ff->lab[e * P] = (uint8_t)y;
      ff->lab[e * P + 1] = (uint8_t)yn;
      ff->pos[e] = e * P;
      ff->neg[e] = e * P + 1;
    }
    if (c->readout) ff->lab[e * P + P - 1] = (uint8_t)C;
  }

  prep_inputs(ff, data, idx, 0, n);
  forward(ff, n, P);

  /* forward counts: preparation, shared layer-0 product, pos + neg passes */
  count_prep(ff, &k->forward, n);
  count_feature(&ff->layer[0], &k->forward, n);
  count_passes(ff, &k->forward, 2 * (uint64_t)n, 0);
  if (!hard) k->forward.rng += n;

  if (hard) {
    /* sample a wrong label with P(c) ~ exp(score_c / T), c != y */
    const double invT = 1.0 / c->hard_temp;
    for (uint32_t e = 0; e < n; e++) {
      const uint32_t y = ff->ypos[e];
      double s[PBIT_FF_MAX_CLASSES];
      double mx = -INFINITY;
      uint32_t best = 0;
      for (uint32_t cl = 0; cl < C; cl++) {
        s[cl] = label_score(ff, e * P + cl);
        if (s[cl] > s[best]) best = cl;
        if (cl != y && s[cl] > mx) mx = s[cl];
      }
      if (stats != NULL && best == y) stats->score_correct++;
      double sum = 0.0;
      for (uint32_t cl = 0; cl < C; cl++) {
        s[cl] = cl == y ? 0.0 : exp((s[cl] - mx) * invT);
        sum += s[cl];
      }
      const double u = pbit_rng_uniform(nkey, idx[e], ff->step) * sum;
      double cum = 0.0;
      uint32_t pick = C;
      for (uint32_t cl = 0; cl < C; cl++) {
        if (cl == y) continue;
        cum += s[cl];
        if (pick == C && u < cum) pick = cl;
      }
      if (pick == C) pick = y == C - 1 ? C - 2 : C - 1; /* u rounded onto the sum */
      ff->yneg[e] = (uint8_t)pick;
      ff->pos[e] = e * P + y;
      ff->neg[e] = e * P + pick;
    }
    pbit_ff_ops_t *o = &k->score;
    count_passes(ff, o, (uint64_t)n * (C - 2), 0);
    count_scores(ff, o, n);
    const uint64_t w = C - 1;
    o->cmp += n * 2 * w;
    o->add += n * 3 * w;
    o->mul += n * (w + 1);
    o->nonlin += n * w;
    o->rng += n;
  }

  /* local losses and gradients of every layer (weights still unchanged) */
  for (uint32_t l = 0; l < Lc; l++) {
    if (!isfinite(layer_coefs(ff, l, n, stats)))
      return PBIT_FAIL(err, PBIT_ERR_RUNTIME, NULL, 0, 0,
                       "ff train: loss of layer %u is not finite at step %llu (diverged: lower "
                       "the learning rate)",
                       l, (unsigned long long)ff->step);
    count_coefs(ff, &k->goodness, n);
    if (l == 0)
      layer_grads(ff, 0, n, 1, ff->x0, ff->in_stride);
    else
      layer_grads(ff, l, n, 0, ff->xn[l - 1], ff->layer[l - 1].stride);
    count_grads(ff, l, &k->update, n, l == 0);
  }
  if (c->readout) {
    gather_feat(ff, n, P, P - 1);
    const double rl = readout_grads(ff, n);
    if (stats != NULL) stats->readout_loss += rl;
    pbit_ff_ops_t *o = &k->readout;
    count_passes(ff, o, n, C);
    count_readout_fwd(ff, o, n, 1);
    const uint64_t F = ff->ro_feat;
    o->mul += n * F * C;
    o->add += n * F * C + n * C;
    o->act_reads += n * (F + C) + n * C;
    o->state_writes += F * C + C;
  }

  /* optimiser */
  ff->step++;
  const double lr = c->lr * lr_scale;
  for (uint32_t l = 0; l < Lc; l++) {
    layer_t *L = &ff->layer[l];
    opt_layer(ff, L, lr, ff->step);
    count_opt(ff, &k->update, (uint64_t)(L->rows + 1) * L->units);
  }
  if (c->readout) {
    ff->ro_step++;
    param_t pw = {ff->ro_w, ff->ro_gw, ff->ro_m1w, ff->ro_m2w, ff->ro_feat, C, ff->ro_stride};
    param_t pb = {ff->ro_b, ff->ro_gb, ff->ro_m1b, ff->ro_m2b, 1, C, ff->ro_stride};
    const double rlr = c->readout_lr * lr_scale;
    opt_block(ff, &pw, rlr, ff->ro_step);
    opt_block(ff, &pb, rlr, ff->ro_step);
    count_opt(ff, &k->readout, (uint64_t)(ff->ro_feat + 1) * C);
  }
  k->train_examples += n;
  k->train_steps++;
  if (stats != NULL) stats->examples += n;
  return PBIT_OK;
}

int pbit_ff_train_epoch(pbit_ff_t *ff, const pbit_ff_data_t *data, uint32_t epoch,
                        pbit_ff_stats_t *stats, pbit_error_t *err) {
  if (ff == NULL) return BAD("ff train: NULL network");
  int rc = check_data(ff, data, err);
  if (rc != PBIT_OK) return rc;
  if (data->count == 0) return BAD("ff train: no examples");
  const pbit_ff_config_t *c = &ff->cfg;
  const uint32_t n = data->count;
  uint32_t *perm = malloc((size_t)n * sizeof(uint32_t));
  if (perm == NULL) return PBIT_FAIL(err, PBIT_ERR_NOMEM, NULL, 0, 0, "ff train: out of memory");
  for (uint32_t i = 0; i < n; i++) perm[i] = i;
  const uint64_t key = pbit_rng_key(c->seed, STREAM_SHUFFLE);
  for (uint32_t i = n - 1; i > 0; i--) {
    const uint32_t j = pbit_rng_u32(key, i, epoch) % (i + 1);
    const uint32_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const uint64_t steps = (n + c->batch - 1) / c->batch;
  const uint64_t total = steps * c->epochs;
  for (uint64_t s = 0; s < steps && rc == PBIT_OK; s++) {
    const uint32_t first = (uint32_t)(s * c->batch);
    const uint32_t m = n - first < c->batch ? n - first : c->batch;
    rc = pbit_ff_train_step(ff, data, perm + first, m, sched_mult(c, epoch * steps + s, total),
                            stats, err);
  }
  free(perm);
  return rc;
}

/* ----------------------------------------------------------------- inference */

/* Goodness of every label for examples first..first+n-1 (n <= ws_ex). */
static void infer_goodness_chunk(pbit_ff_t *ff, const pbit_ff_data_t *data, uint32_t first,
                                 uint32_t n) {
  const uint32_t C = ff->cfg.classes;
  for (uint32_t e = 0; e < n; e++)
    for (uint32_t cl = 0; cl < C; cl++) ff->lab[e * C + cl] = (uint8_t)cl;
  prep_inputs(ff, data, NULL, first, n);
  forward(ff, n, C);
}

static int predict_args(pbit_ff_t *ff, const pbit_ff_data_t *data, uint32_t first, uint32_t n,
                        const void *out, pbit_error_t *err) {
  if (ff == NULL) return BAD("ff predict: NULL network");
  int rc = check_data(ff, data, err);
  if (rc != PBIT_OK) return rc;
  if (out == NULL) return BAD("ff predict: NULL output");
  if (first > data->count || n > data->count - first)
    return BAD("ff predict: examples %u..%u out of range (%u examples)", first, first + n,
               data->count);
  return PBIT_OK;
}

int pbit_ff_goodness_all(pbit_ff_t *ff, const pbit_ff_data_t *data, uint32_t first, uint32_t n,
                         float *g, pbit_error_t *err) {
  int rc = predict_args(ff, data, first, n, g, err);
  if (rc != PBIT_OK) return rc;
  const uint32_t C = ff->cfg.classes, Lc = ff->cfg.layers, chunk = ff->ws_ex;
  for (uint32_t s = 0; s < n; s += chunk) {
    const uint32_t m = n - s < chunk ? n - s : chunk;
    infer_goodness_chunk(ff, data, first + s, m);
    memcpy(g + (size_t)s * C * Lc, ff->g, (size_t)m * C * Lc * sizeof(float));
  }
  pbit_ff_ops_t *o = &ff->cnt.infer_goodness;
  count_prep(ff, o, n);
  count_feature(&ff->layer[0], o, n);
  for (uint32_t cl = 0; cl < C; cl++) count_passes(ff, o, n, cl);
  ff->cnt.infer_goodness_examples += n;
  return PBIT_OK;
}

int pbit_ff_predict(pbit_ff_t *ff, const pbit_ff_data_t *data, uint32_t first, uint32_t n,
                    pbit_ff_predict_t mode, uint8_t *pred, pbit_error_t *err) {
  int rc = predict_args(ff, data, first, n, pred, err);
  if (rc != PBIT_OK) return rc;
  if (mode != PBIT_FF_PREDICT_GOODNESS && mode != PBIT_FF_PREDICT_READOUT)
    return BAD("ff predict: unknown mode %d", (int)mode);
  if (mode == PBIT_FF_PREDICT_READOUT && !ff->cfg.readout)
    return BAD("ff predict: the network has no readout (config readout = 0)");
  const pbit_ff_config_t *c = &ff->cfg;
  const uint32_t C = c->classes, chunk = ff->ws_ex;
  for (uint32_t s = 0; s < n; s += chunk) {
    const uint32_t m = n - s < chunk ? n - s : chunk;
    if (mode == PBIT_FF_PREDICT_GOODNESS) {
      infer_goodness_chunk(ff, data, first + s, m);
      for (uint32_t e = 0; e < m; e++) {
        uint32_t best = 0;
        double bs = label_score(ff, e * C);
        for (uint32_t cl = 1; cl < C; cl++) {
          const double sc = label_score(ff, e * C + cl);
          if (sc > bs) {
            bs = sc;
            best = cl;
          }
        }
        pred[s + e] = (uint8_t)best;
      }
    } else {
      for (uint32_t e = 0; e < m; e++) ff->lab[e] = (uint8_t)C;
      prep_inputs(ff, data, NULL, first + s, m);
      forward(ff, m, 1);
      gather_feat(ff, m, 1, 0);
      readout_logits(ff, m);
      for (uint32_t e = 0; e < m; e++) {
        const float *z = ff->logit + (size_t)e * ff->ro_stride;
        uint32_t best = 0;
        for (uint32_t cl = 1; cl < C; cl++)
          if (z[cl] > z[best]) best = cl;
        pred[s + e] = (uint8_t)best;
      }
    }
  }
  if (mode == PBIT_FF_PREDICT_GOODNESS) {
    pbit_ff_ops_t *o = &ff->cnt.infer_goodness;
    count_prep(ff, o, n);
    count_feature(&ff->layer[0], o, n);
    for (uint32_t cl = 0; cl < C; cl++) count_passes(ff, o, n, cl);
    count_scores(ff, o, n);
    o->cmp += (uint64_t)n * C;
    ff->cnt.infer_goodness_examples += n;
  } else {
    pbit_ff_ops_t *o = &ff->cnt.infer_readout;
    count_prep(ff, o, n);
    count_feature(&ff->layer[0], o, n);
    count_passes(ff, o, n, C);
    count_readout_fwd(ff, o, n, 0);
    ff->cnt.infer_readout_examples += n;
  }
  return PBIT_OK;
}

int pbit_ff_accuracy(pbit_ff_t *ff, const pbit_ff_data_t *data, pbit_ff_predict_t mode,
                     double *accuracy, pbit_error_t *err) {
  if (accuracy == NULL) return BAD("ff accuracy: NULL output");
  if (ff == NULL) return BAD("ff accuracy: NULL network");
  int rc = check_data(ff, data, err);
  if (rc != PBIT_OK) return rc;
  if (data->count == 0) return BAD("ff accuracy: no examples");
  uint8_t *pred = malloc(data->count);
  if (pred == NULL) return PBIT_FAIL(err, PBIT_ERR_NOMEM, NULL, 0, 0, "ff accuracy: out of memory");
  rc = pbit_ff_predict(ff, data, 0, data->count, mode, pred, err);
  if (rc == PBIT_OK) {
    uint32_t ok = 0;
    for (uint32_t i = 0; i < data->count; i++) ok += pred[i] == data->labels[i];
    *accuracy = (double)ok / data->count;
  }
  free(pred);
  return rc;
}

/* ------------------------------------------------------------ test entry */

int pbit_ff_layer_loss(pbit_ff_t *ff, uint32_t layer, const float *x_pos, const float *x_neg,
                       const uint8_t *y_pos, const uint8_t *y_neg, uint32_t n, double *loss,
                       float *grad_w, float *grad_b, pbit_error_t *err) {
  if (ff == NULL) return BAD("ff layer loss: NULL network");
  if (layer >= ff->cfg.layers) return BAD("ff layer loss: layer %u >= layers", layer);
  if (x_pos == NULL || y_pos == NULL || y_neg == NULL || loss == NULL || n == 0)
    return BAD("ff layer loss: NULL or empty argument");
  const uint32_t C = ff->cfg.classes;
  for (uint32_t e = 0; e < n; e++)
    if (y_pos[e] >= C || y_neg[e] >= C) return BAD("ff layer loss: label >= classes");
  int rc = ensure_ws(ff, n, err);
  if (rc != PBIT_OK) return rc;
  layer_t *L = &ff->layer[layer];
  const uint32_t nin = L->n_in, S = L->stride, shared = x_neg == NULL;
  /* inputs: rows 0..n-1 positive, n..2n-1 negative (unless shared); the
   * zf/h/xn rows of this layer follow the pass order pos(e) = e, neg(e) = n + e */
  const uint32_t xs = round16(nin);
  float *buf = falloc((size_t)2 * n * xs);
  if (buf == NULL)
    return PBIT_FAIL(err, PBIT_ERR_NOMEM, NULL, 0, 0, "ff layer loss: out of memory");
  for (uint32_t e = 0; e < n; e++) {
    memcpy(buf + (size_t)e * xs, x_pos + (size_t)e * nin, nin * sizeof(float));
    memcpy(buf + (size_t)(n + e) * xs, (shared ? x_pos : x_neg) + (size_t)e * nin,
           nin * sizeof(float));
  }
  label_sums(ff, L);
  const uint32_t distinct = shared ? n : 2 * n;
  for (uint32_t m = 0; m < distinct; m++) {
    ff->xp[m] = buf + (size_t)m * xs;
    ff->zp[m] = ff->zf + (size_t)m * S;
  }
  pbit_ff_gemm_fwd(distinct, ff->xp, L->w, S, L->k0, nin, L->b, S, ff->zp, nthreads(ff));
  const uint32_t Lc = ff->cfg.layers;
  for (uint32_t m = 0; m < 2 * n; m++) {
    const uint32_t e = m < n ? m : m - n;
    const float *zf = ff->zf + (size_t)(shared ? e : m) * S;
    ff->g[(size_t)m * Lc + layer] =
        pass_stage(ff, L, zf, m < n ? y_pos[e] : y_neg[e], ff->h[layer] + (size_t)m * S,
                   ff->xn[layer] + (size_t)m * S);
  }
  for (uint32_t e = 0; e < n; e++) {
    ff->pos[e] = e;
    ff->neg[e] = n + e;
    ff->ypos[e] = y_pos[e];
    ff->yneg[e] = y_neg[e];
  }
  *loss = layer_coefs(ff, layer, n, NULL) / n;
  if (grad_w != NULL || grad_b != NULL) {
    layer_grads(ff, layer, n, (int)shared, buf, xs);
    if (grad_w != NULL)
      for (uint32_t k = 0; k < L->rows; k++)
        memcpy(grad_w + (size_t)k * L->units, L->gw + (size_t)k * S, L->units * sizeof(float));
    if (grad_b != NULL) memcpy(grad_b, L->gb, L->units * sizeof(float));
  }
  free(buf);
  return PBIT_OK;
}
