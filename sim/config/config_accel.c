/* Accelerator datapath configurations: `accel:` mappings, as in configs/accel/.
 * Every parameter is required: the file is the single source of truth for the
 * RTL parameters and the C model's widths, so nothing may come from a default
 * that one side knows and the other does not. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_schema.h"

#define AT(member) .offset = offsetof(pbit_dp_params_t, member)
#define INT_FIELD(k, member, lo, hi)                                                            \
  {                                                                                             \
    .key = (k), .type = PBIT_CONFIG_INT, AT(member),                                            \
    .flags = PBIT_CONFIG_REQUIRED | PBIT_CONFIG_MIN | PBIT_CONFIG_MAX, .min = (lo), .max = (hi) \
  }

/* Single-field ranges as in dp_params.h; the rules between fields are in
 * cross_check below. */
static const pbit_config_field_t kAccel[] = {
    {.key = "name",
     .type = PBIT_CONFIG_STRING,
     AT(name),
     .size = sizeof(((pbit_dp_params_t *)0)->name),
     .flags = PBIT_CONFIG_REQUIRED},
    {.key = "description", .type = PBIT_CONFIG_STRING, .offset = PBIT_CONFIG_NO_STORE},
    {.key = "sources", .type = PBIT_CONFIG_STRING_LIST, .offset = PBIT_CONFIG_NO_STORE},
    INT_FIELD("lanes", lanes, 1, 256),
    INT_FIELD("weight_bits", weight_bits, 2, 32),
    INT_FIELD("acc_bits", acc_bits, 2, 48),
    INT_FIELD("dac_bits", dac_bits, 2, 24),
    INT_FIELD("scan_bits", scan_bits, 1, 256),
    INT_FIELD("fifo_depth", fifo_depth, 2, 4096),
    INT_FIELD("max_inputs", max_inputs, 1, 65536),
    INT_FIELD("max_units", max_units, 1, 65536),
    {.key = "clock_ns",
     .type = PBIT_CONFIG_DOUBLE,
     AT(clock_ns),
     .flags = PBIT_CONFIG_REQUIRED | PBIT_CONFIG_MIN_EXCL,
     .min = 0},
};
static const pbit_config_schema_t kAccelSchema = PBIT_CONFIG_SCHEMA(kAccel);

/* The later of two key nodes (the binder has seen both: they are required). */
static const pbit_config_node_t *later(const pbit_config_node_t *a, const pbit_config_node_t *b) {
  if (a == NULL) return b;
  if (b == NULL) return a;
  return pbit_config_node_after(a, b) ? a : b;
}

static int name_char_ok(char c, int first) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
    return 1;
  return !first && (c == '-' || c == '.');
}

/* Rules that involve two fields point at the later key; single-value rules
 * that the schema cannot express point at the value. */
static int cross_check(const pbit_config_doc_t *doc, const pbit_config_node_t *map,
                       const pbit_dp_params_t *p, pbit_error_t *err) {
  const pbit_config_node_t *name = pbit_config_map_value(map, "name");
  if (p->name[0] == '\0') return pbit_config_fail(doc, name, err, "must not be empty");
  for (size_t i = 0; p->name[i] != '\0'; i++)
    if (!name_char_ok(p->name[i], i == 0))
      return pbit_config_fail(doc, name, err,
                              "'%s' is not a valid name: use letters, digits, '_', and '-' or "
                              "'.' after the first character (it names files and make variables)",
                              p->name);

  if ((p->fifo_depth & (p->fifo_depth - 1)) != 0)
    return pbit_config_fail(doc, pbit_config_map_value(map, "fifo_depth"), err,
                            "%d is not a power of two", p->fifo_depth);

  const pbit_config_node_t *wb = pbit_config_map_key(map, "weight_bits");
  const pbit_config_node_t *ab = pbit_config_map_key(map, "acc_bits");
  const pbit_config_node_t *db = pbit_config_map_key(map, "dac_bits");
  if (p->acc_bits < p->weight_bits)
    return pbit_config_fail(doc, later(wb, ab), err,
                            "acc_bits = %d must be >= weight_bits = %d (one weight must fit "
                            "the accumulator)",
                            p->acc_bits, p->weight_bits);
  if (p->dac_bits > p->acc_bits)
    return pbit_config_fail(doc, later(db, ab), err,
                            "dac_bits = %d must be <= acc_bits = %d (codes are taken from "
                            "the accumulator)",
                            p->dac_bits, p->acc_bits);

  /* Backstop: the library's own rules, should they ever grow stricter. */
  pbit_error_t verr;
  pbit_error_clear(&verr);
  if (pbit_dp_params_validate(p, &verr) != PBIT_OK)
    return pbit_config_fail(doc, map, err, "%s", verr.msg);
  return PBIT_OK;
}

int pbit_config_bind_accel(const pbit_config_doc_t *doc, const pbit_config_node_t *map,
                           pbit_dp_params_t *out, pbit_error_t *err) {
  if (doc == NULL || map == NULL || out == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "doc, map and out must not be NULL");
  pbit_dp_params_t p = *out;
  int rc = pbit_config_bind(doc, map, &kAccelSchema, &p, err);
  if (rc == PBIT_OK) rc = cross_check(doc, map, &p, err);
  if (rc == PBIT_OK) *out = p;
  return rc;
}

static int bind_accel(const pbit_config_doc_t *doc, const pbit_config_node_t *map, void *out,
                      pbit_error_t *err) {
  return pbit_config_bind_accel(doc, map, out, err);
}

int pbit_config_load_accel(const char *path, pbit_dp_params_t *out, pbit_error_t *err) {
  if (out == NULL) return pbit_error_set(err, PBIT_ERR_ARG, path, 0, 0, "out is NULL");
  pbit_dp_params_t p;
  memset(&p, 0, sizeof(p));
  int rc = pbit_config_load_section(path, "accel", bind_accel, &p, err);
  if (rc == PBIT_OK) *out = p;
  return rc;
}
