/* Table-driven binding of a YAML mapping (config_doc.h) to a C struct.
 *
 * A schema is an array of field descriptors: key, type, offset into the
 * struct, range, enum names, nested schema. The binder walks the mapping in
 * file order and rejects unknown keys (listing the allowed ones), values of
 * the wrong kind, numbers that do not parse in full, values out of range and
 * missing required keys; every message starts with the key path and every
 * error carries the offending node's file:line:col. Cross-field rules stay
 * with each loader, which can find the nodes again with pbit_config_map_*.
 *
 * Example:
 *   static const pbit_config_field_t kNoise[] = {
 *       {.key = "sigma", .type = PBIT_CONFIG_DOUBLE,
 *        .offset = offsetof(my_t, sigma), .flags = PBIT_CONFIG_MIN, .min = 0},
 *   };
 *   static const pbit_config_schema_t kNoiseSchema = PBIT_CONFIG_SCHEMA(kNoise);
 */
#ifndef PBIT_CONFIG_SCHEMA_H
#define PBIT_CONFIG_SCHEMA_H

#include <stddef.h>

#include "config_doc.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  PBIT_CONFIG_DOUBLE = 1,  /* double; finite, decimal, no hex/nan/inf */
  PBIT_CONFIG_INT,         /* int; decimal, no fraction/exponent, no overflow */
  PBIT_CONFIG_BOOL,        /* int 0/1 from true/false */
  PBIT_CONFIG_STRING,      /* size > 0: char[size] in place; size 0: char * (owned) */
  PBIT_CONFIG_ENUM,        /* int: index of the name in enum_names */
  PBIT_CONFIG_MAP,         /* nested mapping bound with sub at base + offset */
  PBIT_CONFIG_DOUBLE_LIST, /* double * (owned) + size_t count at count_offset */
  PBIT_CONFIG_STRING_LIST, /* char ** (owned) + size_t count at count_offset */
  PBIT_CONFIG_NODE,        /* const pbit_config_node_t * (any kind), for loaders
                              that check a value themselves */
} pbit_config_type_t;

/* Field flags. Ranges apply to numbers and to each element of a list. */
enum {
  PBIT_CONFIG_REQUIRED = 1u << 0,
  PBIT_CONFIG_MIN = 1u << 1,      /* value >= min */
  PBIT_CONFIG_MIN_EXCL = 1u << 2, /* value >  min */
  PBIT_CONFIG_MAX = 1u << 3,      /* value <= max */
  PBIT_CONFIG_MAX_EXCL = 1u << 4, /* value <  max */
};

/* offset value for a field that is checked but not stored (documentation
 * fields such as description: or sources:). */
#define PBIT_CONFIG_NO_STORE ((size_t)-1)

struct pbit_config_schema;

typedef struct {
  const char *key;
  pbit_config_type_t type;
  size_t offset;       /* into the struct, or PBIT_CONFIG_NO_STORE */
  size_t count_offset; /* lists: where the element count (size_t) goes */
  size_t size;         /* STRING: buffer size when stored in place */
  unsigned flags;
  double min, max;
  const char *const *enum_names;        /* ENUM: NULL-terminated */
  const struct pbit_config_schema *sub; /* MAP */
} pbit_config_field_t;

typedef struct pbit_config_schema {
  const pbit_config_field_t *fields;
  size_t n_fields;
} pbit_config_schema_t;

#define PBIT_CONFIG_SCHEMA(fields_array) \
  { (fields_array), sizeof(fields_array) / sizeof((fields_array)[0]) }

/* Binds map (a mapping node of doc) into the struct at base. Fields absent
 * from the file keep what base held, so fill defaults first. Owned pointers
 * (lists, char * strings) must be NULL before the call. On failure the
 * struct may hold part of the values: release with pbit_config_unbind. */
int pbit_config_bind(const pbit_config_doc_t *doc, const pbit_config_node_t *map,
                     const pbit_config_schema_t *schema, void *base, pbit_error_t *err);

/* Frees every owned pointer the schema describes and sets it to NULL
 * (count 0). Safe on a struct that was never bound if those are NULL. */
void pbit_config_unbind(const pbit_config_schema_t *schema, void *base);

/* Binds the value of one section of a config (a `device:` mapping, ...) into
 * out; the typed bind functions of config.h have this shape. */
typedef int (*pbit_config_bind_fn)(const pbit_config_doc_t *doc, const pbit_config_node_t *map,
                                   void *out, pbit_error_t *err);

/* Loads the file at path, requires its top level to be a mapping whose only
 * key is `key`, and binds that key's value with bind. The document is freed
 * before returning; out holds whatever bind left on failure. */
int pbit_config_load_section(const char *path, const char *key, pbit_config_bind_fn bind,
                             void *out, pbit_error_t *err);

/* Strict scalar parsers used by the binder, for loaders that check values
 * themselves. On failure they set err at node, naming its key path. */
int pbit_config_parse_double(const pbit_config_doc_t *doc, const pbit_config_node_t *node,
                             double *out, pbit_error_t *err);
int pbit_config_parse_int(const pbit_config_doc_t *doc, const pbit_config_node_t *node,
                          long long *out, pbit_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_CONFIG_SCHEMA_H */
