#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pbit_cli_report(const pbit_error_t *err) {
  char buf[1024];
  pbit_error_format(err, buf, sizeof(buf));
  fprintf(stderr, "pbitsim: %s\n", buf);
  if (err == NULL) return PBIT_EXIT_RUNTIME;
  switch (err->status) {
    case PBIT_ERR_ARG:
    case PBIT_ERR_CONFIG:
    case PBIT_ERR_DATA:
      return PBIT_EXIT_USAGE;
    default:
      return PBIT_EXIT_RUNTIME;
  }
}

int pbit_cli_usage(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "pbitsim: %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n(run 'pbitsim %s --help' for usage)\n", cmd);
  va_end(ap);
  return PBIT_EXIT_USAGE;
}

int pbit_cli_parse_u64(const char *s, uint64_t *out) {
  if (s == NULL || *s == '\0' || *s == '-' || *s == '+') return -1;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0') return -1;
  *out = (uint64_t)v;
  return 0;
}

int pbit_cli_parse_double(const char *s, double *out) {
  if (s == NULL || *s == '\0') return -1;
  char *end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !isfinite(v)) return -1;
  *out = v;
  return 0;
}

static int file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int pbit_cli_resolve_config(const char *kind, const char *arg, char *out, size_t len,
                            pbit_error_t *err) {
  if (arg == NULL || *arg == '\0')
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "empty %s name", kind);
  int is_name =
      strchr(arg, '/') == NULL && strstr(arg, ".yaml") == NULL && strstr(arg, ".yml") == NULL;
  if (!is_name) {
    if (!file_exists(arg)) /* a missing input is bad usage (exit 2) */
      return pbit_error_set(err, PBIT_ERR_ARG, arg, 0, 0, "no such file");
    snprintf(out, len, "%s", arg);
    return PBIT_OK;
  }
  char dirs[3][PATH_MAX];
  int nd = 0;
  const char *env = getenv("PBITSIM_CONFIG_DIR");
  if (env != NULL && *env != '\0') snprintf(dirs[nd++], PATH_MAX, "%s", env);
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash != NULL) {
      *slash = '\0';
      snprintf(dirs[nd++], PATH_MAX, "%.*s/../../configs", PATH_MAX - 32, exe);
    }
  }
  snprintf(dirs[nd++], PATH_MAX, "configs");
  for (int i = 0; i < nd; i++) {
    char cand[PATH_MAX + 160];
    int w = snprintf(cand, sizeof(cand), "%s/%s/%s.yaml", dirs[i], kind, arg);
    if (w < 0 || (size_t)w >= sizeof(cand)) continue; /* path too long */
    if (file_exists(cand)) {
      snprintf(out, len, "%s", cand);
      return PBIT_OK;
    }
  }
  return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                        "unknown %s '%s': not a file, and no %s/%s.yaml in "
                        "$PBITSIM_CONFIG_DIR, next to the program or in ./configs",
                        kind, arg, kind, arg);
}

int pbit_cli_help(int argc, char **argv, const char *usage) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(usage, stdout);
      return 1;
    }
  return 0;
}

int pbit_cli_make_parents(const char *path) {
  char buf[1024];
  snprintf(buf, sizeof(buf), "%s", path);
  for (char *p = buf + 1; *p != '\0'; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  return 0;
}

int pbit_outfile_open(pbit_outfile_t *of, const char *path, pbit_error_t *err) {
  memset(of, 0, sizeof(*of));
  if (path == NULL || *path == '\0')
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "empty output path");
  if (strlen(path) >= sizeof(of->path))
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "output path too long");
  snprintf(of->path, sizeof(of->path), "%s", path);
  snprintf(of->tmp, sizeof(of->tmp), "%s.tmp.%ld", path, (long)getpid());
  /* The rename would replace whatever is there: only ever a regular file
   * (never /dev/stdout, a symlink or a directory). */
  struct stat st;
  if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
    return pbit_error_set(err, PBIT_ERR_ARG, path, 0, 0, "output exists and is not a regular file");
  if (pbit_cli_make_parents(path) != 0)
    return pbit_error_set(err, PBIT_ERR_IO, path, 0, 0, "cannot create parent directory: %s",
                          strerror(errno));
  of->fp = fopen(of->tmp, "w");
  if (of->fp == NULL)
    return pbit_error_set(err, PBIT_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
  return PBIT_OK;
}

int pbit_outfile_commit(pbit_outfile_t *of, pbit_error_t *err) {
  if (of->fp == NULL) return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "output not open");
  int bad = ferror(of->fp);
  if (fclose(of->fp) != 0) bad = 1;
  of->fp = NULL;
  if (bad || rename(of->tmp, of->path) != 0) {
    int e = errno;
    remove(of->tmp);
    return pbit_error_set(err, PBIT_ERR_IO, of->path, 0, 0, "cannot write: %s", strerror(e));
  }
  return PBIT_OK;
}

void pbit_outfile_abort(pbit_outfile_t *of) {
  if (of->fp != NULL) {
    fclose(of->fp);
    of->fp = NULL;
  }
  if (of->tmp[0] != '\0') remove(of->tmp);
  of->tmp[0] = '\0';
}
