#include "config_schema.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value as it appears in messages: quoted, cut to a readable length. */
static const char *shown(const pbit_config_node_t *n, char *buf, size_t len) {
  snprintf(buf, len, "'%.40s%s'", n->text, n->len > 40 ? "..." : "");
  return buf;
}

/* Kind checks shared by every scalar type: a scalar, not empty. */
static int need_scalar(const pbit_config_doc_t *doc, const pbit_config_node_t *node,
                       const char *what, pbit_error_t *err) {
  if (node->kind != PBIT_CONFIG_SCALAR || pbit_config_node_is_null(node))
    return pbit_config_fail(doc, node, err, "expected %s, got %s", what,
                            pbit_config_node_describe(node));
  if (strlen(node->text) != node->len)
    return pbit_config_fail(doc, node, err, "expected %s, got a NUL character", what);
  return PBIT_OK;
}

/* Numbers must be plain: a quoted "1.0" is a string in YAML, and accepting
 * it would make the file mean different things to different readers. */
static int need_number(const pbit_config_doc_t *doc, const pbit_config_node_t *node,
                       const char *what, pbit_error_t *err) {
  int rc = need_scalar(doc, node, what, err);
  if (rc == PBIT_OK && !node->plain)
    rc = pbit_config_fail(doc, node, err, "expected %s, got a quoted string", what);
  return rc;
}

int pbit_config_parse_double(const pbit_config_doc_t *doc, const pbit_config_node_t *node,
                             double *out, pbit_error_t *err) {
  if (node == NULL || out == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "node or out is NULL");
  int rc = need_number(doc, node, "a number", err);
  if (rc != PBIT_OK) return rc;
  char sb[64];
  /* strtod would also take hex floats; configs are decimal only. */
  if (strpbrk(node->text, "xX") != NULL)
    return pbit_config_fail(doc, node, err, "expected a decimal number, got %s",
                            shown(node, sb, sizeof(sb)));
  char *end = NULL;
  errno = 0;
  double v = strtod(node->text, &end);
  if (end == node->text || *end != '\0')
    return pbit_config_fail(doc, node, err, "expected a number, got %s",
                            shown(node, sb, sizeof(sb)));
  if (!isfinite(v))
    return pbit_config_fail(
        doc, node, err,
        errno == ERANGE ? "number %s is too large" : "expected a finite number, got %s",
        shown(node, sb, sizeof(sb)));
  *out = v; /* an underflow to 0 or a subnormal is harmless: accepted */
  return PBIT_OK;
}

int pbit_config_parse_int(const pbit_config_doc_t *doc, const pbit_config_node_t *node,
                          long long *out, pbit_error_t *err) {
  if (node == NULL || out == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0, "node or out is NULL");
  int rc = need_number(doc, node, "an integer", err);
  if (rc != PBIT_OK) return rc;
  char sb[64];
  const char *digits = node->text + (node->text[0] == '+' || node->text[0] == '-');
  size_t nd = strspn(digits, "0123456789");
  if (nd == 0 || digits[nd] != '\0')
    return pbit_config_fail(doc, node, err, "expected an integer, got %s",
                            shown(node, sb, sizeof(sb)));
  /* YAML 1.1 reads 010 as octal 8: refuse rather than guess. */
  if (nd > 1 && digits[0] == '0')
    return pbit_config_fail(doc, node, err,
                            "leading zero in %s (octal in YAML 1.1): write it "
                            "without",
                            shown(node, sb, sizeof(sb)));
  errno = 0;
  long long v = strtoll(node->text, NULL, 10);
  if (errno == ERANGE)
    return pbit_config_fail(doc, node, err, "integer %s is too large", shown(node, sb, sizeof(sb)));
  *out = v;
  return PBIT_OK;
}

/* ---- ranges -------------------------------------------------------------- */

static void describe_range(const pbit_config_field_t *f, char *buf, size_t len) {
  int lo = (f->flags & (PBIT_CONFIG_MIN | PBIT_CONFIG_MIN_EXCL)) != 0;
  int hi = (f->flags & (PBIT_CONFIG_MAX | PBIT_CONFIG_MAX_EXCL)) != 0;
  int lo_ex = (f->flags & PBIT_CONFIG_MIN_EXCL) != 0;
  int hi_ex = (f->flags & PBIT_CONFIG_MAX_EXCL) != 0;
  if (lo && hi)
    snprintf(buf, len, "in %c%g, %g%c", lo_ex ? '(' : '[', f->min, f->max, hi_ex ? ')' : ']');
  else if (lo)
    snprintf(buf, len, "%s %g", lo_ex ? ">" : ">=", f->min);
  else
    snprintf(buf, len, "%s %g", hi_ex ? "<" : "<=", f->max);
}

static int check_range(const pbit_config_doc_t *doc, const pbit_config_node_t *node,
                       const pbit_config_field_t *f, double v, pbit_error_t *err) {
  unsigned fl = f->flags;
  if (((fl & PBIT_CONFIG_MIN) && v < f->min) || ((fl & PBIT_CONFIG_MIN_EXCL) && v <= f->min) ||
      ((fl & PBIT_CONFIG_MAX) && v > f->max) || ((fl & PBIT_CONFIG_MAX_EXCL) && v >= f->max)) {
    char range[96], sb[64];
    describe_range(f, range, sizeof(range));
    return pbit_config_fail(doc, node, err, "%s is out of range: must be %s",
                            shown(node, sb, sizeof(sb)), range);
  }
  return PBIT_OK;
}

/* ---- one value ------------------------------------------------------------ */

static int bind_map(const pbit_config_doc_t *doc, const pbit_config_node_t *map,
                    const pbit_config_schema_t *schema, char *base, pbit_error_t *err);

static int bind_double(const pbit_config_doc_t *doc, const pbit_config_node_t *node,
                       const pbit_config_field_t *f, double *out, pbit_error_t *err) {
  double v = 0.0;
  int rc = pbit_config_parse_double(doc, node, &v, err);
  if (rc != PBIT_OK) return rc;
  *out = v;
  return check_range(doc, node, f, v, err);
}

static int bind_string(const pbit_config_doc_t *doc, const pbit_config_node_t *node, char **out,
                       pbit_error_t *err) {
  int rc = need_scalar(doc, node, "a string", err);
  if (rc != PBIT_OK) return rc;
  *out = strdup(node->text);
  return *out != NULL ? PBIT_OK
                      : pbit_error_set(err, PBIT_ERR_NOMEM, doc->file, 0, 0, "out of memory");
}

static int bind_double_list(const pbit_config_doc_t *doc, const pbit_config_node_t *node,
                            const pbit_config_field_t *f, double **out, size_t *count,
                            pbit_error_t *err) {
  if (node->kind != PBIT_CONFIG_SEQUENCE)
    return pbit_config_fail(doc, node, err, "expected a sequence of numbers, got %s",
                            pbit_config_node_describe(node));
  double *v = malloc((node->count > 0 ? node->count : 1) * sizeof(*v));
  if (v == NULL) return pbit_error_set(err, PBIT_ERR_NOMEM, doc->file, 0, 0, "out of memory");
  for (size_t i = 0; i < node->count; i++) {
    int rc = bind_double(doc, node->items[i], f, &v[i], err);
    if (rc != PBIT_OK) {
      free(v);
      return rc;
    }
  }
  *out = v;
  *count = node->count;
  return PBIT_OK;
}

static void free_strings(char **s, size_t n) {
  if (s == NULL) return;
  for (size_t i = 0; i < n; i++) free(s[i]);
  free(s);
}

static int bind_string_list(const pbit_config_doc_t *doc, const pbit_config_node_t *node,
                            char ***out, size_t *count, pbit_error_t *err) {
  if (node->kind != PBIT_CONFIG_SEQUENCE)
    return pbit_config_fail(doc, node, err, "expected a sequence of strings, got %s",
                            pbit_config_node_describe(node));
  char **v = calloc(node->count > 0 ? node->count : 1, sizeof(*v));
  if (v == NULL) return pbit_error_set(err, PBIT_ERR_NOMEM, doc->file, 0, 0, "out of memory");
  for (size_t i = 0; i < node->count; i++) {
    int rc = bind_string(doc, node->items[i], &v[i], err);
    if (rc != PBIT_OK) {
      free_strings(v, i);
      return rc;
    }
  }
  *out = v;
  *count = node->count;
  return PBIT_OK;
}

static int bind_enum(const pbit_config_doc_t *doc, const pbit_config_node_t *node,
                     const pbit_config_field_t *f, int *out, pbit_error_t *err) {
  int rc = need_scalar(doc, node, "a name", err);
  if (rc != PBIT_OK) return rc;
  char names[256] = "";
  size_t used = 0;
  for (int i = 0; f->enum_names != NULL && f->enum_names[i] != NULL; i++) {
    if (strcmp(node->text, f->enum_names[i]) == 0) {
      *out = i;
      return PBIT_OK;
    }
    int n =
        snprintf(names + used, sizeof(names) - used, "%s%s", i > 0 ? ", " : "", f->enum_names[i]);
    if (n > 0) used = used + (size_t)n < sizeof(names) ? used + (size_t)n : sizeof(names) - 1;
  }
  char sb[64];
  return pbit_config_fail(doc, node, err, "expected one of %s, got %s", names,
                          shown(node, sb, sizeof(sb)));
}

/* Binds one value; dst is NULL when the value is only checked. */
static int bind_field(const pbit_config_doc_t *doc, const pbit_config_node_t *value,
                      const pbit_config_field_t *f, char *base, pbit_error_t *err) {
  char *dst = base != NULL && f->offset != PBIT_CONFIG_NO_STORE ? base + f->offset : NULL;
  int rc;
  switch (f->type) {
    case PBIT_CONFIG_DOUBLE: {
      double v = 0.0;
      rc = bind_double(doc, value, f, &v, err);
      if (rc == PBIT_OK && dst != NULL) memcpy(dst, &v, sizeof(v));
      return rc;
    }
    case PBIT_CONFIG_INT: {
      long long v = 0;
      rc = pbit_config_parse_int(doc, value, &v, err);
      if (rc == PBIT_OK) rc = check_range(doc, value, f, (double)v, err);
      if (rc == PBIT_OK && (v < INT_MIN || v > INT_MAX)) {
        char sb[64];
        rc = pbit_config_fail(doc, value, err, "integer %s is too large",
                              shown(value, sb, sizeof(sb)));
      }
      if (rc == PBIT_OK && dst != NULL) {
        int i = (int)v;
        memcpy(dst, &i, sizeof(i));
      }
      return rc;
    }
    case PBIT_CONFIG_BOOL: {
      rc = need_number(doc, value, "true or false", err);
      if (rc != PBIT_OK) return rc;
      int t = strcmp(value->text, "true") == 0;
      if (!t && strcmp(value->text, "false") != 0) {
        char sb[64];
        return pbit_config_fail(doc, value, err, "expected true or false, got %s",
                                shown(value, sb, sizeof(sb)));
      }
      if (dst != NULL) memcpy(dst, &t, sizeof(t));
      return PBIT_OK;
    }
    case PBIT_CONFIG_STRING: {
      rc = need_scalar(doc, value, "a string", err);
      if (rc != PBIT_OK || dst == NULL) return rc;
      if (f->size > 0) {
        if (value->len >= f->size)
          return pbit_config_fail(doc, value, err, "longer than %zu characters", f->size - 1);
        memcpy(dst, value->text, value->len + 1);
        return PBIT_OK;
      }
      char *copy = NULL;
      rc = bind_string(doc, value, &copy, err);
      if (rc == PBIT_OK) memcpy(dst, &copy, sizeof(copy));
      return rc;
    }
    case PBIT_CONFIG_ENUM: {
      int v = 0;
      rc = bind_enum(doc, value, f, &v, err);
      if (rc == PBIT_OK && dst != NULL) memcpy(dst, &v, sizeof(v));
      return rc;
    }
    case PBIT_CONFIG_MAP:
      return bind_map(doc, value, f->sub, dst, err);
    case PBIT_CONFIG_DOUBLE_LIST: {
      double *v = NULL;
      size_t n = 0;
      rc = bind_double_list(doc, value, f, &v, &n, err);
      if (rc != PBIT_OK) return rc;
      if (dst == NULL) {
        free(v);
        return PBIT_OK;
      }
      memcpy(dst, &v, sizeof(v));
      memcpy(base + f->count_offset, &n, sizeof(n));
      return PBIT_OK;
    }
    case PBIT_CONFIG_STRING_LIST: {
      char **v = NULL;
      size_t n = 0;
      rc = bind_string_list(doc, value, &v, &n, err);
      if (rc != PBIT_OK) return rc;
      if (dst == NULL) {
        free_strings(v, n);
        return PBIT_OK;
      }
      memcpy(dst, &v, sizeof(v));
      memcpy(base + f->count_offset, &n, sizeof(n));
      return PBIT_OK;
    }
    case PBIT_CONFIG_NODE:
      if (dst != NULL) *(const pbit_config_node_t **)dst = value; /* field holds a node pointer */
      return PBIT_OK;
  }
  return pbit_config_fail(doc, value, err, "schema error: unknown field type %d", (int)f->type);
}

/* ---- mappings ------------------------------------------------------------- */

static int key_is(const pbit_config_node_t *k, const char *key) {
  size_t n = strlen(key);
  return k->len == n && memcmp(k->text, key, n) == 0;
}

static int unknown_key(const pbit_config_doc_t *doc, const pbit_config_node_t *k,
                       const pbit_config_schema_t *schema, pbit_error_t *err) {
  char allowed[400] = "";
  size_t used = 0;
  for (size_t i = 0; i < schema->n_fields; i++) {
    int n = snprintf(allowed + used, sizeof(allowed) - used, "%s%s", i > 0 ? ", " : "",
                     schema->fields[i].key);
    if (n < 0) break;
    used = used + (size_t)n < sizeof(allowed) ? used + (size_t)n : sizeof(allowed) - 1;
  }
  return pbit_config_fail(doc, k, err, "unknown key (allowed: %s)", allowed);
}

static int bind_map(const pbit_config_doc_t *doc, const pbit_config_node_t *map,
                    const pbit_config_schema_t *schema, char *base, pbit_error_t *err) {
  if (map->kind != PBIT_CONFIG_MAPPING)
    return pbit_config_fail(doc, map, err, "expected a mapping, got %s",
                            pbit_config_node_describe(map));
  size_t pairs = pbit_config_map_size(map);
  for (size_t i = 0; i < pairs; i++) {
    const pbit_config_node_t *k = pbit_config_map_key_at(map, i);
    const pbit_config_field_t *f = NULL;
    for (size_t j = 0; j < schema->n_fields && f == NULL; j++)
      if (key_is(k, schema->fields[j].key)) f = &schema->fields[j];
    if (f == NULL) return unknown_key(doc, k, schema, err);
    int rc = bind_field(doc, pbit_config_map_value_at(map, i), f, base, err);
    if (rc != PBIT_OK) return rc;
  }
  for (size_t j = 0; j < schema->n_fields; j++) {
    const pbit_config_field_t *f = &schema->fields[j];
    if (!(f->flags & PBIT_CONFIG_REQUIRED) || pbit_config_map_key(map, f->key) != NULL) continue;
    char path[256], full[320];
    pbit_config_node_path(map, path, sizeof(path));
    snprintf(full, sizeof(full), "%s%s%s", path, path[0] != '\0' ? "." : "", f->key);
    return pbit_config_fail_path(doc, map, full, err, "missing required key");
  }
  return PBIT_OK;
}

int pbit_config_bind(const pbit_config_doc_t *doc, const pbit_config_node_t *map,
                     const pbit_config_schema_t *schema, void *base, pbit_error_t *err) {
  if (doc == NULL || map == NULL || schema == NULL || base == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, NULL, 0, 0,
                          "doc, map, schema and base must not be NULL");
  return bind_map(doc, map, schema, (char *)base, err);
}

void pbit_config_unbind(const pbit_config_schema_t *schema, void *base) {
  if (schema == NULL || base == NULL) return;
  /* Fields are reached through memcpy: the struct is only known by offset. */
  for (size_t i = 0; i < schema->n_fields; i++) {
    const pbit_config_field_t *f = &schema->fields[i];
    if (f->offset == PBIT_CONFIG_NO_STORE) continue;
    char *dst = (char *)base + f->offset;
    char *count_at = (char *)base + f->count_offset;
    size_t count = 0;
    switch (f->type) {
      case PBIT_CONFIG_STRING: {
        if (f->size > 0) break; /* in place, nothing owned */
        char *s = NULL;
        memcpy(&s, dst, sizeof(s));
        free(s);
        s = NULL;
        memcpy(dst, &s, sizeof(s));
        break;
      }
      case PBIT_CONFIG_DOUBLE_LIST: {
        double *v = NULL;
        memcpy(&v, dst, sizeof(v));
        free(v);
        v = NULL;
        memcpy(dst, &v, sizeof(v));
        memcpy(count_at, &count, sizeof(count));
        break;
      }
      case PBIT_CONFIG_STRING_LIST: {
        char **v = NULL;
        memcpy(&v, dst, sizeof(v));
        memcpy(&count, count_at, sizeof(count));
        free_strings(v, count);
        v = NULL;
        count = 0;
        memcpy(dst, &v, sizeof(v));
        memcpy(count_at, &count, sizeof(count));
        break;
      }
      case PBIT_CONFIG_MAP:
        pbit_config_unbind(f->sub, dst);
        break;
      default:
        break;
    }
  }
}

int pbit_config_load_section(const char *path, const char *key, pbit_config_bind_fn bind,
                             void *out, pbit_error_t *err) {
  if (path == NULL || key == NULL || bind == NULL || out == NULL)
    return pbit_error_set(err, PBIT_ERR_ARG, path, 0, 0, "%s is NULL",
                          path == NULL ? "path" : (out == NULL ? "out" : "key or bind"));
  pbit_config_doc_t doc;
  int rc = pbit_config_doc_load(&doc, path, err);
  if (rc != PBIT_OK) return rc;
  /* The top level: exactly one key, required. */
  const pbit_config_node_t *section = NULL;
  const pbit_config_field_t top[] = {
      {.key = key, .type = PBIT_CONFIG_NODE, .offset = 0, .flags = PBIT_CONFIG_REQUIRED},
  };
  const pbit_config_schema_t top_schema = PBIT_CONFIG_SCHEMA(top);
  rc = pbit_config_bind(&doc, doc.root, &top_schema, (void *)&section, err);
  if (rc == PBIT_OK) rc = bind(&doc, section, out, err);
  pbit_config_doc_free(&doc);
  return rc;
}
