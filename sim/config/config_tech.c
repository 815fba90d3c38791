/* Technology action tables: `tech:` mappings, as in configs/tech/. Every
 * table entry is required (a missing energy must not silently become a
 * default); SRAM writes default to the reads of the same array size. */
#include <stddef.h>
#include <string.h>

#include "config.h"
#include "config_schema.h"

/* The one convention a table may declare (tech.h): naming it is required so
 * that a file copied from the per-32-bit variant cannot pass unnoticed. */
static const char *const kConventions[] = {"horowitz2014_per_op_sram64", NULL};

#define AT(member) .offset = offsetof(pbit_energy_tech_t, member)
#define PJ(k, member, fl)                                                                     \
  {                                                                                           \
    .key = (k), .type = PBIT_CONFIG_DOUBLE, AT(member), .flags = (fl) | PBIT_CONFIG_MIN_EXCL, \
    .min = 0                                                                                  \
  }
#define GROUP(k, schema)                                                \
  {                                                                     \
    .key = (k), .type = PBIT_CONFIG_MAP, .offset = 0, .sub = &(schema), \
    .flags = PBIT_CONFIG_REQUIRED                                       \
  }
#define REQ PBIT_CONFIG_REQUIRED

static const pbit_config_field_t kAdd[] = {
    PJ("bits_8", int_add_pj[0], REQ),
    PJ("bits_16", int_add_pj[1], REQ),
    PJ("bits_32", int_add_pj[2], REQ),
};
static const pbit_config_schema_t kAddSchema = PBIT_CONFIG_SCHEMA(kAdd);

static const pbit_config_field_t kMult[] = {
    PJ("bits_8", int_mult_pj[0], REQ),
    PJ("bits_32", int_mult_pj[1], REQ),
};
static const pbit_config_schema_t kMultSchema = PBIT_CONFIG_SCHEMA(kMult);

static const pbit_config_field_t kFp16[] = {PJ("add", fp16_add_pj, REQ),
                                            PJ("mult", fp16_mult_pj, REQ)};
static const pbit_config_schema_t kFp16Schema = PBIT_CONFIG_SCHEMA(kFp16);
static const pbit_config_field_t kFp32[] = {PJ("add", fp32_add_pj, REQ),
                                            PJ("mult", fp32_mult_pj, REQ)};
static const pbit_config_schema_t kFp32Schema = PBIT_CONFIG_SCHEMA(kFp32);

static const pbit_config_field_t kSram[] = {
    PJ("read_8kb", sram_read_pj[0], REQ),  PJ("read_32kb", sram_read_pj[1], REQ),
    PJ("read_1mb", sram_read_pj[2], REQ),  PJ("write_8kb", sram_write_pj[0], 0),
    PJ("write_32kb", sram_write_pj[1], 0), PJ("write_1mb", sram_write_pj[2], 0),
};
static const pbit_config_schema_t kSramSchema = PBIT_CONFIG_SCHEMA(kSram);

static const pbit_config_field_t kTech[] = {
    {.key = "name",
     .type = PBIT_CONFIG_STRING,
     AT(name),
     .size = sizeof(((pbit_energy_tech_t *)0)->name),
     .flags = REQ},
    {.key = "description", .type = PBIT_CONFIG_STRING, .offset = PBIT_CONFIG_NO_STORE},
    {.key = "sources", .type = PBIT_CONFIG_STRING_LIST, .offset = PBIT_CONFIG_NO_STORE},
    {.key = "convention",
     .type = PBIT_CONFIG_ENUM,
     .offset = PBIT_CONFIG_NO_STORE,
     .enum_names = kConventions,
     .flags = REQ},
    {.key = "node_nm", .type = PBIT_CONFIG_INT, AT(node_nm), .flags = REQ},
    PJ("voltage_v", voltage_v, REQ),
    GROUP("int_add_pj", kAddSchema),
    GROUP("int_mult_pj", kMultSchema),
    GROUP("fp16_pj", kFp16Schema),
    GROUP("fp32_pj", kFp32Schema),
    GROUP("sram_64bit_pj", kSramSchema),
    PJ("dram_64bit_pj", dram_pj, REQ),
    {.key = "sram_leakage_pw_per_bit",
     .type = PBIT_CONFIG_DOUBLE,
     AT(sram_leak_pw_per_bit),
     .flags = PBIT_CONFIG_MIN | PBIT_CONFIG_MAX,
     .min = 0,
     .max = 1e6},
};
static const pbit_config_schema_t kTechSchema = PBIT_CONFIG_SCHEMA(kTech);

static int cross_check(const pbit_config_doc_t *doc, const pbit_config_node_t *map,
                       pbit_energy_tech_t *t, pbit_error_t *err) {
  const pbit_config_node_t *name = pbit_config_map_value(map, "name");
  if (t->name[0] == '\0') return pbit_config_fail(doc, name, err, "must not be empty");
  if (pbit_energy_node_factor(t->node_nm) == 0.0)
    return pbit_config_fail(doc, pbit_config_map_value(map, "node_nm"), err,
                            "%d nm has no scaling factor from 45 nm (known: 45, 22, 16, 7)",
                            t->node_nm);
  /* Table points must not decrease: point at the first value that does. */
  static const char *const kAddKeys[] = {"bits_8", "bits_16", "bits_32"};
  static const char *const kSramRead[] = {"read_8kb", "read_32kb", "read_1mb"};
  static const char *const kSramWrite[] = {"write_8kb", "write_32kb", "write_1mb"};
  const pbit_config_node_t *add = pbit_config_map_value(map, "int_add_pj");
  for (int i = 1; i < PBIT_ENERGY_ADD_POINTS; i++)
    if (t->int_add_pj[i] < t->int_add_pj[i - 1])
      return pbit_config_fail(doc, pbit_config_map_value(add, kAddKeys[i]), err,
                              "%g is less than the narrower add's %g", t->int_add_pj[i],
                              t->int_add_pj[i - 1]);
  const pbit_config_node_t *mult = pbit_config_map_value(map, "int_mult_pj");
  if (t->int_mult_pj[1] < t->int_mult_pj[0])
    return pbit_config_fail(doc, pbit_config_map_value(mult, "bits_32"), err,
                            "%g is less than the 8-bit multiply's %g", t->int_mult_pj[1],
                            t->int_mult_pj[0]);
  const pbit_config_node_t *sram = pbit_config_map_value(map, "sram_64bit_pj");
  for (int i = 0; i < PBIT_ENERGY_SRAM_POINTS; i++) {
    if (t->sram_write_pj[i] <= 0.0) t->sram_write_pj[i] = t->sram_read_pj[i]; /* not given */
    if (i == 0) continue;
    if (t->sram_read_pj[i] < t->sram_read_pj[i - 1])
      return pbit_config_fail(doc, pbit_config_map_value(sram, kSramRead[i]), err,
                              "%g is less than the smaller array's %g (energy must not fall "
                              "with capacity)",
                              t->sram_read_pj[i], t->sram_read_pj[i - 1]);
  }
  for (int i = 1; i < PBIT_ENERGY_SRAM_POINTS; i++)
    if (t->sram_write_pj[i] < t->sram_write_pj[i - 1]) {
      const pbit_config_node_t *at = pbit_config_map_value(sram, kSramWrite[i]);
      if (at == NULL) at = pbit_config_map_value(sram, kSramWrite[i - 1]);
      return pbit_config_fail(doc, at, err,
                              "SRAM write energy must not fall with capacity (%g after %g)",
                              t->sram_write_pj[i], t->sram_write_pj[i - 1]);
    }
  pbit_error_t verr;
  pbit_error_clear(&verr);
  if (pbit_energy_tech_validate(t, &verr) != PBIT_OK)
    return pbit_config_fail(doc, map, err, "%s", verr.msg);
  return PBIT_OK;
}

int pbit_config_bind_tech(const pbit_config_doc_t *doc, const pbit_config_node_t *map,
                          pbit_energy_tech_t *out, pbit_error_t *err) {
  if (doc == NULL || map == NULL || out == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "doc, map and out must not be NULL");
  pbit_energy_tech_t t;
  memset(&t, 0, sizeof(t));
  int rc = pbit_config_bind(doc, map, &kTechSchema, &t, err);
  if (rc == PBIT_OK) rc = cross_check(doc, map, &t, err);
  if (rc == PBIT_OK) *out = t;
  return rc;
}

static int bind_tech(const pbit_config_doc_t *doc, const pbit_config_node_t *map, void *out,
                     pbit_error_t *err) {
  return pbit_config_bind_tech(doc, map, out, err);
}

int pbit_config_load_tech(const char *path, pbit_energy_tech_t *out, pbit_error_t *err) {
  if (out == NULL) return pbit_error_set(err, PBIT_ERR_ARG, path, 0, 0, "out is NULL");
  pbit_energy_tech_t t;
  memset(&t, 0, sizeof(t));
  int rc = pbit_config_load_section(path, "tech", bind_tech, &t, err);
  if (rc == PBIT_OK) *out = t;
  return rc;
}
