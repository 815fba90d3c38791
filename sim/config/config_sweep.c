/* Sweep configs: `sweep:` files, their points and each point's run config
 * (config_sweep.h). */
#include "config_sweep.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_schema.h"

typedef struct {
  char name[64];
  char base[1024];
  const pbit_config_node_t *set, *axes, *zip, *metrics;
} sweep_fields_t;

#define SW(member) .offset = offsetof(sweep_fields_t, member)
static const pbit_config_field_t kSweep[] = {
    {.key = "name", .type = PBIT_CONFIG_STRING, SW(name), .size = 64},
    {.key = "description", .type = PBIT_CONFIG_STRING, .offset = PBIT_CONFIG_NO_STORE},
    {.key = "base",
     .type = PBIT_CONFIG_STRING,
     SW(base),
     .size = 1024,
     .flags = PBIT_CONFIG_REQUIRED},
    {.key = "set", .type = PBIT_CONFIG_NODE, SW(set)},
    {.key = "axes", .type = PBIT_CONFIG_NODE, SW(axes)},
    {.key = "zip", .type = PBIT_CONFIG_NODE, SW(zip)},
    {.key = "metrics", .type = PBIT_CONFIG_NODE, SW(metrics)},
};
static const pbit_config_schema_t kSweepSchema = PBIT_CONFIG_SCHEMA(kSweep);

static const char *const kKindName[] = {"set", "axes", "zip"};

/* "run.network.copies": '.'-separated words of [A-Za-z0-9_], "run" first. */
static int check_path(const pbit_sweep_t *s, const pbit_config_node_t *key, pbit_error_t *err) {
  const char *p = key->text;
  if (strncmp(p, "run.", 4) != 0 || key->len >= sizeof(s->params[0].path))
    return pbit_config_fail(&s->doc, key, err,
                            "a key path must start with 'run.' (e.g. run.network.copies)");
  size_t word = 0;
  for (; *p != '\0'; p++) {
    if (*p == '.') {
      if (word == 0) break;
      word = 0;
    } else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
               *p == '_') {
      word++;
    } else {
      word = 0;
      break;
    }
  }
  if (*p != '\0' || word == 0)
    return pbit_config_fail(&s->doc, key, err,
                            "not a key path (words of letters, digits and _ joined by '.')");
  return PBIT_OK;
}

static int add_params(pbit_sweep_t *s, const pbit_config_node_t *map, pbit_sweep_param_kind_t kind,
                      pbit_error_t *err) {
  if (map == NULL || pbit_config_node_is_null(map)) return PBIT_OK;
  if (map->kind != PBIT_CONFIG_MAPPING)
    return pbit_config_fail(&s->doc, map, err, "expected a mapping of key paths to %s, got %s",
                            kind == PBIT_SWEEP_SET ? "values" : "lists of values",
                            pbit_config_node_describe(map));
  for (size_t i = 0; i < pbit_config_map_size(map); i++) {
    const pbit_config_node_t *key = pbit_config_map_key_at(map, i);
    const pbit_config_node_t *val = pbit_config_map_value_at(map, i);
    int rc = check_path(s, key, err);
    if (rc != PBIT_OK) return rc;
    if (s->n_params >= PBIT_SWEEP_MAX_PARAMS)
      return pbit_config_fail(&s->doc, key, err, "more than %d key paths", PBIT_SWEEP_MAX_PARAMS);
    size_t n = 1;
    if (kind != PBIT_SWEEP_SET) {
      if (val->kind != PBIT_CONFIG_SEQUENCE || val->count == 0)
        return pbit_config_fail(
            &s->doc, val, err, "expected a non-empty list of values, got %s",
            val->kind == PBIT_CONFIG_SEQUENCE ? "an empty list" : pbit_config_node_describe(val));
      n = val->count;
    }
    for (size_t j = 0; j < s->n_params; j++) {
      const pbit_sweep_param_t *o = &s->params[j];
      size_t lo = strlen(o->path);
      if (strcmp(o->path, key->text) == 0)
        return pbit_config_fail(&s->doc, key, err, "also given in %s: (line %d)",
                                kKindName[o->kind], o->key->line);
      if ((strncmp(o->path, key->text, lo) == 0 && key->text[lo] == '.') ||
          (strncmp(o->path, key->text, key->len) == 0 && o->path[key->len] == '.'))
        return pbit_config_fail(&s->doc, key, err, "overlaps %s (%s:, line %d)", o->path,
                                kKindName[o->kind], o->key->line);
    }
    if (kind == PBIT_SWEEP_ZIP && s->zip_len != 0 && n != s->zip_len)
      return pbit_config_fail(&s->doc, val, err,
                              "zip lists vary together and need the same length: %zu "
                              "values here, %zu in the first",
                              n, s->zip_len);
    if (kind == PBIT_SWEEP_ZIP) s->zip_len = n;
    pbit_sweep_param_t *p = &s->params[s->n_params++];
    p->kind = kind;
    snprintf(p->path, sizeof p->path, "%s", key->text);
    p->key = key;
    p->list = val;
    p->n = n;
  }
  return PBIT_OK;
}

int pbit_sweep_load(pbit_sweep_t *s, const char *path, pbit_error_t *err) {
  if (s == NULL || path == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "s and path must not be NULL");
  memset(s, 0, sizeof *s);
  int rc = pbit_config_doc_load(&s->doc, path, err);
  if (rc != PBIT_OK) return rc;
  const pbit_config_node_t *section = NULL;
  const pbit_config_field_t top[] = {
      {.key = "sweep", .type = PBIT_CONFIG_NODE, .offset = 0, .flags = PBIT_CONFIG_REQUIRED},
  };
  const pbit_config_schema_t top_schema = PBIT_CONFIG_SCHEMA(top);
  rc = pbit_config_bind(&s->doc, s->doc.root, &top_schema, (void *)&section, err);
  if (rc != PBIT_OK) return rc;
  if (section->kind != PBIT_CONFIG_MAPPING)
    return pbit_config_fail(&s->doc, section, err, "expected a mapping, got %s",
                            pbit_config_node_describe(section));
  sweep_fields_t f;
  memset(&f, 0, sizeof f);
  rc = pbit_config_bind(&s->doc, section, &kSweepSchema, &f, err);
  if (rc != PBIT_OK) return rc;
  memcpy(s->name, f.name, sizeof s->name);
  memcpy(s->base, f.base, sizeof s->base);
  s->base_node = pbit_config_map_value(section, "base");
  if (s->name[0] == '\0') { /* the file's name without its extension */
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strcspn(b, ".");
    snprintf(s->name, sizeof s->name, "%.*s", (int)(n < 63 ? n : 63), b);
  }
  if ((rc = add_params(s, f.set, PBIT_SWEEP_SET, err)) != PBIT_OK ||
      (rc = add_params(s, f.axes, PBIT_SWEEP_AXIS, err)) != PBIT_OK ||
      (rc = add_params(s, f.zip, PBIT_SWEEP_ZIP, err)) != PBIT_OK)
    return rc;
  if (f.metrics != NULL) {
    if (f.metrics->kind != PBIT_CONFIG_SEQUENCE || f.metrics->count == 0)
      return pbit_config_fail(&s->doc, f.metrics, err, "expected a non-empty list of names, got %s",
                              pbit_config_node_describe(f.metrics));
    for (size_t i = 0; i < f.metrics->count; i++)
      if (f.metrics->items[i]->kind != PBIT_CONFIG_SCALAR || f.metrics->items[i]->len == 0)
        return pbit_config_fail(&s->doc, f.metrics->items[i], err, "expected a metric name, got %s",
                                pbit_config_node_describe(f.metrics->items[i]));
    s->metrics = f.metrics;
  }
  /* Strides: the first axis varies slowest, the zip group fastest. */
  size_t stride = 1;
  if (s->zip_len > 0) {
    for (size_t p = 0; p < s->n_params; p++)
      if (s->params[p].kind == PBIT_SWEEP_ZIP) s->params[p].stride = 1;
    stride = s->zip_len;
  }
  for (size_t p = s->n_params; p-- > 0;) {
    if (s->params[p].kind != PBIT_SWEEP_AXIS) continue;
    s->params[p].stride = stride;
    if (stride > PBIT_SWEEP_MAX_POINTS / s->params[p].n)
      return pbit_config_fail(&s->doc, f.axes, err, "more than %d points", PBIT_SWEEP_MAX_POINTS);
    stride *= s->params[p].n;
  }
  s->n_points = stride;
  return PBIT_OK;
}

void pbit_sweep_free(pbit_sweep_t *s) {
  if (s == NULL) return;
  pbit_config_doc_free(&s->doc);
  memset(s, 0, sizeof *s);
}

const pbit_config_node_t *pbit_sweep_value(const pbit_sweep_t *s, size_t p, size_t k) {
  if (s == NULL || p >= s->n_params || k >= s->n_points) return NULL;
  const pbit_sweep_param_t *q = &s->params[p];
  if (q->kind == PBIT_SWEEP_SET) return q->list;
  return q->list->items[(k / q->stride) % q->n];
}

int pbit_sweep_find(const pbit_sweep_t *s, const char *path) {
  for (size_t p = 0; s != NULL && path != NULL && p < s->n_params; p++)
    if (strcmp(s->params[p].path, path) == 0) return (int)p;
  return -1;
}

const pbit_config_node_t *pbit_sweep_point_node(const pbit_sweep_t *s, size_t k) {
  for (size_t p = s->n_params; p-- > 0;)
    if (s->params[p].kind != PBIT_SWEEP_SET) return pbit_sweep_value(s, p, k);
  return s->base_node;
}

/* ---- YAML text */

typedef struct {
  char *p;
  size_t len, cap;
  int oom;
  int line; /* 1-based line being written */
} buf_t;

static void put(buf_t *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + n + 1) cap *= 2;
    char *q = realloc(b->p, cap);
    if (q == NULL) {
      b->oom = 1;
      return;
    }
    b->p = q;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
  for (size_t i = 0; i < n; i++) b->line += s[i] == '\n';
}

static void puts_(buf_t *b, const char *s) { put(b, s, strlen(s)); }

static void putf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(buf_t *b, const char *fmt, ...) {
  char tmp[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void indent(buf_t *b, int n) {
  for (int i = 0; i < n; i++) put(b, " ", 1);
}

/* A scalar that reads the same unquoted in flow context. */
static int plain_safe(const char *t, size_t len) {
  if (len == 0 || t[0] == ' ' || t[len - 1] == ' ' || (t[0] == '-' && len > 1 && t[1] == ' '))
    return 0;
  for (size_t i = 0; i < len; i++) {
    char c = t[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          strchr("_.+-/ ~()=", c) != NULL))
      return 0;
  }
  return 1;
}

static void put_quoted(buf_t *b, const char *t, size_t len) {
  put(b, "\"", 1);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)t[i];
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      put(b, e, 2);
    } else if (c == '\n') {
      puts_(b, "\\n");
    } else if (c == '\t') {
      puts_(b, "\\t");
    } else if (c < 0x20) {
      putf(b, "\\x%02x", c);
    } else {
      put(b, (const char *)&c, 1);
    }
  }
  put(b, "\"", 1);
}

static void put_scalar(buf_t *b, const char *t, size_t len, int plain) {
  if (plain && len == 0)
    puts_(b, "~");
  else if (plain && plain_safe(t, len))
    put(b, t, len);
  else
    put_quoted(b, t, len);
}

static void put_flow(buf_t *b, const pbit_config_node_t *n) {
  if (n->kind == PBIT_CONFIG_SCALAR) {
    put_scalar(b, n->text, n->len, n->plain);
  } else if (n->kind == PBIT_CONFIG_SEQUENCE) {
    put(b, "[", 1);
    for (size_t i = 0; i < n->count; i++) {
      if (i) puts_(b, ", ");
      put_flow(b, n->items[i]);
    }
    put(b, "]", 1);
  } else {
    put(b, "{", 1);
    for (size_t i = 0; i < pbit_config_map_size(n); i++) {
      if (i) puts_(b, ", ");
      put_flow(b, pbit_config_map_key_at(n, i));
      puts_(b, ": ");
      put_flow(b, pbit_config_map_value_at(n, i));
    }
    put(b, "}", 1);
  }
}

size_t pbit_sweep_flow(const pbit_config_node_t *node, char *out, size_t len) {
  buf_t b = {0};
  if (node != NULL) put_flow(&b, node);
  if (out != NULL && len > 0) snprintf(out, len, "%s", b.p ? b.p : "");
  size_t n = b.len;
  free(b.p);
  return n;
}

typedef struct {
  int line, col, param, virt;
} linerec_t;

typedef struct {
  const pbit_sweep_t *s;
  size_t k;
  buf_t b;
  char used[PBIT_SWEEP_MAX_PARAMS];
  linerec_t rec[2 * PBIT_SWEEP_MAX_PARAMS + 8];
  int n_rec;
  pbit_error_t *err;
  int rc;
} emit_t;

static void record(emit_t *e, int col, int param, int virt) {
  if (e->n_rec < (int)(sizeof e->rec / sizeof e->rec[0]))
    e->rec[e->n_rec++] = (linerec_t){e->b.line, col, param, virt};
}

/* A value; accel/device/tech paths made absolute. */
static void put_value(emit_t *e, const char *path, const pbit_config_node_t *v) {
  if (v->kind == PBIT_CONFIG_SCALAR &&
      (strcmp(path, "run.accel") == 0 || strcmp(path, "run.device") == 0 ||
       strcmp(path, "run.tech") == 0) &&
      v->text[0] != '/' &&
      (strchr(v->text, '/') != NULL || strstr(v->text, ".yaml") != NULL ||
       strstr(v->text, ".yml") != NULL)) {
    char abs[PATH_MAX];
    struct stat st;
    if (stat(v->text, &st) == 0 && S_ISREG(st.st_mode) && realpath(v->text, abs) != NULL) {
      put_scalar(&e->b, abs, strlen(abs), 1);
      return;
    }
  }
  put_flow(&e->b, v);
}

static int has_prefix(const char *path, const char *prefix) {
  size_t n = strlen(prefix);
  return strncmp(path, prefix, n) == 0 && path[n] == '.';
}

static void emit_map(emit_t *e, const pbit_config_node_t *map, const char *path, int ind);

/* key: value (block mapping values on the next lines). */
static void emit_pair(emit_t *e, const char *key, const pbit_config_node_t *keynode,
                      const pbit_config_node_t *val, const char *path, int ind) {
  char child[256];
  snprintf(child, sizeof child, "%s.%s", path, key);
  indent(&e->b, ind);
  if (keynode != NULL)
    put_flow(&e->b, keynode);
  else
    puts_(&e->b, key);
  int p = pbit_sweep_find(e->s, child);
  if (p >= 0) { /* replaced by the sweep */
    record(e, ind + 1, p, 0);
    e->used[p] = 1;
    puts_(&e->b, ": ");
    put_value(e, child, pbit_sweep_value(e->s, (size_t)p, e->k));
    puts_(&e->b, "\n");
    return;
  }
  int inner = -1;
  for (size_t q = 0; q < e->s->n_params && inner < 0; q++)
    if (!e->used[q] && has_prefix(e->s->params[q].path, child)) inner = (int)q;
  if (inner >= 0 && val != NULL && !pbit_config_node_is_null(val) &&
      val->kind != PBIT_CONFIG_MAPPING) {
    if (e->rc == PBIT_OK)
      e->rc = pbit_config_fail(&e->s->doc, e->s->params[inner].key, e->err,
                               "%s is %s in the base config, not a mapping", child,
                               pbit_config_node_describe(val));
    puts_(&e->b, ":\n");
    return;
  }
  if (inner >= 0 || (val != NULL && val->kind == PBIT_CONFIG_MAPPING && val->count > 0)) {
    if (inner >= 0 && val == NULL) record(e, ind + 1, inner, 1);
    puts_(&e->b, ":\n");
    emit_map(e, val != NULL && val->kind == PBIT_CONFIG_MAPPING ? val : NULL, child, ind + 2);
    return;
  }
  puts_(&e->b, ": ");
  if (val != NULL)
    put_value(e, child, val);
  else
    puts_(&e->b, "~");
  puts_(&e->b, "\n");
}

static void emit_map(emit_t *e, const pbit_config_node_t *map, const char *path, int ind) {
  for (size_t i = 0; map != NULL && i < pbit_config_map_size(map); i++) {
    const pbit_config_node_t *key = pbit_config_map_key_at(map, i);
    emit_pair(e, key->text, key, pbit_config_map_value_at(map, i), path, ind);
  }
  /* Keys the base does not have, in the sweep's order. */
  for (size_t q = 0; q < e->s->n_params; q++) {
    if (e->used[q] || !has_prefix(e->s->params[q].path, path)) continue;
    const char *rest = e->s->params[q].path + strlen(path) + 1;
    char word[128];
    snprintf(word, sizeof word, "%.*s", (int)strcspn(rest, "."), rest);
    emit_pair(e, word, NULL, NULL, path, ind);
  }
}

static int emit_point(const pbit_sweep_t *s, const pbit_config_doc_t *base, size_t k,
                      const char *header, emit_t *e, pbit_error_t *err) {
  memset(e, 0, sizeof *e);
  e->s = s;
  e->k = k;
  e->err = err;
  e->b.line = 1;
  const pbit_config_node_t *root = base->root;
  const pbit_config_node_t *run = pbit_config_map_value(root, "run");
  if (root->kind != PBIT_CONFIG_MAPPING || pbit_config_map_size(root) != 1 || run == NULL ||
      (run->kind != PBIT_CONFIG_MAPPING && !pbit_config_node_is_null(run)))
    return pbit_config_fail(base, root, err, "expected a run config (a single 'run:' mapping)");
  for (const char *h = header; h != NULL && *h != '\0';) {
    size_t n = strcspn(h, "\n");
    puts_(&e->b, "# ");
    put(&e->b, h, n);
    puts_(&e->b, "\n");
    h += n + (h[n] == '\n');
  }
  puts_(&e->b, "run:\n");
  emit_map(e, run->kind == PBIT_CONFIG_MAPPING ? run : NULL, "run", 2);
  if (e->rc != PBIT_OK) return e->rc;
  if (e->b.oom) return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
  return PBIT_OK;
}

int pbit_sweep_point(const pbit_sweep_t *s, const pbit_config_doc_t *base, size_t k,
                     const char *header, char **text, pbit_run_config_t *out, pbit_error_t *err) {
  if (s == NULL || base == NULL || base->root == NULL || text == NULL || out == NULL ||
      k >= s->n_points)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "bad argument");
  *text = NULL;
  emit_t *e = calloc(1, sizeof *e);
  if (e == NULL) return pbit_error_set(err, PBIT_ERR_NOMEM, NULL, 0, 0, "out of memory");
  int rc = emit_point(s, base, k, header, e, err);
  pbit_config_doc_t doc;
  memset(&doc, 0, sizeof doc);
  if (rc == PBIT_OK) {
    char name[64];
    snprintf(name, sizeof name, "point %zu", k);
    rc = pbit_config_doc_parse(&doc, name, e->b.p, e->b.len, err);
  }
  if (rc == PBIT_OK) {
    pbit_run_config_t r = *out;
    rc = pbit_config_bind_run(&doc, pbit_config_map_value(doc.root, "run"), &r, err);
    if (rc == PBIT_OK) {
      *out = r;
    } else if (err != NULL && err->status == PBIT_ERR_CONFIG) {
      /* Point at the sweep file's entry that wrote the offending line. */
      const pbit_config_node_t *at = NULL;
      for (int i = 0; i < e->n_rec && at == NULL; i++) {
        const linerec_t *q = &e->rec[i];
        if (q->line != err->line) continue;
        at = q->virt || err->col == q->col ? s->params[q->param].key
                                           : pbit_sweep_value(s, (size_t)q->param, k);
      }
      char msg[sizeof err->msg];
      snprintf(msg, sizeof msg, "%s", err->msg);
      if (at != NULL)
        pbit_error_set(err, PBIT_ERR_CONFIG, s->doc.file, at->line, at->col, "%s", msg);
      else {
        at = pbit_sweep_point_node(s, k);
        pbit_error_set(err, PBIT_ERR_CONFIG, s->doc.file, at->line, at->col, "point %zu: %s", k,
                       msg);
      }
    }
  }
  pbit_config_doc_free(&doc);
  if (rc == PBIT_OK)
    *text = e->b.p;
  else
    free(e->b.p);
  free(e);
  return rc;
}
