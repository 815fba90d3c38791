/* Real-valued forward-forward (FF) trainer: the baseline BSFF is compared
 * against (spec: bsff-algorithm.md, "Real-valued FF baseline").
 *
 * Hinton's FF (2022): fully connected ReLU layers, each trained by its own
 * local loss on its goodness g = mean (or sum) over units of h_j^2, with no
 * gradient passing between layers. A layer's activity vector is length
 * normalised before it feeds the next layer, so only its direction carries
 * information forward. The label reaches every layer (the FFCL idea of the
 * BSFF design) either as Hinton's one-hot overlay on the first C inputs or as
 * C one-hot lines repeated R times appended to the layer's input.
 *
 * Positive pass: image + true label. Negative pass: the same image + a wrong
 * label, uniformly random or a "hard" one sampled from the model's own label
 * scores. Losses: paired ("SymBa") softplus(-alpha (g_pos - g_neg)) or
 * Hinton's threshold form softplus(-alpha (g_pos - theta)) +
 * softplus(alpha (g_neg - theta)). Mini-batch Adam or SGD, optional cosine
 * learning-rate decay. Inference: the label with the largest goodness summed
 * over layers (C passes), or an optional linear softmax readout trained on
 * the normalised activities of one pass with a neutral label.
 *
 * Float32 throughout (double only for per-example scalars). OpenMP splits the
 * work over examples or output tiles, and every sum runs in a fixed order, so
 * the weights after training are bit-identical for any thread count.
 * Every random choice (initial weights, shuffling, negative labels) is a draw
 * of the counter-based RNG (rng.h) keyed by the seed.
 *
 * Operation counters price a multiply-accumulate datapath for the energy
 * ledger; the accounting model is documented at pbit_ff_ops_t below and in
 * docs/results.md. Library code never prints and never exits. */
#ifndef PBIT_FF_H
#define PBIT_FF_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PBIT_FF_MAX_LAYERS 8
#define PBIT_FF_MAX_CLASSES 64

/* How the label enters a layer. */
typedef enum {
  PBIT_FF_LABEL_OVERLAY = 0, /* one-hot replaces the first C inputs (Hinton) */
  PBIT_FF_LABEL_APPEND = 1,  /* C one-hot lines, each repeated R times, appended */
} pbit_ff_label_mode_t;

/* Length normalisation of a vector x (input image or a layer's activities). */
typedef enum {
  PBIT_FF_NORM_NONE = 0, /* x unchanged */
  PBIT_FF_NORM_L2 = 1,   /* x / (||x|| + eps): unit length */
  PBIT_FF_NORM_RMS = 2,  /* x / (sqrt(mean x^2) + eps): length sqrt(n) */
} pbit_ff_norm_t;

/* SymBa: softplus(-alpha (g_pos - g_neg)); threshold:
 * softplus(-alpha (g_pos - theta)) + softplus(alpha (g_neg - theta)). */
typedef enum {
  PBIT_FF_LOSS_SYMBA = 0,
  PBIT_FF_LOSS_THRESHOLD = 1,
} pbit_ff_loss_t;

typedef enum {
  PBIT_FF_NEG_RANDOM = 0, /* uniformly random wrong label */
  PBIT_FF_NEG_HARD = 1,   /* wrong label c drawn with P ~ exp(score_c / hard_temp) */
} pbit_ff_neg_t;

typedef enum { PBIT_FF_OPT_ADAM = 0, PBIT_FF_OPT_SGD = 1 } pbit_ff_opt_t;

typedef enum { PBIT_FF_SCHED_CONST = 0, PBIT_FF_SCHED_COSINE = 1 } pbit_ff_sched_t;

/* Inference rules. */
typedef enum {
  PBIT_FF_PREDICT_GOODNESS = 0, /* argmax over labels of the summed goodness (C passes) */
  PBIT_FF_PREDICT_READOUT = 1,  /* linear softmax readout on one neutral-label pass */
} pbit_ff_predict_t;

/* Every choice of the trainer. pbit_ff_config_default() gives the tuned
 * baseline of docs/results.md; change fields after calling it. */
typedef struct {
  /* network */
  uint32_t inputs;                    /* D, pixels per example (784) */
  uint32_t classes;                   /* C (10) */
  uint32_t layers;                    /* L, 1..PBIT_FF_MAX_LAYERS */
  uint32_t units[PBIT_FF_MAX_LAYERS]; /* N_l */
  float init_scale;                   /* W ~ N(0, (init_scale^2) / fan_in), b = 0 */
  /* labels */
  pbit_ff_label_mode_t label_mode;
  uint32_t label_repeat; /* R (append mode; overlay uses 1) */
  int label_all_layers;  /* 1: every layer gets the label; 0: layer 1 only */
  float label_scale;     /* value of an active label line */
  int neutral_uniform;   /* neutral label: 1 = every line label_scale/C, 0 = all 0 */
  /* normalisation and goodness */
  pbit_ff_norm_t input_norm; /* of the image (label lines excluded) */
  pbit_ff_norm_t layer_norm; /* of each layer's activities before the next layer */
  float norm_eps;
  int goodness_sum; /* 0: g = mean_j h_j^2, 1: g = sum_j h_j^2 */
  /* loss */
  pbit_ff_loss_t loss;
  float alpha;
  float theta; /* threshold loss only */
  /* negatives and label scores */
  pbit_ff_neg_t negatives;
  float hard_temp;           /* hard negatives: P(c) ~ exp(score_c / hard_temp) */
  uint32_t score_from_layer; /* 0-based first layer whose goodness enters scores */
  /* optimisation */
  pbit_ff_opt_t optimizer;
  float lr;          /* peak learning rate */
  float lr_min_frac; /* cosine floor as a fraction of lr */
  pbit_ff_sched_t schedule;
  uint32_t warmup_steps; /* linear warm-up from 0 (0 = none) */
  float momentum;        /* SGD */
  float adam_beta1, adam_beta2, adam_eps;
  float weight_decay; /* decoupled (AdamW style; SGD: added to the gradient) */
  uint32_t batch;     /* examples per step */
  uint32_t epochs;    /* length of the schedule (pbit_ff_train_epoch) */
  /* linear readout (trained jointly, on detached features) */
  int readout;                 /* 1: train the readout during every step */
  uint32_t readout_from_layer; /* 0-based first layer whose activities it sees */
  float readout_lr;            /* same optimiser and schedule shape as lr */
  /* run */
  uint64_t seed;
  int threads; /* OpenMP threads, 0 = OpenMP's default; results do not depend on it */
} pbit_ff_config_t;

/* Operation counts of one phase, for a multiply-accumulate datapath.
 *
 * Accounting model (one convention everywhere):
 *  - Arithmetic: every product is one mul; every term added into a sum
 *    (including the bias a dot product starts from) is one add; subtractions
 *    count as adds; divisions and reciprocals as div; max/compare (ReLU,
 *    argmax, max search) as cmp; exp, log, sqrt as nonlin. Integer index
 *    arithmetic and O(1)-per-step scalar schedule work (learning rate, Adam
 *    bias correction) are controller work and not counted.
 *  - Memory, in 32-bit words: weight_* = weights and biases (SRAM);
 *    state_* = optimiser state and gradient accumulators; act_* = vectors in
 *    activation memory (inputs, pre-activations, activities, deltas,
 *    per-example scalars). Accumulators are registers: a dot product reads
 *    each weight once, each input element once per input vector, and writes
 *    its result once.
 *  - rng: 32-bit random draws (negative labels; shuffling is not counted).
 * Exact per-stage formulas: docs/results.md. */
typedef struct {
  uint64_t mul, add, div, cmp, nonlin;
  uint64_t weight_reads, weight_writes;
  uint64_t state_reads, state_writes;
  uint64_t act_reads, act_writes;
  uint64_t rng;
} pbit_ff_ops_t;

/* Counts by phase. Training: "forward" = the positive and negative passes of
 * every layer (pre-activation, label lines, ReLU, goodness, normalisation);
 * "goodness" = loss derivatives from the goodness values; "score" = the extra
 * label passes and sampling of hard negatives (the C-2 labels other than the
 * positive and negative ones); "update" = deltas, gradient accumulation and
 * the optimiser step; "readout" = the neutral pass and the readout's own
 * forward, loss derivative and update. Inference: "infer_goodness" and
 * "infer_readout". One training update of one example ("energy per update")
 * = the training phases divided by train_examples. */
typedef struct {
  pbit_ff_ops_t forward, goodness, score, update, readout;
  pbit_ff_ops_t infer_goodness, infer_readout;
  uint64_t train_examples, train_steps;
  uint64_t infer_goodness_examples, infer_readout_examples;
} pbit_ff_counters_t;

/* Sum of every field of a and b into out (out may alias a). */
void pbit_ff_ops_add(pbit_ff_ops_t *out, const pbit_ff_ops_t *a, const pbit_ff_ops_t *b);

/* Images as stored by the data loaders: count x dim bytes 0..255 (scaled by
 * 1/255) and count labels < classes. */
typedef struct {
  const uint8_t *pixels;
  const uint8_t *labels;
  uint32_t count;
  uint32_t dim;
} pbit_ff_data_t;

/* Statistics of the steps since the caller zeroed it (means over examples). */
typedef struct {
  uint64_t examples;
  double loss[PBIT_FF_MAX_LAYERS];  /* sums over examples of the layer loss */
  double g_pos[PBIT_FF_MAX_LAYERS]; /* sums of the positive goodness */
  double g_neg[PBIT_FF_MAX_LAYERS]; /* sums of the negative goodness */
  double readout_loss;              /* sum of the readout cross-entropy */
  uint64_t score_correct; /* hard negatives: examples whose top score was the true label */
} pbit_ff_stats_t;

typedef struct pbit_ff pbit_ff_t;

/* The tuned defaults (784 inputs, 10 classes, 2 layers of 500). */
void pbit_ff_config_default(pbit_ff_config_t *cfg);

/* PBIT_OK or PBIT_ERR_ARG naming the first bad field. */
int pbit_ff_config_check(const pbit_ff_config_t *cfg, pbit_error_t *err);

/* Builds a network with weights initialised from cfg->seed. */
int pbit_ff_create(const pbit_ff_config_t *cfg, pbit_ff_t **out, pbit_error_t *err);
void pbit_ff_destroy(pbit_ff_t *ff); /* accepts NULL */

const pbit_ff_config_t *pbit_ff_get_config(const pbit_ff_t *ff);

/* Parameters of layer l (0-based) as a (rows x units) row-major matrix plus
 * units biases. rows = feature inputs (D for layer 0, N_{l-1} after), then, in
 * append mode on a labelled layer, C*R label rows (class c, copy r at row
 * inputs + c*R + r). In overlay mode the label rows are the first C feature
 * rows. */
int pbit_ff_layer_shape(const pbit_ff_t *ff, uint32_t layer, uint32_t *rows, uint32_t *units,
                        pbit_error_t *err);
int pbit_ff_get_params(const pbit_ff_t *ff, uint32_t layer, float *w, float *b, pbit_error_t *err);
int pbit_ff_set_params(pbit_ff_t *ff, uint32_t layer, const float *w, const float *b,
                       pbit_error_t *err);

/* Learning rate of step `step` of `total` under cfg's schedule. */
double pbit_ff_lr_at(const pbit_ff_config_t *cfg, uint64_t step, uint64_t total);

/* One mini-batch step on the examples idx[0..n-1] of data at learning-rate
 * multiplier lr_scale (1 = cfg->lr, cfg->readout_lr): all layers and, if
 * enabled, the readout. Adds to stats if not NULL. */
int pbit_ff_train_step(pbit_ff_t *ff, const pbit_ff_data_t *data, const uint32_t *idx, uint32_t n,
                       double lr_scale, pbit_ff_stats_t *stats, pbit_error_t *err);

/* One epoch of epoch `epoch` (0-based) of cfg->epochs: a seeded shuffle of
 * data, steps of cfg->batch examples (the last one shorter), learning rate
 * from the schedule. */
int pbit_ff_train_epoch(pbit_ff_t *ff, const pbit_ff_data_t *data, uint32_t epoch,
                        pbit_ff_stats_t *stats, pbit_error_t *err);

/* Predictions for the examples first..first+n-1 (pred: n labels). The
 * readout mode needs a network configured with readout = 1. */
int pbit_ff_predict(pbit_ff_t *ff, const pbit_ff_data_t *data, uint32_t first, uint32_t n,
                    pbit_ff_predict_t mode, uint8_t *pred, pbit_error_t *err);

/* Goodness per layer of every label: g[(e * C + c) * L + l] for the examples
 * first..first+n-1 (counted as goodness inference). */
int pbit_ff_goodness_all(pbit_ff_t *ff, const pbit_ff_data_t *data, uint32_t first, uint32_t n,
                         float *g, pbit_error_t *err);

/* Fraction of data classified correctly. */
int pbit_ff_accuracy(pbit_ff_t *ff, const pbit_ff_data_t *data, pbit_ff_predict_t mode,
                     double *accuracy, pbit_error_t *err);

void pbit_ff_get_counters(const pbit_ff_t *ff, pbit_ff_counters_t *out);
void pbit_ff_reset_counters(pbit_ff_t *ff);

/* ---- single-layer pieces, exposed for tests ---- */

/* Loss of one layer on n examples and its gradient, through the same code as
 * training. x_pos: n feature vectors (layer inputs before the label, already
 * normalised, length rows of the features = D or N_{l-1}); x_neg the inputs
 * of the negative passes, or NULL when they are x_pos (as in layer 0). *loss
 * = mean over the n examples (SymBa: one term per example; threshold: the sum
 * of its positive and negative terms). grad_w (rows x units) and grad_b
 * (units) may be NULL; they receive d loss / d parameter. */
int pbit_ff_layer_loss(pbit_ff_t *ff, uint32_t layer, const float *x_pos, const float *x_neg,
                       const uint8_t *y_pos, const uint8_t *y_neg, uint32_t n, double *loss,
                       float *grad_w, float *grad_b, pbit_error_t *err);

/* Goodness of h (mean or sum of squares). */
float pbit_ff_goodness(const float *h, uint32_t n, int sum);

/* Normalises x in place; returns the factor it was multiplied by. */
float pbit_ff_normalise(float *x, uint32_t n, pbit_ff_norm_t mode, float eps);

/* Loss of one example and its derivatives: SymBa uses (g_pos, g_neg);
 * threshold returns the sum of both terms. dpos/dneg may be NULL. */
double pbit_ff_loss_value(pbit_ff_loss_t loss, double alpha, double theta, double g_pos,
                          double g_neg, double *dpos, double *dneg);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_FF_H */
