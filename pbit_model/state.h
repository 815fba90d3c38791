/* Byte buffers for saving and restoring the state of a simulated object
 * (p-bit arrays, the datapath model, the HAL, the BSFF firmware), for exact
 * checkpoints. Header only, no allocation: a writer with a NULL buffer only
 * counts, so one function gives both the size and the bytes of a state.
 * Values are stored in the host's byte order (checkpoints move between
 * machines of the same kind). */
#ifndef PBIT_STATE_H
#define PBIT_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  uint8_t *buf; /* NULL: count only */
  size_t cap;   /* bytes available in buf */
  size_t pos;   /* bytes written (or counted) so far */
  int ok;       /* 0 once a write did not fit */
} pbit_state_writer_t;

typedef struct {
  const uint8_t *buf;
  size_t len;
  size_t pos;
  int ok; /* 0 once a read ran past the end */
} pbit_state_reader_t;

static inline void pbit_state_writer_init(pbit_state_writer_t *w, void *buf, size_t cap) {
  w->buf = (uint8_t *)buf;
  w->cap = cap;
  w->pos = 0;
  w->ok = 1;
}

static inline void pbit_state_put(pbit_state_writer_t *w, const void *src, size_t n) {
  if (w->buf != NULL) {
    if (!w->ok || n > w->cap - w->pos) {
      w->ok = 0;
      return;
    }
    if (n > 0) memcpy(w->buf + w->pos, src, n);
  }
  w->pos += n;
}

static inline void pbit_state_put_u64(pbit_state_writer_t *w, uint64_t v) {
  pbit_state_put(w, &v, sizeof v);
}

static inline void pbit_state_reader_init(pbit_state_reader_t *r, const void *buf, size_t len) {
  r->buf = (const uint8_t *)buf;
  r->len = len;
  r->pos = 0;
  r->ok = buf != NULL || len == 0;
}

/* Copies n bytes into dst (zeros once the reader is past the end). */
static inline void pbit_state_get(pbit_state_reader_t *r, void *dst, size_t n) {
  if (!r->ok || n > r->len - r->pos) {
    r->ok = 0;
    if (n > 0) memset(dst, 0, n);
    return;
  }
  if (n > 0) memcpy(dst, r->buf + r->pos, n);
  r->pos += n;
}

/* Passes over n bytes (fails, like a get, past the end). */
static inline void pbit_state_skip(pbit_state_reader_t *r, uint64_t n) {
  if (!r->ok || n > r->len - r->pos) {
    r->ok = 0;
    return;
  }
  r->pos += (size_t)n;
}

static inline uint64_t pbit_state_get_u64(pbit_state_reader_t *r) {
  uint64_t v = 0;
  pbit_state_get(r, &v, sizeof v);
  return v;
}

/* FNV-1a, 64 bits: fingerprints of configurations and checksums of
 * checkpoint sections (detects damage, not tampering). Start from
 * PBIT_STATE_HASH_INIT. */
#define PBIT_STATE_HASH_INIT UINT64_C(0xcbf29ce484222325)
static inline uint64_t pbit_state_hash(uint64_t h, const void *p, size_t n) {
  const uint8_t *b = (const uint8_t *)p;
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}

/* The hash of the 8 bytes of v, low byte first (scalars, no memory reads). */
static inline uint64_t pbit_state_hash_u64(uint64_t h, uint64_t v) {
  for (int i = 0; i < 8; i++) {
    h ^= (v >> (8 * i)) & 0xffu;
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}

static inline uint64_t pbit_state_hash_f64(uint64_t h, double x) {
  uint64_t v;
  memcpy(&v, &x, sizeof v);
  return pbit_state_hash_u64(h, v);
}

#ifdef __cplusplus
}
#endif

#endif /* PBIT_STATE_H */
