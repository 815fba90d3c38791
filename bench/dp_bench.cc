// make bench, datapath part: the verilated RTL (clock cycles per second),
// the C model on the same FORWARD+UPDATE workload (speed-up over the RTL),
// and the C model's FORWARD lane additions per second, side by side.
//
// Workload (per accelerator config): a layer of D inputs x N units, random
// weights; FORWARD over a list of active inputs in FIFO pieces (CLEAR on
// the first, FINISH on the last), then UPDATE over the same list. Both
// backends run the identical register sequence of sim/dp/dp_driver.c for
// the operations; weights are loaded once, outside the timed region.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "config/config.h"
#include "dp/dp_driver.h"
#include "dp/dp_model.h"
#include "dp_rtl/dp_rtl.h"
}

namespace {

double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

struct Workload {
  int d, n;
  std::vector<uint32_t> idx;
};

// Delta of the k-th repetition: +d, -d, +d, ... so that the weights
// oscillate instead of drifting into saturation (a trainer loads a new delta
// every step). Loaded outside the timed region.
bool load_delta(const pbit_dp_bus_t &bus, const std::vector<int32_t> &d, int k) {
  std::vector<int32_t> v(d);
  if (k & 1)
    for (auto &x : v) x = -x;
  pbit_error_t err;
  return pbit_dp_drv_win_write(&bus, PBIT_DP_WIN_DELTA, 0, 0, v.data(), v.size(), &err) == PBIT_OK;
}

bool load(const pbit_dp_bus_t &bus, const pbit_dp_params_t &p, const Workload &w,
          std::mt19937_64 &g) {
  pbit_error_t err;
  if (pbit_dp_drv_geometry(&bus, w.d, w.n, 6, &err) != PBIT_OK) return false;
  std::vector<int32_t> row(w.n);
  int32_t lim = (1 << (p.weight_bits - 1)) - 1;
  std::uniform_int_distribution<int32_t> u(-lim / 64, lim / 64);
  for (int i = 0; i < w.d; i++) {
    for (auto &v : row) v = u(g);
    if (pbit_dp_drv_win_write(&bus, PBIT_DP_WIN_WEIGHT, i, 0, row.data(), w.n, &err) != PBIT_OK)
      return false;
  }
  for (auto &v : row) v = u(g) / 16;
  return pbit_dp_drv_win_write(&bus, PBIT_DP_WIN_BIAS, 0, 0, row.data(), w.n, &err) == PBIT_OK;
}

// FORWARD then UPDATE over w.idx; returns the datapath cycles it took.
bool ops(const pbit_dp_bus_t &bus, const pbit_dp_params_t &p, const Workload &w, uint64_t *cycles) {
  pbit_error_t err;
  pbit_dp_counters_t c0, c1;
  if (pbit_dp_drv_counters(&bus, &c0, &err) != PBIT_OK) return false;
  if (pbit_dp_drv_run(&bus, p.fifo_depth, PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_FINISH, w.idx.data(),
                      w.idx.size(), &err) != PBIT_OK)
    return false;
  if (pbit_dp_drv_run(&bus, p.fifo_depth, PBIT_DP_CTRL_UPDATE | PBIT_DP_CTRL_FINISH, w.idx.data(),
                      w.idx.size(), &err) != PBIT_OK)
    return false;
  if (pbit_dp_drv_counters(&bus, &c1, &err) != PBIT_OK) return false;
  *cycles = c1.v[PBIT_DP_CNT_CYCLES] - c0.v[PBIT_DP_CNT_CYCLES];
  return true;
}

void bench_config(const char *name) {
  pbit_dp_params_t p;
  pbit_error_t err;
  std::string path = std::string("configs/accel/") + name + ".yaml";
  if (pbit_config_load_accel(path.c_str(), &p, &err) != PBIT_OK) {
    std::printf("  %-6s skipped: %s\n", name, err.msg);
    return;
  }
  pbit_dp_rtl_t *rtl = nullptr;
  pbit_dp_t *model = nullptr;
  if (pbit_dp_rtl_create(&p, &rtl, &err) != PBIT_OK) {
    std::printf("  %-6s skipped: %s\n", name, err.msg);
    return;
  }
  if (pbit_dp_create(&p, &model, &err) != PBIT_OK) {
    pbit_dp_rtl_destroy(rtl);
    return;
  }
  // A 256-input x 1024-unit layer with 25% of the inputs active.
  Workload w{256, p.max_units < 1024 ? p.max_units : 1024, {}};
  std::mt19937_64 g(7);
  for (int i = 0; i < w.d; i++)
    if (g() % 4 == 0) w.idx.push_back(static_cast<uint32_t>(i));
  pbit_dp_bus_t rb = pbit_dp_rtl_bus(rtl), mb = pbit_dp_model_bus(model);
  std::mt19937_64 g1(11), g2(11);
  if (!load(rb, p, w, g1) || !load(mb, p, w, g2)) {
    std::printf("  %-6s load failed\n", name);
    return;
  }

  // The workload repeated on each backend (RTL for at least 0.5 s, model
  // for 0.3 s); each side's time is its fastest repetition, which filters
  // out interruptions by other processes on a shared machine.
  std::vector<int32_t> delta(w.n);
  std::uniform_int_distribution<int32_t> ud(-(1 << (p.weight_bits - 1)) / 256,
                                            (1 << (p.weight_bits - 1)) / 256);
  for (auto &x : delta) x = ud(g);
  uint64_t clocks = 0, dp_cycles = 0;
  double t_rtl = 1e30, spent = 0;
  bool ok = true;
  for (int rep = 0; ok && spent < 0.5; rep++) {
    ok = load_delta(rb, delta, rep);
    uint64_t c0 = pbit_dp_rtl_cycles(rtl);
    double t0 = now_s();
    ok = ok && ops(rb, p, w, &dp_cycles);
    double dt = now_s() - t0;
    spent += dt;
    if (dt < t_rtl) {
      t_rtl = dt;
      clocks = pbit_dp_rtl_cycles(rtl) - c0;
    }
  }
  double rtl_cps = static_cast<double>(clocks) / t_rtl;

  // Model: the same workload, the same register sequence.
  uint64_t dp_cycles_m = 0;
  double t_model = 1e30;
  spent = 0;
  for (int rep = 0; ok && spent < 0.3; rep++) {
    ok = load_delta(mb, delta, rep);
    double t0 = now_s();
    ok = ok && ops(mb, p, w, &dp_cycles_m);
    double dt = now_s() - t0;
    spent += dt;
    if (dt < t_model) t_model = dt;
  }
  if (!ok || dp_cycles_m != dp_cycles) {
    std::printf("  %-6s FAILED (cycles RTL %llu, model %llu)\n", name,
                (unsigned long long)dp_cycles, (unsigned long long)dp_cycles_m);
    return;
  }

  // Model FORWARD throughput with the direct calls (no register traffic):
  // all D rows active, many passes.
  std::vector<uint32_t> all(w.d);
  for (int i = 0; i < w.d; i++) all[i] = static_cast<uint32_t>(i);
  pbit_dp_counters_t c0, c1;
  pbit_dp_get_counters(model, &c0);
  int passes = 0;
  double t0 = now_s();
  double t_fwd;
  do {
    pbit_dp_run(model, PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_FINISH, all.data(), all.size());
    passes++;
    t_fwd = now_s() - t0;
  } while (t_fwd < 0.3);
  pbit_dp_get_counters(model, &c1);
  double adds = static_cast<double>(c1.v[PBIT_DP_CNT_LANE_ADDS] - c0.v[PBIT_DP_CNT_LANE_ADDS]);

  std::printf(
      "  %-6s L=%-3d %4dx%-4d %3zu active %6llu cycles | RTL %8.3g cycles/s %8.3g s | "
      "model %8.3g s  speed-up x%-5.0f | model FORWARD %8.3g lane adds/s\n",
      name, p.lanes, w.d, w.n, w.idx.size(), (unsigned long long)dp_cycles, rtl_cps, t_rtl, t_model,
      t_rtl / t_model, adds / t_fwd);
  pbit_dp_rtl_destroy(rtl);
  pbit_dp_destroy(model);
}

}  // namespace

int main() {
  std::printf(
      "datapath: verilated RTL vs C model on one FORWARD+UPDATE workload (1 core; "
      "seconds per workload)\n");
  std::printf("  targets: RTL >= 1e6 cycles/s, model speed-up >= 100x, model >= 5e9 lane adds/s\n");
  for (size_t k = 0; k < pbit_dp_rtl_num_builds(); k++) bench_config(pbit_dp_rtl_build_name(k));
  return 0;
}
