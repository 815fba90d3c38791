/* Binary stochastic forward-forward (BSFF) trainer: firmware that talks to
 * the p-bit accelerator only through the HAL (hal/hal.h). Algorithm:
 * shared/spec/bsff-algorithm.md, reconstructed in docs/firmware.md.
 *
 * Mapping: layer l of the network lives on tile l of the accelerator (its
 * own weight SRAM, datapath and p-bit array). A layer has D_l feature inputs
 * (the 784 binarised pixels, or the K copy lines of the previous layer's N
 * units) plus C x R label lines, and N_l units of K tied copies each: copy k
 * of unit j is a p-bit driven with z = beta * a_j + c_k, c_k = -(k - 1/2) *
 * step, a_j = b_j + sum of the weight rows of the active inputs (the
 * datapath's FORWARD). Inputs of a layer > 0 are presented as K binary
 * vectors (copy k of every unit), one FORWARD through the index generator
 * each, so row i is added n_i times; the label lines come with copy 0.
 *
 * Fixed point: weights are codes of weight_bits with frac_bits fractional
 * bits (w = code * 2^-frac_bits); the DAC code is the accumulator shifted
 * right by dac_shift; the p-bit input per DAC code step is therefore
 * input_lsb = beta * 2^(dac_shift - frac_bits) (pbit_bsff_input_lsb) in
 * units of the sigmoid argument; the HAL is opened with that divided by the
 * device's effective beta (pbit_device_beta_eff), so that a p-bit's
 * argument is z.
 *
 * One training example (online, the hardware default):
 *   1. negative label: uniform among the wrong ones, or "hard": drawn with
 *      P(c) ~ exp(score_c / hard_temp) from the goodness scores of a scoring
 *      pass (every label through every layer; also gives the running
 *      training accuracy);
 *   2. per layer: positive pass, negative pass (each: FORWARD, p-bits sample
 *      T cycles (hardware mode: T + 1, the derivative needs pairs)), loss,
 *      delta_j = -lr dL/dg (beta / N) sum_k s'(z_jk) stochastically rounded
 *      to the weight LSB, UPDATE with the positive input and +delta_pos, and
 *      with the negative input and delta_neg;
 *   3. the next layer's inputs are the copy states of the first sample.
 * Inference: the label whose goodness summed over layers (from layer
 * score_from_layer) is largest (C passes), or the linear readout (one pass
 * with a neutral label: no label line active).
 *
 * Everything random is a draw of the counter-based RNG keyed by the seed,
 * the example number and a stream: results depend only on the seed, the
 * data order and the backend's (identical) p-bit samples.
 * Library code: never prints, never exits; errors name the HAL's message. */
#ifndef PBIT_BSFF_H
#define PBIT_BSFF_H

#include <stddef.h>
#include <stdint.h>

#include "hal/hal.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PBIT_BSFF_MAX_LAYERS 8
#define PBIT_BSFF_MAX_CLASSES 16

typedef enum {
  PBIT_BSFF_HARDWARE = 0,  /* goodness and s' from the p-bit samples */
  PBIT_BSFF_REFERENCE = 1, /* their expectations from the DAC codes */
} pbit_bsff_mode_t;

typedef enum { PBIT_BSFF_BIN_THRESHOLD = 0, PBIT_BSFF_BIN_STOCHASTIC = 1 } pbit_bsff_binarize_t;
typedef enum { PBIT_BSFF_LOSS_PAIRED = 0, PBIT_BSFF_LOSS_THRESHOLD = 1 } pbit_bsff_loss_t;
/* Goodness of a layer: MEAN g = (1/N) sum_j n_j; SQUARE g = (1/(N K))
 * sum_j n_j^2 (Hinton's sum of squares on the counts, same range 0..K). */
typedef enum { PBIT_BSFF_GOOD_MEAN = 0, PBIT_BSFF_GOOD_SQUARE = 1 } pbit_bsff_goodness_t;
typedef enum { PBIT_BSFF_NEG_RANDOM = 0, PBIT_BSFF_NEG_HARD = 1 } pbit_bsff_neg_t;
typedef enum { PBIT_BSFF_SCHED_CONST = 0, PBIT_BSFF_SCHED_COSINE = 1 } pbit_bsff_sched_t;
typedef enum {
  PBIT_BSFF_PREDICT_GOODNESS = 0,
  PBIT_BSFF_PREDICT_READOUT = 1,
} pbit_bsff_predict_t;

typedef struct {
  /* network */
  uint32_t inputs;  /* pixels (784) */
  uint32_t classes; /* C */
  uint32_t layers;  /* L <= PBIT_BSFF_MAX_LAYERS, one tile each */
  uint32_t units[PBIT_BSFF_MAX_LAYERS];
  uint32_t copies;       /* K tied copies */
  uint32_t label_repeat; /* R */
  double init_scale;     /* W ~ U(-s, s) * sqrt(3 / fan_in) (std s / sqrt(fan_in)) */
  /* fixed point and p-bit drive */
  uint32_t frac_bits; /* fractional bits of a weight code */
  uint32_t dac_shift; /* DAC code = acc >> dac_shift */
  double beta;        /* z = beta * a + c_k */
  double step;        /* copy bias spacing */
  /* algorithm */
  pbit_bsff_mode_t mode;
  uint32_t samples; /* T p-bit cycles per presentation */
  pbit_bsff_binarize_t binarize;
  double pixel_threshold; /* threshold binarisation: pixel/255 > threshold */
  uint32_t pixel_samples; /* P: binary planes of the image, a power of two (1: one) */
  /* 1: layer 1 adds the image rows once per image and weight version
   * (FORWARD with SAVE) and every label pass restarts from that sum
   * (RESTORE) and adds only its label rows. Same DAC codes unless an
   * accumulator saturates (the order of the additions changes). */
  int reuse_image_sum;
  pbit_bsff_goodness_t goodness;
  pbit_bsff_loss_t loss;
  double alpha, theta;
  int sign; /* 1: dL/dg replaced by its sign */
  pbit_bsff_neg_t negatives;
  double hard_temp;
  uint32_t score_from_layer;
  double lr; /* per example; scaled by beta / N_l inside delta */
  double lr_min_frac;
  pbit_bsff_sched_t schedule;
  uint64_t total_steps; /* schedule length in examples (0: constant) */
  /* readout */
  int readout;
  double readout_lr;
  uint32_t readout_from_layer;
  pbit_bsff_predict_t predict;
  uint64_t seed;
} pbit_bsff_config_t;

/* Operation counts of the firmware (the controller beside the datapath),
 * by phase, for the energy ledger (docs/firmware.md, "Accounting"). */
typedef struct {
  uint64_t int_add;  /* counter adds (goodness, s' counts, scores) */
  uint64_t int_mult; /* fixed-point multiplies (delta per unit) */
  uint64_t fp_op;    /* float work of the reference mode / readout / loss */
  uint64_t nonlin;   /* exp / sigmoid evaluations */
  uint64_t rng;      /* 32-bit random draws */
} pbit_bsff_ops_t;

enum {
  PBIT_BSFF_PH_FORWARD = 0,
  PBIT_BSFF_PH_GOODNESS,
  PBIT_BSFF_PH_UPDATE,
  PBIT_BSFF_PH_READOUT,
  PBIT_BSFF_PH_SCORE,
  PBIT_BSFF_NUM_PH
};

/* Counters of a phase group (training or inference). dp: datapath counters
 * summed over tiles (PBIT_DP_CNT_* order) by phase; pbits: p-bit counters
 * over tiles (sampling). */
typedef struct {
  uint64_t dp[PBIT_BSFF_NUM_PH][PBIT_DP_NUM_COUNTERS];
  pbit_bsff_ops_t ops[PBIT_BSFF_NUM_PH];
  pbit_hal_pbit_counters_t pbits;
  uint64_t cycles; /* chip clock cycles */
  uint64_t examples;
} pbit_bsff_counters_t;

typedef struct {
  uint64_t examples;
  uint64_t score_correct; /* scoring pass: argmax was the true label */
  uint64_t scored;
  double loss[PBIT_BSFF_MAX_LAYERS];
  double g_pos[PBIT_BSFF_MAX_LAYERS], g_neg[PBIT_BSFF_MAX_LAYERS];
  double readout_loss;
  uint64_t readout_correct;
} pbit_bsff_stats_t;

typedef struct pbit_bsff pbit_bsff_t;

void pbit_bsff_config_default(pbit_bsff_config_t *cfg);
int pbit_bsff_config_check(const pbit_bsff_config_t *cfg, pbit_error_t *err);
/* p-bit input per DAC code step for this configuration. */
double pbit_bsff_input_lsb(const pbit_bsff_config_t *cfg);
/* Inputs of layer l's tile (features + label lines). */
uint32_t pbit_bsff_layer_inputs(const pbit_bsff_config_t *cfg, uint32_t l);

/* One unit's expected goodness term and its derivative in z (the unit's
 * share of dg/da is beta / N times it), from its K copies' probabilities
 * p_k = sigmoid(z_k): MEAN g = sum_k p_k, ds = sum_k p_k (1 - p_k); SQUARE
 * g = E[n^2] / K, ds = dE[n^2]/dz / K. What reference mode uses. */
void pbit_bsff_unit_goodness(const double *p, uint32_t K, pbit_bsff_goodness_t kind, double *g,
                             double *ds);

/* Checks that the accelerator can hold the network (tiles, sizes, copies),
 * initialises the weights from the seed and loads every tile. */
int pbit_bsff_create(pbit_hal_t *hal, const pbit_bsff_config_t *cfg, pbit_bsff_t **out,
                     pbit_error_t *err);
void pbit_bsff_destroy(pbit_bsff_t *b);

/* One online update on one example (pixels: cfg->inputs bytes 0..255).
 * example_id keys its random draws. */
int pbit_bsff_train_example(pbit_bsff_t *b, const uint8_t *pixels, uint32_t label,
                            uint64_t example_id, pbit_bsff_stats_t *st, pbit_error_t *err);
/* Prediction with the configured rule; scores (may be NULL) gets C values. */
int pbit_bsff_predict(pbit_bsff_t *b, const uint8_t *pixels, uint64_t example_id,
                      pbit_bsff_predict_t rule, uint32_t *pred, double *scores, pbit_error_t *err);
/* Counters of training (train = 1) or inference, since create. */
int pbit_bsff_counters(pbit_bsff_t *b, int train, pbit_bsff_counters_t *out, pbit_error_t *err);
/* Examples trained so far (the schedule position). */
uint64_t pbit_bsff_steps(const pbit_bsff_t *b);
void pbit_bsff_set_steps(pbit_bsff_t *b, uint64_t steps);

/* Weights of layer l read back from its tile: (inputs x units) codes, then
 * units bias codes. */
int pbit_bsff_read_layer(pbit_bsff_t *b, uint32_t l, int32_t *w, int32_t *bias, pbit_error_t *err);
int pbit_bsff_write_layer(pbit_bsff_t *b, uint32_t l, const int32_t *w, const int32_t *bias,
                          pbit_error_t *err);
/* The readout (classes x features + classes), float; NULL if off. */
float *pbit_bsff_readout(pbit_bsff_t *b, size_t *n);

/* ---- The firmware's own state, for exact checkpoints: the schedule
 * position, the counters of both groups and the snapshots they are taken
 * against, the selected tile, the input windows as last written, and the
 * readout. Not the weights (they live in the tiles: pbit_bsff_read_layer)
 * and nothing of the accelerator itself. Restored into a trainer of the
 * same configuration, together with the accelerator's state as it was at
 * save time (sim/hal/hal_sim.h), training continues bit for bit; restored
 * alone, the counter snapshots are wrong. Save between two calls:
 * state_size gives the byte count, save writes that many (len >= size),
 * restore accepts only a state of this network (err says what differs)
 * and of exactly that size, and changes nothing when it refuses. */
size_t pbit_bsff_state_size(const pbit_bsff_t *b);
int pbit_bsff_state_save(const pbit_bsff_t *b, void *buf, size_t len, pbit_error_t *err);
int pbit_bsff_state_restore(pbit_bsff_t *b, const void *buf, size_t len, pbit_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_BSFF_H */
