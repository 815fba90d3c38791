/* Run configs (`pbitsim train --config run.yaml`): top-level key `run:`.
 * What a run trains (the BSFF firmware's options, firmware/bsff/bsff.h), on
 * which data, accelerator, device, technology table and backend. Names of
 * accel/device/tech are preset names (configs/<kind>/<name>.yaml) or paths,
 * resolved by the caller. Every option and its default: docs/configs.md. */
#ifndef PBIT_CONFIG_RUN_H
#define PBIT_CONFIG_RUN_H

#include <stdint.h>

#include "../../firmware/bsff/bsff.h" /* a plain struct, no link dependency */
#include "config_doc.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  char name[64];
  char dataset[32]; /* fashion-mnist | mnist | cifar10 */
  char backend[16]; /* model | rtl | systemc */
  char accel[256], device[256], tech[256];
  double dt_ns; /* p-bit cycle; 0 = the accel's clock */
  int seed;
  int epochs;
  int train_limit;    /* first n training examples (0: all) */
  int test_limit;     /* first n test examples (0: the full split) */
  int eval_every;     /* epochs between learning-curve evaluations (0: only at the end) */
  int eval_limit;     /* test examples per learning-curve point (0: test_limit) */
  int shuffle;        /* reshuffle the training order every epoch (seeded) */
  int progress_every; /* examples between progress updates */
  int baseline;       /* 1: estimate the real-valued FF baseline's energy per update */
  pbit_bsff_config_t bsff;
} pbit_run_config_t;

void pbit_run_config_default(pbit_run_config_t *r);
int pbit_config_bind_run(const pbit_config_doc_t *doc, const pbit_config_node_t *map,
                         pbit_run_config_t *out, pbit_error_t *err);
/* Loads path; on failure *out is unchanged. */
int pbit_config_load_run(const char *path, pbit_run_config_t *out, pbit_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_CONFIG_RUN_H */
