/* A YAML file as a small document tree, the generic first half of config
 * loading (config_schema.h binds the tree to structs).
 *
 * libyaml parses; this layer adds the checks libyaml leaves to its users:
 * duplicate keys, tabs, empty files, one document per file, no anchors,
 * aliases or tags, bounded nesting and file size. Every node keeps its
 * 1-based position so that any later error can point at it. */
#ifndef PBIT_CONFIG_DOC_H
#define PBIT_CONFIG_DOC_H

#include <stddef.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits that keep a hostile file from costing unbounded time or memory. */
#define PBIT_CONFIG_MAX_BYTES ((size_t)16 << 20)
#define PBIT_CONFIG_MAX_DEPTH 64

typedef enum {
  PBIT_CONFIG_SCALAR = 0,
  PBIT_CONFIG_SEQUENCE = 1,
  PBIT_CONFIG_MAPPING = 2,
} pbit_config_kind_t;

typedef struct pbit_config_node {
  pbit_config_kind_t kind;
  int line; /* 1-based position of the node's first character */
  int col;
  /* Scalars: the value, NUL-terminated (len excludes the NUL). */
  char *text;
  size_t len;
  int plain; /* 1 if written without quotes or block style */
  /* Collections: children in document order. A mapping stores its pairs
   * flat, key then value, so it has 2 * pairs items; keys are scalars. */
  struct pbit_config_node **items;
  size_t count;
  size_t cap;
  /* Where the node sits, for key paths in messages. */
  const struct pbit_config_node *parent;
  size_t index; /* position in parent->items */
} pbit_config_node_t;

typedef struct {
  char *file; /* name used in messages */
  pbit_config_node_t *root;
} pbit_config_doc_t;

/* Reads and parses a file. PBIT_ERR_IO if it cannot be read (err names the
 * file), PBIT_ERR_CONFIG with file:line:col for anything malformed. On
 * failure doc is left empty; in every case pbit_config_doc_free releases
 * it. The root is never NULL on success. */
int pbit_config_doc_load(pbit_config_doc_t *doc, const char *path, pbit_error_t *err);

/* Same from memory; name is used in messages. */
int pbit_config_doc_parse(pbit_config_doc_t *doc, const char *name, const char *text, size_t len,
                          pbit_error_t *err);

/* Frees the tree and zeroes doc (safe on NULL or a zeroed doc). */
void pbit_config_doc_free(pbit_config_doc_t *doc);

/* Number of key/value pairs of a mapping (0 for other kinds). */
size_t pbit_config_map_size(const pbit_config_node_t *map);
const pbit_config_node_t *pbit_config_map_key_at(const pbit_config_node_t *map, size_t i);
const pbit_config_node_t *pbit_config_map_value_at(const pbit_config_node_t *map, size_t i);

/* Key node / value node for key in a mapping, NULL if absent. */
const pbit_config_node_t *pbit_config_map_key(const pbit_config_node_t *map, const char *key);
const pbit_config_node_t *pbit_config_map_value(const pbit_config_node_t *map, const char *key);

/* 1 for an empty plain scalar or a YAML null (~, null). */
int pbit_config_node_is_null(const pbit_config_node_t *node);

/* "a mapping", "a sequence", "a scalar" or "an empty value". */
const char *pbit_config_node_describe(const pbit_config_node_t *node);

/* Writes the node's key path, e.g. "device.variation.sigma_gain" or
 * "ising.J[3][1]"; a key node gives its own key's path; the root gives "". */
void pbit_config_node_path(const pbit_config_node_t *node, char *buf, size_t len);

/* 1 if a comes after b in the file. */
int pbit_config_node_after(const pbit_config_node_t *a, const pbit_config_node_t *b);

/* Sets a PBIT_ERR_CONFIG error at node's position (1:1 if node is NULL),
 * the message prefixed with the node's key path ("top level" for the root):
 * "<path>: <message>". Returns PBIT_ERR_CONFIG. */
int pbit_config_fail(const pbit_config_doc_t *doc, const pbit_config_node_t *node,
                     pbit_error_t *err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Same with an explicit path (e.g. a missing key under node). */
int pbit_config_fail_path(const pbit_config_doc_t *doc, const pbit_config_node_t *node,
                          const char *path, pbit_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#ifdef __cplusplus
}
#endif

#endif /* PBIT_CONFIG_DOC_H */
