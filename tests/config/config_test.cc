// Tests of sim/config: the YAML document tree, the schema binder, the device
// and Ising loaders, the shipped presets and the corpus of malformed files.
#include "config/config.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../test_util.h"
#include "config/config_run.h"
#include "config/config_schema.h"

namespace {

using pbit_test::Format;

// A parsed in-memory document, freed on scope exit.
struct Doc {
  pbit_config_doc_t doc{};
  pbit_error_t err{};
  int rc;
  explicit Doc(const std::string& text) {
    rc = pbit_config_doc_parse(&doc, "mem.yaml", text.data(), text.size(), &err);
  }
  ~Doc() { pbit_config_doc_free(&doc); }
};

// A scratch directory removed with its files on scope exit.
struct TempDir {
  std::string path;
  std::vector<std::string> files;
  TempDir() {
    char tmpl[] = "/tmp/pbit_config_test.XXXXXX";
    char* p = mkdtemp(tmpl);
    path = p != nullptr ? p : "/tmp";
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::string f = path + "/" + name;
    std::ofstream(f, std::ios::binary) << text;
    files.push_back(f);
    return f;
  }
  ~TempDir() {
    for (const auto& f : files) unlink(f.c_str());
    rmdir(path.c_str());
  }
};

// ---- presets and example models -------------------------------------------

pbit_device_t LoadPreset(const std::string& name) {
  pbit_device_t d;
  pbit_device_ideal(&d);
  pbit_error_t err{};
  std::string path = PBIT_REPO_PATH("configs/devices/" + name + ".yaml");
  EXPECT_EQ(pbit_config_load_device(path.c_str(), &d, &err), PBIT_OK) << Format(err);
  return d;
}

TEST(ConfigPresets, IdealEqualsLibraryIdeal) {
  pbit_device_t d = LoadPreset("ideal");
  pbit_device_t ref;
  pbit_device_ideal(&ref);
  EXPECT_STREQ(d.name, "ideal");
  EXPECT_EQ(std::memcmp(&d, &ref, sizeof(d)), 0);
}

TEST(ConfigPresets, SmtjFast) {
  pbit_device_t d = LoadPreset("smtj-fast");
  EXPECT_STREQ(d.name, "smtj-fast");
  EXPECT_EQ(d.convention, PBIT_CONV_BIPOLAR);
  EXPECT_EQ(d.rate_model, PBIT_RATE_BIAS_DEPENDENT);
  EXPECT_DOUBLE_EQ(d.dwell_ns, 2.0);
  EXPECT_DOUBLE_EQ(d.barrier_kt, 0.0);
  EXPECT_DOUBLE_EQ(pbit_device_dwell_ns(&d), 2.0);
  EXPECT_DOUBLE_EQ(d.sigma_offset, 0.1);
  EXPECT_DOUBLE_EQ(d.sigma_gain, 0.05);
  EXPECT_DOUBLE_EQ(d.sigma_log_tau, 0.3);
  EXPECT_EQ(d.dac_bits, 0);
  EXPECT_DOUBLE_EQ(d.energy_sample_fj, 20.0);
  EXPECT_EQ(pbit_device_validate(&d, nullptr), PBIT_OK);
}

TEST(ConfigPresets, SmtjSlow) {
  pbit_device_t d = LoadPreset("smtj-slow");
  EXPECT_STREQ(d.name, "smtj-slow");
  EXPECT_EQ(d.convention, PBIT_CONV_BIPOLAR);
  EXPECT_DOUBLE_EQ(d.barrier_kt, 4.6);
  EXPECT_DOUBLE_EQ(d.attempt_ns, 1.0);
  EXPECT_DOUBLE_EQ(d.dwell_ns, 0.0);
  // About 100 ns from the barrier: 1 ns * exp(4.6).
  EXPECT_NEAR(pbit_device_dwell_ns(&d), 100.0, 1.0);
  EXPECT_DOUBLE_EQ(d.sigma_log_tau, 0.5);
}

TEST(ConfigPresets, CmosLfsr) {
  pbit_device_t d = LoadPreset("cmos-lfsr");
  EXPECT_STREQ(d.name, "cmos-lfsr");
  EXPECT_EQ(d.convention, PBIT_CONV_UNIPOLAR);
  EXPECT_DOUBLE_EQ(pbit_device_dwell_ns(&d), 0.0);
  EXPECT_EQ(d.dac_bits, 8);
  EXPECT_DOUBLE_EQ(d.dac_full_scale, 8.0);
  EXPECT_DOUBLE_EQ(d.sigma_offset, 0.0);
  EXPECT_DOUBLE_EQ(d.energy_sample_fj, 150.0);
  EXPECT_DOUBLE_EQ(d.static_power_nw, 10.0);
}

TEST(ConfigPresets, EveryPresetHasSources) {
  for (const char* name : {"ideal", "smtj-fast", "smtj-slow", "cmos-lfsr"}) {
    std::string path = PBIT_REPO_PATH(std::string("configs/devices/") + name + ".yaml");
    pbit_config_doc_t doc;
    pbit_error_t err{};
    ASSERT_EQ(pbit_config_doc_load(&doc, path.c_str(), &err), PBIT_OK) << Format(err);
    const pbit_config_node_t* dev = pbit_config_map_value(doc.root, "device");
    const pbit_config_node_t* src = pbit_config_map_value(dev, "sources");
    ASSERT_NE(src, nullptr) << name;
    EXPECT_EQ(src->kind, PBIT_CONFIG_SEQUENCE) << name;
    EXPECT_GE(src->count, 1u) << name;
    EXPECT_NE(pbit_config_map_value(dev, "convention"), nullptr) << name;
    pbit_config_doc_free(&doc);
  }
}

TEST(ConfigModels, Ring10) {
  pbit_ising_t m;
  pbit_error_t err{};
  std::string path = PBIT_REPO_PATH("configs/models/ising-ring10.yaml");
  ASSERT_EQ(pbit_config_load_ising(path.c_str(), &m, &err), PBIT_OK) << Format(err);
  EXPECT_EQ(m.n, 10u);
  EXPECT_DOUBLE_EQ(m.beta, 1.0);
  EXPECT_DOUBLE_EQ(m.h[1], -0.2);
  ASSERT_EQ(m.n_edges, 10u);
  for (size_t k = 0; k < m.n_edges; k++) {
    EXPECT_EQ(m.edges[k].i, k);
    EXPECT_EQ(m.edges[k].j, (k + 1) % 10);
    EXPECT_DOUBLE_EQ(m.edges[k].w, 0.5);
  }
  EXPECT_EQ(pbit_ising_validate(&m, nullptr), PBIT_OK);
  pbit_ising_free(&m);
}

TEST(ConfigModels, Dense12) {
  pbit_ising_t m;
  pbit_error_t err{};
  std::string path = PBIT_REPO_PATH("configs/models/ising-dense12.yaml");
  ASSERT_EQ(pbit_config_load_ising(path.c_str(), &m, &err), PBIT_OK) << Format(err);
  EXPECT_EQ(m.n, 12u);
  EXPECT_EQ(m.n_edges, 66u);  // every pair once
  for (size_t k = 0; k < m.n_edges; k++) {
    EXPECT_GE(std::fabs(m.edges[k].w), 0.3);
    EXPECT_LE(std::fabs(m.edges[k].w), 0.5);
  }
  EXPECT_EQ(pbit_ising_validate(&m, nullptr), PBIT_OK);
  pbit_ising_free(&m);
}

// ---- the corpus of malformed files -----------------------------------------

TEST(ConfigCorpus, EveryFileFailsWhereItsCommentSays) {
  std::vector<std::string> files =
      pbit_test::CorpusFiles(PBIT_REPO_PATH("tests/config/corpus"), "");
  ASSERT_GE(files.size(), 35u) << "corpus missing or too small";
  int device = 0, ising = 0;
  for (const std::string& path : files) {
    if (path.find("/accel-") != std::string::npos) continue;  // tests/config/accel_test.cc
    if (path.find("/tech-") != std::string::npos) continue;   // tests/energy/ledger_test.cc
    SCOPED_TRACE(path);
    pbit_test::CorpusExpect e;
    ASSERT_TRUE(pbit_test::ReadCorpusExpect(path, &e)) << "no '# expect: L:C text' line";
    pbit_error_t err{};
    int rc;
    if (path.find("/run-") != std::string::npos) {
      pbit_run_config_t r, before;
      pbit_run_config_default(&r);
      before = r;
      rc = pbit_config_load_run(path.c_str(), &r, &err);
      EXPECT_EQ(std::memcmp(&r, &before, sizeof(r)), 0) << "out changed on failure";
    } else if (path.find("/device-") != std::string::npos) {
      device++;
      pbit_device_t d, before;
      pbit_device_ideal(&d);
      before = d;
      rc = pbit_config_load_device(path.c_str(), &d, &err);
      EXPECT_EQ(std::memcmp(&d, &before, sizeof(d)), 0) << "out changed on failure";
    } else {
      ASSERT_NE(path.find("/ising-"), std::string::npos) << "unknown corpus prefix";
      ising++;
      pbit_ising_t m;
      rc = pbit_config_load_ising(path.c_str(), &m, &err);
      EXPECT_EQ(m.n, 0u);
      EXPECT_EQ(m.h, nullptr);
      EXPECT_EQ(m.edges, nullptr);
      pbit_ising_free(&m);
    }
    EXPECT_EQ(rc, PBIT_ERR_CONFIG) << Format(err);
    EXPECT_EQ(err.status, PBIT_ERR_CONFIG);
    EXPECT_STREQ(err.file, path.c_str());
    EXPECT_EQ(err.line, e.line) << Format(err);
    EXPECT_EQ(err.col, e.col) << Format(err);
    EXPECT_NE(std::string(err.msg).find(e.text), std::string::npos)
        << "'" << e.text << "' not in: " << err.msg;
  }
  EXPECT_GT(device, 0);
  EXPECT_GT(ising, 0);
}

// ---- bad arguments and I/O -------------------------------------------------

TEST(ConfigLoad, BadArguments) {
  pbit_device_t d;
  pbit_ising_t m;
  pbit_error_t err{};
  std::string ok = PBIT_REPO_PATH("configs/devices/ideal.yaml");
  EXPECT_EQ(pbit_config_load_device(nullptr, &d, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_config_load_device(ok.c_str(), nullptr, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_config_load_ising(nullptr, &m, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_config_load_ising(ok.c_str(), nullptr, &err), PBIT_ERR_ARG);
  // A NULL error record is allowed: only the status comes back.
  EXPECT_EQ(pbit_config_load_device(nullptr, &d, nullptr), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_config_load_device("/nonexistent/x.yaml", &d, nullptr), PBIT_ERR_IO);
  EXPECT_EQ(pbit_config_bind_device(nullptr, nullptr, &d, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_config_bind_ising(nullptr, nullptr, &m, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_config_doc_load(nullptr, ok.c_str(), &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_config_doc_parse(nullptr, "x", "", 0, &err), PBIT_ERR_ARG);
  pbit_config_doc_t doc;
  EXPECT_EQ(pbit_config_doc_parse(&doc, "x", nullptr, 3, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_config_bind(nullptr, nullptr, nullptr, nullptr, &err), PBIT_ERR_ARG);
  pbit_config_doc_free(nullptr);
  pbit_config_unbind(nullptr, nullptr);
}

TEST(ConfigLoad, MissingFileIsIoErrorNamingTheFile) {
  const char* path = "/nonexistent/dir/smtj.yaml";
  pbit_device_t d;
  pbit_ising_t m;
  pbit_error_t err{};
  EXPECT_EQ(pbit_config_load_device(path, &d, &err), PBIT_ERR_IO);
  EXPECT_STREQ(err.file, path);
  EXPECT_NE(Format(err).find(path), std::string::npos);
  pbit_error_clear(&err);
  EXPECT_EQ(pbit_config_load_ising(path, &m, &err), PBIT_ERR_IO);
  EXPECT_STREQ(err.file, path);
}

TEST(ConfigLoad, DirectoryIsIoError) {
  TempDir tmp;
  pbit_device_t d;
  pbit_error_t err{};
  EXPECT_EQ(pbit_config_load_device(tmp.path.c_str(), &d, &err), PBIT_ERR_IO);
  EXPECT_STREQ(err.file, tmp.path.c_str());
}

TEST(ConfigLoad, MinimalDeviceKeepsIdealDefaults) {
  TempDir tmp;
  std::string f = tmp.Write("min.yaml", "device:\n  name: tiny\n");
  pbit_device_t d, ref;
  pbit_error_t err{};
  ASSERT_EQ(pbit_config_load_device(f.c_str(), &d, &err), PBIT_OK) << Format(err);
  pbit_device_ideal(&ref);
  std::strcpy(ref.name, "tiny");
  EXPECT_EQ(std::memcmp(&d, &ref, sizeof(d)), 0);
}

TEST(ConfigLoad, IsingWithoutCouplings) {
  TempDir tmp;
  std::string f = tmp.Write("free.yaml", "ising:\n  n: 2\n  beta: 0\n  h: [0.5, -1e-3]\n");
  pbit_ising_t m;
  pbit_error_t err{};
  ASSERT_EQ(pbit_config_load_ising(f.c_str(), &m, &err), PBIT_OK) << Format(err);
  EXPECT_EQ(m.n, 2u);
  EXPECT_EQ(m.n_edges, 0u);
  EXPECT_DOUBLE_EQ(m.h[1], -1e-3);
  pbit_ising_free(&m);
}

// ---- the document tree -------------------------------------------------------

TEST(ConfigDoc, PositionsAreOneBasedAndPathsNamed) {
  Doc d("# comment\ntop:\n  list: [1, {k: v}]\n  \"quoted\": 'x'\n");
  ASSERT_EQ(d.rc, PBIT_OK) << Format(d.err);
  const pbit_config_node_t* top = pbit_config_map_value(d.doc.root, "top");
  ASSERT_NE(top, nullptr);
  EXPECT_EQ(top->kind, PBIT_CONFIG_MAPPING);
  EXPECT_EQ(top->line, 3);
  EXPECT_EQ(top->col, 3);
  const pbit_config_node_t* list = pbit_config_map_value(top, "list");
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(list->count, 2u);
  const pbit_config_node_t* v = pbit_config_map_value(list->items[1], "k");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->line, 3);
  EXPECT_EQ(v->col, 17);
  EXPECT_TRUE(v->plain);
  char path[128];
  pbit_config_node_path(v, path, sizeof(path));
  EXPECT_STREQ(path, "top.list[1].k");
  pbit_config_node_path(pbit_config_map_key(top, "quoted"), path, sizeof(path));
  EXPECT_STREQ(path, "top.quoted");
  EXPECT_FALSE(pbit_config_map_value(top, "quoted")->plain);
  pbit_config_node_path(d.doc.root, path, sizeof(path));
  EXPECT_STREQ(path, "");
  EXPECT_EQ(pbit_config_map_value(top, "absent"), nullptr);
  EXPECT_EQ(pbit_config_map_size(list), 0u);
}

TEST(ConfigDoc, ColumnsCountCharactersNotBytes) {
  Doc d("a: {u: \"\xc2\xb5\xc2\xb5\", b: *x}\n");  // two 2-byte characters
  EXPECT_EQ(d.rc, PBIT_ERR_CONFIG);
  EXPECT_EQ(d.err.line, 1);
  EXPECT_EQ(d.err.col, 17);
}

TEST(ConfigDoc, TabColumnCountsCharacters) {
  Doc d("k: \"\xc2\xb5\"\t\n");
  EXPECT_EQ(d.rc, PBIT_ERR_CONFIG);
  EXPECT_EQ(d.err.line, 1);
  EXPECT_EQ(d.err.col, 7);
}

TEST(ConfigDoc, NullsAndKinds) {
  Doc d("a:\nb: ~\nc: null\nd: ''\ne: [x]\n");
  ASSERT_EQ(d.rc, PBIT_OK) << Format(d.err);
  EXPECT_TRUE(pbit_config_node_is_null(pbit_config_map_value(d.doc.root, "a")));
  EXPECT_TRUE(pbit_config_node_is_null(pbit_config_map_value(d.doc.root, "b")));
  EXPECT_TRUE(pbit_config_node_is_null(pbit_config_map_value(d.doc.root, "c")));
  EXPECT_FALSE(pbit_config_node_is_null(pbit_config_map_value(d.doc.root, "d")));
  EXPECT_STREQ(pbit_config_node_describe(pbit_config_map_value(d.doc.root, "e")), "a sequence");
  EXPECT_STREQ(pbit_config_node_describe(d.doc.root), "a mapping");
}

TEST(ConfigDoc, FirstRepeatedKeyIsReported) {
  Doc d("z: 1\nb: 2\na: 3\nb: 4\nz: 5\n");
  EXPECT_EQ(d.rc, PBIT_ERR_CONFIG);
  EXPECT_EQ(d.err.line, 4);
  EXPECT_EQ(d.err.col, 1);
  EXPECT_NE(std::string(d.err.msg).find("first defined at 2:1"), std::string::npos);
  EXPECT_EQ(d.doc.root, nullptr);  // left empty on failure
}

TEST(ConfigDoc, ManyKeysStillChecked) {
  std::string text;
  for (int i = 0; i < 5000; i++) text += "k" + std::to_string(i) + ": 1\n";
  Doc ok(text);
  EXPECT_EQ(ok.rc, PBIT_OK) << Format(ok.err);
  Doc dup(text + "k1234: 2\n");
  EXPECT_EQ(dup.rc, PBIT_ERR_CONFIG);
  EXPECT_EQ(dup.err.line, 5001);
}

TEST(ConfigDoc, AliasBombIsRefusedAtOnce) {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; c++)
    text += std::string(1, c) + ": &" + c + " [*" + char(c - 1) + ", *" + char(c - 1) + "]\n";
  Doc d(text);
  EXPECT_EQ(d.rc, PBIT_ERR_CONFIG);
  EXPECT_EQ(d.err.line, 1);
  EXPECT_EQ(d.err.col, 4);
  EXPECT_NE(std::string(d.err.msg).find("anchors"), std::string::npos);
}

TEST(ConfigDoc, DeepNestingIsRefused) {
  std::string text(10000, '[');
  text += std::string(10000, ']');
  Doc d(text);
  EXPECT_EQ(d.rc, PBIT_ERR_CONFIG);
  EXPECT_NE(std::string(d.err.msg).find("nesting"), std::string::npos);
  std::string ok =
      std::string(PBIT_CONFIG_MAX_DEPTH, '[') + std::string(PBIT_CONFIG_MAX_DEPTH, ']');
  Doc fine(ok);
  EXPECT_EQ(fine.rc, PBIT_OK) << Format(fine.err);
}

TEST(ConfigDoc, OversizedFileIsRefused) {
  std::string text(PBIT_CONFIG_MAX_BYTES + 1, '#');
  Doc d(text);
  EXPECT_EQ(d.rc, PBIT_ERR_CONFIG);
  EXPECT_NE(std::string(d.err.msg).find("limit"), std::string::npos);
}

TEST(ConfigDoc, EmptyInputs) {
  for (const char* text : {"", "\n\n", "# only\n# comments", "---\n", "~\n", "--- # c\n...\n"}) {
    Doc d(text);
    EXPECT_EQ(d.rc, PBIT_ERR_CONFIG) << text;
    EXPECT_EQ(d.err.line, 1) << text;
    EXPECT_EQ(d.err.col, 1) << text;
    EXPECT_STREQ(d.err.msg, "empty config") << text;
  }
}

TEST(ConfigDoc, ExplicitSingleDocumentIsFine) {
  Doc d("%YAML 1.1\n---\na: 1\n...\n");
  EXPECT_EQ(d.rc, PBIT_OK) << Format(d.err);
}

// ---- the generic schema binder ------------------------------------------------

struct Inner {
  double ratio;
};
struct Toy {
  int count;
  int flag;
  int mode;
  char label[8];
  char* note;
  double* values;
  size_t n_values;
  char** tags;
  size_t n_tags;
  Inner inner;
  const pbit_config_node_t* raw;
};

const char* const kModes[] = {"off", "on", "auto", nullptr};
const pbit_config_field_t kInnerFields[] = {
    {"ratio", PBIT_CONFIG_DOUBLE, offsetof(Inner, ratio), 0, 0,
     PBIT_CONFIG_MIN_EXCL | PBIT_CONFIG_MAX_EXCL, 0, 1, nullptr, nullptr},
};
const pbit_config_schema_t kInner = PBIT_CONFIG_SCHEMA(kInnerFields);
const pbit_config_field_t kToyFields[] = {
    {"count", PBIT_CONFIG_INT, offsetof(Toy, count), 0, 0, PBIT_CONFIG_REQUIRED | PBIT_CONFIG_MIN,
     -5, 0, nullptr, nullptr},
    {"flag", PBIT_CONFIG_BOOL, offsetof(Toy, flag), 0, 0, 0, 0, 0, nullptr, nullptr},
    {"mode", PBIT_CONFIG_ENUM, offsetof(Toy, mode), 0, 0, 0, 0, 0, kModes, nullptr},
    {"label", PBIT_CONFIG_STRING, offsetof(Toy, label), 0, sizeof(Toy::label), 0, 0, 0, nullptr,
     nullptr},
    {"note", PBIT_CONFIG_STRING, offsetof(Toy, note), 0, 0, 0, 0, 0, nullptr, nullptr},
    {"values", PBIT_CONFIG_DOUBLE_LIST, offsetof(Toy, values), offsetof(Toy, n_values), 0,
     PBIT_CONFIG_MAX, 0, 10, nullptr, nullptr},
    {"tags", PBIT_CONFIG_STRING_LIST, offsetof(Toy, tags), offsetof(Toy, n_tags), 0, 0, 0, 0,
     nullptr, nullptr},
    {"inner", PBIT_CONFIG_MAP, offsetof(Toy, inner), 0, 0, 0, 0, 0, nullptr, &kInner},
    {"raw", PBIT_CONFIG_NODE, offsetof(Toy, raw), 0, 0, 0, 0, 0, nullptr, nullptr},
    {"doc", PBIT_CONFIG_STRING, PBIT_CONFIG_NO_STORE, 0, 0, 0, 0, 0, nullptr, nullptr},
};
const pbit_config_schema_t kToy = PBIT_CONFIG_SCHEMA(kToyFields);

// Binds text into a Toy; returns the status and leaves the message in err.
int BindToy(const std::string& text, Toy* toy, pbit_error_t* err) {
  std::memset(toy, 0, sizeof(*toy));
  pbit_config_doc_t doc;
  int rc = pbit_config_doc_parse(&doc, "toy.yaml", text.data(), text.size(), err);
  if (rc == PBIT_OK) {
    rc = pbit_config_bind(&doc, doc.root, &kToy, toy, err);
    toy->raw = nullptr;  // points into doc, which goes now
  }
  pbit_config_doc_free(&doc);
  return rc;
}

TEST(ConfigSchema, BindsEveryType) {
  Toy t;
  pbit_error_t err{};
  ASSERT_EQ(BindToy("count: -5\nflag: true\nmode: auto\nlabel: abcdefg\nnote: \"a note\"\n"
                    "values: [1, 2.5, -3e-1]\ntags: [x, 'y z']\ninner: {ratio: 0.25}\n"
                    "raw: [anything]\ndoc: ignored\n",
                    &t, &err),
            PBIT_OK)
      << Format(err);
  EXPECT_EQ(t.count, -5);
  EXPECT_EQ(t.flag, 1);
  EXPECT_EQ(t.mode, 2);
  EXPECT_STREQ(t.label, "abcdefg");
  EXPECT_STREQ(t.note, "a note");
  ASSERT_EQ(t.n_values, 3u);
  EXPECT_DOUBLE_EQ(t.values[2], -0.3);
  ASSERT_EQ(t.n_tags, 2u);
  EXPECT_STREQ(t.tags[1], "y z");
  EXPECT_DOUBLE_EQ(t.inner.ratio, 0.25);
  pbit_config_unbind(&kToy, &t);
  EXPECT_EQ(t.note, nullptr);
  EXPECT_EQ(t.values, nullptr);
  EXPECT_EQ(t.tags, nullptr);
  EXPECT_EQ(t.n_tags, 0u);
  pbit_config_unbind(&kToy, &t);  // twice is harmless
}

TEST(ConfigSchema, EmptyListsAreLists) {
  Toy t;
  pbit_error_t err{};
  ASSERT_EQ(BindToy("count: 0\nvalues: []\ntags: []\n", &t, &err), PBIT_OK) << Format(err);
  EXPECT_EQ(t.n_values, 0u);
  EXPECT_EQ(t.n_tags, 0u);
  pbit_config_unbind(&kToy, &t);
}

struct BadCase {
  const char* text;
  int line;
  int col;
  const char* in_msg;
};

TEST(ConfigSchema, RejectsWithPositionAndKey) {
  const BadCase cases[] = {
      {"flag: true\n", 1, 1, "count: missing required key"},
      {"count: 1\nflag: yes\n", 2, 7, "flag: expected true or false"},
      {"count: 1\nflag: \"true\"\n", 2, 7, "flag: expected true or false, got a quoted"},
      {"count: -6\n", 1, 8, "count: '-6' is out of range: must be >= -5"},
      {"count: 1e3\n", 1, 8, "count: expected an integer"},
      {"count: 0x10\n", 1, 8, "count: expected an integer"},
      {"count: 1\nmode: AUTO\n", 2, 7, "expected one of off, on, auto, got 'AUTO'"},
      {"count: 1\nlabel: abcdefgh\n", 2, 8, "label: longer than 7 characters"},
      {"count: 1\nvalues: [1, 11]\n", 2, 13, "values[1]: '11' is out of range: must be <= 10"},
      {"count: 1\nvalues: [1, [2]]\n", 2, 13, "values[1]: expected a number, got a sequence"},
      {"count: 1\ntags: [a, {b: c}]\n", 2, 11, "tags[1]: expected a string, got a mapping"},
      {"count: 1\ntags: [a, ~]\n", 2, 11, "tags[1]: expected a string, got an empty value"},
      {"count: 1\ninner: {ratio: 1}\n", 2, 16,
       "inner.ratio: '1' is out of range: must be in (0, 1)"},
      {"count: 1\ninner: {ratio: 0}\n", 2, 16, "must be in (0, 1)"},
      {"count: 1\ninner: {}\nextra: 2\n", 3, 1, "extra: unknown key (allowed: count, flag"},
      {"count: 1\ninner: {rate: 0.5}\n", 2, 9, "inner.rate: unknown key (allowed: ratio)"},
      {"count: 1\nnote: \"a\\0b\"\n", 2, 7, "note: expected a string, got a NUL"},
      {"[count, 1]\n", 1, 1, "top level: expected a mapping, got a sequence"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.text);
    Toy t;
    pbit_error_t err{};
    EXPECT_EQ(BindToy(c.text, &t, &err), PBIT_ERR_CONFIG);
    EXPECT_STREQ(err.file, "toy.yaml");
    EXPECT_EQ(err.line, c.line) << err.msg;
    EXPECT_EQ(err.col, c.col) << err.msg;
    EXPECT_NE(std::string(err.msg).find(c.in_msg), std::string::npos) << err.msg;
    pbit_config_unbind(&kToy, &t);  // whatever was bound before the error
  }
}

TEST(ConfigSchema, StrictNumbers) {
  const char* good[] = {"0", "-0.5", "+2", "1e-3", "1.", ".5", "1E+2", "1e-400"};
  const char* bad[] = {"1.0abc", "nan",   "NaN", "inf",   "-Infinity", ".inf",
                       "0x1p3",  "1_000", "1,5", "1e999", "true",      "''"};
  for (const char* s : good) {
    Doc d(std::string("v: ") + s + "\n");
    ASSERT_EQ(d.rc, PBIT_OK) << s;
    double v = -1;
    pbit_error_t err{};
    EXPECT_EQ(pbit_config_parse_double(&d.doc, pbit_config_map_value(d.doc.root, "v"), &v, &err),
              PBIT_OK)
        << s << ": " << err.msg;
  }
  for (const char* s : bad) {
    Doc d(std::string("v: ") + s + "\n");
    ASSERT_EQ(d.rc, PBIT_OK) << s;
    double v = -1;
    pbit_error_t err{};
    EXPECT_EQ(pbit_config_parse_double(&d.doc, pbit_config_map_value(d.doc.root, "v"), &v, &err),
              PBIT_ERR_CONFIG)
        << s;
    EXPECT_DOUBLE_EQ(v, -1) << s;
    EXPECT_EQ(err.col, 4) << s;
    EXPECT_NE(std::string(err.msg).find("v: "), std::string::npos) << err.msg;
  }
  const char* bad_ints[] = {"1.0", "1e2", "007", "9223372036854775808", "12a", "", "+"};
  for (const char* s : bad_ints) {
    Doc d(std::string("n: ") + s + "\n");
    ASSERT_EQ(d.rc, PBIT_OK) << s;
    long long v = -1;
    pbit_error_t err{};
    EXPECT_EQ(pbit_config_parse_int(&d.doc, pbit_config_map_value(d.doc.root, "n"), &v, &err),
              PBIT_ERR_CONFIG)
        << s;
    EXPECT_EQ(v, -1) << s;
  }
  Doc d("n: -9223372036854775808\n");
  long long v = 0;
  EXPECT_EQ(pbit_config_parse_int(&d.doc, pbit_config_map_value(d.doc.root, "n"), &v, nullptr),
            PBIT_OK);
  EXPECT_EQ(v, LLONG_MIN);
  EXPECT_EQ(pbit_config_parse_int(&d.doc, nullptr, &v, nullptr), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_config_parse_double(&d.doc, nullptr, nullptr, nullptr), PBIT_ERR_ARG);
}

// ---- device and Ising rules beyond single fields --------------------------------

int BindDevice(const std::string& text, pbit_device_t* d, pbit_error_t* err) {
  pbit_device_ideal(d);
  pbit_config_doc_t doc;
  int rc = pbit_config_doc_parse(&doc, "dev.yaml", text.data(), text.size(), err);
  if (rc == PBIT_OK)
    rc = pbit_config_bind_device(&doc, pbit_config_map_value(doc.root, "device"), d, err);
  pbit_config_doc_free(&doc);
  return rc;
}

TEST(ConfigDevice, CrossFieldRules) {
  pbit_device_t d;
  pbit_error_t err{};
  // A zero barrier next to dwell_ns is no conflict.
  EXPECT_EQ(BindDevice("device: {name: a, dwell_ns: 3, barrier_kt: 0}\n", &d, &err), PBIT_OK)
      << Format(err);
  EXPECT_DOUBLE_EQ(pbit_device_dwell_ns(&d), 3.0);
  // The boundaries are allowed.
  EXPECT_EQ(BindDevice("device: {name: a, faults: {stuck_at_0: 0.5, stuck_at_1: 0.5}, "
                       "dac: {bits: 24, full_scale: 1e-3}, barrier_kt: 60, "
                       "variation: {sigma_log_tau: 10}}\n",
                       &d, &err),
            PBIT_OK)
      << Format(err);
  EXPECT_EQ(d.dac_bits, 24);
  // full_scale without bits is fine; bits without full_scale is not.
  EXPECT_EQ(BindDevice("device: {name: a, dac: {full_scale: 2}}\n", &d, &err), PBIT_OK);
  EXPECT_EQ(BindDevice("device: {name: a, dac: {bits: 4}}\n", &d, &err), PBIT_ERR_CONFIG);
  EXPECT_EQ(err.col, 24);
  EXPECT_NE(std::string(err.msg).find("device.dac.full_scale"), std::string::npos);
}

TEST(ConfigDevice, FailureLeavesOutUnchanged) {
  pbit_device_t d, before;
  pbit_error_t err{};
  pbit_device_ideal(&d);
  d.beta = 7;
  before = d;
  pbit_config_doc_t doc;
  std::string text = "device: {name: a, beta: 2, dwell_ns: -1}\n";
  ASSERT_EQ(pbit_config_doc_parse(&doc, "d.yaml", text.data(), text.size(), &err), PBIT_OK);
  EXPECT_EQ(pbit_config_bind_device(&doc, pbit_config_map_value(doc.root, "device"), &d, &err),
            PBIT_ERR_CONFIG);
  EXPECT_EQ(std::memcmp(&d, &before, sizeof(d)), 0);
  pbit_config_doc_free(&doc);
}

TEST(ConfigIsing, LargestModelAndEdgeOrder) {
  std::string text = "ising:\n  n: 4096\n  beta: 0.5\n  h: [";
  for (int i = 0; i < 4096; i++) text += i > 0 ? ", 0" : "0";
  text += "]\n  J: [[4095, 0, -1.5], [0, 4095, 1]]\n";
  pbit_config_doc_t doc;
  pbit_error_t err{};
  ASSERT_EQ(pbit_config_doc_parse(&doc, "big.yaml", text.data(), text.size(), &err), PBIT_OK);
  pbit_ising_t m;
  // The reversed pair is the same coupling: refused where it repeats.
  EXPECT_EQ(pbit_config_bind_ising(&doc, pbit_config_map_value(doc.root, "ising"), &m, &err),
            PBIT_ERR_CONFIG);
  EXPECT_NE(std::string(err.msg).find("ising.J[1]: pair (0, 4095) already coupled by J[0]"),
            std::string::npos)
      << err.msg;
  EXPECT_EQ(m.h, nullptr);
  pbit_config_doc_free(&doc);

  text.replace(text.find("[0, 4095, 1]"), 12, "[1, 4094, 1]");
  ASSERT_EQ(pbit_config_doc_parse(&doc, "big.yaml", text.data(), text.size(), &err), PBIT_OK);
  ASSERT_EQ(pbit_config_bind_ising(&doc, pbit_config_map_value(doc.root, "ising"), &m, &err),
            PBIT_OK)
      << Format(err);
  EXPECT_EQ(m.n, 4096u);
  ASSERT_EQ(m.n_edges, 2u);
  EXPECT_EQ(m.edges[0].i, 4095u);  // kept as written
  EXPECT_EQ(m.edges[0].j, 0u);
  EXPECT_DOUBLE_EQ(m.edges[0].w, -1.5);
  pbit_ising_free(&m);
  pbit_config_doc_free(&doc);
}

}  // namespace

// Every shipped run config (configs/*.yaml) loads, names presets that exist,
// and describes a network the `small` datapath holds.
namespace {
TEST(ConfigRun, ShippedRunConfigsLoad) {
  std::vector<std::string> files = pbit_test::CorpusFiles(PBIT_REPO_PATH("configs"), "");
  int runs = 0;
  for (const std::string& path : files) {
    if (path.size() < 5 || path.compare(path.size() - 5, 5, ".yaml") != 0) continue;
    SCOPED_TRACE(path);
    pbit_run_config_t r;
    pbit_run_config_default(&r);
    pbit_error_t err{};
    ASSERT_EQ(pbit_config_load_run(path.c_str(), &r, &err), PBIT_OK) << Format(err);
    runs++;
    for (const char* kind : {"accel", "devices", "tech"}) {
      const char* name = kind[0] == 'a' ? r.accel : kind[0] == 'd' ? r.device : r.tech;
      std::string preset = PBIT_REPO_PATH(std::string("configs/") + kind + "/" + name + ".yaml");
      EXPECT_EQ(access(preset.c_str(), R_OK), 0) << preset;
    }
    for (uint32_t l = 0; l < r.bsff.layers; l++) {
      EXPECT_LE(pbit_bsff_layer_inputs(&r.bsff, l), 1024u);
      EXPECT_LE(r.bsff.units[l], 1024u);
    }
  }
  EXPECT_GE(runs, 5);
}
}  // namespace
