#include "ising.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Largest n whose 2^n probabilities pbit_ising_exact enumerates. */
#define PBIT_ISING_EXACT_MAX_N 24u

void pbit_ising_free(pbit_ising_t *m) {
  if (m == NULL) return;
  free(m->h);
  free(m->edges);
  memset(m, 0, sizeof(*m));
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

int pbit_ising_validate(const pbit_ising_t *m, pbit_error_t *err) {
  if (m == NULL) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "ising model is NULL");
  if (m->n < 1)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "ising: n must be >= 1 (got %u)", m->n);
  if (!isfinite(m->beta) || m->beta < 0.0)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                          "ising: beta must be finite and >= 0 (got %g)", m->beta);
  if (m->h == NULL) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "ising: h is NULL");
  for (uint32_t i = 0; i < m->n; i++) {
    if (!isfinite(m->h[i]))
      return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "ising: h[%u] must be finite (got %g)",
                            i, m->h[i]);
  }
  if (m->n_edges == 0) return PBIT_OK;
  if (m->edges == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "ising: %zu edges but edges is NULL",
                          m->n_edges);
  for (size_t k = 0; k < m->n_edges; k++) {
    const pbit_ising_edge_t *e = &m->edges[k];
    if (e->i >= m->n || e->j >= m->n)
      return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                            "ising: edge %zu (%u, %u): index out of range 0..%u", k, e->i, e->j,
                            m->n - 1);
    if (e->i == e->j)
      return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                            "ising: edge %zu (%u, %u): self-coupling", k, e->i, e->j);
    if (!isfinite(e->w))
      return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                            "ising: edge %zu (%u, %u): weight must be finite", k, e->i, e->j);
  }
  /* Duplicate pairs, in either orientation: sort the (min, max) keys. */
  uint64_t *keys = malloc(m->n_edges * sizeof(*keys));
  if (keys == NULL)
    return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0,
                          "ising: out of memory checking %zu edges", m->n_edges);
  for (size_t k = 0; k < m->n_edges; k++) {
    uint64_t a = m->edges[k].i, b = m->edges[k].j;
    keys[k] = a < b ? (a << 32 | b) : (b << 32 | a);
  }
  qsort(keys, m->n_edges, sizeof(*keys), cmp_u64);
  for (size_t k = 1; k < m->n_edges; k++) {
    if (keys[k] == keys[k - 1]) {
      uint32_t a = (uint32_t)(keys[k] >> 32), b = (uint32_t)keys[k];
      free(keys);
      return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                            "ising: pair (%u, %u) coupled more than once", a, b);
    }
  }
  free(keys);
  return PBIT_OK;
}

/* Bad arguments (NULL model, n > 64, bits set above n, an edge out of range)
 * give NaN: the header fixes a plain double return. */
double pbit_ising_energy(const pbit_ising_t *m, uint64_t state) {
  if (m == NULL || m->n < 1 || m->n > 64 || m->h == NULL || (m->n_edges > 0 && m->edges == NULL))
    return NAN;
  if (m->n < 64 && (state >> m->n) != 0) return NAN;
  double e = 0.0;
  for (uint32_t i = 0; i < m->n; i++) e -= ((state >> i) & 1u) ? m->h[i] : -m->h[i];
  for (size_t k = 0; k < m->n_edges; k++) {
    const pbit_ising_edge_t *ed = &m->edges[k];
    if (ed->i >= m->n || ed->j >= m->n) return NAN;
    int same = (int)((state >> ed->i) & 1u) == (int)((state >> ed->j) & 1u);
    e -= same ? ed->w : -ed->w;
  }
  return e;
}

/* Enumerates the states in Gray-code order: consecutive states differ in one
 * spin k, and flipping m_k changes the energy by 2 m_k (h_k + sum_j w_kj m_j)
 * (m_k before the flip), so each step costs O(degree) with the local fields
 * kept up to date, instead of O(n + edges) per state (the running sums pick
 * up ~sqrt(2^n) rounding steps: ~1e-12 relative at n = 24). The log-weights
 * -beta E are written into probs, then exponentiated relative to their
 * maximum (log-sum-exp), so no exp overflows whatever beta and the energies. */
int pbit_ising_exact(const pbit_ising_t *m, double *probs, pbit_error_t *err) {
  int rc = pbit_ising_validate(m, err);
  if (rc != PBIT_OK) return rc;
  if (probs == NULL) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "ising: probs is NULL");
  if (m->n > PBIT_ISING_EXACT_MAX_N)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                          "ising: exact enumeration needs n <= %u (got %u)", PBIT_ISING_EXACT_MAX_N,
                          m->n);
  const uint32_t n = m->n;
  /* Adjacency in CSR form (both directions). */
  uint32_t *start = calloc((size_t)n + 1, sizeof(*start));
  uint32_t *nbr = malloc((2 * m->n_edges + 1) * sizeof(*nbr));
  double *w = malloc((2 * m->n_edges + 1) * sizeof(*w));
  double *field = malloc((size_t)n * sizeof(*field));
  int8_t *spin = malloc((size_t)n * sizeof(*spin));
  if (start == NULL || nbr == NULL || w == NULL || field == NULL || spin == NULL) {
    free(start);
    free(nbr);
    free(w);
    free(field);
    free(spin);
    return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0,
                          "ising: out of memory for exact enumeration");
  }
  for (size_t k = 0; k < m->n_edges; k++) {
    start[m->edges[k].i + 1]++;
    start[m->edges[k].j + 1]++;
  }
  for (uint32_t i = 0; i < n; i++) start[i + 1] += start[i];
  for (size_t k = 0; k < m->n_edges; k++) {
    const pbit_ising_edge_t *e = &m->edges[k];
    uint32_t pi = start[e->i]++, pj = start[e->j]++;
    nbr[pi] = e->j;
    w[pi] = e->w;
    nbr[pj] = e->i;
    w[pj] = e->w;
  }
  for (uint32_t i = n; i > 0; i--) start[i] = start[i - 1];
  start[0] = 0;

  /* State 0: every spin -1. */
  double energy = 0.0;
  for (uint32_t i = 0; i < n; i++) {
    spin[i] = -1;
    energy += m->h[i];
  }
  /* Local fields h_i + sum_j w_ij m_j with every m_j = -1. */
  for (uint32_t i = 0; i < n; i++) field[i] = m->h[i];
  for (size_t k = 0; k < m->n_edges; k++) {
    energy -= m->edges[k].w;
    field[m->edges[k].i] -= m->edges[k].w;
    field[m->edges[k].j] -= m->edges[k].w;
  }
  const uint64_t count = 1ull << n;
  uint64_t state = 0;
  probs[0] = -m->beta * energy;
  double lw_max = probs[0];
  for (uint64_t g = 1; g < count; g++) {
    uint32_t k = (uint32_t)__builtin_ctzll(g); /* Gray code: flip bit k */
    energy += 2.0 * spin[k] * field[k];
    spin[k] = (int8_t)-spin[k];
    double d = 2.0 * spin[k];
    for (uint32_t p = start[k]; p < start[k + 1]; p++) field[nbr[p]] += d * w[p];
    state ^= 1ull << k;
    double lw = -m->beta * energy;
    probs[state] = lw;
    if (lw > lw_max) lw_max = lw;
  }
  double z = 0.0;
  for (uint64_t s = 0; s < count; s++) {
    probs[s] = exp(probs[s] - lw_max);
    z += probs[s];
  }
  for (uint64_t s = 0; s < count; s++) probs[s] /= z;
  free(start);
  free(nbr);
  free(w);
  free(field);
  free(spin);
  return PBIT_OK;
}
