// Tests of the accelerator config: the `accel:` loader and binder
// (sim/config/config_accel.c), the shipped configs/accel/ presets, the accel
// corpus of malformed files, and pbit_dp_params_validate (sim/dp/dp_params.c).
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "../test_util.h"
#include "config/config.h"
#include "dp/dp_params.h"

namespace {

using pbit_test::Format;

// An `accel:` mapping with every key, one of them replaced or dropped.
std::string AccelText(const std::string& key = "", const std::string& value = "",
                      bool drop = false) {
  const std::vector<std::pair<std::string, std::string>> base = {
      {"name", "t"},       {"lanes", "4"},      {"weight_bits", "8"}, {"acc_bits", "12"},
      {"dac_bits", "6"},   {"scan_bits", "8"},  {"fifo_depth", "4"},  {"max_inputs", "64"},
      {"max_units", "16"}, {"clock_ns", "2.5"},
  };
  std::string text = "accel:\n";
  for (const auto& kv : base) {
    if (kv.first == key) {
      if (!drop) text += "  " + kv.first + ": " + value + "\n";
    } else {
      text += "  " + kv.first + ": " + kv.second + "\n";
    }
  }
  return text;
}

// Binds the `accel:` mapping of an in-memory document.
int Bind(const std::string& text, pbit_dp_params_t* p, pbit_error_t* err) {
  pbit_config_doc_t doc;
  int rc = pbit_config_doc_parse(&doc, "accel.yaml", text.data(), text.size(), err);
  if (rc == PBIT_OK)
    rc = pbit_config_bind_accel(&doc, pbit_config_map_value(doc.root, "accel"), p, err);
  pbit_config_doc_free(&doc);
  return rc;
}

// ---- the shipped configurations ----------------------------------------------

pbit_dp_params_t LoadPreset(const std::string& name) {
  pbit_dp_params_t p;
  std::memset(&p, 0, sizeof(p));
  pbit_error_t err{};
  std::string path = PBIT_REPO_PATH("configs/accel/" + name + ".yaml");
  EXPECT_EQ(pbit_config_load_accel(path.c_str(), &p, &err), PBIT_OK) << Format(err);
  return p;
}

TEST(AccelPresets, SmallMatchesTheDatapathDocDefaults) {
  pbit_dp_params_t p = LoadPreset("small");
  pbit_dp_params_t want = pbit_test::SmallAccel();
  EXPECT_STREQ(p.name, "small");
  EXPECT_EQ(p.lanes, want.lanes);
  EXPECT_EQ(p.weight_bits, want.weight_bits);
  EXPECT_EQ(p.acc_bits, want.acc_bits);
  EXPECT_EQ(p.dac_bits, want.dac_bits);
  EXPECT_EQ(p.scan_bits, want.scan_bits);
  EXPECT_EQ(p.fifo_depth, want.fifo_depth);
  EXPECT_EQ(p.max_inputs, want.max_inputs);
  EXPECT_EQ(p.max_units, want.max_units);
  EXPECT_DOUBLE_EQ(p.clock_ns, want.clock_ns);
}

TEST(AccelPresets, Wide) {
  pbit_dp_params_t p = LoadPreset("wide");
  EXPECT_STREQ(p.name, "wide");
  EXPECT_EQ(p.lanes, 64);
  EXPECT_EQ(p.weight_bits, 12);
  EXPECT_EQ(p.acc_bits, 20);
  EXPECT_EQ(p.dac_bits, 8);
  EXPECT_EQ(p.scan_bits, 64);
  EXPECT_EQ(p.fifo_depth, 32);
  EXPECT_EQ(p.max_inputs, 1024);
  EXPECT_EQ(p.max_units, 1024);
  EXPECT_DOUBLE_EQ(p.clock_ns, 2.0);
}

TEST(AccelPresets, Tiny) {
  pbit_dp_params_t p = LoadPreset("tiny");
  EXPECT_STREQ(p.name, "tiny");
  EXPECT_EQ(p.lanes, 4);
  EXPECT_EQ(p.weight_bits, 8);
  EXPECT_EQ(p.acc_bits, 12);
  EXPECT_EQ(p.dac_bits, 6);
  EXPECT_EQ(p.scan_bits, 8);
  EXPECT_EQ(p.fifo_depth, 4);
  EXPECT_EQ(p.max_inputs, 64);
  EXPECT_EQ(p.max_units, 16);
}

// Build products are named after the config (build/synth/<name>.log): the
// name inside must be the file's name, and every preset must validate.
TEST(AccelPresets, EveryPresetIsNamedAfterItsFileAndValid) {
  std::string dir = PBIT_REPO_PATH("configs/accel");
  DIR* d = opendir(dir.c_str());
  ASSERT_NE(d, nullptr) << dir;
  int n = 0;
  while (struct dirent* ent = readdir(d)) {
    std::string file = ent->d_name;
    if (file.size() <= 5 || file.compare(file.size() - 5, 5, ".yaml") != 0) continue;
    SCOPED_TRACE(file);
    n++;
    pbit_dp_params_t p = LoadPreset(file.substr(0, file.size() - 5));
    EXPECT_EQ(std::string(p.name) + ".yaml", file);
    pbit_error_t err{};
    EXPECT_EQ(pbit_dp_params_validate(&p, &err), PBIT_OK) << err.msg;
  }
  closedir(d);
  EXPECT_GE(n, 2);
}

// ---- the accel corpus of malformed files -------------------------------------

TEST(AccelCorpus, EveryFileFailsWhereItsCommentSays) {
  std::vector<std::string> files =
      pbit_test::CorpusFiles(PBIT_REPO_PATH("tests/config/corpus"), "accel-");
  ASSERT_GE(files.size(), 10u) << "accel corpus missing or too small";
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    pbit_test::CorpusExpect e;
    ASSERT_TRUE(pbit_test::ReadCorpusExpect(path, &e)) << "no '# expect: L:C text' line";
    pbit_dp_params_t p = pbit_test::SmallAccel(), before = pbit_test::SmallAccel();
    pbit_error_t err{};
    EXPECT_EQ(pbit_config_load_accel(path.c_str(), &p, &err), PBIT_ERR_CONFIG) << Format(err);
    EXPECT_EQ(std::memcmp(&p, &before, sizeof(p)), 0) << "out changed on failure";
    EXPECT_EQ(err.status, PBIT_ERR_CONFIG);
    EXPECT_STREQ(err.file, path.c_str());
    EXPECT_EQ(err.line, e.line) << Format(err);
    EXPECT_EQ(err.col, e.col) << Format(err);
    EXPECT_NE(std::string(err.msg).find(e.text), std::string::npos)
        << "'" << e.text << "' not in: " << err.msg;
  }
}

// ---- loader and binder ---------------------------------------------------------

TEST(AccelLoad, BadArguments) {
  pbit_dp_params_t p;
  pbit_error_t err{};
  std::string ok = PBIT_REPO_PATH("configs/accel/small.yaml");
  EXPECT_EQ(pbit_config_load_accel(nullptr, &p, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_config_load_accel(ok.c_str(), nullptr, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_config_load_accel(nullptr, &p, nullptr), PBIT_ERR_ARG);  // NULL err is fine
  EXPECT_EQ(pbit_config_bind_accel(nullptr, nullptr, &p, &err), PBIT_ERR_ARG);
  pbit_config_doc_t doc;
  std::string text = AccelText();
  ASSERT_EQ(pbit_config_doc_parse(&doc, "a.yaml", text.data(), text.size(), &err), PBIT_OK);
  EXPECT_EQ(pbit_config_bind_accel(&doc, nullptr, &p, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_config_bind_accel(&doc, doc.root, nullptr, &err), PBIT_ERR_ARG);
  pbit_config_doc_free(&doc);
}

TEST(AccelLoad, MissingFileIsIoErrorNamingTheFile) {
  const char* path = "/nonexistent/dir/small.yaml";
  pbit_dp_params_t p;
  pbit_error_t err{};
  EXPECT_EQ(pbit_config_load_accel(path, &p, &err), PBIT_ERR_IO);
  EXPECT_STREQ(err.file, path);
  EXPECT_NE(Format(err).find(path), std::string::npos);
}

TEST(AccelLoad, BindsEveryFieldFromAnEmbeddedMapping) {
  // A run config that embeds the datapath next to other sections.
  std::string text = "run:\n  seed: 1\n" + AccelText() + "other: {x: 1}\n";
  pbit_dp_params_t p = pbit_test::SmallAccel();
  pbit_error_t err{};
  ASSERT_EQ(Bind(text, &p, &err), PBIT_OK) << Format(err);
  EXPECT_STREQ(p.name, "t");
  EXPECT_EQ(p.lanes, 4);
  EXPECT_EQ(p.weight_bits, 8);
  EXPECT_EQ(p.acc_bits, 12);
  EXPECT_EQ(p.dac_bits, 6);
  EXPECT_EQ(p.scan_bits, 8);
  EXPECT_EQ(p.fifo_depth, 4);
  EXPECT_EQ(p.max_inputs, 64);
  EXPECT_EQ(p.max_units, 16);
  EXPECT_DOUBLE_EQ(p.clock_ns, 2.5);
}

TEST(AccelLoad, DocumentationKeysAreCheckedNotStored) {
  std::string text = AccelText("name", "t\n  description: \"a test\"\n  sources: [\"a\", \"b\"]");
  pbit_dp_params_t p = pbit_test::SmallAccel();
  pbit_error_t err{};
  EXPECT_EQ(Bind(text, &p, &err), PBIT_OK) << Format(err);
  EXPECT_EQ(Bind(AccelText("name", "t\n  description: [1]"), &p, &err), PBIT_ERR_CONFIG);
  EXPECT_NE(std::string(err.msg).find("accel.description"), std::string::npos) << err.msg;
}

TEST(AccelLoad, FailureLeavesOutUnchanged) {
  pbit_dp_params_t p = pbit_test::SmallAccel(), before = pbit_test::SmallAccel();
  pbit_error_t err{};
  EXPECT_EQ(Bind(AccelText("clock_ns", "-1"), &p, &err), PBIT_ERR_CONFIG);
  EXPECT_EQ(std::memcmp(&p, &before, sizeof(p)), 0);
  // A cross-field failure comes after every field was bound: still unchanged.
  EXPECT_EQ(Bind(AccelText("fifo_depth", "6"), &p, &err), PBIT_ERR_CONFIG);
  EXPECT_EQ(std::memcmp(&p, &before, sizeof(p)), 0);
}

// Every key is required: the file alone defines the hardware.
TEST(AccelErrors, EveryKeyIsRequired) {
  for (const char* key : {"name", "lanes", "weight_bits", "acc_bits", "dac_bits", "scan_bits",
                          "fifo_depth", "max_inputs", "max_units", "clock_ns"}) {
    SCOPED_TRACE(key);
    pbit_dp_params_t p = pbit_test::SmallAccel();
    pbit_error_t err{};
    EXPECT_EQ(Bind(AccelText(key, "", true), &p, &err), PBIT_ERR_CONFIG);
    EXPECT_NE(std::string(err.msg).find(std::string("accel.") + key + ": missing"),
              std::string::npos)
        << err.msg;
    EXPECT_EQ(err.line, 2);  // the enclosing mapping
    EXPECT_EQ(err.col, 3);
  }
}

// One case per error kind, each with its position and key path.
TEST(AccelErrors, EachKindNamesTheKeyAndPosition) {
  struct Case {
    std::string text;
    int line, col;
    std::string needle;
  } cases[] = {
      {AccelText("lanes", "0"), 3, 10, "accel.lanes: '0' is out of range: must be in [1, 256]"},
      {AccelText("lanes", "257"), 3, 10, "must be in [1, 256]"},
      {AccelText("weight_bits", "1"), 4, 16, "accel.weight_bits: '1' is out of range"},
      {AccelText("weight_bits", "33"), 4, 16, "must be in [2, 32]"},
      {AccelText("acc_bits", "49"), 5, 13, "must be in [2, 48]"},
      {AccelText("dac_bits", "25"), 6, 13, "must be in [2, 24]"},
      {AccelText("scan_bits", "0"), 7, 14, "accel.scan_bits"},
      {AccelText("fifo_depth", "8192"), 8, 15, "must be in [2, 4096]"},
      {AccelText("fifo_depth", "24"), 8, 15, "accel.fifo_depth: 24 is not a power of two"},
      {AccelText("max_inputs", "65537"), 9, 15, "must be in [1, 65536]"},
      {AccelText("max_units", "0"), 10, 14, "accel.max_units"},
      {AccelText("clock_ns", "0"), 11, 13, "accel.clock_ns: '0' is out of range: must be > 0"},
      {AccelText("clock_ns", "inf"), 11, 13, "accel.clock_ns"},
      {AccelText("lanes", "4.0"), 3, 10, "expected an integer"},
      {AccelText("lanes", "0x10"), 3, 10, "accel.lanes"},
      {AccelText("lanes", "\"4\""), 3, 10, "quoted"},
      {AccelText("lanes", "[4]"), 3, 10, "accel.lanes"},
      {AccelText("lanes", "true"), 3, 10, "accel.lanes"},
      {AccelText("name", "[a]"), 2, 9, "accel.name"},
      {AccelText("name", "\"\""), 2, 9, "accel.name: must not be empty"},
      {AccelText("name", "-x"), 2, 9, "accel.name: '-x' is not a valid name"},
      {AccelText("name", "a/b"), 2, 9, "not a valid name"},
      {AccelText("name", std::string(64, 'n')), 2, 9, "longer than 63 characters"},
      {AccelText("name", "t\n  lane: 4"), 3, 3, "accel.lane: unknown key"},
      {AccelText("name", "t\n  lanes: 4"), 4, 3, "duplicate key"},
      {"accel: []\n", 1, 8, "accel: expected a mapping"},
      {"accel:\n", 1, 7, "accel"},
      // Cross-field rules point at the later key of the two.
      {AccelText("acc_bits", "7"), 5, 3, "acc_bits = 7 must be >= weight_bits = 8"},
      {AccelText("dac_bits", "13"), 6, 3, "dac_bits = 13 must be <= acc_bits = 12"},
      {"accel: {name: t, lanes: 4, acc_bits: 10, weight_bits: 12, dac_bits: 6, scan_bits: 8, "
       "fifo_depth: 4, max_inputs: 4, max_units: 4, clock_ns: 1}\n",
       1, 42, "accel.weight_bits: acc_bits = 10 must be >= weight_bits = 12"},
      {"accel: {name: t, lanes: 4, weight_bits: 8, dac_bits: 10, acc_bits: 9, scan_bits: 8, "
       "fifo_depth: 4, max_inputs: 4, max_units: 4, clock_ns: 1}\n",
       1, 58, "accel.acc_bits: dac_bits = 10 must be <= acc_bits = 9"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    pbit_dp_params_t p = pbit_test::SmallAccel();
    pbit_error_t err{};
    EXPECT_EQ(Bind(c.text, &p, &err), PBIT_ERR_CONFIG);
    EXPECT_EQ(err.status, PBIT_ERR_CONFIG);
    EXPECT_STREQ(err.file, "accel.yaml");
    EXPECT_EQ(err.line, c.line) << Format(err);
    EXPECT_EQ(err.col, c.col) << Format(err);
    EXPECT_NE(std::string(err.msg).find(c.needle), std::string::npos) << err.msg;
  }
}

TEST(AccelErrors, BoundariesAreAllowed) {
  const std::vector<std::pair<std::string, std::string>> ok = {
      {"lanes", "1"},         {"lanes", "256"},       {"weight_bits", "2"}, {"acc_bits", "8"},
      {"dac_bits", "2"},      {"dac_bits", "12"},     {"scan_bits", "1"},   {"scan_bits", "256"},
      {"fifo_depth", "2"},    {"fifo_depth", "4096"}, {"max_inputs", "1"},  {"max_inputs", "65536"},
      {"max_units", "1"},     {"max_units", "65536"}, {"clock_ns", "1e-3"}, {"name", "a.b-c_9"},
      {"name", "\"quoted\""},
  };
  for (const auto& kv : ok) {
    SCOPED_TRACE(kv.first + ": " + kv.second);
    pbit_dp_params_t p = pbit_test::SmallAccel();
    pbit_error_t err{};
    EXPECT_EQ(Bind(AccelText(kv.first, kv.second), &p, &err), PBIT_OK) << Format(err);
  }
  // The widest datapath the struct allows.
  pbit_dp_params_t p = pbit_test::SmallAccel();
  pbit_error_t err{};
  EXPECT_EQ(Bind("accel: {name: max, lanes: 256, weight_bits: 32, acc_bits: 48, dac_bits: 24, "
                 "scan_bits: 256, fifo_depth: 4096, max_inputs: 65536, max_units: 65536, "
                 "clock_ns: 0.5}\n",
                 &p, &err),
            PBIT_OK)
      << Format(err);
  EXPECT_EQ(p.acc_bits, 48);
}

// ---- pbit_dp_params_validate ---------------------------------------------------

TEST(DpParamsValidate, AcceptsSmallAndBoundaries) {
  pbit_dp_params_t p = pbit_test::SmallAccel();
  pbit_error_t err{};
  EXPECT_EQ(pbit_dp_params_validate(&p, &err), PBIT_OK) << err.msg;
  p.acc_bits = p.weight_bits;
  p.dac_bits = p.acc_bits > 24 ? 24 : p.acc_bits;
  EXPECT_EQ(pbit_dp_params_validate(&p, &err), PBIT_OK) << err.msg;
  EXPECT_EQ(pbit_dp_params_validate(&p, nullptr), PBIT_OK);
}

TEST(DpParamsValidate, RejectsEachBadField) {
  struct Case {
    const char* field;
    void (*apply)(pbit_dp_params_t*);
  } cases[] = {
      {"lanes", [](pbit_dp_params_t* p) { p->lanes = 0; }},
      {"lanes", [](pbit_dp_params_t* p) { p->lanes = 257; }},
      {"weight_bits", [](pbit_dp_params_t* p) { p->weight_bits = 1; }},
      {"weight_bits", [](pbit_dp_params_t* p) { p->weight_bits = 33; }},
      {"acc_bits", [](pbit_dp_params_t* p) { p->acc_bits = 49; }},
      {"acc_bits", [](pbit_dp_params_t* p) { p->acc_bits = 15; }},  // < weight_bits
      {"dac_bits", [](pbit_dp_params_t* p) { p->dac_bits = 1; }},
      {"dac_bits", [](pbit_dp_params_t* p) { p->dac_bits = 25; }},
      {"dac_bits",
       [](pbit_dp_params_t* p) {
         p->acc_bits = p->weight_bits = 4;
         p->dac_bits = 5;
       }},
      {"scan_bits", [](pbit_dp_params_t* p) { p->scan_bits = 0; }},
      {"scan_bits", [](pbit_dp_params_t* p) { p->scan_bits = 257; }},
      {"fifo_depth", [](pbit_dp_params_t* p) { p->fifo_depth = 1; }},
      {"fifo_depth", [](pbit_dp_params_t* p) { p->fifo_depth = 12; }},
      {"fifo_depth", [](pbit_dp_params_t* p) { p->fifo_depth = 8192; }},
      {"fifo_depth", [](pbit_dp_params_t* p) { p->fifo_depth = -4; }},
      {"max_inputs", [](pbit_dp_params_t* p) { p->max_inputs = 0; }},
      {"max_inputs", [](pbit_dp_params_t* p) { p->max_inputs = 65537; }},
      {"max_units", [](pbit_dp_params_t* p) { p->max_units = -1; }},
      {"max_units", [](pbit_dp_params_t* p) { p->max_units = 1 << 20; }},
      {"clock_ns", [](pbit_dp_params_t* p) { p->clock_ns = 0; }},
      {"clock_ns", [](pbit_dp_params_t* p) { p->clock_ns = -1; }},
      {"clock_ns", [](pbit_dp_params_t* p) { p->clock_ns = std::nan(""); }},
      {"clock_ns",
       [](pbit_dp_params_t* p) { p->clock_ns = std::numeric_limits<double>::infinity(); }},
      {"name", [](pbit_dp_params_t* p) { p->name[0] = '\0'; }},
      {"name", [](pbit_dp_params_t* p) { std::snprintf(p->name, sizeof(p->name), "a b"); }},
      {"name", [](pbit_dp_params_t* p) { std::snprintf(p->name, sizeof(p->name), ".hidden"); }},
      {"name", [](pbit_dp_params_t* p) { std::memset(p->name, 'x', sizeof(p->name)); }},
  };
  for (const Case& c : cases) {
    pbit_dp_params_t p = pbit_test::SmallAccel();
    c.apply(&p);
    SCOPED_TRACE(c.field);
    pbit_error_t err{};
    EXPECT_EQ(pbit_dp_params_validate(&p, &err), PBIT_ERR_ARG);
    EXPECT_EQ(err.status, PBIT_ERR_ARG);
    EXPECT_NE(std::string(err.msg).find(c.field), std::string::npos) << err.msg;
    EXPECT_EQ(pbit_dp_params_validate(&p, nullptr), PBIT_ERR_ARG);  // NULL err is fine
  }
  EXPECT_EQ(pbit_dp_params_validate(nullptr, nullptr), PBIT_ERR_ARG);
}

}  // namespace
