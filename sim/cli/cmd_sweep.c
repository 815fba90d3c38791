/* pbitsim sweep: many `pbitsim train` runs from one sweep file
 * (shared/spec/cli.md, docs/configs.md `sweep:`, docs/energy.md).
 *
 * Every point's run config is generated and checked before anything runs;
 * then each point runs as a child `pbitsim train` process (-j at once) into
 * <out>/points/<k>/, finished points (summary.json present) are skipped, and
 * one CSV row per point collects the swept values and the metrics of its
 * summary.json. Shards split the points (k % n == i - 1); --merge joins the
 * shard files into the CSV an unsharded run writes. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bsff/bsff.h"
#include "cli.h"
#include "config/config.h"
#include "config/config_run.h"
#include "config/config_sweep.h"
#include "dp/dp_model.h"
#include "energy/ledger.h"

static const char kUsage[] =
    "usage: pbitsim sweep <sweep.yaml> --out <dir> [-j <n>] [--shard <i>/<n>] [--dry-run]\n"
    "       pbitsim sweep --merge <dir>\n\n"
    "Trains one run config per point of a sweep (docs/configs.md, `sweep:`): the base\n"
    "config with the sweep's values, crossed over its axes and zipped lists. Every\n"
    "point is checked first; then each runs as `pbitsim train --quiet` into\n"
    "<dir>/points/<k>/ (run.yaml, summary.json, train.log, ...). Points whose\n"
    "summary.json exists are skipped, so an interrupted sweep resumes.\n\n"
    "  --out       output directory\n"
    "  -j, --jobs  points trained at once (default 1)\n"
    "  --shard     run only points k with k % n == i - 1 (1 <= i <= n) and write\n"
    "              <dir>/results.shard-<i>-of-<n>.csv\n"
    "  --dry-run   check every point and list them; write nothing, run nothing\n"
    "  --merge     join <dir>/results.shard-*-of-<n>.csv into <dir>/results.csv\n\n"
    "Writes <dir>/points.csv (the plan), <dir>/results.csv (one row per point: the\n"
    "swept values, the metrics, yosys_cells, status) and plot-<axis>-<metric>.png\n"
    "(gnuplot). If a point fails, results.partial.csv replaces results.csv and the\n"
    "exit code is 1. docs/energy.md runs shards on several machines.\n";

typedef struct {
  const char *sweep, *out, *merge;
  long jobs, shard_i, shard_n;
  int dry_run;
} opts_t;

static int parse(int argc, char **argv, opts_t *o) {
  memset(o, 0, sizeof *o);
  o->jobs = 1;
  for (int i = 1; i < argc; i++) {
    const char *k = argv[i];
    if (strcmp(k, "--dry-run") == 0) {
      o->dry_run = 1;
      continue;
    }
    if (k[0] != '-') {
      if (o->sweep != NULL) return pbit_cli_usage("sweep", "more than one sweep file ('%s')", k);
      o->sweep = k;
      continue;
    }
    const char *v = NULL;
    if (strncmp(k, "-j", 2) == 0 && k[2] != '\0') {
      v = k + 2;
      k = "-j";
    } else {
      if (i + 1 >= argc) return pbit_cli_usage("sweep", "option '%s' needs a value", k);
      v = argv[++i];
    }
    uint64_t u = 0;
    if (strcmp(k, "--out") == 0) {
      o->out = v;
    } else if (strcmp(k, "--merge") == 0) {
      o->merge = v;
    } else if (strcmp(k, "-j") == 0 || strcmp(k, "--jobs") == 0) {
      if (pbit_cli_parse_u64(v, &u) || u < 1 || u > 1024)
        return pbit_cli_usage("sweep", "bad value '%s' for %s (1..1024)", v, k);
      o->jobs = (long)u;
    } else if (strcmp(k, "--shard") == 0) {
      char a[32], b[32];
      const char *slash = strchr(v, '/');
      uint64_t si = 0, sn = 0;
      if (slash == NULL || (size_t)(slash - v) >= sizeof a || strlen(slash + 1) >= sizeof b)
        return pbit_cli_usage("sweep", "bad value '%s' for --shard (want i/n)", v);
      snprintf(a, sizeof a, "%.*s", (int)(slash - v), v);
      snprintf(b, sizeof b, "%s", slash + 1);
      if (pbit_cli_parse_u64(a, &si) || pbit_cli_parse_u64(b, &sn) || sn < 1 || sn > 100000 ||
          si < 1 || si > sn)
        return pbit_cli_usage("sweep", "bad value '%s' for --shard (want i/n, 1 <= i <= n)", v);
      o->shard_i = (long)si;
      o->shard_n = (long)sn;
    } else {
      return pbit_cli_usage("sweep", "unknown option '%s'", k);
    }
  }
  if (o->merge != NULL) {
    if (o->sweep != NULL || o->out != NULL || o->shard_n != 0)
      return pbit_cli_usage("sweep", "--merge takes only the output directory");
    return PBIT_EXIT_OK;
  }
  if (o->sweep == NULL) return pbit_cli_usage("sweep", "missing the sweep file");
  if (o->out == NULL && !o->dry_run) return pbit_cli_usage("sweep", "missing --out");
  return PBIT_EXIT_OK;
}

/* ---- a growing list of strings */

typedef struct {
  char **v;
  size_t n, cap;
} strv_t;

static int strv_add(strv_t *s, const char *t) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 16;
    char **q = realloc(s->v, cap * sizeof *q);
    if (q == NULL) return -1;
    s->v = q;
    s->cap = cap;
  }
  s->v[s->n] = strdup(t ? t : "");
  if (s->v[s->n] == NULL) return -1;
  s->n++;
  return 0;
}

static void strv_free(strv_t *s) {
  for (size_t i = 0; i < s->n; i++) free(s->v[i]);
  free(s->v);
  memset(s, 0, sizeof *s);
}

static const char *strv_get(const strv_t *s, const char *key) {
  /* pairs: key, value, key, value ... */
  for (size_t i = 0; i + 1 < s->n; i += 2)
    if (strcmp(s->v[i], key) == 0) return s->v[i + 1];
  return NULL;
}

/* ---- metrics: the numbers of summary.json (cmd_train.c, write_summary),
 * nested objects flattened: energy_breakdown_pj.x -> energy_x_pj,
 * energy_by_phase_pj.x -> energy_phase_x_pj, pbit_counters_per_update.x ->
 * pbit_x_per_update, datapath_counters_per_update.x -> dp_x_per_update. */

static const char *const kNumbersHead[] = {"seed",
                                           "epochs",
                                           "copies",
                                           "label_repeat",
                                           "samples",
                                           "train_examples",
                                           "train_split",
                                           "test_examples",
                                           "test_accuracy",
                                           "readout_test_accuracy",
                                           "train_seconds",
                                           "eval_seconds",
                                           "samples_per_second",
                                           "cycles_per_update",
                                           "simulated_seconds_per_update",
                                           "energy_per_update_pj"};
static const char *const kNumbersTail[] = {"energy_per_inference_pj",
                                           "baseline_energy_per_update_pj", "energy_ratio"};
/* Text fields a sweep may ask for by name (not in the default list). */
static const char *const kTexts[] = {"algorithm", "name",    "dataset",      "backend",
                                     "accel",     "device",  "tech",         "mode",
                                     "negatives", "resumed", "exact_resume", "layers"};

static int default_metrics(strv_t *m) {
  char b[128];
  int rc = 0;
  for (size_t i = 0; i < sizeof kNumbersHead / sizeof *kNumbersHead; i++)
    rc |= strv_add(m, kNumbersHead[i]);
  for (int c = 0; c < PBIT_ENERGY_NUM_COMPONENTS; c++) {
    snprintf(b, sizeof b, "energy_%s_pj", pbit_energy_component_name(c));
    rc |= strv_add(m, b);
  }
  for (int p = 0; p < PBIT_ENERGY_NUM_PHASES; p++) {
    snprintf(b, sizeof b, "energy_phase_%s_pj", pbit_energy_phase_name(p));
    rc |= strv_add(m, b);
  }
  for (size_t i = 0; i < sizeof kNumbersTail / sizeof *kNumbersTail; i++)
    rc |= strv_add(m, kNumbersTail[i]);
  rc |= strv_add(m, "pbit_samples_per_update");
  rc |= strv_add(m, "pbit_flips_per_update");
  rc |= strv_add(m, "pbit_dac_writes_per_update");
  for (int k = 0; k < PBIT_DP_NUM_COUNTERS; k++) {
    snprintf(b, sizeof b, "dp_%s_per_update", pbit_dp_counter_name(k));
    rc |= strv_add(m, b);
  }
  return rc;
}

static int known_metric(const strv_t *all, const char *name) {
  for (size_t i = 0; i < all->n; i++)
    if (strcmp(all->v[i], name) == 0) return 1;
  for (size_t i = 0; i < sizeof kTexts / sizeof *kTexts; i++)
    if (strcmp(kTexts[i], name) == 0) return 1;
  return 0;
}

/* ---- a small JSON reader for summary.json: fills key/value pairs. */

typedef struct {
  const char *p;
  int bad;
} json_t;

static void ws(json_t *j) {
  while (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r') j->p++;
}

/* A string at j->p (after the quote is checked), unescaped into out. */
static void jstring(json_t *j, char *out, size_t len) {
  size_t n = 0;
  if (*j->p != '"') {
    j->bad = 1;
    return;
  }
  j->p++;
  while (*j->p != '\0' && *j->p != '"') {
    char c = *j->p++;
    if (c == '\\' && *j->p != '\0') {
      c = *j->p++;
      if (c == 'n') c = ' ';
      if (c == 'u') { /* \u00XX: keep it simple */
        for (int i = 0; i < 4 && *j->p != '\0'; i++) j->p++;
        c = '?';
      }
    }
    if (n + 1 < len) out[n++] = c;
  }
  if (*j->p != '"') j->bad = 1;
  if (*j->p != '\0') j->p++;
  if (len > 0) out[n] = '\0';
}

/* A number, literal or array, as its text (null -> ""). */
static void jraw(json_t *j, char *out, size_t len) {
  const char *s = j->p;
  if (*s == '[') {
    int depth = 0;
    for (; *j->p != '\0'; j->p++) {
      if (*j->p == '[') depth++;
      if (*j->p == ']' && --depth == 0) {
        j->p++;
        break;
      }
    }
  } else {
    while (*j->p != '\0' && strchr(",}] \n\t\r", *j->p) == NULL) j->p++;
  }
  size_t n = (size_t)(j->p - s);
  if (n == 0) j->bad = 1;
  if (n == 4 && strncmp(s, "null", 4) == 0) n = 0;
  snprintf(out, len, "%.*s", (int)n, s);
}

static void nested_name(const char *obj, const char *key, char *out, size_t len) {
  if (strcmp(obj, "energy_breakdown_pj") == 0)
    snprintf(out, len, "energy_%s_pj", key);
  else if (strcmp(obj, "energy_by_phase_pj") == 0)
    snprintf(out, len, "energy_phase_%s_pj", key);
  else if (strcmp(obj, "pbit_counters_per_update") == 0)
    snprintf(out, len, "pbit_%s_per_update", key);
  else if (strcmp(obj, "datapath_counters_per_update") == 0)
    snprintf(out, len, "dp_%s_per_update", key);
  else
    snprintf(out, len, "%s.%s", obj, key);
}

/* Reads summary.json into kv (key, value pairs); 0 or -1 (malformed). */
static int read_summary(const char *path, strv_t *kv) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return -1;
  char *buf = malloc((1u << 20) + 1);
  size_t n = buf ? fread(buf, 1, 1u << 20, f) : 0;
  fclose(f);
  if (buf == NULL) return -1;
  buf[n] = '\0';
  json_t j = {buf, 0};
  char key[128], sub[128], name[300], val[1024];
  ws(&j);
  if (*j.p++ != '{') j.bad = 1;
  while (!j.bad) {
    ws(&j);
    if (*j.p == '}') break;
    jstring(&j, key, sizeof key);
    ws(&j);
    if (*j.p++ != ':') j.bad = 1;
    ws(&j);
    if (j.bad) break;
    if (*j.p == '{') {
      j.p++;
      for (;;) {
        ws(&j);
        if (*j.p == '}') {
          j.p++;
          break;
        }
        jstring(&j, sub, sizeof sub);
        ws(&j);
        if (*j.p++ != ':') j.bad = 1;
        ws(&j);
        if (*j.p == '"')
          jstring(&j, val, sizeof val);
        else
          jraw(&j, val, sizeof val);
        if (j.bad) break;
        nested_name(key, sub, name, sizeof name);
        if (strv_add(kv, name) || strv_add(kv, val)) j.bad = 1;
        ws(&j);
        if (*j.p == ',') j.p++;
      }
    } else {
      if (*j.p == '"')
        jstring(&j, val, sizeof val);
      else
        jraw(&j, val, sizeof val);
      if (strv_add(kv, key) || strv_add(kv, val)) j.bad = 1;
    }
    ws(&j);
    if (*j.p == ',') j.p++;
  }
  free(buf);
  return j.bad ? -1 : 0;
}

/* ---- CSV */

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

/* Splits one CSV line into fields (quotes honoured). */
static int csv_split(const char *line, strv_t *out) {
  char *buf = malloc(strlen(line) + 1);
  if (buf == NULL) return -1;
  const char *p = line;
  int rc = 0;
  for (;;) {
    size_t n = 0;
    if (*p == '"') {
      p++;
      while (*p != '\0') {
        if (*p == '"' && p[1] == '"') {
          buf[n++] = '"';
          p += 2;
        } else if (*p == '"') {
          p++;
          break;
        } else {
          buf[n++] = *p++;
        }
      }
    }
    while (*p != '\0' && *p != ',' && *p != '\n' && *p != '\r') buf[n++] = *p++;
    buf[n] = '\0';
    rc |= strv_add(out, buf);
    if (*p != ',') break;
    p++;
  }
  free(buf);
  return rc;
}

/* Lines of a text file (without newlines). */
static int read_lines(const char *path, strv_t *out) {
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  int rc = 0;
  while ((n = getline(&line, &cap, f)) >= 0) {
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    rc |= strv_add(out, line);
  }
  free(line);
  fclose(f);
  return rc;
}

static int file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  char *buf = malloc((1u << 20) + 1);
  size_t n = buf ? fread(buf, 1, 1u << 20, f) : 0;
  fclose(f);
  if (buf) buf[n] = '\0';
  return buf;
}

static int write_text(const char *path, const char *text, pbit_error_t *err) {
  pbit_outfile_t of;
  int rc = pbit_outfile_open(&of, path, err);
  if (rc != PBIT_OK) return rc;
  fputs(text, of.fp);
  return pbit_outfile_commit(&of, err);
}

/* ---- Yosys cell counts: <synth dir>/<accel name>.cells (make synth) */

static void synth_dir(char *out, size_t len) {
  const char *env = getenv("PBITSIM_SYNTH_DIR");
  if (env != NULL && *env != '\0') {
    snprintf(out, len, "%s", env);
    return;
  }
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  snprintf(out, len, "build/synth");
  if (n <= 0) return;
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash == NULL) return;
  *slash = '\0';
  snprintf(out, len, "%.*s/../synth", PATH_MAX - 16, exe); /* build/bin -> build/synth */
}

static void yosys_cells(const char *accel, char *out, size_t len, strv_t *warned) {
  char dir[PATH_MAX], path[PATH_MAX + 80];
  synth_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/%s.cells", dir, accel);
  out[0] = '\0';
  FILE *f = fopen(path, "r");
  long long cells = -1;
  if (f != NULL) {
    if (fscanf(f, "%lld", &cells) != 1) cells = -1;
    fclose(f);
  }
  if (cells >= 0) {
    snprintf(out, len, "%lld", cells);
    return;
  }
  for (size_t i = 0; i < warned->n; i++)
    if (strcmp(warned->v[i], accel) == 0) return;
  strv_add(warned, accel);
  fprintf(stderr,
          "pbitsim sweep: note: no Yosys cell count for accel '%s' (%s): yosys_cells left "
          "empty; run make synth\n",
          accel, path);
}

/* ---- plots: for each swept column, energy, accuracy and cycles against
 * its values (in sweep order), averaged over the other axes, bars min..max */

static int run_quiet(const char *prog, const char *arg) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int fd = open("/dev/null", O_WRONLY);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execlp(prog, prog, arg, (char *)NULL);
    _exit(127);
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void safe_name(const char *in, char *out, size_t len) {
  size_t n = 0;
  for (; *in != '\0' && n + 1 < len; in++) {
    char c = *in;
    out[n++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '-' || c == '_'
                   ? c
                   : '_';
  }
  out[n] = '\0';
}

static int plot_one(const char *dir, const char *title, const char *axis, const char *metric,
                    const strv_t *labels, const double *mean, const double *lo, const double *hi,
                    const char *term) {
  char an[200], png[PATH_MAX], tmp[PATH_MAX + 40], gp[PATH_MAX + 40];
  safe_name(axis, an, sizeof an);
  snprintf(png, sizeof png, "%.3000s/plot-%s-%s.png", dir, an, metric);
  snprintf(tmp, sizeof tmp, "%.3000s/.plot.png.tmp.%ld", dir, (long)getpid());
  snprintf(gp, sizeof gp, "%.3000s/.plot.gp.%ld", dir, (long)getpid());
  if (strchr(tmp, '\'') != NULL) return -1;
  char t[128];
  snprintf(t, sizeof t, "%s", title);
  for (char *c = t; *c; c++)
    if (*c == '"' || *c == '\\' || *c == '\'') *c = '_';
  FILE *f = fopen(gp, "w");
  if (f == NULL) return -1;
  fprintf(f,
          "set terminal %s size 800,500 noenhanced\nset output '%s'\n"
          "set title \"%s: %s vs %s\\n(mean over the other axes; bars: min..max)\"\n"
          "set xlabel '%s'\nset ylabel '%s'\nset grid\nset key off\nset offsets 0.3, 0.3, 0, 0\n"
          "$d << EOD\n",
          term, tmp, t, metric, axis, axis, metric);
  for (size_t i = 0; i < labels->n; i++) {
    char lab[256];
    snprintf(lab, sizeof lab, "%s", labels->v[i]);
    for (char *c = lab; *c; c++)
      if (*c == '"' || *c == '\'' || *c == '\\') *c = '_';
    fprintf(f, "%zu %.9g %.9g %.9g \"%s\"\n", i, mean[i], lo[i], hi[i], lab);
  }
  fprintf(f, "EOD\nplot $d using 1:2:3:4:xtic(5) with yerrorlines lw 2 pt 7\n");
  fclose(f);
  int st = run_quiet("gnuplot", gp);
  remove(gp);
  if (st != 0 || rename(tmp, png) != 0) {
    remove(tmp);
    return -1;
  }
  return 0;
}

static void plot_results(const char *dir, const char *csv, const char *title) {
  if (run_quiet("gnuplot", "--version") != 0) {
    fprintf(stderr, "pbitsim sweep: warning: gnuplot not found: no plots (%s has the data)\n", csv);
    return;
  }
  strv_t lines = {0}, head = {0};
  if (read_lines(csv, &lines) != 0 || lines.n < 2 || csv_split(lines.v[0], &head) != 0) {
    strv_free(&lines);
    strv_free(&head);
    return;
  }
  size_t rows = lines.n - 1;
  strv_t *cell = calloc(rows, sizeof *cell);
  if (cell == NULL) goto done;
  for (size_t r = 0; r < rows; r++) csv_split(lines.v[r + 1], &cell[r]);
  static const char *const kPlot[] = {"energy_per_update_pj", "test_accuracy", "cycles_per_update"};
  int drawn = 0, failed = 0;
  for (size_t a = 0; a < head.n; a++) {
    if (strncmp(head.v[a], "run.", 4) != 0) continue;
    strv_t labels = {0};
    for (size_t r = 0; r < rows; r++) {
      if (a >= cell[r].n) continue;
      int seen = 0;
      for (size_t i = 0; i < labels.n && !seen; i++) seen = strcmp(labels.v[i], cell[r].v[a]) == 0;
      if (!seen) strv_add(&labels, cell[r].v[a]);
    }
    for (size_t m = 0; m < sizeof kPlot / sizeof *kPlot; m++) {
      size_t mc = head.n;
      for (size_t c = 0; c < head.n; c++)
        if (strcmp(head.v[c], kPlot[m]) == 0) mc = c;
      if (mc == head.n || labels.n == 0) continue;
      double mean[512], lo[512], hi[512];
      size_t nl = labels.n < 512 ? labels.n : 512, ok = 0;
      for (size_t i = 0; i < nl; i++) {
        double sum = 0;
        size_t cnt = 0;
        for (size_t r = 0; r < rows; r++) {
          double v = 0;
          if (mc >= cell[r].n || a >= cell[r].n || strcmp(cell[r].v[a], labels.v[i]) != 0 ||
              pbit_cli_parse_double(cell[r].v[mc], &v) != 0)
            continue;
          if (cnt == 0 || v < lo[i]) lo[i] = v;
          if (cnt == 0 || v > hi[i]) hi[i] = v;
          sum += v;
          cnt++;
        }
        mean[i] = cnt ? sum / (double)cnt : 0;
        if (cnt == 0) lo[i] = hi[i] = 0;
        ok += cnt > 0;
      }
      if (ok == 0) continue;
      strv_t l2 = {labels.v, nl, nl};
      if (plot_one(dir, title, head.v[a], kPlot[m], &l2, mean, lo, hi, "pngcairo") == 0 ||
          plot_one(dir, title, head.v[a], kPlot[m], &l2, mean, lo, hi, "png") == 0)
        drawn++;
      else
        failed++;
    }
    strv_free(&labels);
  }
  if (failed)
    fprintf(stderr, "pbitsim sweep: warning: gnuplot failed on %d plots\n", failed);
  else if (drawn)
    fprintf(stderr, "pbitsim sweep: %d plots in %s/plot-*.png\n", drawn, dir);
done:
  for (size_t r = 0; cell != NULL && r < rows; r++) strv_free(&cell[r]);
  free(cell);
  strv_free(&lines);
  strv_free(&head);
}

/* ---- --merge */

static int cmp_line_point(const void *a, const void *b) {
  long x = atol(*(char *const *)a), y = atol(*(char *const *)b);
  return (x > y) - (x < y);
}

static int merge(const char *dir) {
  char path[PATH_MAX], pat[PATH_MAX + 40];
  snprintf(path, sizeof path, "%.4000s/points.csv", dir);
  strv_t plan = {0}, rows = {0}, head = {0};
  int ex = PBIT_EXIT_OK;
  if (read_lines(path, &plan) != 0 || plan.n < 1) {
    fprintf(stderr, "pbitsim: %s: cannot read the sweep's plan (not a sweep directory?)\n", path);
    strv_free(&plan);
    return PBIT_EXIT_USAGE;
  }
  size_t n_points = plan.n - 1;
  snprintf(pat, sizeof pat, "%.4000s/results.shard-*-of-*.csv", dir);
  glob_t g;
  memset(&g, 0, sizeof g);
  long n = 0;
  char *seen = NULL;
  if (glob(pat, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
    fprintf(stderr, "pbitsim: %s: no results.shard-<i>-of-<n>.csv to merge\n", dir);
    ex = PBIT_EXIT_RUNTIME;
    goto out;
  }
  for (size_t f = 0; f < g.gl_pathc && ex == PBIT_EXIT_OK; f++) {
    const char *base = strrchr(g.gl_pathv[f], '/');
    base = base ? base + 1 : g.gl_pathv[f];
    long i = 0, nn = 0;
    char tail[16] = "";
    if (sscanf(base, "results.shard-%ld-of-%ld%15s", &i, &nn, tail) != 3 ||
        strcmp(tail, ".csv") != 0)
      continue; /* e.g. a .partial.csv */
    if (n == 0) {
      n = nn;
      seen = calloc((size_t)n + 1, 1);
      if (seen == NULL) {
        ex = PBIT_EXIT_RUNTIME;
        break;
      }
    }
    if (nn != n || i < 1 || i > n) {
      fprintf(stderr,
              "pbitsim: %s: shards of different splits (%ld and %ld): remove the stale ones\n",
              g.gl_pathv[f], n, nn);
      ex = PBIT_EXIT_USAGE;
      break;
    }
    seen[i] = 1;
    strv_t lines = {0};
    if (read_lines(g.gl_pathv[f], &lines) != 0 || lines.n < 1) {
      fprintf(stderr, "pbitsim: %s: cannot read\n", g.gl_pathv[f]);
      ex = PBIT_EXIT_RUNTIME;
    } else if (head.n == 0) {
      strv_add(&head, lines.v[0]);
    } else if (strcmp(head.v[0], lines.v[0]) != 0) {
      fprintf(stderr, "pbitsim: %s: header differs from the other shards\n", g.gl_pathv[f]);
      ex = PBIT_EXIT_USAGE;
    }
    for (size_t r = 1; r < lines.n && ex == PBIT_EXIT_OK; r++) {
      long k = atol(lines.v[r]);
      if (k < 0 || (size_t)k >= n_points || k % n != i - 1) {
        fprintf(stderr, "pbitsim: %s: row %zu: point %ld does not belong to this shard\n",
                g.gl_pathv[f], r + 1, k);
        ex = PBIT_EXIT_USAGE;
      }
      strv_add(&rows, lines.v[r]);
    }
    strv_free(&lines);
  }
  if (ex == PBIT_EXIT_OK && n == 0) {
    fprintf(stderr, "pbitsim: %s: no complete shard results to merge\n", dir);
    ex = PBIT_EXIT_RUNTIME;
  }
  for (long i = 1; ex == PBIT_EXIT_OK && i <= n; i++)
    if (!seen[i]) {
      fprintf(stderr,
              "pbitsim: %s: results.shard-%ld-of-%ld.csv is missing (that shard has not "
              "finished, or failed)\n",
              dir, i, n);
      ex = PBIT_EXIT_RUNTIME;
    }
  if (ex == PBIT_EXIT_OK) {
    if (rows.n > 1) qsort(rows.v, rows.n, sizeof *rows.v, cmp_line_point);
    for (size_t r = 0; r < rows.n && ex == PBIT_EXIT_OK; r++)
      if (atol(rows.v[r]) != (long)r) {
        fprintf(stderr, "pbitsim: %s: point %zu is missing or repeated in the shards\n", dir, r);
        ex = PBIT_EXIT_RUNTIME;
      }
    if (ex == PBIT_EXIT_OK && rows.n != n_points) {
      fprintf(stderr, "pbitsim: %s: the shards hold %zu of %zu points\n", dir, rows.n, n_points);
      ex = PBIT_EXIT_RUNTIME;
    }
  }
  if (ex == PBIT_EXIT_OK && head.n == 0) {
    fprintf(stderr, "pbitsim: %s: the shard files have no header\n", dir);
    ex = PBIT_EXIT_RUNTIME;
  }
  if (ex == PBIT_EXIT_OK) {
    pbit_error_t err;
    pbit_error_clear(&err);
    pbit_outfile_t of;
    snprintf(path, sizeof path, "%.4000s/results.csv", dir);
    if (pbit_outfile_open(&of, path, &err) != PBIT_OK) {
      ex = pbit_cli_report(&err);
    } else {
      fprintf(of.fp, "%s\n", head.v[0]);
      for (size_t r = 0; r < rows.n; r++) fprintf(of.fp, "%s\n", rows.v[r]);
      if (pbit_outfile_commit(&of, &err) != PBIT_OK) ex = pbit_cli_report(&err);
    }
    if (ex == PBIT_EXIT_OK) {
      printf("pbitsim sweep: merged %ld shards, %zu points -> %s\n", n, rows.n, path);
      plot_results(dir, path, dir);
    }
  }
out:
  globfree(&g);
  free(seen);
  strv_free(&plan);
  strv_free(&rows);
  strv_free(&head);
  return ex;
}

/* ---- running points */

typedef struct {
  pid_t pid;
  size_t k;
  double t0;
} job_t;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static pid_t spawn_train(const char *pdir) {
  char cfg[PATH_MAX], log[PATH_MAX];
  snprintf(cfg, sizeof cfg, "%.4000s/run.yaml", pdir);
  snprintf(log, sizeof log, "%.4000s/train.log", pdir);
  fflush(NULL);
  pid_t pid = fork();
  if (pid != 0) return pid;
  int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
  }
  execl("/proc/self/exe", "pbitsim", "train", "--config", cfg, "--out", pdir, "--quiet",
        (char *)NULL);
  fprintf(stderr, "pbitsim sweep: cannot run /proc/self/exe: %s\n", strerror(errno));
  _exit(127);
}

/* ---- the command */

typedef struct {
  char **text;  /* per point: run.yaml text (NULL: not this shard's) */
  char **accel; /* per point: accel name */
  int *status;  /* -2 not run, -1 finished before, 0 ok, > 0 failed (exit code or 128+sig) */
} points_t;

static int report_at(const pbit_sweep_t *s, const pbit_config_node_t *at, const char *path,
                     const pbit_error_t *e) {
  char buf[900];
  pbit_error_format(e, buf, sizeof buf);
  pbit_error_t r;
  pbit_error_clear(&r);
  pbit_error_set(&r, PBIT_ERR_CONFIG, s->doc.file, at->line, at->col, "%s: %s", path, buf);
  return pbit_cli_report(&r);
}

/* Resolves and loads the point's accel/device/tech and checks that the
 * network fits the datapath, as `pbitsim train` will. */
static int check_hardware(const pbit_sweep_t *s, size_t k, const pbit_run_config_t *run,
                          char *accel_name, size_t len) {
  pbit_error_t err;
  pbit_error_clear(&err);
  static const char *const kKinds[3] = {"accel", "devices", "tech"};
  static const char *const kPaths[3] = {"run.accel", "run.device", "run.tech"};
  const char *names[3] = {run->accel, run->device, run->tech};
  pbit_dp_params_t accel;
  pbit_device_t dev;
  pbit_device_ideal(&dev);
  pbit_energy_tech_t tech;
  for (int i = 0; i < 3; i++) {
    char path[1024];
    int p = pbit_sweep_find(s, kPaths[i]);
    const pbit_config_node_t *at = p >= 0 ? pbit_sweep_value(s, (size_t)p, k) : s->base_node;
    if (pbit_cli_resolve_config(kKinds[i], names[i], path, sizeof path, &err) != PBIT_OK)
      return report_at(s, at, kPaths[i], &err);
    int rc = i == 0   ? pbit_config_load_accel(path, &accel, &err)
             : i == 1 ? pbit_config_load_device(path, &dev, &err)
                      : pbit_config_load_tech(path, &tech, &err);
    if (rc != PBIT_OK) return pbit_cli_report(&err); /* the preset file is at fault */
  }
  snprintf(accel_name, len, "%s", accel.name);
  const pbit_bsff_config_t *b = &run->bsff;
  const char *why = NULL;
  char msg[300];
  for (uint32_t l = 0; l < b->layers && why == NULL; l++) {
    uint32_t n_in = pbit_bsff_layer_inputs(b, l);
    if (n_in > (uint32_t)accel.max_inputs || b->units[l] > (uint32_t)accel.max_units) {
      snprintf(msg, sizeof msg, "layer %u is %u inputs x %u units, accel '%s' holds %d x %d", l + 1,
               n_in, b->units[l], accel.name, accel.max_inputs, accel.max_units);
      why = msg;
    }
  }
  if (why == NULL && b->dac_shift >= (uint32_t)accel.acc_bits) {
    snprintf(msg, sizeof msg, "dac_shift %u must be below accel '%s''s %d-bit accumulators",
             b->dac_shift, accel.name, accel.acc_bits);
    why = msg;
  }
  if (why == NULL && b->frac_bits + 1 >= (uint32_t)accel.weight_bits) {
    snprintf(msg, sizeof msg, "frac_bits %u leaves no integer bits in accel '%s''s %d-bit weights",
             b->frac_bits, accel.name, accel.weight_bits);
    why = msg;
  }
  if (why == NULL) return PBIT_EXIT_OK;
  const pbit_config_node_t *at = pbit_sweep_point_node(s, k);
  pbit_error_set(&err, PBIT_ERR_CONFIG, s->doc.file, at->line, at->col, "point %zu: %s", k, why);
  return pbit_cli_report(&err);
}

static int mine(const opts_t *o, size_t k) {
  return o->shard_n == 0 || (long)(k % (size_t)o->shard_n) == o->shard_i - 1;
}

int pbit_cli_sweep(int argc, char **argv) {
  if (pbit_cli_help(argc, argv, kUsage)) return PBIT_EXIT_OK;
  opts_t o;
  int ex = parse(argc, argv, &o);
  if (ex != PBIT_EXIT_OK) return ex;
  if (o.merge != NULL) return merge(o.merge);
  if (o.sweep == NULL) return PBIT_EXIT_USAGE; /* parse() made sure; for the analysers */

  pbit_error_t err;
  pbit_error_clear(&err);
  pbit_sweep_t *s = calloc(1, sizeof *s);
  pbit_config_doc_t base;
  memset(&base, 0, sizeof base);
  strv_t metrics = {0}, all = {0}, warned = {0}, cols = {0};
  points_t pts = {0};
  job_t *jobs = NULL;
  char base_path[PATH_MAX + 1100];
  if (s == NULL) return PBIT_EXIT_RUNTIME;
  if (pbit_sweep_load(s, o.sweep, &err) != PBIT_OK) {
    ex = pbit_cli_report(&err);
    goto out;
  }
  /* base: a path relative to the sweep file, or a preset name. */
  const char *b = s->base;
  if (strchr(b, '/') != NULL || strstr(b, ".yaml") != NULL || strstr(b, ".yml") != NULL) {
    const char *slash = strrchr(o.sweep, '/');
    if (b[0] == '/' || slash == NULL)
      snprintf(base_path, sizeof base_path, "%s", b);
    else
      snprintf(base_path, sizeof base_path, "%.*s/%s", (int)(slash - o.sweep), o.sweep, b);
    if (!file_exists(base_path)) {
      pbit_error_set(&err, PBIT_ERR_CONFIG, s->doc.file, s->base_node->line, s->base_node->col,
                     "sweep.base: %s: no such file (a path is relative to the sweep file)",
                     base_path);
      ex = pbit_cli_report(&err);
      goto out;
    }
  } else if (pbit_cli_resolve_config(".", b, base_path, sizeof base_path, &err) != PBIT_OK) {
    ex = report_at(s, s->base_node, "sweep.base", &err);
    goto out;
  }
  pbit_run_config_t run;
  pbit_run_config_default(&run);
  if (pbit_config_load_run(base_path, &run, &err) != PBIT_OK ||
      pbit_config_doc_load(&base, base_path, &err) != PBIT_OK) {
    ex = pbit_cli_report(&err);
    goto out;
  }
  /* Metric columns. */
  if (default_metrics(&all) != 0) goto nomem;
  if (s->metrics != NULL) {
    for (size_t i = 0; i < s->metrics->count; i++) {
      const pbit_config_node_t *m = s->metrics->items[i];
      if (!known_metric(&all, m->text)) {
        pbit_error_set(&err, PBIT_ERR_CONFIG, s->doc.file, m->line, m->col,
                       "sweep.metrics: unknown metric '%s' (the numbers of summary.json, "
                       "e.g. test_accuracy, energy_per_update_pj, energy_pbits_pj, "
                       "cycles_per_update: docs/configs.md)",
                       m->text);
        ex = pbit_cli_report(&err);
        goto out;
      }
      if (strv_add(&metrics, m->text) != 0) goto nomem;
    }
  } else {
    for (size_t i = 0; i < all.n; i++)
      if (strv_add(&metrics, all.v[i]) != 0) goto nomem;
  }
  /* Every point: generate, check, resolve. */
  size_t np = s->n_points;
  pts.text = calloc(np, sizeof *pts.text);
  pts.accel = calloc(np, sizeof *pts.accel);
  pts.status = calloc(np, sizeof *pts.status);
  if (pts.text == NULL || pts.accel == NULL || pts.status == NULL) goto nomem;
  for (size_t k = 0; k < np; k++) {
    char header[4096];
    int w = snprintf(header, sizeof header,
                     "Generated by pbitsim sweep: sweep '%s', point %zu of %zu.\nbase: %s\n",
                     s->name, k, np, s->base);
    for (size_t p = 0; p < s->n_params && w > 0 && (size_t)w < sizeof header; p++) {
      char v[512];
      pbit_sweep_flow(pbit_sweep_value(s, p, k), v, sizeof v);
      w += snprintf(header + w, sizeof header - (size_t)w, "%s %s: %s\n",
                    s->params[p].kind == PBIT_SWEEP_SET ? "set" : "swept", s->params[p].path, v);
    }
    pbit_run_config_t r;
    pbit_run_config_default(&r);
    char accel[64];
    if (pbit_sweep_point(s, &base, k, header, &pts.text[k], &r, &err) != PBIT_OK) {
      ex = pbit_cli_report(&err);
      goto out;
    }
    if ((ex = check_hardware(s, k, &r, accel, sizeof accel)) != PBIT_EXIT_OK) goto out;
    pts.accel[k] = strdup(accel);
    if (pts.accel[k] == NULL) goto nomem;
    pts.status[k] = -2;
  }
  /* Columns: point, swept values, metrics, yosys_cells, status. */
  strv_add(&cols, "point");
  for (size_t p = 0; p < s->n_params; p++)
    if (s->params[p].kind != PBIT_SWEEP_SET) strv_add(&cols, s->params[p].path);
  size_t n_swept = cols.n - 1;
  if (o.dry_run) {
    printf("pbitsim sweep: %s: %zu points, all checked\n", s->name, np);
    for (size_t c = 0; c < cols.n; c++) printf("%s%s", c ? "  " : "", cols.v[c]);
    printf("\n");
    for (size_t k = 0; k < np; k++) {
      printf("%zu", k);
      for (size_t p = 0; p < s->n_params; p++) {
        if (s->params[p].kind == PBIT_SWEEP_SET) continue;
        char v[512];
        pbit_sweep_flow(pbit_sweep_value(s, p, k), v, sizeof v);
        printf("  %s", v);
      }
      printf("%s\n", mine(&o, k) ? "" : "  (other shard)");
    }
    ex = PBIT_EXIT_OK;
    goto out;
  }
  /* A finished point must come from the same config. */
  char path[PATH_MAX], pdir[PATH_MAX];
  size_t todo = 0, done_before = 0, mine_n = 0;
  for (size_t k = 0; k < np; k++) {
    if (!mine(&o, k)) continue;
    mine_n++;
    snprintf(pdir, sizeof pdir, "%.3000s/points/%zu", o.out, k);
    snprintf(path, sizeof path, "%.3000s/run.yaml", pdir);
    char *old = slurp(path);
    if (old != NULL && strcmp(old, pts.text[k]) != 0) {
      free(old);
      fprintf(stderr,
              "pbitsim: %s: made from another version of the sweep or base config: use "
              "another --out, or remove %s to run that point again\n",
              path, pdir);
      ex = PBIT_EXIT_USAGE;
      goto out;
    }
    free(old);
    snprintf(path, sizeof path, "%.3000s/summary.json", pdir);
    if (file_exists(path)) {
      pts.status[k] = -1;
      done_before++;
    } else {
      todo++;
    }
  }
  /* The plan (the same from every shard), then each point's config. */
  snprintf(path, sizeof path, "%.3000s/points.csv", o.out);
  {
    pbit_outfile_t of;
    if (pbit_outfile_open(&of, path, &err) != PBIT_OK) {
      ex = pbit_cli_report(&err);
      goto out;
    }
    for (size_t c = 0; c <= n_swept; c++) {
      if (c) fputc(',', of.fp);
      csv_field(of.fp, cols.v[c]);
    }
    fputc('\n', of.fp);
    for (size_t k = 0; k < np; k++) {
      fprintf(of.fp, "%zu", k);
      for (size_t p = 0; p < s->n_params; p++) {
        if (s->params[p].kind == PBIT_SWEEP_SET) continue;
        char v[1024];
        pbit_sweep_flow(pbit_sweep_value(s, p, k), v, sizeof v);
        fputc(',', of.fp);
        csv_field(of.fp, v);
      }
      fputc('\n', of.fp);
    }
    if (pbit_outfile_commit(&of, &err) != PBIT_OK) {
      ex = pbit_cli_report(&err);
      goto out;
    }
  }
  for (size_t k = 0; k < np; k++) {
    if (!mine(&o, k)) continue;
    snprintf(path, sizeof path, "%.3000s/points/%zu/run.yaml", o.out, k);
    if (!file_exists(path) && write_text(path, pts.text[k], &err) != PBIT_OK) {
      ex = pbit_cli_report(&err);
      goto out;
    }
  }
  char shard[64] = "";
  if (o.shard_n > 0) snprintf(shard, sizeof shard, ", shard %ld/%ld", o.shard_i, o.shard_n);
  fprintf(
      stderr,
      "pbitsim sweep: %s: %zu points%s: %zu here, %zu already finished (skipped), %zu to run%s\n",
      s->name, np, shard, mine_n, done_before, todo, todo > 1 && o.jobs > 1 ? " in parallel" : "");
  /* Each child gets an equal share of the cores unless told otherwise. */
  if (o.jobs > 1 && getenv("OMP_NUM_THREADS") == NULL) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    char t[24];
    snprintf(t, sizeof t, "%ld", cores > o.jobs ? cores / o.jobs : 1);
    setenv("OMP_NUM_THREADS", t, 0);
  }
  jobs = calloc((size_t)o.jobs, sizeof *jobs);
  if (jobs == NULL) goto nomem;
  size_t next = 0, running = 0, finished = 0, failed = 0;
  double t_start = now_s();
  for (;;) {
    while (running < (size_t)o.jobs) {
      while (next < np && (!mine(&o, next) || pts.status[next] != -2)) next++;
      if (next >= np) break;
      snprintf(pdir, sizeof pdir, "%.3000s/points/%zu", o.out, next);
      pid_t pid = spawn_train(pdir);
      if (pid < 0) {
        fprintf(stderr, "pbitsim sweep: point %zu: cannot fork: %s\n", next, strerror(errno));
        pts.status[next] = 127;
        failed++;
        finished++;
        next++;
        continue;
      }
      for (long j = 0; j < o.jobs; j++)
        if (jobs[j].pid == 0) {
          jobs[j] = (job_t){pid, next, now_s()};
          break;
        }
      running++;
      next++;
    }
    if (running == 0) break;
    int st = 0;
    pid_t pid = waitpid(-1, &st, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (long j = 0; j < o.jobs; j++) {
      if (jobs[j].pid != pid) continue;
      size_t k = jobs[j].k;
      int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
      snprintf(path, sizeof path, "%.3000s/points/%zu/summary.json", o.out, k);
      if (code == 0 && !file_exists(path)) code = 1;
      pts.status[k] = code;
      finished++;
      failed += code != 0;
      if (code == 0)
        fprintf(stderr, "pbitsim sweep: point %zu done in %.1f s [%zu/%zu]\n", k,
                now_s() - jobs[j].t0, finished, todo);
      else
        fprintf(stderr,
                "pbitsim sweep: point %zu FAILED (exit %d): see %.3000s/points/%zu/train.log "
                "[%zu/%zu]\n",
                k, code, o.out, k, finished, todo);
      jobs[j].pid = 0;
      running--;
    }
  }
  (void)t_start;
  /* Results. */
  char res[PATH_MAX], stale[PATH_MAX], tag[64] = "";
  if (o.shard_n > 0) snprintf(tag, sizeof tag, ".shard-%ld-of-%ld", o.shard_i, o.shard_n);
  snprintf(res, sizeof res, "%.3000s/results%s%s.csv", o.out, tag, failed ? ".partial" : "");
  snprintf(stale, sizeof stale, "%.3000s/results%s%s.csv", o.out, tag, failed ? "" : ".partial");
  {
    pbit_outfile_t of;
    if (pbit_outfile_open(&of, res, &err) != PBIT_OK) {
      ex = pbit_cli_report(&err);
      goto out;
    }
    for (size_t c = 0; c < cols.n; c++) {
      fputs(c ? "," : "", of.fp);
      csv_field(of.fp, cols.v[c]);
    }
    for (size_t m = 0; m < metrics.n; m++) {
      fputc(',', of.fp);
      csv_field(of.fp, metrics.v[m]);
    }
    fputs(",yosys_cells,status\n", of.fp);
    int bad_summary = 0;
    for (size_t k = 0; k < np; k++) {
      if (!mine(&o, k)) continue;
      fprintf(of.fp, "%zu", k);
      for (size_t p = 0; p < s->n_params; p++) {
        if (s->params[p].kind == PBIT_SWEEP_SET) continue;
        char v[1024];
        pbit_sweep_flow(pbit_sweep_value(s, p, k), v, sizeof v);
        fputc(',', of.fp);
        csv_field(of.fp, v);
      }
      strv_t kv = {0};
      int have = 0;
      if (pts.status[k] <= 0) {
        snprintf(path, sizeof path, "%.3000s/points/%zu/summary.json", o.out, k);
        have = read_summary(path, &kv) == 0;
        if (!have) {
          fprintf(stderr, "pbitsim sweep: point %zu: cannot read %s\n", k, path);
          bad_summary = 1;
        }
      }
      for (size_t m = 0; m < metrics.n; m++) {
        const char *v = have ? strv_get(&kv, metrics.v[m]) : NULL;
        /* zero energy components are left out of summary.json */
        if (have && v == NULL && strncmp(metrics.v[m], "energy_", 7) == 0) v = "0";
        fputc(',', of.fp);
        csv_field(of.fp, v ? v : "");
      }
      strv_free(&kv);
      char cells[32];
      yosys_cells(pts.accel[k], cells, sizeof cells, &warned);
      fprintf(of.fp, ",%s,", cells);
      if (pts.status[k] <= 0)
        fputs(have ? "ok" : "unreadable summary", of.fp);
      else
        fprintf(of.fp, "failed (exit %d)", pts.status[k]);
      fputc('\n', of.fp);
    }
    if (bad_summary && !failed) { /* never present it as complete */
      pbit_outfile_abort(&of);
      fprintf(stderr, "pbitsim: %s: not written: a summary.json could not be read\n", res);
      ex = PBIT_EXIT_RUNTIME;
      goto out;
    }
    if (pbit_outfile_commit(&of, &err) != PBIT_OK) {
      ex = pbit_cli_report(&err);
      goto out;
    }
  }
  remove(stale);
  if (failed) {
    fprintf(stderr, "pbitsim sweep: %zu of %zu points failed: %s marks them (status column)\n",
            failed, mine_n, res);
    ex = PBIT_EXIT_RUNTIME;
    goto out;
  }
  printf("pbitsim sweep: %s: %zu points -> %s\n", s->name, mine_n, res);
  if (o.shard_n == 0) plot_results(o.out, res, s->name);
  ex = PBIT_EXIT_OK;
  goto out;
nomem:
  fprintf(stderr, "pbitsim: out of memory\n");
  ex = PBIT_EXIT_RUNTIME;
out:
  for (size_t k = 0; s != NULL && k < s->n_points; k++) {
    if (pts.text) free(pts.text[k]);
    if (pts.accel) free(pts.accel[k]);
  }
  free(pts.text);
  free(pts.accel);
  free(pts.status);
  free(jobs);
  strv_free(&metrics);
  strv_free(&all);
  strv_free(&warned);
  strv_free(&cols);
  pbit_config_doc_free(&base);
  pbit_sweep_free(s);
  free(s);
  return ex;
}
