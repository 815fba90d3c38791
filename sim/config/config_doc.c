#include "config_doc.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---- positions ---------------------------------------------------------- */

static int clamp_int(size_t v) { return v > (size_t)INT_MAX ? INT_MAX : (int)v; }

/* 1-based line and column (in characters, like libyaml's marks) of a byte
 * offset; used where libyaml gives only an offset (reader errors) and for
 * the tab scan, which runs before libyaml. */
static void locate(const char *text, size_t len, size_t off, int *line, int *col) {
  size_t l = 1, c = 1;
  for (size_t i = 0; i < off && i < len; i++) {
    unsigned char ch = (unsigned char)text[i];
    if (ch == '\n' || (ch == '\r' && (i + 1 >= len || text[i + 1] != '\n'))) {
      l++;
      c = 1;
    } else if (ch != '\r' && (ch & 0xC0) != 0x80) {
      c++; /* count UTF-8 lead bytes only */
    }
  }
  *line = clamp_int(l);
  *col = clamp_int(c);
}

static int fail_pos(const pbit_config_doc_t *doc, pbit_error_t *err, int line, int col,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail_pos(const pbit_config_doc_t *doc, pbit_error_t *err, int line, int col,
                    const char *fmt, ...) {
  char msg[sizeof(((pbit_error_t *)0)->msg)];
  va_list ap;
  va_start(ap, fmt);
  /* clang-analyzer 14 misreads va_start in variadic functions it inlines. */
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  return pbit_error_set(err, PBIT_ERR_CONFIG, doc->file, line, col, "%s", msg);
}

/* ---- tree --------------------------------------------------------------- */

static void node_free(pbit_config_node_t *n) {
  if (n == NULL) return;
  for (size_t i = 0; i < n->count; i++) node_free(n->items[i]);
  free(n->items);
  free(n->text);
  free(n);
}

void pbit_config_doc_free(pbit_config_doc_t *doc) {
  if (doc == NULL) return;
  node_free(doc->root);
  free(doc->file);
  memset(doc, 0, sizeof(*doc));
}

size_t pbit_config_map_size(const pbit_config_node_t *map) {
  return map != NULL && map->kind == PBIT_CONFIG_MAPPING ? map->count / 2 : 0;
}

const pbit_config_node_t *pbit_config_map_key_at(const pbit_config_node_t *map, size_t i) {
  return i < pbit_config_map_size(map) ? map->items[2 * i] : NULL;
}

const pbit_config_node_t *pbit_config_map_value_at(const pbit_config_node_t *map, size_t i) {
  return i < pbit_config_map_size(map) ? map->items[2 * i + 1] : NULL;
}

static int key_is(const pbit_config_node_t *k, const char *key) {
  size_t n = strlen(key);
  return k->len == n && memcmp(k->text, key, n) == 0;
}

const pbit_config_node_t *pbit_config_map_key(const pbit_config_node_t *map, const char *key) {
  if (key == NULL) return NULL;
  size_t n = pbit_config_map_size(map);
  for (size_t i = 0; i < n; i++)
    if (key_is(map->items[2 * i], key)) return map->items[2 * i];
  return NULL;
}

const pbit_config_node_t *pbit_config_map_value(const pbit_config_node_t *map, const char *key) {
  const pbit_config_node_t *k = pbit_config_map_key(map, key);
  return k != NULL ? map->items[k->index + 1] : NULL;
}

int pbit_config_node_is_null(const pbit_config_node_t *node) {
  if (node == NULL || node->kind != PBIT_CONFIG_SCALAR || !node->plain) return 0;
  return node->len == 0 || strcmp(node->text, "~") == 0 || strcmp(node->text, "null") == 0 ||
         strcmp(node->text, "Null") == 0 || strcmp(node->text, "NULL") == 0;
}

const char *pbit_config_node_describe(const pbit_config_node_t *node) {
  if (node == NULL) return "nothing";
  switch (node->kind) {
    case PBIT_CONFIG_MAPPING:
      return "a mapping";
    case PBIT_CONFIG_SEQUENCE:
      return "a sequence";
    default:
      return pbit_config_node_is_null(node) ? "an empty value" : "a scalar";
  }
}

static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...) {
  if (*used + 1 >= len) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf + *used, len - *used, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  *used += (size_t)n;
  if (*used > len - 1) *used = len - 1;
}

/* Depth is bounded by the builder (PBIT_CONFIG_MAX_DEPTH), so recursion is
 * shallow. */
static void path_append(const pbit_config_node_t *node, char *buf, size_t len, size_t *used) {
  const pbit_config_node_t *parent = node->parent;
  if (parent == NULL) return;
  path_append(parent, buf, len, used);
  if (parent->kind == PBIT_CONFIG_MAPPING) {
    const pbit_config_node_t *key = parent->items[node->index & ~(size_t)1];
    append(buf, len, used, "%s%s", *used > 0 ? "." : "", key->text);
  } else {
    append(buf, len, used, "[%zu]", node->index);
  }
}

void pbit_config_node_path(const pbit_config_node_t *node, char *buf, size_t len) {
  if (buf == NULL || len == 0) return;
  buf[0] = '\0';
  size_t used = 0;
  if (node != NULL) path_append(node, buf, len, &used);
}

int pbit_config_node_after(const pbit_config_node_t *a, const pbit_config_node_t *b) {
  return a->line > b->line || (a->line == b->line && a->col > b->col);
}

static int vfail(const pbit_config_doc_t *doc, const pbit_config_node_t *node, const char *path,
                 pbit_error_t *err, const char *fmt, va_list ap) {
  char msg[sizeof(((pbit_error_t *)0)->msg)];
  vsnprintf(msg, sizeof(msg), fmt, ap);
  return pbit_error_set(err, PBIT_ERR_CONFIG, doc != NULL ? doc->file : NULL,
                        node != NULL ? node->line : 1, node != NULL ? node->col : 1, "%s: %s",
                        path[0] != '\0' ? path : "top level", msg);
}

int pbit_config_fail(const pbit_config_doc_t *doc, const pbit_config_node_t *node,
                     pbit_error_t *err, const char *fmt, ...) {
  char path[256];
  pbit_config_node_path(node, path, sizeof(path));
  va_list ap;
  va_start(ap, fmt);
  int rc = vfail(doc, node, path, err, fmt, ap);
  va_end(ap);
  return rc;
}

int pbit_config_fail_path(const pbit_config_doc_t *doc, const pbit_config_node_t *node,
                          const char *path, pbit_error_t *err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = vfail(doc, node, path != NULL ? path : "", err, fmt, ap);
  va_end(ap);
  return rc;
}

/* ---- building the tree from libyaml events ------------------------------ */

typedef struct {
  pbit_config_doc_t *doc;
  pbit_error_t *err;
  pbit_config_node_t *stack[PBIT_CONFIG_MAX_DEPTH]; /* open collections */
  int depth;
  int documents;
  int reader_error; /* libyaml refused the bytes (encoding, control chars) */
  size_t reader_offset;
} builder_t;

/* Creates a node at mark and links it into the open collection (or makes it
 * the root) at once, so that freeing the root frees everything on any error
 * path. NULL (err set) when out of memory. */
static pbit_config_node_t *add_node(builder_t *b, pbit_config_kind_t kind, yaml_mark_t mark) {
  pbit_config_node_t *n = calloc(1, sizeof(*n));
  if (n == NULL) {
    pbit_error_set(b->err, PBIT_ERR_NOMEM, b->doc->file, 0, 0, "out of memory");
    return NULL;
  }
  n->kind = kind;
  n->line = clamp_int(mark.line + 1);
  n->col = clamp_int(mark.column + 1);
  if (b->depth == 0) {
    b->doc->root = n; /* one document only: checked at DOCUMENT_START */
    return n;
  }
  pbit_config_node_t *p = b->stack[b->depth - 1];
  if (p->count == p->cap) {
    size_t cap = p->cap != 0 ? 2 * p->cap : 4;
    pbit_config_node_t **items = realloc(p->items, cap * sizeof(pbit_config_node_t *));
    if (items == NULL) {
      free(n);
      pbit_error_set(b->err, PBIT_ERR_NOMEM, b->doc->file, 0, 0, "out of memory");
      return NULL;
    }
    p->items = items;
    p->cap = cap;
  }
  n->parent = p;
  n->index = p->count;
  p->items[p->count++] = n;
  return n;
}

/* Checks shared by every node event. Anchors and aliases are refused rather
 * than resolved: configs gain nothing from them and refusing them rules out
 * alias bombs. Explicit tags are refused so that a value's type is always
 * the one the schema says. */
static int check_node(builder_t *b, pbit_config_node_t *n, const yaml_char_t *anchor,
                      const yaml_char_t *tag) {
  const pbit_config_node_t *p = n->parent;
  if (p != NULL && p->kind == PBIT_CONFIG_MAPPING && n->index % 2 == 0 &&
      n->kind != PBIT_CONFIG_SCALAR)
    return pbit_config_fail(b->doc, p, b->err, "mapping keys must be scalars, got %s",
                            pbit_config_node_describe(n));
  if (anchor != NULL)
    return pbit_config_fail(b->doc, n, b->err, "anchors (&%s) are not supported",
                            (const char *)anchor);
  if (tag != NULL)
    return pbit_config_fail(b->doc, n, b->err, "tags (%s) are not supported", (const char *)tag);
  return PBIT_OK;
}

static int key_cmp(const void *pa, const void *pb) {
  const pbit_config_node_t *a = *(pbit_config_node_t *const *)pa;
  const pbit_config_node_t *b = *(pbit_config_node_t *const *)pb;
  size_t n = a->len < b->len ? a->len : b->len;
  int c = memcmp(a->text, b->text, n);
  if (c != 0) return c;
  if (a->len != b->len) return a->len < b->len ? -1 : 1;
  return a->index < b->index ? -1 : (a->index > b->index ? 1 : 0);
}

/* libyaml accepts repeated keys (the last one wins silently), which would
 * hide typos and merge mistakes. Sorting keeps large mappings cheap; the
 * repeat reported is the first one in the file. */
static int check_duplicates(builder_t *b, const pbit_config_node_t *map) {
  size_t n = map->count / 2;
  if (n < 2) return PBIT_OK;
  pbit_config_node_t **keys = malloc(n * sizeof(pbit_config_node_t *));
  if (keys == NULL)
    return pbit_error_set(b->err, PBIT_ERR_NOMEM, b->doc->file, 0, 0, "out of memory");
  for (size_t i = 0; i < n; i++) keys[i] = map->items[2 * i];
  qsort(keys, n, sizeof(pbit_config_node_t *), key_cmp);
  const pbit_config_node_t *dup = NULL, *first = NULL;
  size_t group = 0;
  for (size_t i = 1; i < n; i++) {
    if (keys[i]->len != keys[group]->len ||
        memcmp(keys[i]->text, keys[group]->text, keys[i]->len) != 0) {
      group = i;
      continue;
    }
    if (dup == NULL || keys[i]->index < dup->index) {
      dup = keys[i];
      first = keys[group];
    }
  }
  int rc = PBIT_OK;
  if (dup != NULL)
    rc = pbit_config_fail(b->doc, dup, b->err, "duplicate key (first defined at %d:%d)",
                          first->line, first->col);
  free(keys);
  return rc;
}

static int parser_failure(builder_t *b, const yaml_parser_t *p, const char *text, size_t len) {
  if (p->error == YAML_MEMORY_ERROR)
    return pbit_error_set(b->err, PBIT_ERR_NOMEM, b->doc->file, 0, 0, "out of memory");
  int line, col;
  char what[160];
  const char *problem = p->problem != NULL ? p->problem : "invalid YAML";
  if (p->error == YAML_READER_ERROR) {
    b->reader_error = 1;
    b->reader_offset = p->problem_offset;
    /* Reader errors carry a byte offset, not a mark. */
    locate(text, len, p->problem_offset, &line, &col);
    if (p->problem_value != -1)
      snprintf(what, sizeof(what), "%s (0x%X)", problem, (unsigned)p->problem_value);
    else
      snprintf(what, sizeof(what), "%s", problem);
  } else {
    line = clamp_int(p->problem_mark.line + 1);
    col = clamp_int(p->problem_mark.column + 1);
    snprintf(what, sizeof(what), "%s", problem);
  }
  if (p->context != NULL)
    return fail_pos(b->doc, b->err, line, col, "%s (%s at %d:%d)", what, p->context,
                    clamp_int(p->context_mark.line + 1), clamp_int(p->context_mark.column + 1));
  return fail_pos(b->doc, b->err, line, col, "%s", what);
}

/* Handles one event; *done is set at the end of the stream. */
static int on_event(builder_t *b, const yaml_event_t *ev, int *done) {
  pbit_config_node_t *n;
  switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
      if (++b->documents > 1)
        return fail_pos(b->doc, b->err, clamp_int(ev->start_mark.line + 1),
                        clamp_int(ev->start_mark.column + 1),
                        "a second YAML document: one document per file");
      return PBIT_OK;
    case YAML_ALIAS_EVENT:
      /* A placeholder node gives the message its key path. */
      n = add_node(b, PBIT_CONFIG_SCALAR, ev->start_mark);
      if (n == NULL) return PBIT_ERR_NOMEM;
      return pbit_config_fail(b->doc, n, b->err, "aliases (*%s) are not supported",
                              (const char *)ev->data.alias.anchor);
    case YAML_SCALAR_EVENT:
      n = add_node(b, PBIT_CONFIG_SCALAR, ev->start_mark);
      if (n == NULL) return PBIT_ERR_NOMEM;
      n->text = malloc(ev->data.scalar.length + 1);
      if (n->text == NULL)
        return pbit_error_set(b->err, PBIT_ERR_NOMEM, b->doc->file, 0, 0, "out of memory");
      memcpy(n->text, ev->data.scalar.value, ev->data.scalar.length);
      n->text[ev->data.scalar.length] = '\0';
      n->len = ev->data.scalar.length;
      n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
      return check_node(b, n, ev->data.scalar.anchor, ev->data.scalar.tag);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
      int is_map = ev->type == YAML_MAPPING_START_EVENT;
      if (b->depth == PBIT_CONFIG_MAX_DEPTH)
        return fail_pos(b->doc, b->err, clamp_int(ev->start_mark.line + 1),
                        clamp_int(ev->start_mark.column + 1), "nesting deeper than %d levels",
                        PBIT_CONFIG_MAX_DEPTH);
      n = add_node(b, is_map ? PBIT_CONFIG_MAPPING : PBIT_CONFIG_SEQUENCE, ev->start_mark);
      if (n == NULL) return PBIT_ERR_NOMEM;
      b->stack[b->depth++] = n;
      return is_map ? check_node(b, n, ev->data.mapping_start.anchor, ev->data.mapping_start.tag)
                    : check_node(b, n, ev->data.sequence_start.anchor, ev->data.sequence_start.tag);
    }
    case YAML_MAPPING_END_EVENT:
      b->depth--;
      return check_duplicates(b, b->stack[b->depth]);
    case YAML_SEQUENCE_END_EVENT:
      b->depth--;
      return PBIT_OK;
    case YAML_STREAM_END_EVENT:
      *done = 1;
      return PBIT_OK;
    default: /* stream start, document end */
      return PBIT_OK;
  }
}

static int build(builder_t *b, const char *text, size_t len) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    return pbit_error_set(b->err, PBIT_ERR_NOMEM, b->doc->file, 0, 0, "out of memory");
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  /* Configs are UTF-8; without this a leading 0xFF 0xFE in a binary file
   * would switch libyaml to UTF-16. */
  yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
  int rc = PBIT_OK, done = 0;
  while (rc == PBIT_OK && !done) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      rc = parser_failure(b, &parser, text, len);
      break;
    }
    rc = on_event(b, &ev, &done);
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&parser);
  return rc;
}

int pbit_config_doc_parse(pbit_config_doc_t *doc, const char *name, const char *text, size_t len,
                          pbit_error_t *err) {
  if (doc == NULL) return pbit_error_set(err, PBIT_ERR_ARG, name, 0, 0, "doc is NULL");
  memset(doc, 0, sizeof(*doc));
  if (text == NULL && len > 0) return pbit_error_set(err, PBIT_ERR_ARG, name, 0, 0, "text is NULL");
  doc->file = strdup(name != NULL ? name : "<memory>");
  if (doc->file == NULL) return pbit_error_set(err, PBIT_ERR_NOMEM, name, 0, 0, "out of memory");
  if (len > PBIT_CONFIG_MAX_BYTES) {
    int rc =
        pbit_error_set(err, PBIT_ERR_CONFIG, doc->file, 1, 1,
                       "larger than the %zu MiB limit for configs", PBIT_CONFIG_MAX_BYTES >> 20);
    pbit_config_doc_free(doc);
    return rc;
  }
  builder_t b = {.doc = doc, .err = err};
  int rc = build(&b, text != NULL ? text : "", len);
  /* YAML forbids tabs in indentation and libyaml's messages for them are
   * cryptic, so tabs are banned everywhere and reported by position. The
   * check follows the parse so that a binary file whose bad bytes come
   * before any tab byte is reported as such. */
  const char *tab = len > 0 ? memchr(text, '\t', len) : NULL;
  if (tab != NULL && rc != PBIT_ERR_NOMEM &&
      !(b.reader_error && b.reader_offset < (size_t)(tab - text))) {
    int line, col;
    locate(text, len, (size_t)(tab - text), &line, &col);
    rc = fail_pos(doc, err, line, col, "tab character: indent with spaces");
  }
  if (rc == PBIT_OK && (b.documents == 0 || pbit_config_node_is_null(doc->root)))
    rc = fail_pos(doc, err, 1, 1, "empty config");
  if (rc != PBIT_OK) pbit_config_doc_free(doc);
  return rc;
}

int pbit_config_doc_load(pbit_config_doc_t *doc, const char *path, pbit_error_t *err) {
  if (doc != NULL) memset(doc, 0, sizeof(*doc));
  if (doc == NULL || path == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, path, 0, 0,
                          doc == NULL ? "doc is NULL" : "path is NULL");
  FILE *fp = fopen(path, "rb");
  if (fp == NULL)
    return pbit_error_set(err, PBIT_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
  /* Read at most one byte past the limit, enough to know it is exceeded. */
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  int rc = buf != NULL ? PBIT_OK : pbit_error_set(err, PBIT_ERR_NOMEM, path, 0, 0, "out of memory");
  while (rc == PBIT_OK) {
    if (len == cap) {
      if (cap > PBIT_CONFIG_MAX_BYTES) break;
      size_t want = 2 * cap > PBIT_CONFIG_MAX_BYTES ? PBIT_CONFIG_MAX_BYTES + 1 : 2 * cap;
      char *bigger = realloc(buf, want);
      if (bigger == NULL) {
        rc = pbit_error_set(err, PBIT_ERR_NOMEM, path, 0, 0, "out of memory");
        break;
      }
      buf = bigger;
      cap = want;
    }
    size_t got = fread(buf + len, 1, cap - len, fp);
    len += got;
    if (got == 0) break;
  }
  if (rc == PBIT_OK && ferror(fp))
    rc = pbit_error_set(err, PBIT_ERR_IO, path, 0, 0, "cannot read: %s", strerror(errno));
  fclose(fp);
  if (rc == PBIT_OK) rc = pbit_config_doc_parse(doc, path, buf, len, err);
  free(buf);
  return rc;
}
