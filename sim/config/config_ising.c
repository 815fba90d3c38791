/* Ising models: `ising:` mappings, as in configs/models/ and cli.md. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_schema.h"

#define PBIT_CONFIG_ISING_MAX_N 4096

/* What the schema binds; J is checked here, element by element. */
typedef struct {
  int n;
  double beta;
  double *h;
  size_t h_count;
  const pbit_config_node_t *J;
} ising_raw_t;

static const pbit_config_field_t kIsing[] = {
    {.key = "n",
     .type = PBIT_CONFIG_INT,
     .offset = offsetof(ising_raw_t, n),
     .flags = PBIT_CONFIG_REQUIRED | PBIT_CONFIG_MIN | PBIT_CONFIG_MAX,
     .min = 1,
     .max = PBIT_CONFIG_ISING_MAX_N},
    {.key = "beta",
     .type = PBIT_CONFIG_DOUBLE,
     .offset = offsetof(ising_raw_t, beta),
     .flags = PBIT_CONFIG_REQUIRED | PBIT_CONFIG_MIN,
     .min = 0},
    {.key = "h",
     .type = PBIT_CONFIG_DOUBLE_LIST,
     .offset = offsetof(ising_raw_t, h),
     .count_offset = offsetof(ising_raw_t, h_count),
     .flags = PBIT_CONFIG_REQUIRED},
    {.key = "J", .type = PBIT_CONFIG_NODE, .offset = offsetof(ising_raw_t, J)},
};
static const pbit_config_schema_t kIsingSchema = PBIT_CONFIG_SCHEMA(kIsing);


/* Open-addressing set of unordered pairs -> first J element, so that a
 * repeated pair is reported where it repeats, in one pass. */
typedef struct {
  uint64_t *keys; /* pair key + 1; 0 = empty slot */
  size_t *first;
  size_t mask;
} pair_set_t;

static int pair_set_init(pair_set_t *s, size_t count) {
  size_t cap = 16;
  while (cap < 2 * count) cap *= 2;
  s->keys = calloc(cap, sizeof(*s->keys));
  s->first = malloc(cap * sizeof(*s->first));
  s->mask = cap - 1;
  return s->keys != NULL && s->first != NULL;
}

static void pair_set_free(pair_set_t *s) {
  free(s->keys);
  free(s->first);
}

/* Inserts key; returns 1 and the earlier element if it was there. */
static int pair_set_seen(pair_set_t *s, uint64_t key, size_t elem, size_t *first) {
  uint64_t k = key + 1;
  size_t slot = (size_t)((k * 0x9E3779B97F4A7C15ull) >> 20) & s->mask;
  while (s->keys[slot] != 0) {
    if (s->keys[slot] == k) {
      *first = s->first[slot];
      return 1;
    }
    slot = (slot + 1) & s->mask;
  }
  s->keys[slot] = k;
  s->first[slot] = elem;
  return 0;
}

static int parse_index(const pbit_config_doc_t *doc, const pbit_config_node_t *node, int n,
                       uint32_t *out, pbit_error_t *err) {
  long long v;
  int rc = pbit_config_parse_int(doc, node, &v, err);
  if (rc != PBIT_OK) return rc;
  if (v < 0 || v >= n)
    return pbit_config_fail(doc, node, err, "index %lld out of range [0, %d]", v, n - 1);
  *out = (uint32_t)v;
  return PBIT_OK;
}

static int parse_edges(const pbit_config_doc_t *doc, const pbit_config_node_t *J, int n,
                       pbit_ising_edge_t **out, size_t *count, pbit_error_t *err) {
  if (J->kind != PBIT_CONFIG_SEQUENCE)
    return pbit_config_fail(doc, J, err, "expected a sequence of [i, j, w], got %s",
                            pbit_config_node_describe(J));
  pbit_ising_edge_t *edges = malloc((J->count > 0 ? J->count : 1) * sizeof(*edges));
  pair_set_t seen = {NULL, NULL, 0};
  if (edges == NULL || !pair_set_init(&seen, J->count)) {
    free(edges);
    pair_set_free(&seen);
    return pbit_error_set(err, PBIT_ERR_NOMEM, doc->file, 0, 0, "out of memory");
  }
  int rc = PBIT_OK;
  for (size_t k = 0; k < J->count && rc == PBIT_OK; k++) {
    const pbit_config_node_t *e = J->items[k];
    pbit_ising_edge_t *edge = &edges[k];
    if (e->kind != PBIT_CONFIG_SEQUENCE) {
      rc =
          pbit_config_fail(doc, e, err, "expected [i, j, w], got %s", pbit_config_node_describe(e));
      break;
    }
    if (e->count != 3) {
      rc = pbit_config_fail(doc, e, err, "expected [i, j, w], got %zu values", e->count);
      break;
    }
    rc = parse_index(doc, e->items[0], n, &edge->i, err);
    if (rc == PBIT_OK) rc = parse_index(doc, e->items[1], n, &edge->j, err);
    if (rc == PBIT_OK) rc = pbit_config_parse_double(doc, e->items[2], &edge->w, err);
    if (rc != PBIT_OK) break;
    if (edge->i == edge->j) {
      rc = pbit_config_fail(doc, e, err, "self-coupling: i = j = %u", edge->i);
      break;
    }
    uint64_t lo = edge->i < edge->j ? edge->i : edge->j;
    uint64_t hi = edge->i < edge->j ? edge->j : edge->i;
    size_t first;
    if (pair_set_seen(&seen, lo << 32 | hi, k, &first))
      rc = pbit_config_fail(doc, e, err, "pair (%u, %u) already coupled by J[%zu]", edge->i,
                            edge->j, first);
  }
  pair_set_free(&seen);
  if (rc != PBIT_OK) {
    free(edges);
    return rc;
  }
  *out = edges;
  *count = J->count;
  return PBIT_OK;
}

int pbit_config_bind_ising(const pbit_config_doc_t *doc, const pbit_config_node_t *map,
                           pbit_ising_t *out, pbit_error_t *err) {
  if (out != NULL) memset(out, 0, sizeof(*out));
  if (doc == NULL || map == NULL || out == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "doc, map and out must not be NULL");
  ising_raw_t raw = {0, 1.0, NULL, 0, NULL};
  pbit_ising_t m = {0, 0.0, NULL, 0, NULL};
  int rc = pbit_config_bind(doc, map, &kIsingSchema, &raw, err);
  if (rc == PBIT_OK && raw.h_count != (size_t)raw.n)
    rc = pbit_config_fail(doc, pbit_config_map_value(map, "h"), err,
                          "has %zu values, expected n = %d", raw.h_count, raw.n);
  if (rc == PBIT_OK && raw.J != NULL)
    rc = parse_edges(doc, raw.J, raw.n, &m.edges, &m.n_edges, err);
  if (rc == PBIT_OK) {
    m.n = (uint32_t)raw.n;
    m.beta = raw.beta;
    m.h = raw.h;
    raw.h = NULL;
    /* Backstop: the library's own rules, should they ever grow stricter. */
    pbit_error_t verr;
    pbit_error_clear(&verr);
    if (pbit_ising_validate(&m, &verr) != PBIT_OK)
      rc = pbit_config_fail(doc, map, err, "%s", verr.msg);
  }
  pbit_config_unbind(&kIsingSchema, &raw);
  if (rc != PBIT_OK) {
    pbit_ising_free(&m);
    return rc;
  }
  *out = m;
  return PBIT_OK;
}

static int bind_ising(const pbit_config_doc_t *doc, const pbit_config_node_t *map, void *out,
                      pbit_error_t *err) {
  return pbit_config_bind_ising(doc, map, out, err);
}

int pbit_config_load_ising(const char *path, pbit_ising_t *out, pbit_error_t *err) {
  if (out == NULL) return pbit_error_set(err, PBIT_ERR_ARG, path, 0, 0, "out is NULL");
  memset(out, 0, sizeof(*out));
  return pbit_config_load_section(path, "ising", bind_ising, out, err);
}
