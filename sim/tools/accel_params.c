/* accel_params: prints the RTL parameters of an accelerator config
 * (configs/accel/<name>.yaml) in the syntax of one tool, so that Verilator,
 * Icarus, Yosys and make all take them from the same YAML file.
 *
 *   accel_params --config small --format verilator   -> -GLANES=16 -GWEIGHT_BITS=16 ...
 *   accel_params --config small --format iverilog    -> -Ppbit_dp_top.LANES=16 ...
 *   accel_params --config small --format yosys       -> chparam -set LANES 16 ... pbit_dp_top
 *   accel_params --config small --format make        -> ACCEL_NAME := small ...
 *   accel_params --config small --format json        -> {"name": "small", ...}
 *
 * Exit codes as pbitsim's: 0 success, 1 run-time failure (output not
 * written), 2 bad usage or bad config ("accel_params: file:line:col: msg"). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config/config.h"

static const char kProg[] = "accel_params";

/* The RTL parameter names of pbit_dp_top, in declaration order. */
typedef struct {
  const char *rtl;
  int value;
} param_t;

enum { N_PARAMS = 8 };

static void collect(const pbit_dp_params_t *p, param_t out[N_PARAMS]) {
  const param_t all[N_PARAMS] = {
      {"LANES", p->lanes},           {"WEIGHT_BITS", p->weight_bits}, {"ACC_BITS", p->acc_bits},
      {"DAC_BITS", p->dac_bits},     {"SCAN_BITS", p->scan_bits},     {"FIFO_DEPTH", p->fifo_depth},
      {"MAX_INPUTS", p->max_inputs}, {"MAX_UNITS", p->max_units},
  };
  memcpy(out, all, sizeof(all));
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: %s --config <accel.yaml|name> --format <fmt> [--top <module>]\n\n"
          "Prints the RTL parameters of an accelerator config in one tool's syntax.\n"
          "A bare name is looked up as accel/<name>.yaml (like pbitsim --config).\n\n"
          "formats:\n"
          "  verilator  -GLANES=16 -GWEIGHT_BITS=16 ...\n"
          "  iverilog   -P<top>.LANES=16 ...\n"
          "  yosys      chparam -set LANES 16 ... <top>\n"
          "  make       ACCEL_NAME := <name>, ACCEL_VFLAGS := -G..., ACCEL_<PARAM> := <v>\n"
          "  json       the whole configuration as one JSON object\n\n"
          "--top        module the parameters belong to (default pbit_dp_top)\n\n"
          "exit codes: 0 success, 1 run-time failure, 2 bad usage or bad config\n",
          kProg);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", kProg);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n(run '%s --help' for usage)\n", kProg);
  va_end(ap);
  return PBIT_EXIT_USAGE;
}

static int report(const pbit_error_t *err) {
  char buf[1024];
  pbit_error_format(err, buf, sizeof(buf));
  fprintf(stderr, "%s: %s\n", kProg, buf);
  return err->status == PBIT_ERR_IO || err->status == PBIT_ERR_NOMEM ||
                 err->status == PBIT_ERR_RUNTIME
             ? PBIT_EXIT_RUNTIME
             : PBIT_EXIT_USAGE;
}

/* A module name goes into tool command lines unquoted: keep it an identifier. */
static int is_identifier(const char *s) {
  if (s[0] == '\0' || (s[0] >= '0' && s[0] <= '9')) return 0;
  for (const char *c = s; *c != '\0'; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
          *c == '_' || *c == '$'))
      return 0;
  return 1;
}

static void print_vflags(FILE *f, const param_t *v) {
  for (int i = 0; i < N_PARAMS; i++)
    fprintf(f, "%s-G%s=%d", i > 0 ? " " : "", v[i].rtl, v[i].value);
}

static void print_json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

static int emit(FILE *f, const char *format, const char *top, const pbit_dp_params_t *p) {
  param_t v[N_PARAMS];
  collect(p, v);
  if (strcmp(format, "verilator") == 0) {
    print_vflags(f, v);
    fputc('\n', f);
  } else if (strcmp(format, "iverilog") == 0) {
    for (int i = 0; i < N_PARAMS; i++)
      fprintf(f, "%s-P%s.%s=%d", i > 0 ? " " : "", top, v[i].rtl, v[i].value);
    fputc('\n', f);
  } else if (strcmp(format, "yosys") == 0) {
    fprintf(f, "chparam");
    for (int i = 0; i < N_PARAMS; i++) fprintf(f, " -set %s %d", v[i].rtl, v[i].value);
    fprintf(f, " %s\n", top);
  } else if (strcmp(format, "make") == 0) {
    fprintf(f, "ACCEL_NAME := %s\nACCEL_VFLAGS := ", p->name);
    print_vflags(f, v);
    fputc('\n', f);
    for (int i = 0; i < N_PARAMS; i++) fprintf(f, "ACCEL_%s := %d\n", v[i].rtl, v[i].value);
    fprintf(f, "ACCEL_CLOCK_NS := %.17g\n", p->clock_ns);
  } else if (strcmp(format, "json") == 0) {
    fprintf(f, "{\"name\": ");
    print_json_string(f, p->name);
    const struct {
      const char *key;
      int value;
    } fields[N_PARAMS] = {
        {"lanes", p->lanes},           {"weight_bits", p->weight_bits},
        {"acc_bits", p->acc_bits},     {"dac_bits", p->dac_bits},
        {"scan_bits", p->scan_bits},   {"fifo_depth", p->fifo_depth},
        {"max_inputs", p->max_inputs}, {"max_units", p->max_units},
    };
    for (int i = 0; i < N_PARAMS; i++) fprintf(f, ", \"%s\": %d", fields[i].key, fields[i].value);
    fprintf(f, ", \"clock_ns\": %.17g}\n", p->clock_ns);
  } else {
    return -1;
  }
  return 0;
}

static const char *const kFormats[] = {"verilator", "iverilog", "yosys", "make", "json"};

int main(int argc, char **argv) {
  const char *config = NULL, *format = NULL, *top = "pbit_dp_top";
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      usage(stdout);
      return PBIT_EXIT_OK;
    }
    const char **dst = strcmp(arg, "--config") == 0   ? &config
                       : strcmp(arg, "--format") == 0 ? &format
                       : strcmp(arg, "--top") == 0    ? &top
                                                      : NULL;
    if (dst == NULL) return usage_error("unknown argument '%s'", arg);
    if (i + 1 >= argc) return usage_error("%s needs a value", arg);
    *dst = argv[++i];
  }
  if (config == NULL) return usage_error("--config is required");
  if (format == NULL) return usage_error("--format is required");
  int known = 0;
  for (size_t i = 0; i < sizeof(kFormats) / sizeof(kFormats[0]); i++)
    known |= strcmp(format, kFormats[i]) == 0;
  if (!known)
    return usage_error("unknown format '%s' (verilator, iverilog, yosys, make or json)", format);
  if (!is_identifier(top)) return usage_error("--top '%s' is not a module name", top);

  pbit_error_t err;
  pbit_error_clear(&err);
  char path[4096];
  if (pbit_cli_resolve_config("accel", config, path, sizeof(path), &err) != PBIT_OK)
    return report(&err);
  pbit_dp_params_t p;
  if (pbit_config_load_accel(path, &p, &err) != PBIT_OK) return report(&err);

  /* Build into memory first: nothing reaches stdout unless all of it does. */
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  if (mem == NULL) {
    fprintf(stderr, "%s: out of memory\n", kProg);
    return PBIT_EXIT_RUNTIME;
  }
  emit(mem, format, top, &p);
  int bad = fclose(mem) != 0;
  if (!bad) bad = fwrite(buf, 1, len, stdout) != len;
  free(buf);
  if (fflush(stdout) != 0 || bad) {
    fprintf(stderr, "%s: cannot write the output\n", kProg);
    return PBIT_EXIT_RUNTIME;
  }
  return PBIT_EXIT_OK;
}
