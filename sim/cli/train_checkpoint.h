/* The checkpoint file of pbitsim train (docs/firmware.md, "Checkpoints and
 * resume"): writes format 2 (magic "PBSFFCK2", checksummed sections), reads
 * formats 2 and 1. Never prints, never exits: failures fill a pbit_error_t
 * naming the checkpoint, and what the caller should tell the user about a
 * resume comes back in pbit_ckpt_resume_t. */
#ifndef PBIT_CLI_TRAIN_CHECKPOINT_H
#define PBIT_CLI_TRAIN_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "bsff/bsff.h"
#include "hal/hal.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The run a checkpoint belongs to: an exact resume continues it only with
 * the same examples per epoch and epochs (the data order and schedule).
 * Stored as is in the HEAD section: its layout is part of format 2. */
typedef struct {
  uint32_t train_n, epochs;
  uint64_t total_steps;
} pbit_ckpt_run_t;

/* One row of the learning curve. A checkpoint keeps every field but the
 * wall-clock seconds, which read back as NAN. */
typedef struct {
  uint32_t epoch;
  uint64_t examples;
  double seconds, loss, train_acc, test_acc, readout_acc;
} pbit_ckpt_curve_row_t;

/* How far a resume restored the run. */
typedef enum {
  PBIT_CKPT_RESUME_NONE = 0,  /* nothing loaded (a zeroed pbit_ckpt_resume_t) */
  PBIT_CKPT_RESUME_EXACT,     /* firmware and simulator state, same run */
  PBIT_CKPT_RESUME_OTHER_RUN, /* state restored, but saved.train_n/epochs differ */
  PBIT_CKPT_RESUME_NO_SIM,    /* format 2 without simulator state: weights only */
  PBIT_CKPT_RESUME_FORMAT1    /* format 1: weights, readout, schedule position */
} pbit_ckpt_resume_kind_t;

/* What a resume restored. */
typedef struct {
  uint32_t epoch;
  pbit_ckpt_resume_kind_t kind;
  pbit_ckpt_run_t saved;        /* the checkpoint's run (format 2) */
  pbit_ckpt_curve_row_t *curve; /* rows of the curve so far (format 2), malloc'd: the
                                   caller frees it */
  size_t ncurve;
} pbit_ckpt_resume_t;

/* Writes the checkpoint of epoch `epoch` to path (atomically, through
 * pbit_outfile_t): the weights read back from the tiles, the readout, the
 * curve's first ncurve rows, the config text, the firmware's state and, if
 * the backend can save it, the simulator's. */
int pbit_ckpt_save(pbit_bsff_t *b, pbit_hal_t *hal, const pbit_bsff_config_t *c,
                   const pbit_ckpt_run_t *run, uint32_t epoch, const pbit_ckpt_curve_row_t *curve,
                   size_t ncurve, const char *config_text, const char *path, pbit_error_t *err);

/* Loads path into the trainer b (and the simulator behind hal) after
 * checking every section and that it belongs to the network of c; run is
 * this run, compared with the checkpoint's. On failure res holds no curve. */
int pbit_ckpt_load(pbit_bsff_t *b, pbit_hal_t *hal, const pbit_bsff_config_t *c,
                   const pbit_ckpt_run_t *run, const char *path, pbit_ckpt_resume_t *res,
                   pbit_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_CLI_TRAIN_CHECKPOINT_H */
