#include "gibbs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

/* A colour with at least this many p-bits is updated by OpenMP threads (when
 * built with -fopenmp); smaller ones are not worth a parallel region. Each
 * p-bit's result depends only on its own draw and its neighbours, none of
 * which change during the colour, so threads cannot change the answer. */
#define PBIT_GIBBS_PAR_MIN 4096u

struct pbit_gibbs {
  uint32_t n;
  uint32_t n_colors;
  uint64_t key; /* pbit_rng_key(seed, PBIT_STREAM_GIBBS) */
  pbit_gibbs_counters_t cnt;
  /* Adjacency in CSR form, both directions, weights pre-scaled by 2 beta. */
  uint32_t *row; /* n + 1 */
  uint32_t *col; /* row[n] */
  double *w2b;   /* row[n] */
  double *h2b;   /* n: 2 beta h_i */
  /* Colouring: colour of each p-bit, and the p-bits grouped by colour
   * (ascending index within a colour) in order[cstart[c] .. cstart[c+1]). */
  uint32_t *color;
  uint32_t *cstart; /* n_colors + 1 */
  uint32_t *order;
  /* State: s_i in {0,1}, m_i = 2 s_i - 1 as a double for the field sums, and
   * the packed state word when n <= 64. */
  uint8_t *s;
  double *m;
  uint64_t state;
};

void pbit_gibbs_destroy(pbit_gibbs_t *g) {
  if (g == NULL) return;
  free(g->row);
  free(g->col);
  free(g->w2b);
  free(g->h2b);
  free(g->color);
  free(g->cstart);
  free(g->order);
  free(g->s);
  free(g->m);
  free(g);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* Greedy colouring, largest degree first (Welsh-Powell order, ties by
 * index): each p-bit takes the smallest colour none of its already coloured
 * neighbours has. Uses at most max degree + 1 colours. */
static int color_graph(pbit_gibbs_t *g) {
  const uint32_t n = g->n;
  uint64_t *rank = malloc((size_t)n * sizeof(*rank));
  uint32_t *mark = malloc(((size_t)n + 1) * sizeof(*mark));
  if (rank == NULL || mark == NULL) {
    free(rank);
    free(mark);
    return PBIT_ERR_NOMEM;
  }
  for (uint32_t i = 0; i < n; i++) {
    uint32_t deg = g->row[i + 1] - g->row[i];
    rank[i] = (uint64_t)(UINT32_MAX - deg) << 32 | i;
    g->color[i] = UINT32_MAX; /* not coloured yet */
  }
  qsort(rank, n, sizeof(*rank), cmp_u64);
  memset(mark, 0xFF, ((size_t)n + 1) * sizeof(*mark));
  uint32_t n_colors = 0;
  for (uint32_t r = 0; r < n; r++) {
    uint32_t v = (uint32_t)rank[r];
    for (uint32_t p = g->row[v]; p < g->row[v + 1]; p++) {
      uint32_t c = g->color[g->col[p]];
      if (c != UINT32_MAX) mark[c] = v; /* colour c is taken around v */
    }
    uint32_t c = 0;
    while (mark[c] == v) c++;
    g->color[v] = c;
    if (c + 1 > n_colors) n_colors = c + 1;
  }
  free(rank);
  free(mark);
  g->n_colors = n_colors;
  /* Group by colour (counting sort: stable, so ascending index). */
  g->cstart = calloc((size_t)n_colors + 1, sizeof(*g->cstart));
  if (g->cstart == NULL) return PBIT_ERR_NOMEM;
  for (uint32_t i = 0; i < n; i++) g->cstart[g->color[i] + 1]++;
  for (uint32_t c = 0; c < n_colors; c++) g->cstart[c + 1] += g->cstart[c];
  for (uint32_t i = 0; i < n; i++) g->order[g->cstart[g->color[i]]++] = i;
  for (uint32_t c = n_colors; c > 0; c--) g->cstart[c] = g->cstart[c - 1];
  g->cstart[0] = 0;
  return PBIT_OK;
}

static void set_state(pbit_gibbs_t *g, uint32_t i, uint8_t v) {
  g->s[i] = v;
  g->m[i] = v ? 1.0 : -1.0;
  if (g->n <= 64) {
    uint64_t bit = 1ull << i;
    g->state = v ? (g->state | bit) : (g->state & ~bit);
  }
}

int pbit_gibbs_create(const pbit_ising_t *model, uint64_t seed, pbit_gibbs_t **out,
                      pbit_error_t *err) {
  if (out == NULL) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "gibbs: out is NULL");
  *out = NULL;
  int rc = pbit_ising_validate(model, err);
  if (rc != PBIT_OK) return rc;
  if (model->n_edges > UINT32_MAX / 2)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "gibbs: %zu edges, at most %u supported",
                          model->n_edges, UINT32_MAX / 2);
  const uint32_t n = model->n;
  const size_t nnz = 2 * model->n_edges;
  pbit_gibbs_t *g = calloc(1, sizeof(*g));
  if (g == NULL) goto nomem;
  g->n = n;
  g->key = pbit_rng_key(seed, PBIT_STREAM_GIBBS);
  g->row = calloc((size_t)n + 1, sizeof(*g->row));
  g->col = malloc((nnz + 1) * sizeof(*g->col));
  g->w2b = malloc((nnz + 1) * sizeof(*g->w2b));
  g->h2b = malloc((size_t)n * sizeof(*g->h2b));
  g->color = malloc((size_t)n * sizeof(*g->color));
  g->order = malloc((size_t)n * sizeof(*g->order));
  g->s = malloc((size_t)n * sizeof(*g->s));
  g->m = malloc((size_t)n * sizeof(*g->m));
  if (g->row == NULL || g->col == NULL || g->w2b == NULL || g->h2b == NULL || g->color == NULL ||
      g->order == NULL || g->s == NULL || g->m == NULL)
    goto nomem;

  const double b2 = 2.0 * model->beta;
  for (uint32_t i = 0; i < n; i++) g->h2b[i] = b2 * model->h[i];
  for (size_t k = 0; k < model->n_edges; k++) {
    g->row[model->edges[k].i + 1]++;
    g->row[model->edges[k].j + 1]++;
  }
  for (uint32_t i = 0; i < n; i++) g->row[i + 1] += g->row[i];
  for (size_t k = 0; k < model->n_edges; k++) { /* row[i] = next free slot */
    const pbit_ising_edge_t *e = &model->edges[k];
    uint32_t pi = g->row[e->i]++, pj = g->row[e->j]++;
    g->col[pi] = e->j;
    g->w2b[pi] = b2 * e->w;
    g->col[pj] = e->i;
    g->w2b[pj] = b2 * e->w;
  }
  for (uint32_t i = n; i > 0; i--) g->row[i] = g->row[i - 1];
  g->row[0] = 0;

  if (color_graph(g) != PBIT_OK) goto nomem;

  /* Initial state: counter 0, each p-bit the top bit of its draw. */
  uint64_t ck = pbit_rng_counter_key(g->key, 0);
  for (uint32_t i = 0; i < n; i++) set_state(g, i, (uint8_t)(pbit_rng_u32_ck(ck, i) >> 31));
  *out = g;
  return PBIT_OK;
nomem:
  pbit_gibbs_destroy(g);
  return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0,
                        "gibbs: out of memory for %u p-bits, %zu edges", n, model->n_edges);
}

uint32_t pbit_gibbs_num_pbits(const pbit_gibbs_t *g) { return g == NULL ? 0 : g->n; }

uint32_t pbit_gibbs_num_colors(const pbit_gibbs_t *g) { return g == NULL ? 0 : g->n_colors; }

int64_t pbit_gibbs_color_of(const pbit_gibbs_t *g, uint32_t i) {
  if (g == NULL || i >= g->n) return -1;
  return g->color[i];
}

/* The new state of p-bit i under counter key ck (1 or 0). */
static inline uint8_t draw(const pbit_gibbs_t *g, uint64_t ck, uint32_t i) {
  double z = g->h2b[i];
  for (uint32_t p = g->row[i]; p < g->row[i + 1]; p++) z += g->w2b[p] * g->m[g->col[p]];
  double prob = 1.0 / (1.0 + exp(-z));
  return (uint8_t)pbit_rng_bernoulli(pbit_rng_u32_ck(ck, i), pbit_rng_threshold(prob));
}

/* One sweep: colours in order, each colour's p-bits from the current state.
 * Updating a colour in place equals updating it simultaneously: no p-bit of
 * a colour reads another of the same colour (the colouring's invariant). */
static void sweep(pbit_gibbs_t *g) {
  const uint64_t ck = pbit_rng_counter_key(g->key, g->cnt.sweeps + 1);
  uint64_t flips = 0;
  for (uint32_t c = 0; c < g->n_colors; c++) {
    const uint32_t lo = g->cstart[c], hi = g->cstart[c + 1];
    if (hi - lo < PBIT_GIBBS_PAR_MIN) {
      for (uint32_t k = lo; k < hi; k++) {
        uint32_t i = g->order[k];
        uint8_t v = draw(g, ck, i);
        if (v != g->s[i]) {
          flips++;
          set_state(g, i, v);
        }
      }
      continue;
    }
    /* Large colour, so n > 64: no packed state word to keep. */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) reduction(+ : flips)
#endif
    for (uint32_t k = lo; k < hi; k++) {
      uint32_t i = g->order[k];
      uint8_t v = draw(g, ck, i);
      if (v != g->s[i]) {
        flips++;
        g->s[i] = v;
        g->m[i] = v ? 1.0 : -1.0;
      }
    }
  }
  g->cnt.sweeps++;
  g->cnt.updates += g->n;
  g->cnt.flips += flips;
}

static int check_sweeps(const pbit_gibbs_t *g, uint64_t sweeps, pbit_error_t *err) {
  if (sweeps > UINT64_MAX - 1 - g->cnt.sweeps)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "gibbs: sweep counter would overflow");
  return PBIT_OK;
}

int pbit_gibbs_run(pbit_gibbs_t *g, uint64_t sweeps, pbit_gibbs_observer_t observer, void *user,
                   pbit_error_t *err) {
  if (g == NULL) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "gibbs: sampler is NULL");
  int rc = check_sweeps(g, sweeps, err);
  if (rc != PBIT_OK) return rc;
  for (uint64_t t = 0; t < sweeps; t++) {
    sweep(g);
    if (observer != NULL && observer(g, user) != 0)
      return pbit_error_set(err, PBIT_ERR_RUNTIME, NULL, 0, 0,
                            "gibbs: observer stopped the run at sweep %llu",
                            (unsigned long long)g->cnt.sweeps);
  }
  return PBIT_OK;
}

int pbit_gibbs_histogram(pbit_gibbs_t *g, uint64_t sweeps, uint64_t *counts, size_t n_counts,
                         pbit_error_t *err) {
  if (g == NULL) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "gibbs: sampler is NULL");
  if (counts == NULL) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "gibbs: counts is NULL");
  if (g->n > PBIT_GIBBS_HIST_MAX_N)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "gibbs: histogram needs n <= %u (got %u)",
                          PBIT_GIBBS_HIST_MAX_N, g->n);
  if (n_counts != (size_t)1 << g->n)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                          "gibbs: histogram of %u p-bits needs %zu counts (got %zu)", g->n,
                          (size_t)1 << g->n, n_counts);
  int rc = check_sweeps(g, sweeps, err);
  if (rc != PBIT_OK) return rc;
  for (uint64_t t = 0; t < sweeps; t++) {
    sweep(g);
    counts[g->state]++;
  }
  return PBIT_OK;
}

int pbit_gibbs_state(const pbit_gibbs_t *g, uint64_t *state, pbit_error_t *err) {
  if (g == NULL || state == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "gibbs: %s is NULL",
                          g == NULL ? "sampler" : "state");
  if (g->n > 64)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                          "gibbs: a state integer holds 64 p-bits (got %u)", g->n);
  *state = g->state;
  return PBIT_OK;
}

const uint8_t *pbit_gibbs_spins(const pbit_gibbs_t *g) { return g == NULL ? NULL : g->s; }

int pbit_gibbs_set_spins(pbit_gibbs_t *g, const uint8_t *spins, size_t n, pbit_error_t *err) {
  if (g == NULL || spins == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "gibbs: %s is NULL",
                          g == NULL ? "sampler" : "spins");
  if (n != g->n)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "gibbs: %zu spins given for %u p-bits", n,
                          g->n);
  for (size_t i = 0; i < n; i++) {
    if (spins[i] > 1)
      return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "gibbs: spin %zu is %u, must be 0 or 1",
                            i, spins[i]);
  }
  for (uint32_t i = 0; i < g->n; i++) set_state(g, i, spins[i]);
  return PBIT_OK;
}

pbit_gibbs_counters_t pbit_gibbs_counters(const pbit_gibbs_t *g) {
  pbit_gibbs_counters_t zero = {0, 0, 0};
  return g == NULL ? zero : g->cnt;
}
