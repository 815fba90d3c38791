/* Sweep configs (`pbitsim sweep sweep.yaml`): top-level key `sweep:`.
 *
 * A sweep is a base run config (config_run.h) plus overrides addressed by
 * key paths ("run.network.copies"): fixed ones (`set:`), axes whose values
 * are crossed (cartesian product, first axis slowest) and zipped lists that
 * vary together (one more axis, the fastest). This module loads the sweep,
 * numbers its points, writes each point's run config as YAML text (the base
 * document with the values substituted, values in their YAML form) and
 * checks it with pbit_config_bind_run, reporting any error at the override's
 * position in the sweep file. Resolving preset names and running points is
 * the caller's business (sim/cli/cmd_sweep.c). docs/configs.md, `sweep:`. */
#ifndef PBIT_CONFIG_SWEEP_H
#define PBIT_CONFIG_SWEEP_H

#include <stddef.h>

#include "config_doc.h"
#include "config_run.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PBIT_SWEEP_MAX_POINTS 100000
#define PBIT_SWEEP_MAX_PARAMS 64

typedef enum {
  PBIT_SWEEP_SET = 0, /* fixed override: one value */
  PBIT_SWEEP_AXIS = 1,
  PBIT_SWEEP_ZIP = 2,
} pbit_sweep_param_kind_t;

typedef struct {
  pbit_sweep_param_kind_t kind;
  char path[128];                 /* "run.network.copies" */
  const pbit_config_node_t *key;  /* its key node in the sweep file */
  const pbit_config_node_t *list; /* axes/zip: the sequence; set: the value */
  size_t n;                       /* number of values (set: 1) */
  size_t stride;                  /* point index step between its values */
} pbit_sweep_param_t;

typedef struct {
  pbit_config_doc_t doc; /* the sweep file; every node below points into it */
  char name[64];
  char base[1024]; /* as written (resolved by the caller) */
  const pbit_config_node_t *base_node;
  pbit_sweep_param_t params[PBIT_SWEEP_MAX_PARAMS]; /* set, then axes, then zip */
  size_t n_params;
  size_t zip_len;                    /* 0 without zip: */
  const pbit_config_node_t *metrics; /* sequence of scalars or NULL (default) */
  size_t n_points;
} pbit_sweep_t;

/* Loads and checks the sweep file (keys, key-path syntax, non-empty lists,
 * equal zip lengths, duplicate or nested key paths, point count). On
 * failure err has the file:line:col; pbit_sweep_free releases s either way. */
int pbit_sweep_load(pbit_sweep_t *s, const char *path, pbit_error_t *err);
void pbit_sweep_free(pbit_sweep_t *s);

/* The value node of parameter p at point k (0 <= k < n_points). */
const pbit_config_node_t *pbit_sweep_value(const pbit_sweep_t *s, size_t p, size_t k);

/* Writes a node in YAML flow form ("[250, 250]", "smtj-fast", "\"a b\"")
 * into buf; returns the length it needed (as snprintf). */
size_t pbit_sweep_flow(const pbit_config_node_t *node, char *buf, size_t len);

/* Point k's run config: the base document (its root must be a `run:`
 * mapping) with point k's values, written as YAML text (*text, malloc'd,
 * NUL-terminated; header, if not NULL, first as a comment), then parsed
 * back and bound with pbit_config_bind_run into *out (fill defaults
 * first). Relative paths given for run.accel/device/tech are made absolute
 * when the file exists (relative to the current directory, as `pbitsim
 * train` reads them). Errors are reported in the sweep file: at the
 * override's key for a bad key, at its value for a bad value, otherwise
 * (rules between keys) at the point's last varied value, naming the point.
 * On failure *text is NULL. */
int pbit_sweep_point(const pbit_sweep_t *s, const pbit_config_doc_t *base, size_t k,
                     const char *header, char **text, pbit_run_config_t *out, pbit_error_t *err);

/* The node a message about point k as a whole should point at: its last
 * varied value, else the base: entry. */
const pbit_config_node_t *pbit_sweep_point_node(const pbit_sweep_t *s, size_t k);

/* Index of the parameter whose path is `path`, or -1. */
int pbit_sweep_find(const pbit_sweep_t *s, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_CONFIG_SWEEP_H */
