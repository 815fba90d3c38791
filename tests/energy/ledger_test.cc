// Tests of the energy model: the technology table and its loader
// (sim/energy/tech.c, sim/config/config_tech.c), the pricing rules and the
// ledger (sim/energy/ledger.c).
#include "energy/ledger.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../test_util.h"
#include "config/config.h"
#include "energy/tech.h"

namespace {

using pbit_test::Format;

pbit_energy_tech_t H45() {
  pbit_energy_tech_t t;
  pbit_energy_tech_horowitz45(&t);
  return t;
}

pbit_dp_counters_t DpCounts() {
  pbit_dp_counters_t c;
  std::memset(&c, 0, sizeof(c));
  c.v[PBIT_DP_CNT_CYCLES] = 5000;
  c.v[PBIT_DP_CNT_INDICES] = 300;
  c.v[PBIT_DP_CNT_SRAM_READS] = 19200;
  c.v[PBIT_DP_CNT_SRAM_WRITES] = 640;
  c.v[PBIT_DP_CNT_LANE_ADDS] = 307200;
  c.v[PBIT_DP_CNT_DAC_CODES] = 1024;
  return c;
}

pbit_counters_t PbitCounts() {
  pbit_counters_t c{};
  c.samples = 10240;
  c.flips = 3001;
  c.dac_writes = 777;
  c.pbit_cycles = 5120000;
  c.cycles = 5000;
  return c;
}

pbit_device_t Device() {
  pbit_device_t d;
  pbit_device_ideal(&d);
  std::snprintf(d.name, sizeof(d.name), "test");
  d.energy_sample_fj = 20.0;
  d.energy_flip_fj = 3.3;
  d.energy_dac_write_fj = 7.0;
  d.static_power_nw = 1.5;
  return d;
}

pbit_ff_counters_t FfCounts() {
  pbit_ff_counters_t c;
  std::memset(&c, 0, sizeof(c));
  c.forward.mul = 1000000;
  c.forward.add = 1000000;
  c.forward.cmp = 500;
  c.forward.nonlin = 1000;
  c.forward.weight_reads = 1000000;
  c.forward.act_reads = 2000;
  c.forward.act_writes = 1000;
  c.score.mul = 300;
  c.score.add = 300;
  c.goodness.mul = 20;
  c.goodness.div = 4;
  c.update.mul = 2000000;
  c.update.add = 2000000;
  c.update.weight_reads = 1000000;
  c.update.weight_writes = 1000000;
  c.update.state_reads = 2000000;
  c.update.state_writes = 2000000;
  c.readout.mul = 5000;
  c.train_examples = 1;
  return c;
}

const pbit_energy_ff_mem_t kFfMem = {1024.0 * 1024 * 32, 4096.0 * 32};

// Everything priced at once: datapath (two phases), p-bits, FF baseline.
void BuildAll(const pbit_energy_tech_t& t, pbit_energy_ledger_t* l) {
  pbit_error_t err{};
  pbit_energy_ledger_init(l);
  pbit_dp_params_t p = pbit_test::SmallAccel();
  pbit_dp_counters_t dc = DpCounts();
  ASSERT_EQ(pbit_energy_add_dp(l, PBIT_ENERGY_FORWARD, &dc, &p, &t, &err), PBIT_OK) << Format(err);
  dc.v[PBIT_DP_CNT_SRAM_WRITES] = 19200;
  ASSERT_EQ(pbit_energy_add_dp(l, PBIT_ENERGY_UPDATE, &dc, &p, &t, &err), PBIT_OK) << Format(err);
  pbit_counters_t pc = PbitCounts();
  pbit_device_t d = Device();
  ASSERT_EQ(pbit_energy_add_pbits(l, PBIT_ENERGY_SAMPLING, &pc, &d, p.clock_ns, &err), PBIT_OK)
      << Format(err);
  pbit_ff_counters_t fc = FfCounts();
  ASSERT_EQ(pbit_energy_add_ff(l, &fc, &kFfMem, &t, &err), PBIT_OK) << Format(err);
}

// Static energy: SRAM leakage x bits x clock per tile-cycle, only in the
// static component, in proportion to the table's leakage, none without it.
TEST(EnergyLedger, SramLeakageIsPowerTimesTime) {
  pbit_energy_tech_t t = H45();
  pbit_dp_params_t p = pbit_test::SmallAccel();
  pbit_error_t err{};
  const double bits = (1024.0 + 1) * 64 * 256;  // weight rows + bias row, 64 words of 256 bits
  EXPECT_DOUBLE_EQ(pbit_energy_sram_bits(&p), bits);
  auto l = std::make_unique<pbit_energy_ledger_t>();
  pbit_energy_ledger_init(l.get());
  ASSERT_EQ(pbit_energy_add_leakage(l.get(), PBIT_ENERGY_UPDATE, 1000000, &p, &t, &err), PBIT_OK)
      << Format(err);
  ASSERT_EQ(l->n, 1u);
  EXPECT_EQ(l->e[0].component, PBIT_ENERGY_STATIC);
  // 45 pW x 16.8 Mbit x 2 ns = 1.51 pJ per tile-cycle.
  EXPECT_NEAR(l->e[0].pj_each, 45.0 * bits * p.clock_ns * 1e-9, 1e-12);
  double e1 = pbit_energy_aj_to_pj(pbit_energy_ledger_sum_aj(l.get(), PBIT_ENERGY_STATIC, -1));
  t.sram_leak_pw_per_bit *= 2;
  pbit_energy_ledger_init(l.get());
  ASSERT_EQ(pbit_energy_add_leakage(l.get(), PBIT_ENERGY_UPDATE, 1000000, &p, &t, &err), PBIT_OK);
  EXPECT_NEAR(pbit_energy_aj_to_pj(pbit_energy_ledger_sum_aj(l.get(), -1, -1)), 2 * e1, 1e-6 * e1);
  t.sram_leak_pw_per_bit = 0;
  pbit_energy_ledger_init(l.get());
  ASSERT_EQ(pbit_energy_add_leakage(l.get(), PBIT_ENERGY_UPDATE, 1000000, &p, &t, &err), PBIT_OK);
  EXPECT_TRUE(pbit_energy_ledger_sum_aj(l.get(), -1, -1) == 0);  // not priced: visible, 0 pJ
  t.sram_leak_pw_per_bit = -1;
  EXPECT_EQ(pbit_energy_add_leakage(l.get(), PBIT_ENERGY_UPDATE, 1, &p, &t, &err), PBIT_ERR_ARG);
}

// ---- the table and its loader ----------------------------------------------

TEST(EnergyTech, ShippedTableEqualsBuiltIn) {
  pbit_energy_tech_t t;
  pbit_error_t err{};
  std::string path = PBIT_REPO_PATH("configs/tech/horowitz45.yaml");
  ASSERT_EQ(pbit_config_load_tech(path.c_str(), &t, &err), PBIT_OK) << Format(err);
  pbit_energy_tech_t h = H45();
  EXPECT_EQ(std::memcmp(&t, &h, sizeof(t)), 0);
  EXPECT_EQ(pbit_energy_tech_validate(&t, &err), PBIT_OK);
}

TEST(EnergyTech, ShippedNodeVariantDiffersOnlyInNode) {
  pbit_energy_tech_t t;
  pbit_error_t err{};
  std::string path = PBIT_REPO_PATH("configs/tech/horowitz45-22nm.yaml");
  ASSERT_EQ(pbit_config_load_tech(path.c_str(), &t, &err), PBIT_OK) << Format(err);
  EXPECT_EQ(t.node_nm, 22);
  pbit_energy_tech_t h = H45();
  h.node_nm = 22;
  std::snprintf(h.name, sizeof(h.name), "%s", t.name);
  EXPECT_EQ(std::memcmp(&t, &h, sizeof(t)), 0);
}

TEST(EnergyTech, NodeFactors) {
  EXPECT_EQ(pbit_energy_node_factor(45), 1.0);
  EXPECT_EQ(pbit_energy_node_factor(22), 0.59);
  EXPECT_EQ(pbit_energy_node_factor(16), 0.17);
  EXPECT_EQ(pbit_energy_node_factor(7), 0.094);
  EXPECT_EQ(pbit_energy_node_factor(28), 0.0);
}

TEST(EnergyTech, ValidateRejects) {
  pbit_error_t err{};
  EXPECT_EQ(pbit_energy_tech_validate(nullptr, &err), PBIT_ERR_ARG);
  pbit_energy_tech_t t = H45();
  t.node_nm = 10;
  EXPECT_EQ(pbit_energy_tech_validate(&t, &err), PBIT_ERR_ARG);
  t = H45();
  t.sram_read_pj[2] = 5.0;
  EXPECT_EQ(pbit_energy_tech_validate(&t, &err), PBIT_ERR_ARG);
  EXPECT_NE(std::string(err.msg).find("sram.read"), std::string::npos) << err.msg;
  t = H45();
  t.fp32_mult_pj = NAN;
  EXPECT_EQ(pbit_energy_tech_validate(&t, &err), PBIT_ERR_ARG);
}

TEST(EnergyTech, WritesDefaultToReadsUnlessGiven) {
  std::string text =
      "tech:\n  name: w\n  convention: horowitz2014_per_op_sram64\n  node_nm: 45\n"
      "  voltage_v: 0.9\n  int_add_pj: {bits_8: 0.03, bits_16: 0.05, bits_32: 0.1}\n"
      "  int_mult_pj: {bits_8: 0.2, bits_32: 3.1}\n  fp16_pj: {add: 0.4, mult: 1.1}\n"
      "  fp32_pj: {add: 0.9, mult: 3.7}\n"
      "  sram_64bit_pj: {read_8kb: 10, read_32kb: 20, read_1mb: 100, write_32kb: 25}\n"
      "  dram_64bit_pj: 1300\n";
  pbit_config_doc_t doc;
  pbit_error_t err{};
  ASSERT_EQ(pbit_config_doc_parse(&doc, "w.yaml", text.data(), text.size(), &err), PBIT_OK);
  pbit_energy_tech_t t;
  ASSERT_EQ(pbit_config_bind_tech(&doc, pbit_config_map_value(doc.root, "tech"), &t, &err), PBIT_OK)
      << Format(err);
  pbit_config_doc_free(&doc);
  EXPECT_EQ(t.sram_write_pj[0], 10.0);
  EXPECT_EQ(t.sram_write_pj[1], 25.0);
  EXPECT_EQ(t.sram_write_pj[2], 100.0);
}

TEST(EnergyTech, LoaderBadArguments) {
  pbit_energy_tech_t t = H45(), before = H45();
  pbit_error_t err{};
  std::string ok = PBIT_REPO_PATH("configs/tech/horowitz45.yaml");
  EXPECT_EQ(pbit_config_load_tech(nullptr, &t, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_config_load_tech(ok.c_str(), nullptr, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_config_load_tech("/nonexistent/t.yaml", &t, &err), PBIT_ERR_IO);
  EXPECT_EQ(pbit_config_bind_tech(nullptr, nullptr, &t, &err), PBIT_ERR_ARG);
  EXPECT_EQ(std::memcmp(&t, &before, sizeof(t)), 0);
}

TEST(EnergyTech, CorpusFailsWhereItsCommentSays) {
  std::vector<std::string> files =
      pbit_test::CorpusFiles(PBIT_REPO_PATH("tests/config/corpus"), "tech-");
  ASSERT_GE(files.size(), 6u) << "tech corpus missing or too small";
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    pbit_test::CorpusExpect e;
    ASSERT_TRUE(pbit_test::ReadCorpusExpect(path, &e)) << "no '# expect: L:C text' line";
    const int line = e.line, col = e.col;
    const std::string& text = e.text;
    pbit_energy_tech_t t = H45(), before = H45();
    pbit_error_t err{};
    EXPECT_EQ(pbit_config_load_tech(path.c_str(), &t, &err), PBIT_ERR_CONFIG) << Format(err);
    EXPECT_EQ(std::memcmp(&t, &before, sizeof(t)), 0) << "out changed on failure";
    EXPECT_STREQ(err.file, path.c_str());
    EXPECT_EQ(err.line, line) << Format(err);
    EXPECT_EQ(err.col, col) << Format(err);
    EXPECT_NE(std::string(err.msg).find(text), std::string::npos)
        << "'" << text << "' not in: " << err.msg;
  }
}

// ---- pricing rules ------------------------------------------------------------

TEST(EnergyPricing, WidthRules) {
  pbit_energy_tech_t t = H45();
  EXPECT_EQ(pbit_energy_int_add_pj(&t, 8), 0.03);
  EXPECT_EQ(pbit_energy_int_add_pj(&t, 16), 0.05);
  EXPECT_EQ(pbit_energy_int_add_pj(&t, 32), 0.1);
  EXPECT_DOUBLE_EQ(pbit_energy_int_add_pj(&t, 24), 0.1 * 24 / 32);  // log2: 24 nearer 32
  EXPECT_DOUBLE_EQ(pbit_energy_int_add_pj(&t, 4), 0.03 * 4 / 8);
  EXPECT_DOUBLE_EQ(pbit_energy_int_add_pj(&t, 48), 0.1 * 48 / 32);
  EXPECT_DOUBLE_EQ(pbit_energy_int_add_pj(&t, 64), 0.1 * 2);
  EXPECT_EQ(pbit_energy_int_mult_pj(&t, 8), 0.2);
  EXPECT_EQ(pbit_energy_int_mult_pj(&t, 32), 3.1);
  EXPECT_DOUBLE_EQ(pbit_energy_int_mult_pj(&t, 64), 3.1 * 4);  // quadratic
  EXPECT_DOUBLE_EQ(pbit_energy_int_mult_pj(&t, 4), 0.2 / 4);
  EXPECT_DOUBLE_EQ(pbit_energy_int_mult_pj(&t, 16), 3.1 / 4);  // tie in log2 -> wider
  for (int b = 2; b <= 64; b++) {
    EXPECT_GT(pbit_energy_int_add_pj(&t, b), 0.0) << b;
    EXPECT_GT(pbit_energy_int_mult_pj(&t, b), 0.0) << b;
  }
  EXPECT_TRUE(std::isnan(pbit_energy_int_add_pj(&t, 0)));
  EXPECT_TRUE(std::isnan(pbit_energy_int_add_pj(&t, 65)));
  EXPECT_TRUE(std::isnan(pbit_energy_int_mult_pj(nullptr, 8)));
}

TEST(EnergyPricing, SramHitsTablePointsExactly) {
  pbit_energy_tech_t t = H45();
  const double kb = 8.0 * 1024;  // bits per KiB
  EXPECT_EQ(pbit_energy_sram_access_pj(&t, 8 * kb, 64, 0), 10.0);
  EXPECT_EQ(pbit_energy_sram_access_pj(&t, 32 * kb, 64, 0), 20.0);
  EXPECT_EQ(pbit_energy_sram_access_pj(&t, 1024 * kb, 64, 0), 100.0);
  EXPECT_EQ(pbit_energy_sram_access_pj(&t, 32 * kb, 64, 1), 20.0);
  EXPECT_EQ(pbit_energy_sram_access_pj(&t, 32 * kb, 32, 0), 10.0);  // linear in width
  EXPECT_EQ(pbit_energy_sram_access_pj(&t, 32 * kb, 256, 0), 80.0);
  // Midpoint in log2(capacity): 16 KiB is halfway from 8 to 32 KiB.
  EXPECT_DOUBLE_EQ(pbit_energy_sram_access_pj(&t, 16 * kb, 64, 0), 15.0);
  // Top end: the last slope (80 pJ over 5 doublings) continues.
  EXPECT_DOUBLE_EQ(pbit_energy_sram_access_pj(&t, 2048 * kb, 64, 0), 116.0);
  EXPECT_TRUE(std::isnan(pbit_energy_sram_access_pj(&t, 0.5, 64, 0)));
  EXPECT_TRUE(std::isnan(pbit_energy_sram_access_pj(&t, 1024, 0, 0)));
}

TEST(EnergyPricing, SramMonotoneAndPositiveInCapacity) {
  pbit_energy_tech_t t = H45();
  double prev = 0.0;
  for (double bits = 1.0; bits <= 1e11; bits *= 1.37) {
    double e = pbit_energy_sram_access_pj(&t, bits, 64, 0);
    EXPECT_GT(e, prev) << bits;
    prev = e;
  }
  // The bottom end is continuous with the first segment at 8 KiB.
  const double at = 8.0 * 1024 * 8;
  EXPECT_NEAR(pbit_energy_sram_access_pj(&t, at * 0.999999, 64, 0), 10.0, 1e-4);
  EXPECT_NEAR(pbit_energy_sram_access_pj(&t, at * 1.000001, 64, 0), 10.0, 1e-4);
}

TEST(EnergyPricing, NodeScalesEveryTableEnergy) {
  pbit_energy_tech_t a = H45(), b = H45();
  b.node_nm = 7;
  for (int bits : {3, 8, 12, 24, 40}) {
    EXPECT_DOUBLE_EQ(pbit_energy_int_add_pj(&b, bits), 0.094 * pbit_energy_int_add_pj(&a, bits));
    EXPECT_DOUBLE_EQ(pbit_energy_int_mult_pj(&b, bits), 0.094 * pbit_energy_int_mult_pj(&a, bits));
  }
  for (double cap : {100.0, 1e5, 3e6, 1e9})
    EXPECT_DOUBLE_EQ(pbit_energy_sram_access_pj(&b, cap, 128, 1),
                     0.094 * pbit_energy_sram_access_pj(&a, cap, 128, 1));
}

// ---- the ledger ---------------------------------------------------------------

TEST(EnergyLedger, BreakdownAddsUpExactly) {
  auto l = std::make_unique<pbit_energy_ledger_t>();
  BuildAll(H45(), l.get());
  ASSERT_GT(l->n, 10u);
  int64_t total = pbit_energy_ledger_sum_aj(l.get(), -1, -1);
  int64_t by_comp = 0, by_phase = 0, cells = 0, entries = 0;
  for (int c = 0; c < PBIT_ENERGY_NUM_COMPONENTS; c++)
    by_comp += pbit_energy_ledger_sum_aj(l.get(), c, -1);
  for (int p = 0; p < PBIT_ENERGY_NUM_PHASES; p++) {
    by_phase += pbit_energy_ledger_sum_aj(l.get(), -1, p);
    for (int c = 0; c < PBIT_ENERGY_NUM_COMPONENTS; c++)
      cells += pbit_energy_ledger_sum_aj(l.get(), c, p);
  }
  for (size_t i = l->n; i-- > 0;) entries += l->e[i].aj;
  EXPECT_EQ(by_comp, total);
  EXPECT_EQ(by_phase, total);
  EXPECT_EQ(cells, total);
  EXPECT_EQ(entries, total);
  EXPECT_GT(total, 0);
  // Each entry is its count x pj_each, rounded once.
  for (size_t i = 0; i < l->n; i++) {
    const pbit_energy_entry_t& e = l->e[i];
    EXPECT_NEAR(static_cast<double>(e.aj), static_cast<double>(e.count) * e.pj_each * 1e6, 0.5)
        << e.action;
    EXPECT_GT(e.count, 0u);
    EXPECT_GT(std::strlen(e.source), 0u);
  }
}

TEST(EnergyLedger, DatapathEntriesFollowTheRules) {
  auto l = std::make_unique<pbit_energy_ledger_t>();
  pbit_energy_ledger_init(l.get());
  pbit_energy_tech_t t = H45();
  pbit_dp_params_t p = pbit_test::SmallAccel();
  pbit_dp_counters_t c = DpCounts();
  pbit_error_t err{};
  ASSERT_EQ(pbit_energy_add_dp(l.get(), PBIT_ENERGY_FORWARD, &c, &p, &t, &err), PBIT_OK);
  // small: 1024 x 64 words of 256 bits = 16 Mibit = 2 MiB weight SRAM.
  const double cap = 1024.0 * 64 * 256;
  bool read = false, add = false;
  for (size_t i = 0; i < l->n; i++) {
    const pbit_energy_entry_t& e = l->e[i];
    if (std::string(e.action) == "word_read") {
      read = true;
      EXPECT_EQ(e.component, PBIT_ENERGY_WEIGHT_SRAM);
      EXPECT_EQ(e.count, 19200u);
      EXPECT_EQ(e.pj_each, pbit_energy_sram_access_pj(&t, cap, 256, 0));
      EXPECT_DOUBLE_EQ(e.pj_each, 116.0 * 4);
      EXPECT_NE(std::string(e.source).find("horowitz45:sram_64bit_pj.read@2048KiB*(256/64)"),
                std::string::npos)
          << e.source;
    }
    if (std::string(e.action) == "lane_add") {
      add = true;
      EXPECT_EQ(e.component, PBIT_ENERGY_ACCUMULATORS);
      EXPECT_DOUBLE_EQ(e.pj_each, 0.1 * 24 / 32);
      EXPECT_NE(std::string(e.source).find("int_add_pj.bits_32*(24/32)"), std::string::npos);
    }
  }
  EXPECT_TRUE(read);
  EXPECT_TRUE(add);
}

TEST(EnergyLedger, PbitEntriesAndStaticEnergy) {
  auto l = std::make_unique<pbit_energy_ledger_t>();
  pbit_energy_ledger_init(l.get());
  pbit_counters_t c = PbitCounts();
  pbit_device_t d = Device();
  pbit_error_t err{};
  ASSERT_EQ(pbit_energy_add_pbits(l.get(), PBIT_ENERGY_SAMPLING, &c, &d, 2.0, &err), PBIT_OK);
  // static: 5.12e6 p-bit-cycles x 2 ns x 1.5 nW = 1.536e7 aJ
  EXPECT_EQ(pbit_energy_ledger_sum_aj(l.get(), PBIT_ENERGY_STATIC, -1), 15360000);
  // samples 10240 x 20 fJ = 204.8 pJ
  EXPECT_EQ(pbit_energy_ledger_sum_aj(l.get(), PBIT_ENERGY_PBITS, -1),
            llround(10240 * 20.0e3) + llround(3001 * 3.3e3));
  EXPECT_EQ(pbit_energy_ledger_sum_aj(l.get(), PBIT_ENERGY_DAC, -1), llround(777 * 7.0e3));
  EXPECT_EQ(pbit_energy_add_pbits(l.get(), PBIT_ENERGY_SAMPLING, &c, &d, 0.0, &err), PBIT_ERR_ARG);
}

// Doubling one table entry changes exactly the entries priced from it, in
// proportion, and nothing else.
TEST(EnergyLedger, DoublingOneEntryChangesOnlyItsComponent) {
  auto base = std::make_unique<pbit_energy_ledger_t>();
  auto mod = std::make_unique<pbit_energy_ledger_t>();
  pbit_energy_tech_t t = H45();
  BuildAll(t, base.get());
  t.fp32_mult_pj *= 2;
  BuildAll(t, mod.get());
  ASSERT_EQ(base->n, mod->n);
  for (size_t i = 0; i < base->n; i++) {
    const pbit_energy_entry_t &a = base->e[i], &b = mod->e[i];
    SCOPED_TRACE(a.action);
    EXPECT_EQ(a.count, b.count);
    if (std::string(a.action) == "fp32_mult") {
      EXPECT_EQ(b.pj_each, 2 * a.pj_each);
      EXPECT_EQ(b.aj, 2 * a.aj);
    } else {
      EXPECT_EQ(b.pj_each, a.pj_each);
      EXPECT_EQ(b.aj, a.aj);
    }
  }
  // The same for the 1 MB SRAM point: every SRAM above 32 KiB moves, nothing else.
  t = H45();
  t.sram_read_pj[2] *= 2;
  BuildAll(t, mod.get());
  for (size_t i = 0; i < base->n; i++) {
    const pbit_energy_entry_t &a = base->e[i], &b = mod->e[i];
    std::string act = a.action;
    bool sram_read = act == "word_read" || act == "weight_read";
    if (!sram_read)
      EXPECT_EQ(b.aj, a.aj) << act;
    else
      EXPECT_GT(b.aj, a.aj) << act;
  }
}

TEST(EnergyLedger, NodeChangeScalesTableEnergiesNotDeviceEnergies) {
  auto a = std::make_unique<pbit_energy_ledger_t>();
  auto b = std::make_unique<pbit_energy_ledger_t>();
  pbit_energy_tech_t t = H45();
  BuildAll(t, a.get());
  t.node_nm = 22;
  BuildAll(t, b.get());
  ASSERT_EQ(a->n, b->n);
  for (size_t i = 0; i < a->n; i++) {
    const pbit_energy_entry_t &x = a->e[i], &y = b->e[i];
    SCOPED_TRACE(x.action);
    bool device = x.component == PBIT_ENERGY_PBITS || x.component == PBIT_ENERGY_DAC ||
                  x.component == PBIT_ENERGY_STATIC;
    if (device)
      EXPECT_EQ(y.pj_each, x.pj_each);
    else
      EXPECT_DOUBLE_EQ(y.pj_each, 0.59 * x.pj_each);
  }
}

TEST(EnergyLedger, AddRejectsBadArguments) {
  auto l = std::make_unique<pbit_energy_ledger_t>();
  pbit_energy_ledger_init(l.get());
  pbit_error_t err{};
  EXPECT_EQ(pbit_energy_ledger_add(nullptr, 0, 0, "a", 1, 1.0, "s", &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_energy_ledger_add(l.get(), -1, 0, "a", 1, 1.0, "s", &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_energy_ledger_add(l.get(), 0, PBIT_ENERGY_NUM_PHASES, "a", 1, 1.0, "s", &err),
            PBIT_ERR_ARG);
  EXPECT_EQ(pbit_energy_ledger_add(l.get(), 0, 0, "", 1, 1.0, "s", &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_energy_ledger_add(l.get(), 0, 0, "a", 1, 1.0, nullptr, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_energy_ledger_add(l.get(), 0, 0, "a", 1, -1.0, "s", &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_energy_ledger_add(l.get(), 0, 0, "a", 1, NAN, "s", &err), PBIT_ERR_ARG);
  // 1.8e19 x 1e12 pJ = 1.8e37 aJ: beyond PBIT_ENERGY_MAX_AJ.
  EXPECT_EQ(pbit_energy_ledger_add(l.get(), 0, 0, "a", UINT64_MAX, 1e12, "s", &err), PBIT_ERR_ARG);
  EXPECT_EQ(l->n, 0u);
  // A whole training run: 1.8e19 x 1 pJ = 18 J, past int64 attojoules, fits;
  // the entry is the double product count x pj_each x 1e6 (2^64 here),
  // printed exactly.
  ASSERT_EQ(pbit_energy_ledger_add(l.get(), 0, 0, "a", UINT64_MAX, 1.0, "s", &err), PBIT_OK);
  EXPECT_TRUE(pbit_energy_ledger_sum_aj(l.get(), -1, -1) ==
              static_cast<pbit_energy_aj_t>(18446744073709551616.0 * 1e6));
  EXPECT_DOUBLE_EQ(pbit_energy_aj_to_pj(pbit_energy_ledger_sum_aj(l.get(), -1, -1)),
                   static_cast<double>(UINT64_MAX));
  std::string csv;
  {
    char* buf = nullptr;
    size_t len = 0;
    FILE* f = open_memstream(&buf, &len);
    ASSERT_EQ(pbit_energy_ledger_write_csv(l.get(), f, &err), PBIT_OK);
    fclose(f);
    csv.assign(buf, len);
    free(buf);
  }
  EXPECT_NE(csv.find(",18446744073709551616.000000,"), std::string::npos) << csv;
  pbit_energy_ledger_init(l.get());
  for (int i = 0; i < PBIT_ENERGY_MAX_ENTRIES; i++)
    ASSERT_EQ(pbit_energy_ledger_add(l.get(), 0, 0, "a", 1, 1.0, "s", &err), PBIT_OK);
  EXPECT_EQ(pbit_energy_ledger_add(l.get(), 0, 0, "a", 1, 1.0, "s", &err), PBIT_ERR_RUNTIME);

  pbit_energy_tech_t t = H45();
  pbit_dp_params_t p = pbit_test::SmallAccel();
  pbit_dp_counters_t c = DpCounts();
  pbit_energy_ledger_init(l.get());
  EXPECT_EQ(pbit_energy_add_dp(l.get(), 0, &c, &p, nullptr, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_energy_add_dp(l.get(), 9, &c, &p, &t, &err), PBIT_ERR_ARG);
  p.lanes = 0;
  EXPECT_EQ(pbit_energy_add_dp(l.get(), 0, &c, &p, &t, &err), PBIT_ERR_ARG);
  pbit_ff_counters_t fc = FfCounts();
  pbit_energy_ff_mem_t mem = {0.0, 1.0};
  EXPECT_EQ(pbit_energy_add_ff(l.get(), &fc, &mem, &t, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_energy_add_ff(l.get(), nullptr, &kFfMem, &t, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_energy_add_pbits(l.get(), 0, nullptr, nullptr, 1.0, &err), PBIT_ERR_ARG);
  EXPECT_EQ(l->n, 0u);
  EXPECT_EQ(pbit_energy_ledger_write_csv(nullptr, stdout, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_energy_ledger_write_json(l.get(), nullptr, &err), PBIT_ERR_ARG);
}

std::string Write(const pbit_energy_ledger_t* l, bool json) {
  char* buf = nullptr;
  size_t len = 0;
  FILE* f = open_memstream(&buf, &len);
  pbit_error_t err{};
  int rc =
      json ? pbit_energy_ledger_write_json(l, f, &err) : pbit_energy_ledger_write_csv(l, f, &err);
  std::fclose(f);
  std::string s(buf, len);
  std::free(buf);
  EXPECT_EQ(rc, PBIT_OK);
  return s;
}

TEST(EnergyLedger, CsvRowsAndJsonTotals) {
  auto l = std::make_unique<pbit_energy_ledger_t>();
  BuildAll(H45(), l.get());
  std::string csv = Write(l.get(), false);
  std::istringstream in(csv);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(line, "component,phase,action,count,pj_each,pj_total,source");
  size_t rows = 0;
  while (std::getline(in, line)) rows++;
  EXPECT_EQ(rows, l->n);
  std::string json = Write(l.get(), true);
  char total[64];
  int64_t aj = pbit_energy_ledger_sum_aj(l.get(), -1, -1);
  std::snprintf(total, sizeof(total), "\"total_pj\": %lld.%06lld", (long long)(aj / 1000000),
                (long long)(aj % 1000000));
  EXPECT_NE(json.find(total), std::string::npos) << json.substr(0, 200);
  EXPECT_NE(json.find("\"by_component\": {\"weight_sram\": "), std::string::npos);
  EXPECT_NE(json.find("\"source\": \"unpriced (not in the table)\""), std::string::npos);
  // An empty ledger is valid JSON too.
  pbit_energy_ledger_init(l.get());
  EXPECT_NE(Write(l.get(), true).find("\"entries\": []"), std::string::npos);
}

TEST(EnergyLedger, NamesAreStable) {
  EXPECT_STREQ(pbit_energy_component_name(PBIT_ENERGY_WEIGHT_SRAM), "weight_sram");
  EXPECT_STREQ(pbit_energy_component_name(PBIT_ENERGY_STATIC), "static");
  EXPECT_EQ(pbit_energy_component_name(PBIT_ENERGY_NUM_COMPONENTS), nullptr);
  EXPECT_STREQ(pbit_energy_phase_name(PBIT_ENERGY_GOODNESS), "goodness");
  EXPECT_EQ(pbit_energy_phase_name(-1), nullptr);
}

}  // namespace
