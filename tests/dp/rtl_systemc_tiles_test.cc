// The `systemc` backend with several slots per build (HAL tiles) and the
// firmware as an SC_THREAD bus master (pbit_hal_systemc_run):
// - two slots of one build driven alternately at the backend level give
//   what two model instances give; an idle slot's clock, registers and
//   counters stand still; the slot limit is named;
// - a HAL with 2 and 3 tiles on `systemc` equals the same on `model`;
// - the same firmware inside pbit_hal_systemc_run and from plain code gives
//   bit-identical results and cycle counts (and equals `model`).
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "hal_common.h"
#include "hal_systemc.h"

namespace {

using haltest::Layer;
using haltest::Result;

void ExpectSame(const Result &m, const Result &s) {
  EXPECT_EQ(m.acc, s.acc);
  EXPECT_EQ(m.dac, s.dac);
  EXPECT_EQ(m.codes, s.codes);
  EXPECT_EQ(m.counts, s.counts);
  EXPECT_EQ(m.states, s.states);
  EXPECT_EQ(m.w, s.w);
  EXPECT_EQ(m.b, s.b);
  EXPECT_EQ(m.fwd_cycles, s.fwd_cycles);
  EXPECT_EQ(m.upd_cycles, s.upd_cycles);
  EXPECT_EQ(m.dp_counters, s.dp_counters);
  EXPECT_EQ(m.pc.samples, s.pc.samples);
  EXPECT_EQ(m.pc.flips, s.pc.flips);
  EXPECT_EQ(m.pc.dac_writes, s.pc.dac_writes);
  EXPECT_EQ(m.pc.pbit_cycles, s.pc.pbit_cycles);
  EXPECT_EQ(m.pc.cycles, s.pc.cycles);
  EXPECT_EQ(m.pc.dac_chunks, s.pc.dac_chunks);
  EXPECT_EQ(m.now, s.now);
}

// What one backend instance shows after a FORWARD over a list.
struct Obs {
  std::vector<int64_t> acc;
  std::vector<uint64_t> counters;
  uint64_t now = 0;
  bool operator==(const Obs &o) const {
    return acc == o.acc && counters == o.counters && now == o.now;
  }
};

// Geometry + weights (seeded), then a FORWARD over idx; reads back.
bool Drive(const pbit_hal_backend_t *be, void *ctx, const pbit_dp_params_t &p, uint32_t n_in,
           uint32_t n_out, uint64_t seed, const std::vector<uint32_t> &idx, Obs *o) {
  pbit_dp_bus_t bus = be->bus(ctx);
  pbit_error_t err;
  std::mt19937_64 g(seed);
  std::uniform_int_distribution<int32_t> u(-20, 20);
  if (pbit_dp_drv_geometry(&bus, n_in, n_out, 2, &err) != PBIT_OK) return false;
  std::vector<int32_t> row(n_out);
  for (uint32_t i = 0; i < n_in; i++) {
    for (auto &v : row) v = u(g);
    if (pbit_dp_drv_win_write(&bus, PBIT_DP_WIN_WEIGHT, i, 0, row.data(), n_out, &err) != PBIT_OK)
      return false;
  }
  // The bias too: a reused slot keeps the SRAM of its previous open.
  for (auto &v : row) v = u(g);
  if (pbit_dp_drv_win_write(&bus, PBIT_DP_WIN_BIAS, 0, 0, row.data(), n_out, &err) != PBIT_OK)
    return false;
  if (pbit_dp_drv_run(&bus, p.fifo_depth, PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_FINISH, idx.data(),
                      idx.size(), &err) != PBIT_OK)
    return false;
  o->acc.resize(n_out);
  if (pbit_dp_drv_win_read(&bus, PBIT_DP_WIN_ACC, 0, 0, o->acc.data(), n_out, &err) != PBIT_OK)
    return false;
  pbit_dp_counters_t c;
  if (pbit_dp_drv_counters(&bus, &c, &err) != PBIT_OK) return false;
  o->counters.assign(c.v, c.v + PBIT_DP_NUM_COUNTERS);
  o->now = be->now(ctx);
  return true;
}

TEST(SystemcSlots, TwoSlotsOfOneBuildAreIndependentAndIdleSlotsStandStill) {
  const pbit_hal_backend_t *sc = pbit_hal_systemc_backend();
  const pbit_hal_backend_t *mo = &pbit_hal_model_backend;
  ASSERT_NE(sc, nullptr);
  ASSERT_GE(pbit_hal_systemc_slots(), 4u);
  pbit_dp_params_t p;
  ASSERT_TRUE(haltest::LoadAccel("tiny", &p));
  pbit_error_t err;
  void *s[2] = {nullptr, nullptr}, *m[2] = {nullptr, nullptr};
  for (int k = 0; k < 2; k++) {
    ASSERT_EQ(sc->create(&p, &s[k], &err), PBIT_OK) << err.msg;
    ASSERT_EQ(mo->create(&p, &m[k], &err), PBIT_OK) << err.msg;
  }
  const std::vector<uint32_t> idx[2] = {{1, 5, 7, 2, 9, 9, 0, 3, 11}, {4, 4, 6, 8, 10, 12, 13}};
  const uint32_t n_in[2] = {14, 20}, n_out[2] = {13, 9};
  // Alternate: slot 0, slot 1, slot 0 again (other data), each against its
  // own model instance.
  for (int round = 0; round < 3; round++) {
    int k = round % 2;
    uint64_t other_now = sc->now(s[1 - k]);
    Obs os, om;
    ASSERT_TRUE(Drive(sc, s[k], p, n_in[k], n_out[k], 10 + round, idx[k], &os)) << round;
    ASSERT_TRUE(Drive(mo, m[k], p, n_in[k], n_out[k], 10 + round, idx[k], &om)) << round;
    EXPECT_EQ(os.acc, om.acc) << round;
    EXPECT_EQ(os.counters, om.counters) << round;
    EXPECT_EQ(os.now, om.now) << round;
    // The idle slot was not clocked.
    EXPECT_EQ(sc->now(s[1 - k]), other_now) << round;
  }
  // An idle slot's counters: unchanged by the other slot's work.
  pbit_dp_bus_t b1 = sc->bus(s[1]);
  pbit_dp_counters_t c0, c1;
  ASSERT_EQ(pbit_dp_drv_counters(&b1, &c0, &err), PBIT_OK);
  Obs o;
  ASSERT_TRUE(Drive(sc, s[0], p, 30, 16, 99, {3, 1, 4, 1, 5, 9, 2, 6}, &o));
  ASSERT_EQ(pbit_dp_drv_counters(&b1, &c1, &err), PBIT_OK);
  for (int k = 0; k < PBIT_DP_NUM_COUNTERS; k++) EXPECT_EQ(c0.v[k], c1.v[k]) << k;

  // Slots per build: the fifth open handle on tiny is refused, named.
  std::vector<void *> more;
  for (size_t k = 2; k < pbit_hal_systemc_slots(); k++) {
    void *c = nullptr;
    ASSERT_EQ(sc->create(&p, &c, &err), PBIT_OK) << err.msg;
    more.push_back(c);
  }
  void *extra = nullptr;
  EXPECT_EQ(sc->create(&p, &extra, &err), PBIT_ERR_CONFIG);
  EXPECT_NE(std::string(err.msg).find("no free SystemC slot"), std::string::npos) << err.msg;
  for (void *c : more) sc->destroy(c);
  for (int k = 0; k < 2; k++) {
    sc->destroy(s[k]);
    mo->destroy(m[k]);
  }
}

// Per tile: load a layer, then steps (x, delta) alternating over the
// tiles; every observable per tile, and the global clock.
std::string RunTiles(const char *backend, const pbit_dp_params_t &p, const pbit_device_t &dev,
                     uint32_t tiles, uint64_t seed, double lsb, const std::vector<Layer> &ls,
                     const std::vector<std::vector<std::vector<uint8_t>>> &xs,
                     const std::vector<std::vector<std::vector<int32_t>>> &ds,
                     std::vector<Result> *rs, uint64_t *now) {
  pbit_hal_config_t cfg{};
  cfg.backend = backend;
  cfg.accel = p;
  cfg.device = dev;
  cfg.max_copies = 8;
  cfg.input_lsb = lsb;
  cfg.seed = seed;
  cfg.tiles = tiles;
  pbit_hal_t *h = nullptr;
  pbit_error_t err;
  if (pbit_hal_open(&cfg, &h, &err) != PBIT_OK) return std::string("open: ") + err.msg;
  rs->assign(tiles, Result{});
  std::vector<pbit_fw_layer_t> lv;
  for (uint32_t t = 0; t < tiles; t++) lv.push_back(ls[t].View());
  std::string what;
  int rc = PBIT_HAL_OK;
  for (uint32_t t = 0; t < tiles && rc == PBIT_HAL_OK; t++) {
    rc = pbit_hal_select(h, t);
    if (rc == PBIT_HAL_OK) rc = pbit_fw_layer_load(h, &lv[t]);
    if (rc == PBIT_HAL_OK) rc = pbit_hal_clear_counters(h);
  }
  for (size_t s = 0; s < xs[0].size() && rc == PBIT_HAL_OK; s++) {
    for (uint32_t t = 0; t < tiles && rc == PBIT_HAL_OK; t++) {
      const Layer &l = ls[t];
      Result &r = (*rs)[t];
      rc = pbit_hal_select(h, t);
      std::vector<int64_t> acc(l.n_out);
      std::vector<int32_t> dac(l.n_out);
      std::vector<uint32_t> counts(l.n_out);
      std::vector<uint8_t> states(static_cast<size_t>(l.samples) * l.n_out * l.copies);
      pbit_fw_step_out_t o{};
      o.acc = acc.data();
      o.dac = dac.data();
      o.counts = counts.data();
      o.states = states.data();
      if (rc == PBIT_HAL_OK)
        rc = pbit_fw_layer_step(h, &lv[t], xs[t][s].data(), ds[t][s].data(), &o);
      r.acc.insert(r.acc.end(), acc.begin(), acc.end());
      r.dac.insert(r.dac.end(), dac.begin(), dac.end());
      r.counts.insert(r.counts.end(), counts.begin(), counts.end());
      r.states.insert(r.states.end(), states.begin(), states.end());
      r.fwd_cycles.push_back(o.fwd_cycles);
      r.upd_cycles.push_back(o.upd_cycles);
    }
  }
  for (uint32_t t = 0; t < tiles && rc == PBIT_HAL_OK; t++) {
    Result &r = (*rs)[t];
    const Layer &l = ls[t];
    rc = pbit_hal_select(h, t);
    r.w.resize(static_cast<size_t>(l.n_in) * l.n_out);
    r.b.resize(l.n_out);
    uint64_t c[PBIT_DP_NUM_COUNTERS];
    if (rc == PBIT_HAL_OK) rc = pbit_hal_read_weights(h, 0, l.n_in, l.n_out, r.w.data());
    if (rc == PBIT_HAL_OK) rc = pbit_hal_read_bias(h, r.b.data(), l.n_out);
    if (rc == PBIT_HAL_OK) rc = pbit_hal_counters(h, c);
    if (rc == PBIT_HAL_OK) r.dp_counters.assign(c, c + PBIT_DP_NUM_COUNTERS);
    if (rc == PBIT_HAL_OK) rc = pbit_hal_pbit_counters(h, &r.pc);
    r.now = pbit_hal_now(h);
  }
  if (rc != PBIT_HAL_OK) what = pbit_hal_error(h);
  *now = pbit_hal_now(h);
  pbit_hal_close(h);
  return what;
}

struct TileCase {
  const char *accel, *device;
  uint32_t tiles;
};

class SystemcTilesTest : public ::testing::TestWithParam<TileCase> {};

TEST_P(SystemcTilesTest, TilesOnSystemcEqualModel) {
  const TileCase c = GetParam();
  pbit_dp_params_t p;
  pbit_device_t dev;
  ASSERT_TRUE(haltest::LoadAccel(c.accel, &p));
  ASSERT_TRUE(haltest::LoadDevice(c.device, &dev));
  std::mt19937_64 rng(std::hash<std::string>{}(std::string(c.accel) + "tiles"));
  std::vector<Layer> ls;
  std::vector<std::vector<std::vector<uint8_t>>> xs(c.tiles);
  std::vector<std::vector<std::vector<int32_t>>> ds(c.tiles);
  for (uint32_t t = 0; t < c.tiles; t++) {
    uint32_t n_in = 12 + 7 * t, n_out = 5 + 4 * t;
    ls.push_back(haltest::RandomLayer(p, n_in, n_out, 1 + t, 12, rng));
    for (int s = 0; s < 2; s++) {
      xs[t].push_back(haltest::RandomInput(n_in, 0.5, rng));
      ds[t].push_back(haltest::RandomDelta(p, n_out, rng));
    }
  }
  double lsb = 8.0 / (1 << (p.dac_bits - 1));
  uint64_t seed = rng();
  std::vector<Result> rm, rs;
  uint64_t now_m = 0, now_s = 0;
  ASSERT_EQ(RunTiles("model", p, dev, c.tiles, seed, lsb, ls, xs, ds, &rm, &now_m), "");
  ASSERT_EQ(RunTiles("systemc", p, dev, c.tiles, seed, lsb, ls, xs, ds, &rs, &now_s), "");
  for (uint32_t t = 0; t < c.tiles; t++) {
    SCOPED_TRACE("tile " + std::to_string(t));
    ExpectSame(rm[t], rs[t]);
    EXPECT_GT(rs[t].pc.dac_chunks, 0u);
  }
  EXPECT_EQ(now_m, now_s);
}

INSTANTIATE_TEST_SUITE_P(Tiles, SystemcTilesTest,
                         ::testing::Values(TileCase{"tiny", "smtj-slow", 2},
                                           TileCase{"tiny", "ideal", 3},
                                           TileCase{"small", "smtj-fast", 3}),
                         [](const auto &info) {
                           std::string n = std::string(info.param.accel) + "_" +
                                           std::to_string(info.param.tiles) + "tiles";
                           return n;
                         });

// pbit_hal_systemc_run: runs a std::function in the firmware thread.
int CallFn(void *arg) { return (*static_cast<std::function<int()> *>(arg))(); }

TEST(SystemcThread, FirmwareAsScThreadEqualsPlainStepping) {
  pbit_dp_params_t p;
  pbit_device_t dev;
  ASSERT_TRUE(haltest::LoadAccel("small", &p));
  ASSERT_TRUE(haltest::LoadDevice("smtj-fast", &dev));
  std::mt19937_64 rng(2024);
  Layer l = haltest::RandomLayer(p, 60, 40, 3, 24, rng);
  std::vector<std::vector<uint8_t>> xs;
  std::vector<std::vector<int32_t>> ds;
  for (int s = 0; s < 3; s++) {
    xs.push_back(haltest::RandomInput(l.n_in, 0.4, rng));
    ds.push_back(haltest::RandomDelta(p, l.n_out, rng));
  }
  double lsb = 8.0 / (1 << (p.dac_bits - 1));
  uint64_t seed = rng();
  Result m, plain, thr;
  ASSERT_EQ(haltest::Run("model", p, dev, seed, lsb, l, xs, ds, &m), "");
  double t0 = pbit_hal_systemc_time_ns();
  ASSERT_EQ(haltest::Run("systemc", p, dev, seed, lsb, l, xs, ds, &plain), "");
  double t1 = pbit_hal_systemc_time_ns();
  std::string what;
  std::function<int()> fw = [&]() {
    what = haltest::Run("systemc", p, dev, seed, lsb, l, xs, ds, &thr);
    return 7;
  };
  pbit_error_t err;
  EXPECT_EQ(pbit_hal_systemc_run(CallFn, &fw, &err), 7) << err.msg;
  EXPECT_EQ(err.status, PBIT_OK);
  double t2 = pbit_hal_systemc_time_ns();
  ASSERT_EQ(what, "");
  {
    SCOPED_TRACE("plain vs thread");
    ExpectSame(plain, thr);
  }
  {
    SCOPED_TRACE("model vs thread");
    ExpectSame(m, thr);
  }
  // SystemC time: the run's cycles at clock_ns, plus the open (reset,
  // parameter probes: same in both modes, well under 200 cycles).
  EXPECT_GE(t2 - t1, static_cast<double>(thr.now) * p.clock_ns);
  EXPECT_LE(t2 - t1, static_cast<double>(thr.now + 200) * p.clock_ns);
  EXPECT_NEAR(t2 - t1, t1 - t0, 2 * p.clock_ns);
}

TEST(SystemcThread, TilesInsideTheThreadAndClockInNs) {
  pbit_dp_params_t p;
  pbit_device_t dev;
  ASSERT_TRUE(haltest::LoadAccel("tiny", &p));
  ASSERT_TRUE(haltest::LoadDevice("smtj-slow", &dev));
  std::mt19937_64 rng(77);
  std::vector<Layer> ls;
  std::vector<std::vector<std::vector<uint8_t>>> xs(2);
  std::vector<std::vector<std::vector<int32_t>>> ds(2);
  for (uint32_t t = 0; t < 2; t++) {
    ls.push_back(haltest::RandomLayer(p, 20, 9 + t, 2, 10, rng));
    for (int s = 0; s < 2; s++) {
      xs[t].push_back(haltest::RandomInput(20, 0.5, rng));
      ds[t].push_back(haltest::RandomDelta(p, 9 + t, rng));
    }
  }
  double lsb = 0.5;
  std::vector<Result> rm, rt;
  uint64_t now_m = 0, now_t = 0;
  ASSERT_EQ(RunTiles("model", p, dev, 2, 5, lsb, ls, xs, ds, &rm, &now_m), "");
  std::string what;
  double idle_ns = 0;
  std::function<int()> fw = [&]() {
    what = RunTiles("systemc", p, dev, 2, 5, lsb, ls, xs, ds, &rt, &now_t);
    // 50 idle p-bit cycles inside the thread: 50 clock periods of time.
    pbit_hal_config_t cfg{};
    cfg.backend = "systemc";
    cfg.accel = p;
    cfg.device = dev;
    cfg.max_copies = 1;
    cfg.input_lsb = 0.1;
    pbit_hal_t *h = nullptr;
    pbit_error_t e;
    if (pbit_hal_open(&cfg, &h, &e) != PBIT_OK) return -1;
    std::vector<uint32_t> counts(4);
    double a = pbit_hal_systemc_time_ns();
    int rc = pbit_hal_pbit_sample(h, 4, 50, counts.data(), nullptr);
    idle_ns = pbit_hal_systemc_time_ns() - a;
    pbit_hal_close(h);
    return rc;
  };
  pbit_error_t err;
  EXPECT_EQ(pbit_hal_systemc_run(CallFn, &fw, &err), PBIT_HAL_OK) << err.msg;
  ASSERT_EQ(what, "");
  for (uint32_t t = 0; t < 2; t++) {
    SCOPED_TRACE("tile " + std::to_string(t));
    ExpectSame(rm[t], rt[t]);
  }
  EXPECT_EQ(now_m, now_t);
  EXPECT_DOUBLE_EQ(idle_ns, 50 * p.clock_ns);
}

TEST(SystemcThread, Errors) {
  pbit_error_t err;
  EXPECT_EQ(pbit_hal_systemc_run(nullptr, nullptr, &err), PBIT_ERR_ARG);
  // Nested: refused inside the thread, the outer run still returns.
  int inner = 1;
  std::function<int()> fw = [&]() {
    pbit_error_t e;
    inner = pbit_hal_systemc_run(CallFn, nullptr, &e);
    return 3;
  };
  EXPECT_EQ(pbit_hal_systemc_run(CallFn, &fw, &err), 3) << err.msg;
  EXPECT_EQ(inner, PBIT_ERR_ARG);
}

}  // namespace
