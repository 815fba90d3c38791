/* A coupled p-bit network in Ising form (plain data).
 * Spins m_i in {-1,+1}; E(m) = -(sum_i h_i m_i + sum_edges w m_i m_j);
 * P(m) ~ exp(-beta E(m)). State integers: bit i set <=> m_i = +1. */
#ifndef PBIT_ISING_H
#define PBIT_ISING_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  uint32_t i;
  uint32_t j;
  double w;
} pbit_ising_edge_t;

typedef struct {
  uint32_t n;    /* p-bits 0..n-1 */
  double beta;   /* inverse temperature */
  double *h;     /* n biases (malloc'd) */
  size_t n_edges;
  pbit_ising_edge_t *edges; /* symmetric couplings, each pair once (malloc'd) */
} pbit_ising_t;

/* Frees h and edges and zeroes the struct (safe on NULL / zeroed). */
void pbit_ising_free(pbit_ising_t *m);

/* n >= 1, finite beta >= 0 and h, edges in range, i != j, no pair twice. */
int pbit_ising_validate(const pbit_ising_t *m, pbit_error_t *err);

/* E(state) for n <= 64. */
double pbit_ising_energy(const pbit_ising_t *m, uint64_t state);

/* Exact Boltzmann probabilities of all 2^n states (n <= 24) into probs. */
int pbit_ising_exact(const pbit_ising_t *m, double *probs, pbit_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_ISING_H */
