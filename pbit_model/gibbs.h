/* Chromatic Gibbs sampler of an Ising model made of ideal p-bits.
 *
 * The coupling graph is coloured greedily (largest degree first, ties by
 * index) so that no edge joins two p-bits of one colour. One sweep visits the
 * colours in order 0, 1, ...; all p-bits of a colour update together from the
 * current states of their neighbours, none of which is in that colour, so the
 * parallel update is an exact Gibbs step (pbit-device-model section 5).
 *
 * An update of p-bit i (unipolar form, s_i in {0,1}, m_i = 2 s_i - 1):
 *   z_i = 2 beta (h_i + sum_j w_ij m_j),   s_i = 1[u < sigmoid(z_i)],
 * i.e. s_i = pbit_rng_bernoulli(pbit_rng_u32_ck(counter key, i),
 * pbit_rng_threshold(sigmoid(z_i))). The key is
 * pbit_rng_key(seed, PBIT_STREAM_GIBBS); the counter is 0 for the initial
 * state (s_i = top bit of the draw: each p-bit uniform and independent) and
 * k for the k-th sweep since create. A run is therefore a pure function of
 * (model, seed, sweep count), whatever the thread count or how the sweeps
 * are split between calls. Colours of >= 4096 p-bits are updated by OpenMP
 * threads when built with -fopenmp (same results, by the keying above).
 *
 * Zero-weight edges still count for the colouring (the wire exists). */
#ifndef PBIT_GIBBS_H
#define PBIT_GIBBS_H

#include <stddef.h>
#include <stdint.h>

#include "ising.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest n for pbit_gibbs_histogram (2^n counters). */
#define PBIT_GIBBS_HIST_MAX_N 24u

typedef struct pbit_gibbs pbit_gibbs_t;

typedef struct {
  uint64_t sweeps;  /* sweeps run since create */
  uint64_t updates; /* p-bit updates (n per sweep) */
  uint64_t flips;   /* updates that changed the p-bit's state */
} pbit_gibbs_counters_t;

/* Called after every full sweep; return 0 to go on, anything else to stop
 * the run (pbit_gibbs_run then returns PBIT_ERR_RUNTIME). */
typedef int (*pbit_gibbs_observer_t)(const pbit_gibbs_t *g, void *user);

/* Validates and copies the model (the caller may free it afterwards),
 * colours the graph and draws the initial state. *out is NULL on failure. */
int pbit_gibbs_create(const pbit_ising_t *model, uint64_t seed, pbit_gibbs_t **out,
                      pbit_error_t *err);

/* Safe on NULL. */
void pbit_gibbs_destroy(pbit_gibbs_t *g);

/* 0 for NULL. */
uint32_t pbit_gibbs_num_pbits(const pbit_gibbs_t *g);
uint32_t pbit_gibbs_num_colors(const pbit_gibbs_t *g);

/* Colour of p-bit i in 0..num_colors-1; -1 for NULL or i out of range. */
int64_t pbit_gibbs_color_of(const pbit_gibbs_t *g, uint32_t i);

/* Runs `sweeps` sweeps, calling observer (may be NULL) after each one. */
int pbit_gibbs_run(pbit_gibbs_t *g, uint64_t sweeps, pbit_gibbs_observer_t observer, void *user,
                   pbit_error_t *err);

/* Runs `sweeps` sweeps and adds 1 to counts[state] after each one.
 * Needs n <= PBIT_GIBBS_HIST_MAX_N and n_counts == 2^n. Counts accumulate
 * across calls (zero them first for a fresh histogram). */
int pbit_gibbs_histogram(pbit_gibbs_t *g, uint64_t sweeps, uint64_t *counts, size_t n_counts,
                         pbit_error_t *err);

/* Current state as an integer, bit i set <=> s_i = 1 (m_i = +1); n <= 64. */
int pbit_gibbs_state(const pbit_gibbs_t *g, uint64_t *state, pbit_error_t *err);

/* Current unipolar states s_0..s_{n-1} (0 or 1); NULL for NULL. The array
 * belongs to g and changes with every sweep. */
const uint8_t *pbit_gibbs_spins(const pbit_gibbs_t *g);

/* Overwrites the current state (each value 0 or 1). The sweep counter, and
 * so the random draws to come, are unchanged. */
int pbit_gibbs_set_spins(pbit_gibbs_t *g, const uint8_t *spins, size_t n, pbit_error_t *err);

/* Counters since create; zeroed for NULL. */
pbit_gibbs_counters_t pbit_gibbs_counters(const pbit_gibbs_t *g);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_GIBBS_H */
