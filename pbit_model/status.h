/* Status codes and the caller-owned error record shared by every pbitsim
 * library. Library code never prints: it fills a pbit_error_t and returns a
 * negative status; only a program's main() decides what to print. */
#ifndef PBIT_STATUS_H
#define PBIT_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  PBIT_OK = 0,
  PBIT_ERR_ARG = -1,     /* bad argument from the caller */
  PBIT_ERR_CONFIG = -2,  /* bad configuration (file:line:col filled) */
  PBIT_ERR_IO = -3,      /* file could not be read or written */
  PBIT_ERR_NOMEM = -4,   /* allocation failed */
  PBIT_ERR_DATA = -5,    /* bad data file */
  PBIT_ERR_RUNTIME = -6, /* failure while running */
} pbit_status_t;

/* Where and what went wrong. line/col are 1-based; 0 means unknown. */
typedef struct {
  int status;
  char file[256];
  int line;
  int col;
  char msg[512];
} pbit_error_t;

/* Clears the record (safe on NULL). */
void pbit_error_clear(pbit_error_t *err);

/* Fills err (if not NULL) and returns status. file may be NULL; line/col 0
 * when unknown. printf-style message. */
int pbit_error_set(pbit_error_t *err, int status, const char *file, int line,
                   int col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* pbit_error_set as an expression whose value is visibly `status` (static
 * analysers cannot see through the call): rc = PBIT_FAIL(err, PBIT_ERR_DATA, ...). */
#define PBIT_FAIL(err, status, ...) (pbit_error_set((err), (status), __VA_ARGS__), (status))

/* Writes "file:line:col: msg" (or "file: msg", or "msg") into buf. */
void pbit_error_format(const pbit_error_t *err, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_STATUS_H */
