/* Run configs: `run:` mappings (config_run.h). */
#include "config_run.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "config_schema.h"

#define RUN(member) .offset = offsetof(pbit_run_config_t, member)
#define BS(member) .offset = offsetof(pbit_bsff_config_t, member)
#define STR(k, member)                                   \
  {                                                      \
    .key = (k), .type = PBIT_CONFIG_STRING, RUN(member), \
    .size = sizeof(((pbit_run_config_t *)0)->member)     \
  }
#define RINT(k, member, lo, hi)                                                                   \
  {                                                                                               \
    .key = (k), .type = PBIT_CONFIG_INT, RUN(member), .flags = PBIT_CONFIG_MIN | PBIT_CONFIG_MAX, \
    .min = (lo), .max = (hi)                                                                      \
  }
#define BINT(k, member, lo, hi)                                                                  \
  {                                                                                              \
    .key = (k), .type = PBIT_CONFIG_INT, BS(member), .flags = PBIT_CONFIG_MIN | PBIT_CONFIG_MAX, \
    .min = (lo), .max = (hi)                                                                     \
  }
#define BDBL(k, member, lo, hi)                                          \
  {                                                                      \
    .key = (k), .type = PBIT_CONFIG_DOUBLE, BS(member),                  \
    .flags = PBIT_CONFIG_MIN | PBIT_CONFIG_MAX, .min = (lo), .max = (hi) \
  }
#define BDBL_POS(k, member, hi)                                            \
  {                                                                        \
    .key = (k), .type = PBIT_CONFIG_DOUBLE, BS(member),                    \
    .flags = PBIT_CONFIG_MIN_EXCL | PBIT_CONFIG_MAX, .min = 0, .max = (hi) \
  }

static const char *const kModes[] = {"hardware", "reference", NULL};
static const char *const kBinarize[] = {"threshold", "stochastic", NULL};
static const char *const kGoodness[] = {"mean", "square", NULL};
static const char *const kLoss[] = {"paired", "threshold", NULL};
static const char *const kNeg[] = {"random", "hard", NULL};
static const char *const kSched[] = {"constant", "cosine", NULL};
static const char *const kPredict[] = {"goodness", "readout", NULL};

/* network: (layers is checked by hand: a list of unit counts) */
static const pbit_config_field_t kNetwork[] = {
    {.key = "layers", .type = PBIT_CONFIG_NODE, .offset = PBIT_CONFIG_NO_STORE},
    BINT("copies", copies, 1, 64),
    BINT("label_repeat", label_repeat, 1, 100),
    BDBL("init_scale", init_scale, 0, 100),
    BINT("frac_bits", frac_bits, 0, 30),
    BINT("dac_shift", dac_shift, 0, 47),
    BDBL_POS("beta", beta, 1000),
    BDBL("step", step, 0, 1000),
};
static const pbit_config_schema_t kNetworkSchema = PBIT_CONFIG_SCHEMA(kNetwork);

static const pbit_config_field_t kBsff[] = {
    {.key = "mode", .type = PBIT_CONFIG_ENUM, BS(mode), .enum_names = kModes},
    BINT("samples", samples, 1, 4096),
    {.key = "binarize", .type = PBIT_CONFIG_ENUM, BS(binarize), .enum_names = kBinarize},
    BDBL("pixel_threshold", pixel_threshold, 0, 1),
    BINT("pixel_samples", pixel_samples, 1, 64),
    {.key = "reuse_image_sum", .type = PBIT_CONFIG_BOOL, BS(reuse_image_sum)},
    {.key = "goodness", .type = PBIT_CONFIG_ENUM, BS(goodness), .enum_names = kGoodness},
    {.key = "loss", .type = PBIT_CONFIG_ENUM, BS(loss), .enum_names = kLoss},
    BDBL_POS("alpha", alpha, 1e6),
    BDBL("theta", theta, -1e6, 1e6),
    {.key = "sign", .type = PBIT_CONFIG_BOOL, BS(sign)},
    {.key = "negatives", .type = PBIT_CONFIG_ENUM, BS(negatives), .enum_names = kNeg},
    BDBL_POS("hard_temp", hard_temp, 1e6),
    BINT("score_from_layer", score_from_layer, 0, PBIT_BSFF_MAX_LAYERS - 1),
    BDBL("lr", lr, 0, 1e6),
    BDBL("lr_min_frac", lr_min_frac, 0, 1),
    {.key = "schedule", .type = PBIT_CONFIG_ENUM, BS(schedule), .enum_names = kSched},
};
static const pbit_config_schema_t kBsffSchema = PBIT_CONFIG_SCHEMA(kBsff);

static const pbit_config_field_t kReadout[] = {
    {.key = "enabled", .type = PBIT_CONFIG_BOOL, BS(readout)},
    BDBL("lr", readout_lr, 0, 1e6),
    BINT("from_layer", readout_from_layer, 0, PBIT_BSFF_MAX_LAYERS - 1),
    {.key = "predict", .type = PBIT_CONFIG_ENUM, BS(predict), .enum_names = kPredict},
};
static const pbit_config_schema_t kReadoutSchema = PBIT_CONFIG_SCHEMA(kReadout);

static const pbit_config_field_t kRun[] = {
    STR("name", name),
    {.key = "description", .type = PBIT_CONFIG_STRING, .offset = PBIT_CONFIG_NO_STORE},
    {.key = "algorithm", .type = PBIT_CONFIG_NODE, .offset = PBIT_CONFIG_NO_STORE},
    {.key = "dataset", .type = PBIT_CONFIG_NODE, .offset = PBIT_CONFIG_NO_STORE},
    {.key = "backend", .type = PBIT_CONFIG_NODE, .offset = PBIT_CONFIG_NO_STORE},
    STR("accel", accel),
    STR("device", device),
    STR("tech", tech),
    {.key = "dt_ns", .type = PBIT_CONFIG_DOUBLE, RUN(dt_ns), .flags = PBIT_CONFIG_MIN, .min = 0},
    RINT("seed", seed, 0, 2147483647),
    RINT("epochs", epochs, 0, 100000),
    RINT("train_limit", train_limit, 0, 100000000),
    RINT("test_limit", test_limit, 0, 100000000),
    RINT("eval_every", eval_every, 0, 100000),
    RINT("eval_limit", eval_limit, 0, 100000000),
    {.key = "shuffle", .type = PBIT_CONFIG_BOOL, RUN(shuffle)},
    RINT("progress_every", progress_every, 1, 100000000),
    {.key = "baseline", .type = PBIT_CONFIG_BOOL, RUN(baseline)},
    {.key = "network", .type = PBIT_CONFIG_MAP, RUN(bsff), .sub = &kNetworkSchema},
    {.key = "bsff", .type = PBIT_CONFIG_MAP, RUN(bsff), .sub = &kBsffSchema},
    {.key = "readout", .type = PBIT_CONFIG_MAP, RUN(bsff), .sub = &kReadoutSchema},
};
static const pbit_config_schema_t kRunSchema = PBIT_CONFIG_SCHEMA(kRun);

void pbit_run_config_default(pbit_run_config_t *r) {
  memset(r, 0, sizeof *r);
  strcpy(r->name, "run");
  strcpy(r->dataset, "fashion-mnist");
  strcpy(r->backend, "model");
  strcpy(r->accel, "small");
  strcpy(r->device, "smtj-fast");
  strcpy(r->tech, "horowitz45");
  r->seed = 1;
  r->epochs = 1;
  r->eval_every = 1;
  r->eval_limit = 2000;
  r->shuffle = 1;
  r->progress_every = 500;
  r->baseline = 1;
  pbit_bsff_config_default(&r->bsff);
}

/* A scalar among fixed words, copied into buf. */
static int bind_word(const pbit_config_doc_t *doc, const pbit_config_node_t *map, const char *key,
                     const char *const *words, char *buf, size_t len, pbit_error_t *err) {
  const pbit_config_node_t *v = pbit_config_map_value(map, key);
  if (v == NULL) return PBIT_OK;
  if (v->kind != PBIT_CONFIG_SCALAR)
    return pbit_config_fail(doc, v, err, "expected one of the names below, got %s",
                            pbit_config_node_describe(v));
  char list[160] = "";
  for (size_t i = 0; words[i] != NULL; i++) {
    if (strcmp(v->text, words[i]) == 0) {
      snprintf(buf, len, "%s", words[i]);
      return PBIT_OK;
    }
    strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
    strncat(list, words[i], sizeof list - strlen(list) - 1);
  }
  return pbit_config_fail(doc, v, err, "unknown value '%s' (expected %s)", v->text, list);
}

static int bind_layers(const pbit_config_doc_t *doc, const pbit_config_node_t *net,
                       pbit_bsff_config_t *b, pbit_error_t *err) {
  const pbit_config_node_t *v = pbit_config_map_value(net, "layers");
  if (v == NULL) return PBIT_OK;
  if (v->kind != PBIT_CONFIG_SEQUENCE || v->count < 1 || v->count > PBIT_BSFF_MAX_LAYERS)
    return pbit_config_fail(doc, v, err, "expected a list of 1..%d unit counts, got %s",
                            PBIT_BSFF_MAX_LAYERS, pbit_config_node_describe(v));
  for (size_t i = 0; i < v->count; i++) {
    const pbit_config_node_t *e = v->items[i];
    long long n = 0;
    int rc = pbit_config_parse_int(doc, e, &n, err);
    if (rc != PBIT_OK) return rc;
    if (n < 1 || n > 65536) return pbit_config_fail(doc, e, err, "%lld units: need 1..65536", n);
    b->units[i] = (uint32_t)n;
  }
  b->layers = (uint32_t)v->count;
  return PBIT_OK;
}

int pbit_config_bind_run(const pbit_config_doc_t *doc, const pbit_config_node_t *map,
                         pbit_run_config_t *out, pbit_error_t *err) {
  if (doc == NULL || map == NULL || out == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "doc, map and out must not be NULL");
  pbit_run_config_t r = *out;
  static const char *const kAlg[] = {"bsff", NULL};
  static const char *const kData[] = {"fashion-mnist", "mnist", "cifar10", NULL};
  static const char *const kBackend[] = {"model", "rtl", "systemc", NULL};
  char alg[16];
  int rc = pbit_config_bind(doc, map, &kRunSchema, &r, err);
  if (rc == PBIT_OK) rc = bind_word(doc, map, "algorithm", kAlg, alg, sizeof alg, err);
  if (rc == PBIT_OK) rc = bind_word(doc, map, "dataset", kData, r.dataset, sizeof r.dataset, err);
  if (rc == PBIT_OK)
    rc = bind_word(doc, map, "backend", kBackend, r.backend, sizeof r.backend, err);
  const pbit_config_node_t *net = pbit_config_map_value(map, "network");
  if (rc == PBIT_OK && net != NULL) rc = bind_layers(doc, net, &r.bsff, err);
  r.bsff.seed = (uint64_t)r.seed;
  if (strcmp(r.dataset, "cifar10") == 0) r.bsff.inputs = 3072;
  if (rc == PBIT_OK) {
    /* Rules between fields: point at the later key's value. */
    const pbit_config_node_t *bs = pbit_config_map_value(map, "bsff");
    const pbit_config_node_t *ro = pbit_config_map_value(map, "readout");
    if (r.bsff.score_from_layer >= r.bsff.layers)
      rc = pbit_config_fail(doc, bs ? pbit_config_map_value(bs, "score_from_layer") : map, err,
                            "score_from_layer %u: the network has %u layers",
                            r.bsff.score_from_layer, r.bsff.layers);
    else if (r.bsff.readout_from_layer >= r.bsff.layers)
      rc = pbit_config_fail(doc, ro ? pbit_config_map_value(ro, "from_layer") : map, err,
                            "from_layer %u: the network has %u layers", r.bsff.readout_from_layer,
                            r.bsff.layers);
    else if ((r.bsff.pixel_samples & (r.bsff.pixel_samples - 1)) != 0)
      rc = pbit_config_fail(doc, bs ? pbit_config_map_value(bs, "pixel_samples") : map, err,
                            "%u is not a power of two (layer 1's DAC shift grows by log2 P)",
                            r.bsff.pixel_samples);
    else if (r.bsff.predict == PBIT_BSFF_PREDICT_READOUT && !r.bsff.readout)
      rc = pbit_config_fail(doc, ro ? pbit_config_map_value(ro, "predict") : map, err,
                            "predict: readout needs enabled: true");
  }
  if (rc == PBIT_OK) {
    pbit_error_t e2;
    pbit_error_clear(&e2);
    if (pbit_bsff_config_check(&r.bsff, &e2) != PBIT_OK)
      rc = pbit_config_fail(doc, map, err, "%s", e2.msg);
  }
  if (rc == PBIT_OK) *out = r;
  return rc;
}

static int bind_run(const pbit_config_doc_t *doc, const pbit_config_node_t *map, void *out,
                    pbit_error_t *err) {
  return pbit_config_bind_run(doc, map, out, err);
}

int pbit_config_load_run(const char *path, pbit_run_config_t *out, pbit_error_t *err) {
  if (out == NULL) return pbit_error_set(err, PBIT_ERR_ARG, path, 0, 0, "out is NULL");
  pbit_run_config_t r = *out;
  int rc = pbit_config_load_section(path, "run", bind_run, &r, err);
  if (rc == PBIT_OK) *out = r;
  return rc;
}
