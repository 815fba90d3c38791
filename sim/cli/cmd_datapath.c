/* pbitsim datapath: one FORWARD or UPDATE operation of the indexing-
 * accumulate datapath on the C model or the verilated RTL (shared/spec/cli.md,
 * docs/datapath.md). Both backends are driven by the same register sequence
 * (sim/dp/dp_driver.c), so their outputs are identical by construction of
 * the contract, and checked by tests/cli/datapath_test.sh. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config/config.h"
#include "dp/dp_driver.h"
#include "dp/dp_model.h"
#include "dp_rtl/dp_rtl.h"

static const char kUsage[] =
    "usage: pbitsim datapath --backend <model|rtl> --config <accel|accel.yaml>\n"
    "                        --weights <W.csv> --bias <b.csv> --indices <idx.txt>\n"
    "                        [--delta <d.csv>] --out <a.csv> --counters <c.json>\n"
    "                        [--dac-shift <s>]\n\n"
    "Runs one operation of the indexing-accumulate datapath (docs/datapath.md).\n"
    "  W.csv    D rows x N columns of signed weight codes (WEIGHT_BITS wide)\n"
    "  b.csv    one row of N bias codes\n"
    "  idx.txt  one active input index (0..D-1) per line; a repeated index is\n"
    "           added again; an empty file is an empty list\n"
    "without --delta: FORWARD (CLEAR, accumulate, bias, DAC codes); a.csv is\n"
    "           one row of N accumulator results\n"
    "with --delta (one row of N codes): UPDATE W[i] += delta for every listed i,\n"
    "           then b += delta; a.csv holds the D x N weights after the update\n"
    "c.json     the performance counters by name\n\n"
    "  --backend    model: the C functional model; rtl: the verilated RTL build\n"
    "               whose parameters match the config\n"
    "  --config     configs/accel/<name>.yaml or a YAML file\n"
    "  --dac-shift  DAC right shift (0..ACC_BITS-1, default 0)\n"
    "Index lists longer than FIFO_DEPTH run as one operation in pieces of\n"
    "FIFO_DEPTH indices (CLEAR on the first, FINISH on the last).\n";

typedef struct {
  const char *backend, *config, *weights, *bias, *indices, *delta, *out, *counters;
  uint64_t dac_shift;
} opts_t;

static int parse(int argc, char **argv, opts_t *o) {
  memset(o, 0, sizeof(*o));
  for (int i = 1; i < argc; i++) {
    const char *k = argv[i];
    if (i + 1 >= argc) return pbit_cli_usage("datapath", "option '%s' needs a value", k);
    const char *v = argv[++i];
    if (strcmp(k, "--backend") == 0) {
      o->backend = v;
    } else if (strcmp(k, "--config") == 0) {
      o->config = v;
    } else if (strcmp(k, "--weights") == 0) {
      o->weights = v;
    } else if (strcmp(k, "--bias") == 0) {
      o->bias = v;
    } else if (strcmp(k, "--indices") == 0) {
      o->indices = v;
    } else if (strcmp(k, "--delta") == 0) {
      o->delta = v;
    } else if (strcmp(k, "--out") == 0) {
      o->out = v;
    } else if (strcmp(k, "--counters") == 0) {
      o->counters = v;
    } else if (strcmp(k, "--dac-shift") == 0) {
      if (pbit_cli_parse_u64(v, &o->dac_shift) != 0 || o->dac_shift > 63)
        return pbit_cli_usage("datapath", "bad value '%s' for --dac-shift", v);
    } else {
      return pbit_cli_usage("datapath", "unknown option '%s'", k);
    }
  }
  const char *names[] = {"--backend", "--config", "--weights", "--bias",
                         "--indices", "--out",    "--counters"};
  const char *vals[] = {o->backend, o->config, o->weights, o->bias,
                        o->indices, o->out,    o->counters};
  for (int b = 0; b < 7; b++)
    if (vals[b] == NULL) return pbit_cli_usage("datapath", "missing %s", names[b]);
  if (strcmp(o->backend, "model") != 0 && strcmp(o->backend, "rtl") != 0)
    return pbit_cli_usage("datapath", "--backend must be model or rtl, not '%s'", o->backend);
  return PBIT_EXIT_OK;
}

/* ------------------------------------------------------------ input files */

/* Whole file, NUL-terminated; NUL bytes inside are reported by the parser. */
static int slurp(const char *path, char **text, size_t *len, pbit_error_t *err) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return pbit_error_set(err, PBIT_ERR_DATA, path, 0, 0, "cannot read: %s", strerror(errno));
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  while (buf != NULL) {
    n += fread(buf + n, 1, cap - n - 1, f);
    if (n < cap - 1) break;
    char *bigger = realloc(buf, cap * 2);
    if (bigger == NULL) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = bigger;
    cap *= 2;
  }
  int bad = ferror(f);
  fclose(f);
  if (buf == NULL) return pbit_error_set(err, PBIT_ERR_NOMEM, path, 0, 0, "out of memory");
  if (bad) {
    free(buf);
    return pbit_error_set(err, PBIT_ERR_DATA, path, 0, 0, "read error");
  }
  buf[n] = '\0';
  *text = buf;
  *len = n;
  return PBIT_OK;
}

/* A table of integers: rows of comma-separated values. */
typedef struct {
  int64_t *v;
  size_t rows, cols, cap;
} table_t;

/* Parses `path` as rows of comma-separated integers (spaces and tabs
 * around values allowed, "\r\n" accepted, a final newline optional; no
 * empty lines), each within the signed `bits`-bit range of `what`. Every
 * row must have as many values as the first. */
static int read_table(const char *path, int bits, const char *what, table_t *t, pbit_error_t *err) {
  const long long lo = -(1LL << (bits - 1)), hi = (1LL << (bits - 1)) - 1;
  memset(t, 0, sizeof(*t));
  char *text = NULL;
  size_t len = 0;
  int rc = slurp(path, &text, &len, err);
  if (rc != PBIT_OK) return rc;
  size_t cap = 1024, n = 0;
  int64_t *v = malloc(cap * sizeof(int64_t));
  if (v == NULL) {
    free(text);
    return pbit_error_set(err, PBIT_ERR_NOMEM, path, 0, 0, "out of memory");
  }
  size_t rows = 0, cols = 0;
  const char *p = text, *end = text + len;
  int line = 1;
  rc = PBIT_OK;
  while (p < end && rc == PBIT_OK) {
    const char *ls = p;
    size_t in_row = 0;
    for (;;) {
      while (*p == ' ' || *p == '\t') p++;
      int col = (int)(p - ls) + 1;
      if ((size_t)(p - text) < len && *p == '\0') {
        rc = PBIT_FAIL(err, PBIT_ERR_DATA, path, line, col, "NUL byte");
        break;
      }
      char *e = (char *)p;
      errno = 0;
      long long x = 0;
      /* strtoll would skip newlines: only start it on a sign or a digit */
      if (*p == '-' || *p == '+' || (*p >= '0' && *p <= '9')) x = strtoll(p, &e, 10);
      if (e == p) {
        const char *q = p;
        while (q < end && *q != ',' && *q != '\n' && *q != '\r' && q - p < 20) q++;
        if (q == p)
          rc = PBIT_FAIL(err, PBIT_ERR_DATA, path, line, col,
                         in_row == 0 && (*p == '\n' || *p == '\r' || p == end) ? "empty line"
                                                                               : "missing value");
        else
          rc = PBIT_FAIL(err, PBIT_ERR_DATA, path, line, col, "expected an integer, got '%.*s'",
                         (int)(q - p), p);
        break;
      }
      if (errno == ERANGE || x < lo || x > hi) {
        rc = PBIT_FAIL(err, PBIT_ERR_DATA, path, line, col,
                       "value %.*s is outside the %d-bit %s range [%lld, %lld]", (int)(e - p), p,
                       bits, what, lo, hi);
        break;
      }
      if (n == cap) {
        int64_t *bigger = realloc(v, 2 * cap * sizeof(int64_t));
        if (bigger == NULL) {
          rc = PBIT_FAIL(err, PBIT_ERR_NOMEM, path, 0, 0, "out of memory");
          break;
        }
        v = bigger;
        cap *= 2;
      }
      v[n++] = x;
      in_row++;
      p = e;
      while (*p == ' ' || *p == '\t') p++;
      if (*p == ',') {
        p++;
        continue;
      }
      if (*p == '\r' && p[1] == '\n') p++;
      if (*p == '\n' || p == end) {
        if (*p == '\n') p++;
        break;
      }
      rc = PBIT_FAIL(err, PBIT_ERR_DATA, path, line, (int)(p - ls) + 1,
                     "unexpected '%c' after a value", *p);
      break;
    }
    if (rc != PBIT_OK) break;
    if (rows == 0) {
      cols = in_row;
    } else if (in_row != cols) {
      rc = PBIT_FAIL(err, PBIT_ERR_DATA, path, line, 1,
                     "row has %zu values, expected %zu (as in line 1)", in_row, cols);
      break;
    }
    rows++;
    line++;
  }
  free(text);
  if (rc == PBIT_OK && rows == 0) rc = PBIT_FAIL(err, PBIT_ERR_DATA, path, 0, 0, "no rows");
  if (rc != PBIT_OK) {
    free(v);
    return rc;
  }
  t->v = v;
  t->rows = rows;
  t->cols = cols;
  t->cap = cap;
  return PBIT_OK;
}

/* One row of exactly n values (bias, delta). */
static int read_row(const char *path, size_t n, int bits, const char *what, int32_t **out,
                    pbit_error_t *err) {
  table_t t;
  int rc = read_table(path, bits, what, &t, err);
  if (rc != PBIT_OK) return rc;
  if (t.rows != 1 || t.cols != n) {
    rc = PBIT_FAIL(err, PBIT_ERR_DATA, path, t.rows != 1 ? 2 : 1, 1,
                   t.rows != 1 ? "expected one row of %zu values, found %zu rows"
                               : "expected %zu values (the columns of the weights), "
                                 "found %zu",
                   n, t.rows != 1 ? t.rows : t.cols);
  }
  int32_t *v = rc == PBIT_OK ? malloc((n + 1) * sizeof(int32_t)) : NULL;
  if (rc == PBIT_OK && v == NULL) rc = PBIT_FAIL(err, PBIT_ERR_NOMEM, path, 0, 0, "out of memory");
  if (rc == PBIT_OK)
    for (size_t j = 0; j < n; j++) v[j] = (int32_t)t.v[j];
  free(t.v);
  *out = v;
  return rc;
}

/* One index per line, each in [0, d). An empty file is an empty list. */
static int read_indices(const char *path, size_t d, uint32_t **out, size_t *n_out,
                        pbit_error_t *err) {
  char *text = NULL;
  size_t len = 0;
  int rc = slurp(path, &text, &len, err);
  if (rc != PBIT_OK) return rc;
  size_t cap = 256, n = 0;
  uint32_t *v = malloc(cap * sizeof(uint32_t));
  if (v == NULL) {
    free(text);
    return pbit_error_set(err, PBIT_ERR_NOMEM, path, 0, 0, "out of memory");
  }
  const char *p = text, *end = text + len;
  int line = 1;
  while (p < end && rc == PBIT_OK) {
    const char *ls = p;
    while (*p == ' ' || *p == '\t') p++;
    char *e = NULL;
    errno = 0;
    long long x = (*p >= '0' && *p <= '9') ? strtoll(p, &e, 10) : 0;
    if (e == NULL || e == p) {
      const char *q = p;
      while (q < end && *q != '\n' && *q != '\r' && q - p < 20) q++;
      rc = PBIT_FAIL(err, PBIT_ERR_DATA, path, line, (int)(p - ls) + 1,
                     q == p ? "empty line (expected an index)"
                            : "expected a non-negative integer index, got '%.*s'",
                     (int)(q - p), p);
      break;
    }
    if (errno == ERANGE || x < 0 || (unsigned long long)x >= d) {
      rc = PBIT_FAIL(err, PBIT_ERR_DATA, path, line, (int)(p - ls) + 1,
                     "index %.*s out of range: the weights have %zu rows (0..%zu)", (int)(e - p), p,
                     d, d - 1);
      break;
    }
    p = e;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '\r' && p[1] == '\n') p++;
    if (*p != '\n' && p != end) {
      rc = PBIT_FAIL(err, PBIT_ERR_DATA, path, line, (int)(p - ls) + 1,
                     "unexpected '%c' after the index (one index per line)", *p);
      break;
    }
    if (*p == '\n') p++;
    if (n == cap) {
      uint32_t *bigger = realloc(v, 2 * cap * sizeof(uint32_t));
      if (bigger == NULL) {
        rc = PBIT_FAIL(err, PBIT_ERR_NOMEM, path, 0, 0, "out of memory");
        break;
      }
      v = bigger;
      cap *= 2;
    }
    v[n++] = (uint32_t)x;
    line++;
  }
  free(text);
  if (rc != PBIT_OK) {
    free(v);
    return rc;
  }
  *out = v;
  *n_out = n;
  return PBIT_OK;
}

/* ------------------------------------------------------------ outputs */

static int write_csv(const char *path, const int64_t *v, size_t rows, size_t cols,
                     pbit_error_t *err) {
  pbit_outfile_t of;
  int rc = pbit_outfile_open(&of, path, err);
  if (rc != PBIT_OK) return rc;
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < cols; c++)
      fprintf(of.fp, "%lld%c", (long long)v[r * cols + c], c + 1 == cols ? '\n' : ',');
  return pbit_outfile_commit(&of, err);
}

static int write_counters(const char *path, const pbit_dp_counters_t *c, pbit_error_t *err) {
  pbit_outfile_t of;
  int rc = pbit_outfile_open(&of, path, err);
  if (rc != PBIT_OK) return rc;
  fputs("{\n", of.fp);
  for (int k = 0; k < PBIT_DP_NUM_COUNTERS; k++)
    fprintf(of.fp, "  \"%s\": %llu%s\n", pbit_dp_counter_name(k), (unsigned long long)c->v[k],
            k + 1 < PBIT_DP_NUM_COUNTERS ? "," : "");
  fputs("}\n", of.fp);
  return pbit_outfile_commit(&of, err);
}

/* ------------------------------------------------------------ the run */

/* Loads the layer, runs the operation, reads back the result (FORWARD: n
 * accumulators; UPDATE: d x n weights) and the counters. */
static int run(const pbit_dp_bus_t *bus, const pbit_dp_params_t *p, const opts_t *o,
               const table_t *w, const int32_t *bias, const int32_t *delta, const uint32_t *idx,
               size_t n_idx, int64_t *result, pbit_dp_counters_t *cnt, pbit_error_t *err) {
  size_t d = w->rows, n = w->cols;
  int32_t *row = malloc(n * sizeof(int32_t));
  if (row == NULL) return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
  int rc = pbit_dp_drv_check(bus, p, err);
  if (rc == PBIT_OK)
    rc = pbit_dp_drv_geometry(bus, (uint32_t)d, (uint32_t)n, (uint32_t)o->dac_shift, err);
  for (size_t i = 0; i < d && rc == PBIT_OK; i++) {
    for (size_t j = 0; j < n; j++) row[j] = (int32_t)w->v[i * n + j];
    rc = pbit_dp_drv_win_write(bus, PBIT_DP_WIN_WEIGHT, (uint32_t)i, 0, row, n, err);
  }
  free(row);
  if (rc == PBIT_OK) rc = pbit_dp_drv_win_write(bus, PBIT_DP_WIN_BIAS, 0, 0, bias, n, err);
  if (rc == PBIT_OK && delta != NULL)
    rc = pbit_dp_drv_win_write(bus, PBIT_DP_WIN_DELTA, 0, 0, delta, n, err);
  if (rc == PBIT_OK) rc = bus->write(bus->ctx, PBIT_DP_REG_CNT_CLEAR, 0);
  uint32_t ctrl = delta != NULL ? (PBIT_DP_CTRL_UPDATE | PBIT_DP_CTRL_FINISH)
                                : (PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_FINISH);
  if (rc == PBIT_OK) rc = pbit_dp_drv_run(bus, (uint32_t)p->fifo_depth, ctrl, idx, n_idx, err);
  if (rc == PBIT_OK) rc = pbit_dp_drv_counters(bus, cnt, err);
  if (rc == PBIT_OK && delta == NULL)
    rc = pbit_dp_drv_win_read(bus, PBIT_DP_WIN_ACC, 0, 0, result, n, err);
  for (size_t i = 0; i < d && rc == PBIT_OK && delta != NULL; i++)
    rc = pbit_dp_drv_win_read(bus, PBIT_DP_WIN_WEIGHT, (uint32_t)i, 0, result + i * n, n, err);
  return rc;
}

int pbit_cli_datapath(int argc, char **argv) {
  if (pbit_cli_help(argc, argv, kUsage)) return PBIT_EXIT_OK;
  opts_t o;
  int rc = parse(argc, argv, &o);
  if (rc != PBIT_EXIT_OK) return rc;
  if (o.backend == NULL) return PBIT_EXIT_USAGE; /* parse() rejects it; for the analyser */

  pbit_error_t err;
  pbit_error_clear(&err);
  char path[4096];
  pbit_dp_params_t p;
  if (pbit_cli_resolve_config("accel", o.config, path, sizeof(path), &err) != PBIT_OK ||
      pbit_config_load_accel(path, &p, &err) != PBIT_OK)
    return pbit_cli_report(&err);
  if (o.dac_shift >= (uint64_t)p.acc_bits)
    return pbit_cli_usage("datapath", "--dac-shift %llu must be below acc_bits = %d",
                          (unsigned long long)o.dac_shift, p.acc_bits);

  /* Inputs, all checked before anything runs. */
  table_t w;
  int32_t *bias = NULL, *delta = NULL;
  uint32_t *idx = NULL;
  size_t n_idx = 0;
  int64_t *result = NULL;
  rc = read_table(o.weights, p.weight_bits, "weight", &w, &err);
  if (rc != PBIT_OK) return pbit_cli_report(&err);
  if (w.rows > (size_t)p.max_inputs || w.cols > (size_t)p.max_units) {
    pbit_error_set(&err, PBIT_ERR_DATA, o.weights, 0, 0,
                   "%zu x %zu weights do not fit accel '%s' (max_inputs %d, max_units %d)", w.rows,
                   w.cols, p.name, p.max_inputs, p.max_units);
    free(w.v);
    return pbit_cli_report(&err);
  }
  rc = read_row(o.bias, w.cols, p.weight_bits, "bias", &bias, &err);
  if (rc == PBIT_OK && o.delta != NULL)
    rc = read_row(o.delta, w.cols, p.weight_bits, "delta", &delta, &err);
  if (rc == PBIT_OK) rc = read_indices(o.indices, w.rows, &idx, &n_idx, &err);
  if (rc == PBIT_OK) {
    size_t cnt = o.delta != NULL ? w.rows * w.cols : w.cols;
    result = calloc(cnt + 1, sizeof(int64_t));
    if (result == NULL) rc = PBIT_FAIL(&err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
  }

  /* The backend. */
  pbit_dp_t *model = NULL;
  pbit_dp_rtl_t *rtl = NULL;
  pbit_dp_bus_t bus;
  if (rc == PBIT_OK && strcmp(o.backend, "model") == 0) {
    rc = pbit_dp_create(&p, &model, &err);
    if (rc == PBIT_OK) bus = pbit_dp_model_bus(model);
  } else if (rc == PBIT_OK) {
    rc = pbit_dp_rtl_create(&p, &rtl, &err);
    if (rc == PBIT_OK) bus = pbit_dp_rtl_bus(rtl);
  }
  pbit_dp_counters_t cnt = {{0}};
  if (rc == PBIT_OK) rc = run(&bus, &p, &o, &w, bias, delta, idx, n_idx, result, &cnt, &err);
  if (rc == PBIT_OK) rc = write_csv(o.out, result, o.delta != NULL ? w.rows : 1, w.cols, &err);
  if (rc == PBIT_OK) rc = write_counters(o.counters, &cnt, &err);

  pbit_dp_destroy(model);
  pbit_dp_rtl_destroy(rtl);
  free(w.v);
  free(bias);
  free(delta);
  free(idx);
  free(result);
  return rc == PBIT_OK ? PBIT_EXIT_OK : pbit_cli_report(&err);
}
