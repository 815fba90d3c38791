/* The energy ledger (ledger.h): pricing rules, builders, writers. */
#include "energy/ledger.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

static const char *const kComponents[PBIT_ENERGY_NUM_COMPONENTS] = {
    "weight_sram", "bias_sram",  "accumulators", "index_fifo", "dac",
    "pbits",       "controller", "act_sram",     "static"};
static const char *const kPhases[PBIT_ENERGY_NUM_PHASES] = {"forward", "sampling", "goodness",
                                                            "update", "readout"};

const char *pbit_energy_component_name(int c) {
  return c >= 0 && c < PBIT_ENERGY_NUM_COMPONENTS ? kComponents[c] : NULL;
}
const char *pbit_energy_phase_name(int p) {
  return p >= 0 && p < PBIT_ENERGY_NUM_PHASES ? kPhases[p] : NULL;
}

/* ---- pricing ------------------------------------------------------------ */

static double node(const pbit_energy_tech_t *t) { return pbit_energy_node_factor(t->node_nm); }

/* Index of the table point nearest to bits in log2 (ties to the wider). */
static int nearest(const int *points, int n, int bits) {
  int best = 0;
  double dbest = INFINITY;
  for (int i = 0; i < n; i++) {
    double d = fabs(log2((double)bits / points[i]));
    if (d <= dbest) {
      dbest = d;
      best = i;
    }
  }
  return best;
}

static double width_scaled(const double *pj, const int *points, int n, int bits, int power,
                           int *point) {
  int i = nearest(points, n, bits);
  if (point != NULL) *point = i;
  double r = (double)bits / points[i];
  return pj[i] * (power == 1 ? r : r * r);
}

double pbit_energy_int_add_pj(const pbit_energy_tech_t *t, int bits) {
  if (t == NULL || bits < 1 || bits > 64 || node(t) == 0.0) return NAN;
  return width_scaled(t->int_add_pj, pbit_energy_add_bits, PBIT_ENERGY_ADD_POINTS, bits, 1, NULL) *
         node(t);
}

double pbit_energy_int_mult_pj(const pbit_energy_tech_t *t, int bits) {
  if (t == NULL || bits < 1 || bits > 64 || node(t) == 0.0) return NAN;
  return width_scaled(t->int_mult_pj, pbit_energy_mult_bits, PBIT_ENERGY_MULT_POINTS, bits, 2,
                      NULL) *
         node(t);
}

/* Energy of a 64-bit access at capacity_bytes, 45 nm (rule in ledger.h). */
static double sram64(const double *e, double bytes) {
  const double *cap = pbit_energy_sram_bytes;
  for (int i = 0; i < PBIT_ENERGY_SRAM_POINTS; i++)
    if (bytes == cap[i]) return e[i];
  double x = log2(bytes);
  double x0 = log2(cap[0]), x1 = log2(cap[1]), x2 = log2(cap[2]);
  if (x < x0) {
    double slope = (e[1] - e[0]) / (x1 - x0);
    double s = slope / (e[0] * log(2.0));
    return e[0] * exp2(s * (x - x0));
  }
  if (x < x1) return e[0] + (e[1] - e[0]) * (x - x0) / (x1 - x0);
  if (x < x2) return e[1] + (e[2] - e[1]) * (x - x1) / (x2 - x1);
  return e[2] + (e[2] - e[1]) / (x2 - x1) * (x - x2);
}

double pbit_energy_sram_access_pj(const pbit_energy_tech_t *t, double capacity_bits, int word_bits,
                                  int write) {
  if (t == NULL || !(capacity_bits >= 1.0) || !isfinite(capacity_bits) || word_bits < 1 ||
      word_bits > 4096 || node(t) == 0.0)
    return NAN;
  const double *e = write ? t->sram_write_pj : t->sram_read_pj;
  return sram64(e, capacity_bits / 8.0) * word_bits / PBIT_ENERGY_SRAM_WORD_BITS * node(t);
}

/* ---- the ledger ------------------------------------------------------------ */

void pbit_energy_ledger_init(pbit_energy_ledger_t *l) {
  if (l != NULL) memset(l, 0, sizeof(*l));
}

int pbit_energy_ledger_add(pbit_energy_ledger_t *l, int component, int phase, const char *action,
                           uint64_t count, double pj_each, const char *source, pbit_error_t *err) {
  if (l == NULL || action == NULL || source == NULL || action[0] == '\0' || source[0] == '\0')
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "ledger, action and source must be given");
  if (pbit_energy_component_name(component) == NULL || pbit_energy_phase_name(phase) == NULL)
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "component %d / phase %d out of range",
                     component, phase);
  if (!isfinite(pj_each) || pj_each < 0.0)
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "%s: pj_each = %g must be finite and >= 0",
                     action, pj_each);
  double aj = (double)count * pj_each * 1e6;
  if (!(aj < PBIT_ENERGY_MAX_AJ))
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "%s: %g pJ exceeds the ledger's range", action,
                     aj * 1e-6);
  if (l->n >= PBIT_ENERGY_MAX_ENTRIES)
    return PBIT_FAIL(err, PBIT_ERR_RUNTIME, NULL, 0, 0, "ledger full (%d entries)",
                     PBIT_ENERGY_MAX_ENTRIES);
  pbit_energy_entry_t *e = &l->e[l->n++];
  memset(e, 0, sizeof(*e));
  e->component = component;
  e->phase = phase;
  snprintf(e->action, sizeof(e->action), "%s", action);
  e->count = count;
  e->pj_each = pj_each;
  snprintf(e->source, sizeof(e->source), "%s", source);
  /* Rounded once, half away from zero; beyond 2^53 a double is an integer. */
  e->aj = aj < 9.0e18 ? (pbit_energy_aj_t)llround(aj) : (pbit_energy_aj_t)aj;
  return PBIT_OK;
}

pbit_energy_aj_t pbit_energy_ledger_sum_aj(const pbit_energy_ledger_t *l, int component,
                                           int phase) {
  pbit_energy_aj_t s = 0;
  if (l == NULL) return 0;
  for (size_t i = 0; i < l->n; i++)
    if ((component < 0 || l->e[i].component == component) && (phase < 0 || l->e[i].phase == phase))
      s += l->e[i].aj;
  return s;
}

double pbit_energy_aj_to_pj(pbit_energy_aj_t aj) {
  /* Integer and fractional pJ apart, so that the double is the nearest. */
  pbit_energy_aj_t q = aj / 1000000, r = aj % 1000000;
  return (double)q + (double)r * 1e-6;
}

/* Adds an entry unless count is 0. */
static int put(pbit_energy_ledger_t *l, int comp, int phase, const char *action, uint64_t count,
               double pj, const char *source, pbit_error_t *err) {
  if (count == 0) return PBIT_OK;
  return pbit_energy_ledger_add(l, comp, phase, action, count, pj, source, err);
}

static int check_tech(const pbit_energy_tech_t *t, pbit_error_t *err) {
  if (t == NULL) return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "tech is NULL");
  return pbit_energy_tech_validate(t, err);
}

static const char *const kAddKeys[] = {"bits_8", "bits_16", "bits_32"};
static const char *const kMultKeys[] = {"bits_8", "bits_32"};

int pbit_energy_add_dp(pbit_energy_ledger_t *l, int phase, const pbit_dp_counters_t *c,
                       const pbit_dp_params_t *p, const pbit_energy_tech_t *t, pbit_error_t *err) {
  if (l == NULL || c == NULL || p == NULL)
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "ledger, counters and params must be given");
  int rc = check_tech(t, err);
  if (rc == PBIT_OK) rc = pbit_dp_params_validate(p, err);
  if (rc != PBIT_OK) return rc;
  if (pbit_energy_phase_name(phase) == NULL)
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "phase %d out of range", phase);
  const double nf = node(t);
  char src[256];

  const int word = p->lanes * p->weight_bits;
  const int chunks = (p->max_units + p->lanes - 1) / p->lanes; /* words per input row */
  const double words = (double)p->max_inputs * chunks;
  const double cap = words * word;
  for (int w = 0; w <= 1; w++) {
    snprintf(src, sizeof(src), "%s:sram_64bit_pj.%s@%.0fKiB*(%d/64)*node%d=%g", t->name,
             w ? "write" : "read", cap / 8192.0, word, t->node_nm, nf);
    rc = put(l, PBIT_ENERGY_WEIGHT_SRAM, phase, w ? "word_write" : "word_read",
             c->v[w ? PBIT_DP_CNT_SRAM_WRITES : PBIT_DP_CNT_SRAM_READS],
             pbit_energy_sram_access_pj(t, cap, word, w), src, err);
    if (rc != PBIT_OK) return rc;
  }

  int pt = 0;
  width_scaled(t->int_add_pj, pbit_energy_add_bits, PBIT_ENERGY_ADD_POINTS, p->acc_bits, 1, &pt);
  snprintf(src, sizeof(src), "%s:int_add_pj.%s*(%d/%d)*node%d=%g", t->name, kAddKeys[pt],
           p->acc_bits, pbit_energy_add_bits[pt], t->node_nm, nf);
  rc = put(l, PBIT_ENERGY_ACCUMULATORS, phase, "lane_add", c->v[PBIT_DP_CNT_LANE_ADDS],
           pbit_energy_int_add_pj(t, p->acc_bits), src, err);
  if (rc != PBIT_OK) return rc;

  int idx_bits = 1;
  while (idx_bits < 31 && (1L << idx_bits) < p->max_inputs) idx_bits++;
  const double fcap = (double)p->fifo_depth * idx_bits;
  for (int w = 1; w >= 0; w--) {
    snprintf(src, sizeof(src), "%s:sram_64bit_pj.%s@%gbit*(%d/64)*node%d=%g (estimate)", t->name,
             w ? "write" : "read", fcap, idx_bits, t->node_nm, nf);
    rc = put(l, PBIT_ENERGY_INDEX_FIFO, phase, w ? "index_push" : "index_pop",
             c->v[PBIT_DP_CNT_INDICES], pbit_energy_sram_access_pj(t, fcap, idx_bits, w), src, err);
    if (rc != PBIT_OK) return rc;
  }
  return PBIT_OK;
}

int pbit_energy_add_pbits(pbit_energy_ledger_t *l, int phase, const pbit_counters_t *c,
                          const pbit_device_t *d, double clock_ns, pbit_error_t *err) {
  if (l == NULL || c == NULL || d == NULL)
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "ledger, counters and device must be given");
  if (!isfinite(clock_ns) || clock_ns <= 0.0)
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "clock_ns = %g must be finite and > 0",
                     clock_ns);
  if (pbit_energy_phase_name(phase) == NULL)
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "phase %d out of range", phase);
  char src[256];
  snprintf(src, sizeof(src), "device %s:energy.sample_fj=%g", d->name, d->energy_sample_fj);
  int rc =
      put(l, PBIT_ENERGY_PBITS, phase, "sample", c->samples, d->energy_sample_fj * 1e-3, src, err);
  if (rc != PBIT_OK) return rc;
  snprintf(src, sizeof(src), "device %s:energy.flip_fj=%g", d->name, d->energy_flip_fj);
  rc = put(l, PBIT_ENERGY_PBITS, phase, "flip", c->flips, d->energy_flip_fj * 1e-3, src, err);
  if (rc != PBIT_OK) return rc;
  snprintf(src, sizeof(src), "device %s:energy.dac_write_fj=%g", d->name, d->energy_dac_write_fj);
  rc = put(l, PBIT_ENERGY_DAC, phase, "dac_write", c->dac_writes, d->energy_dac_write_fj * 1e-3,
           src, err);
  if (rc != PBIT_OK) return rc;
  /* nW x ns = 1e-18 J = 1e-6 pJ per p-bit-cycle */
  snprintf(src, sizeof(src), "device %s:energy.static_nw=%g*clock_ns=%g", d->name,
           d->static_power_nw, clock_ns);
  return put(l, PBIT_ENERGY_STATIC, phase, "pbit_cycle", c->pbit_cycles,
             d->static_power_nw * clock_ns * 1e-6, src, err);
}

static void ops_sum(pbit_ff_ops_t *o, const pbit_ff_ops_t *a, const pbit_ff_ops_t *b) {
  o->mul = a->mul + b->mul;
  o->add = a->add + b->add;
  o->div = a->div + b->div;
  o->cmp = a->cmp + b->cmp;
  o->nonlin = a->nonlin + b->nonlin;
  o->weight_reads = a->weight_reads + b->weight_reads;
  o->weight_writes = a->weight_writes + b->weight_writes;
  o->state_reads = a->state_reads + b->state_reads;
  o->state_writes = a->state_writes + b->state_writes;
  o->act_reads = a->act_reads + b->act_reads;
  o->act_writes = a->act_writes + b->act_writes;
  o->rng = a->rng + b->rng;
}

static int add_ff_phase(pbit_energy_ledger_t *l, int phase, const pbit_ff_ops_t *o,
                        const pbit_energy_ff_mem_t *mem, const pbit_energy_tech_t *t,
                        pbit_error_t *err) {
  const double nf = node(t);
  char mul[256], add[256], wr[256], ww[256], ar[256], aw[256];
  snprintf(mul, sizeof(mul), "%s:fp32_pj.mult*node%d=%g", t->name, t->node_nm, nf);
  snprintf(add, sizeof(add), "%s:fp32_pj.add*node%d=%g", t->name, t->node_nm, nf);
  const double wc = mem->weight_capacity_bits, ac = mem->act_capacity_bits;
  snprintf(wr, sizeof(wr), "%s:sram_64bit_pj.read@%.0fKiB*(32/64)*node%d=%g", t->name, wc / 8192.0,
           t->node_nm, nf);
  snprintf(ww, sizeof(ww), "%s:sram_64bit_pj.write@%.0fKiB*(32/64)*node%d=%g", t->name, wc / 8192.0,
           t->node_nm, nf);
  snprintf(ar, sizeof(ar), "%s:sram_64bit_pj.read@%.0fKiB*(32/64)*node%d=%g", t->name, ac / 8192.0,
           t->node_nm, nf);
  snprintf(aw, sizeof(aw), "%s:sram_64bit_pj.write@%.0fKiB*(32/64)*node%d=%g", t->name, ac / 8192.0,
           t->node_nm, nf);
  const double wrp = pbit_energy_sram_access_pj(t, wc, 32, 0);
  const double wwp = pbit_energy_sram_access_pj(t, wc, 32, 1);
  const double arp = pbit_energy_sram_access_pj(t, ac, 32, 0);
  const double awp = pbit_energy_sram_access_pj(t, ac, 32, 1);
  const char *unpriced = "unpriced (not in the table)";
  const struct {
    int comp;
    const char *action;
    uint64_t count;
    double pj;
    const char *src;
  } rows[] = {
      {PBIT_ENERGY_CONTROLLER, "fp32_mult", o->mul, t->fp32_mult_pj * nf, mul},
      {PBIT_ENERGY_CONTROLLER, "fp32_add", o->add, t->fp32_add_pj * nf, add},
      {PBIT_ENERGY_CONTROLLER, "fp32_cmp", o->cmp, t->fp32_add_pj * nf, add},
      {PBIT_ENERGY_CONTROLLER, "fp32_div", o->div, 0.0, unpriced},
      {PBIT_ENERGY_CONTROLLER, "nonlin", o->nonlin, 0.0, unpriced},
      {PBIT_ENERGY_CONTROLLER, "rng", o->rng, 0.0, unpriced},
      {PBIT_ENERGY_WEIGHT_SRAM, "weight_read", o->weight_reads, wrp, wr},
      {PBIT_ENERGY_WEIGHT_SRAM, "weight_write", o->weight_writes, wwp, ww},
      {PBIT_ENERGY_ACT_SRAM, "state_read", o->state_reads, arp, ar},
      {PBIT_ENERGY_ACT_SRAM, "state_write", o->state_writes, awp, aw},
      {PBIT_ENERGY_ACT_SRAM, "act_read", o->act_reads, arp, ar},
      {PBIT_ENERGY_ACT_SRAM, "act_write", o->act_writes, awp, aw},
  };
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    int rc =
        put(l, rows[i].comp, phase, rows[i].action, rows[i].count, rows[i].pj, rows[i].src, err);
    if (rc != PBIT_OK) return rc;
  }
  return PBIT_OK;
}

int pbit_energy_add_ff(pbit_energy_ledger_t *l, const pbit_ff_counters_t *c,
                       const pbit_energy_ff_mem_t *mem, const pbit_energy_tech_t *t,
                       pbit_error_t *err) {
  if (l == NULL || c == NULL || mem == NULL)
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "ledger, counters and mem must be given");
  int rc = check_tech(t, err);
  if (rc != PBIT_OK) return rc;
  if (!(mem->weight_capacity_bits >= 1.0) || !(mem->act_capacity_bits >= 1.0) ||
      !isfinite(mem->weight_capacity_bits) || !isfinite(mem->act_capacity_bits))
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0,
                     "memory capacities must be finite and >= 1 bit");
  pbit_ff_ops_t fwd;
  ops_sum(&fwd, &c->forward, &c->score);
  rc = add_ff_phase(l, PBIT_ENERGY_FORWARD, &fwd, mem, t, err);
  if (rc == PBIT_OK) rc = add_ff_phase(l, PBIT_ENERGY_GOODNESS, &c->goodness, mem, t, err);
  if (rc == PBIT_OK) rc = add_ff_phase(l, PBIT_ENERGY_UPDATE, &c->update, mem, t, err);
  if (rc == PBIT_OK) rc = add_ff_phase(l, PBIT_ENERGY_READOUT, &c->readout, mem, t, err);
  return rc;
}

/* ---- writers ----------------------------------------------------------------- */

/* Exact decimal pJ of an attojoule count: integer part and 6 decimals. */
static void fmt_pj(char *buf, size_t len, pbit_energy_aj_t aj) {
  const char *sign = aj < 0 ? "-" : "";
  unsigned __int128 a = aj < 0 ? (unsigned __int128)(-(aj + 1)) + 1 : (unsigned __int128)aj;
  unsigned __int128 ip = a / 1000000u;
  char digits[40];
  size_t n = 0;
  do {
    digits[n++] = (char)('0' + (int)(ip % 10u));
    ip /= 10u;
  } while (ip > 0 && n < sizeof(digits));
  char rev[41];
  for (size_t i = 0; i < n; i++) rev[i] = digits[n - 1 - i];
  rev[n] = '\0';
  snprintf(buf, len, "%s%s.%06u", sign, rev, (unsigned)(a % 1000000u));
}

static void csv_field(FILE *f, const char *s) {
  if (strpbrk(s, ",\"\n\r") == NULL) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      fprintf(f, "\\%c", ch);
    else if (ch < 0x20)
      fprintf(f, "\\u%04x", ch);
    else
      fputc(ch, f);
  }
  fputc('"', f);
}

static int finish(FILE *f, pbit_error_t *err) {
  if (ferror(f)) return PBIT_FAIL(err, PBIT_ERR_IO, NULL, 0, 0, "write error");
  return PBIT_OK;
}

int pbit_energy_ledger_write_csv(const pbit_energy_ledger_t *l, FILE *f, pbit_error_t *err) {
  if (l == NULL || f == NULL)
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "ledger and stream must be given");
  fputs("component,phase,action,count,pj_each,pj_total,source\n", f);
  char tot[80];
  for (size_t i = 0; i < l->n; i++) {
    const pbit_energy_entry_t *e = &l->e[i];
    fmt_pj(tot, sizeof(tot), e->aj);
    fprintf(f, "%s,%s,", pbit_energy_component_name(e->component),
            pbit_energy_phase_name(e->phase));
    csv_field(f, e->action);
    fprintf(f, ",%" PRIu64 ",%.17g,%s,", e->count, e->pj_each, tot);
    csv_field(f, e->source);
    fputc('\n', f);
  }
  return finish(f, err);
}

int pbit_energy_ledger_write_json(const pbit_energy_ledger_t *l, FILE *f, pbit_error_t *err) {
  if (l == NULL || f == NULL)
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "ledger and stream must be given");
  char buf[80];
  fmt_pj(buf, sizeof(buf), pbit_energy_ledger_sum_aj(l, -1, -1));
  fprintf(f, "{\n  \"total_pj\": %s,\n  \"by_component\": {", buf);
  for (int c = 0; c < PBIT_ENERGY_NUM_COMPONENTS; c++) {
    fmt_pj(buf, sizeof(buf), pbit_energy_ledger_sum_aj(l, c, -1));
    fprintf(f, "%s\"%s\": %s", c ? ", " : "", kComponents[c], buf);
  }
  fputs("},\n  \"by_phase\": {", f);
  for (int p = 0; p < PBIT_ENERGY_NUM_PHASES; p++) {
    fmt_pj(buf, sizeof(buf), pbit_energy_ledger_sum_aj(l, -1, p));
    fprintf(f, "%s\"%s\": %s", p ? ", " : "", kPhases[p], buf);
  }
  fputs("},\n  \"entries\": [", f);
  for (size_t i = 0; i < l->n; i++) {
    const pbit_energy_entry_t *e = &l->e[i];
    fmt_pj(buf, sizeof(buf), e->aj);
    fprintf(f, "%s\n    {\"component\": \"%s\", \"phase\": \"%s\", \"action\": ", i ? "," : "",
            kComponents[e->component], kPhases[e->phase]);
    json_str(f, e->action);
    fprintf(f, ", \"count\": %" PRIu64 ", \"pj_each\": %.17g, \"pj_total\": %s, \"source\": ",
            e->count, e->pj_each, buf);
    json_str(f, e->source);
    fputc('}', f);
  }
  fputs(l->n ? "\n  ]\n}\n" : "]\n}\n", f);
  return finish(f, err);
}

int pbit_energy_add_bsff_ops(pbit_energy_ledger_t *l, int phase, const pbit_bsff_ops_t *o,
                             const pbit_energy_tech_t *t, pbit_error_t *err) {
  if (l == NULL || o == NULL)
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "ledger and ops must be given");
  int rc = check_tech(t, err);
  if (rc != PBIT_OK) return rc;
  if (pbit_energy_phase_name(phase) == NULL)
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "phase %d out of range", phase);
  const double nf = node(t);
  char add[256], mul[256], fp[256];
  int pa = 0, pm = 0;
  width_scaled(t->int_add_pj, pbit_energy_add_bits, PBIT_ENERGY_ADD_POINTS, 16, 1, &pa);
  width_scaled(t->int_mult_pj, pbit_energy_mult_bits, PBIT_ENERGY_MULT_POINTS, 16, 2, &pm);
  snprintf(add, sizeof(add), "%s:int_add_pj.%s*(16/%d)*node%d=%g", t->name, kAddKeys[pa],
           pbit_energy_add_bits[pa], t->node_nm, nf);
  snprintf(mul, sizeof(mul), "%s:int_mult_pj.%s*(16/%d)^2*node%d=%g", t->name, kMultKeys[pm],
           pbit_energy_mult_bits[pm], t->node_nm, nf);
  snprintf(fp, sizeof(fp), "%s:fp32_pj.add*node%d=%g (every float op priced as an add)", t->name,
           t->node_nm, nf);
  const char *unpriced = "unpriced (not in the table)";
  const struct {
    const char *action;
    uint64_t count;
    double pj;
    const char *src;
  } rows[] = {
      {"int16_add", o->int_add, pbit_energy_int_add_pj(t, 16), add},
      {"int16_mult", o->int_mult, pbit_energy_int_mult_pj(t, 16), mul},
      {"fp32_op", o->fp_op, t->fp32_add_pj * nf, fp},
      {"nonlin", o->nonlin, 0.0, unpriced},
      {"rng", o->rng, 0.0, unpriced},
  };
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    rc = put(l, PBIT_ENERGY_CONTROLLER, phase, rows[i].action, rows[i].count, rows[i].pj,
             rows[i].src, err);
    if (rc != PBIT_OK) return rc;
  }
  return PBIT_OK;
}

double pbit_energy_sram_bits(const pbit_dp_params_t *p) {
  if (p == NULL) return 0.0;
  const int chunks = (p->max_units + p->lanes - 1) / p->lanes; /* words per row */
  const double word = (double)p->lanes * p->weight_bits;
  return ((double)p->max_inputs + 1.0) * (double)chunks * word; /* weight rows + the bias row */
}

int pbit_energy_add_leakage(pbit_energy_ledger_t *l, int phase, uint64_t tile_cycles,
                            const pbit_dp_params_t *p, const pbit_energy_tech_t *t,
                            pbit_error_t *err) {
  if (l == NULL) return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "ledger must be given");
  int rc = check_tech(t, err);
  if (rc == PBIT_OK) rc = pbit_dp_params_validate(p, err);
  if (rc != PBIT_OK) return rc;
  if (pbit_energy_phase_name(phase) == NULL)
    return PBIT_FAIL(err, PBIT_ERR_ARG, NULL, 0, 0, "phase %d out of range", phase);
  const double bits = pbit_energy_sram_bits(p);
  /* pW x ns = 1e-21 J = 1e-9 pJ */
  const double pj = t->sram_leak_pw_per_bit * bits * p->clock_ns * 1e-9;
  char src[256];
  snprintf(src, sizeof(src), "%s:sram_leakage_pw_per_bit=%g x %.0f bits x %g ns per tile-cycle",
           t->name, t->sram_leak_pw_per_bit, bits, p->clock_ns);
  return put(l, PBIT_ENERGY_STATIC, phase, "sram_leakage", tile_cycles, pj, src, err);
}
