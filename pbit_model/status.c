#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void pbit_error_clear(pbit_error_t *err) {
  if (err != NULL) memset(err, 0, sizeof(*err));
}

int pbit_error_set(pbit_error_t *err, int status, const char *file, int line,
                   int col, const char *fmt, ...) {
  if (err == NULL) return status;
  err->status = status;
  err->file[0] = '\0';
  if (file != NULL) snprintf(err->file, sizeof(err->file), "%s", file);
  err->line = line;
  err->col = col;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
  va_end(ap);
  return status;
}

void pbit_error_format(const pbit_error_t *err, char *buf, size_t len) {
  if (buf == NULL || len == 0) return;
  if (err == NULL) {
    buf[0] = '\0';
    return;
  }
  if (err->file[0] != '\0' && err->line > 0) {
    snprintf(buf, len, "%s:%d:%d: %s", err->file, err->line, err->col,
             err->msg);
  } else if (err->file[0] != '\0') {
    snprintf(buf, len, "%s: %s", err->file, err->msg);
  } else {
    snprintf(buf, len, "%s", err->msg);
  }
}
