/* Device presets: `device:` mappings, as in configs/devices/. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_schema.h"

/* Enum fields are bound as int; the name tables follow the enum values. */
_Static_assert(sizeof(pbit_convention_t) == sizeof(int), "enum bound as int");
_Static_assert(sizeof(pbit_rate_model_t) == sizeof(int), "enum bound as int");
_Static_assert(PBIT_CONV_UNIPOLAR == 0 && PBIT_CONV_BIPOLAR == 1, "kConventions");
_Static_assert(PBIT_RATE_BIAS_INDEPENDENT == 0 && PBIT_RATE_BIAS_DEPENDENT == 1, "kRateModels");
static const char *const kConventions[] = {"unipolar", "bipolar", NULL};
static const char *const kRateModels[] = {"bias_independent", "bias_dependent", NULL};

#define AT(member) .offset = offsetof(pbit_device_t, member)
#define DOUBLE_FIELD(k, member, fl, lo, hi) \
  { .key = (k), .type = PBIT_CONFIG_DOUBLE, AT(member), .flags = (fl), .min = (lo), .max = (hi) }
#define NONNEG(k, member) DOUBLE_FIELD(k, member, PBIT_CONFIG_MIN, 0, 0)
#define POSITIVE(k, member) DOUBLE_FIELD(k, member, PBIT_CONFIG_MIN_EXCL, 0, 0)
#define CLOSED(k, member, lo, hi) DOUBLE_FIELD(k, member, PBIT_CONFIG_MIN | PBIT_CONFIG_MAX, lo, hi)

static const pbit_config_field_t kVariation[] = {
    NONNEG("sigma_offset", sigma_offset),
    NONNEG("sigma_gain", sigma_gain),
    CLOSED("sigma_log_tau", sigma_log_tau, 0, 10),
};
static const pbit_config_schema_t kVariationSchema = PBIT_CONFIG_SCHEMA(kVariation);

static const pbit_config_field_t kNoise[] = {
    NONNEG("sigma_input", sigma_input),
    NONNEG("sigma_common", sigma_common),
};
static const pbit_config_schema_t kNoiseSchema = PBIT_CONFIG_SCHEMA(kNoise);

static const pbit_config_field_t kDac[] = {
    {.key = "bits",
     .type = PBIT_CONFIG_INT,
     AT(dac_bits),
     .flags = PBIT_CONFIG_MIN | PBIT_CONFIG_MAX,
     .min = 0,
     .max = 24},
    POSITIVE("full_scale", dac_full_scale),
};
static const pbit_config_schema_t kDacSchema = PBIT_CONFIG_SCHEMA(kDac);

static const pbit_config_field_t kFaults[] = {
    CLOSED("stuck_at_0", stuck_at_0, 0, 1),
    CLOSED("stuck_at_1", stuck_at_1, 0, 1),
};
static const pbit_config_schema_t kFaultsSchema = PBIT_CONFIG_SCHEMA(kFaults);

static const pbit_config_field_t kEnergy[] = {
    NONNEG("sample_fj", energy_sample_fj),
    NONNEG("flip_fj", energy_flip_fj),
    NONNEG("dac_write_fj", energy_dac_write_fj),
    NONNEG("static_nw", static_power_nw),
};
static const pbit_config_schema_t kEnergySchema = PBIT_CONFIG_SCHEMA(kEnergy);

/* Sub-mappings group fields of the same flat struct: offset 0. */
#define GROUP(k, schema) \
  { .key = (k), .type = PBIT_CONFIG_MAP, .offset = 0, .sub = &(schema) }

static const pbit_config_field_t kDevice[] = {
    {.key = "name",
     .type = PBIT_CONFIG_STRING,
     AT(name),
     .size = sizeof(((pbit_device_t *)0)->name),
     .flags = PBIT_CONFIG_REQUIRED},
    {.key = "description", .type = PBIT_CONFIG_STRING, .offset = PBIT_CONFIG_NO_STORE},
    {.key = "sources", .type = PBIT_CONFIG_STRING_LIST, .offset = PBIT_CONFIG_NO_STORE},
    {.key = "convention", .type = PBIT_CONFIG_ENUM, AT(convention), .enum_names = kConventions},
    POSITIVE("beta", beta),
    {.key = "rate_model", .type = PBIT_CONFIG_ENUM, AT(rate_model), .enum_names = kRateModels},
    NONNEG("dwell_ns", dwell_ns),
    POSITIVE("attempt_ns", attempt_ns),
    CLOSED("barrier_kt", barrier_kt, 0, 60),
    POSITIVE("temperature_k", temperature_k),
    POSITIVE("reference_temperature_k", reference_temperature_k),
    GROUP("variation", kVariationSchema),
    GROUP("noise", kNoiseSchema),
    GROUP("dac", kDacSchema),
    GROUP("faults", kFaultsSchema),
    GROUP("energy", kEnergySchema),
};
static const pbit_config_schema_t kDeviceSchema = PBIT_CONFIG_SCHEMA(kDevice);

/* The later of two key nodes (either may be NULL). */
static const pbit_config_node_t *later(const pbit_config_node_t *a, const pbit_config_node_t *b) {
  if (a == NULL) return b;
  if (b == NULL) return a;
  return pbit_config_node_after(a, b) ? a : b;
}

/* Rules that involve two fields; errors point at the later key. */
static int cross_check(const pbit_config_doc_t *doc, const pbit_config_node_t *map,
                       const pbit_device_t *d, pbit_error_t *err) {
  const pbit_config_node_t *name = pbit_config_map_value(map, "name");
  if (name != NULL && d->name[0] == '\0')
    return pbit_config_fail(doc, name, err, "must not be empty");

  const pbit_config_node_t *dwell = pbit_config_map_key(map, "dwell_ns");
  const pbit_config_node_t *barrier = pbit_config_map_key(map, "barrier_kt");
  if (dwell != NULL && barrier != NULL && d->barrier_kt > 0.0)
    return pbit_config_fail(doc, later(dwell, barrier), err,
                            "dwell_ns and barrier_kt > 0 exclude each other: with a "
                            "barrier the dwell time is attempt_ns * exp(barrier_kt)");

  const pbit_config_node_t *dac = pbit_config_map_value(map, "dac");
  if (d->dac_bits > 0 && pbit_config_map_key(dac, "full_scale") == NULL) {
    char path[256], full[300];
    pbit_config_node_path(dac, path, sizeof(path));
    snprintf(full, sizeof(full), "%s.full_scale", path);
    return pbit_config_fail_path(doc, dac, full, err, "missing: required when bits > 0");
  }

  const pbit_config_node_t *faults = pbit_config_map_value(map, "faults");
  if (d->stuck_at_0 + d->stuck_at_1 > 1.0)
    return pbit_config_fail(
        doc,
        later(pbit_config_map_key(faults, "stuck_at_0"), pbit_config_map_key(faults, "stuck_at_1")),
        err, "stuck_at_0 + stuck_at_1 = %g must be <= 1", d->stuck_at_0 + d->stuck_at_1);

  /* Backstop: the library's own rules, should they ever grow stricter. */
  pbit_error_t verr;
  pbit_error_clear(&verr);
  if (pbit_device_validate(d, &verr) != PBIT_OK)
    return pbit_config_fail(doc, map, err, "%s", verr.msg);
  return PBIT_OK;
}

int pbit_config_bind_device(const pbit_config_doc_t *doc, const pbit_config_node_t *map,
                            pbit_device_t *out, pbit_error_t *err) {
  if (doc == NULL || map == NULL || out == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "doc, map and out must not be NULL");
  pbit_device_t d = *out;
  int rc = pbit_config_bind(doc, map, &kDeviceSchema, &d, err);
  if (rc == PBIT_OK) rc = cross_check(doc, map, &d, err);
  if (rc == PBIT_OK) *out = d;
  return rc;
}

static int bind_device(const pbit_config_doc_t *doc, const pbit_config_node_t *map, void *out,
                       pbit_error_t *err) {
  return pbit_config_bind_device(doc, map, out, err);
}

int pbit_config_load_device(const char *path, pbit_device_t *out, pbit_error_t *err) {
  if (out == NULL) return pbit_error_set(err, PBIT_ERR_ARG, path, 0, 0, "out is NULL");
  pbit_device_t d;
  pbit_device_ideal(&d);
  int rc = pbit_config_load_section(path, "device", bind_device, &d, err);
  if (rc == PBIT_OK) *out = d;
  return rc;
}
