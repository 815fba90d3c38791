// make bench, co-simulation part: the same FORWARD+UPDATE workload on the
// HAL backends `model`, `rtl` and `systemc` (plain sc_start stepping and the
// firmware as an SC_THREAD), measured side by side in one run: clock cycles
// per second of each and the ratios systemc/rtl and model/rtl.
//
// Workload (accel `small`, or the one named on the command line): a layer
// of 512 inputs x 256 units, random weights loaded once; then repeated:
// FORWARD over 300 active indices in FIFO pieces (CLEAR, FINISH), UPDATE
// over the same list (FINISH). Backend level (sim/hal/hal_backend.h), the
// register sequence of sim/dp/dp_driver.c; no p-bit array. Each backend's
// figure is its fastest repetition (filters out other processes on a
// shared machine); the cycle counts of all backends must agree.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "config/config.h"
#include "dp/dp_driver.h"
}
#include "hal/hal_systemc.h"

namespace {

double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

struct Workload {
  uint32_t d = 512, n = 256;
  std::vector<uint32_t> idx;
  std::vector<std::vector<int32_t>> w;
  std::vector<int32_t> bias, delta;
};

bool load(const pbit_dp_bus_t &bus, const Workload &wl) {
  pbit_error_t err;
  if (pbit_dp_drv_geometry(&bus, wl.d, wl.n, 6, &err) != PBIT_OK) return false;
  for (uint32_t i = 0; i < wl.d; i++)
    if (pbit_dp_drv_win_write(&bus, PBIT_DP_WIN_WEIGHT, i, 0, wl.w[i].data(), wl.n, &err) !=
        PBIT_OK)
      return false;
  return pbit_dp_drv_win_write(&bus, PBIT_DP_WIN_BIAS, 0, 0, wl.bias.data(), wl.n, &err) ==
             PBIT_OK &&
         pbit_dp_drv_win_write(&bus, PBIT_DP_WIN_DELTA, 0, 0, wl.delta.data(), wl.n, &err) ==
             PBIT_OK;
}

// One repetition: FORWARD + UPDATE over the list.
bool ops(const pbit_dp_bus_t &bus, const pbit_dp_params_t &p, const Workload &wl) {
  pbit_error_t err;
  return pbit_dp_drv_run(&bus, p.fifo_depth, PBIT_DP_CTRL_CLEAR | PBIT_DP_CTRL_FINISH,
                         wl.idx.data(), wl.idx.size(), &err) == PBIT_OK &&
         pbit_dp_drv_run(&bus, p.fifo_depth, PBIT_DP_CTRL_UPDATE | PBIT_DP_CTRL_FINISH,
                         wl.idx.data(), wl.idx.size(), &err) == PBIT_OK;
}

struct Figure {
  bool ok = false;
  uint64_t cycles = 0;  // clock cycles of one repetition
  double seconds = 0;   // fastest repetition
  std::vector<int64_t> acc;
  double cps() const { return seconds > 0 ? static_cast<double>(cycles) / seconds : 0; }
};

// Repeats the workload for at least min_s seconds on an open backend.
Figure measure(const pbit_hal_backend_t *be, void *ctx, const pbit_dp_params_t &p,
               const Workload &wl, double min_s) {
  Figure f;
  pbit_dp_bus_t bus = be->bus(ctx);
  if (!load(bus, wl)) return f;
  f.seconds = 1e30;
  double spent = 0;
  int reps = 0;
  pbit_error_t err;
  while (spent < min_s || reps < 3) {
    uint64_t c0 = be->now(ctx);
    double t0 = now_s();
    if (!ops(bus, p, wl)) return f;
    double dt = now_s() - t0;
    spent += dt;
    f.cycles = be->now(ctx) - c0;
    if (dt < f.seconds) f.seconds = dt;
    if (reps++ == 0) {  // the accumulators of the first FORWARD, compared across backends
      f.acc.resize(wl.n);
      if (pbit_dp_drv_win_read(&bus, PBIT_DP_WIN_ACC, 0, 0, f.acc.data(), wl.n, &err) != PBIT_OK)
        return f;
    }
  }
  f.ok = true;
  return f;
}

Figure run_backend(const pbit_hal_backend_t *be, const pbit_dp_params_t &p, const Workload &wl,
                   double min_s, std::string *why) {
  void *ctx = nullptr;
  pbit_error_t err;
  if (be == nullptr || be->create(&p, &ctx, &err) != PBIT_OK) {
    *why = be == nullptr ? "not linked" : err.msg;
    return Figure{};
  }
  Figure f = measure(be, ctx, p, wl, min_s);
  be->destroy(ctx);
  return f;
}

struct ThreadJob {
  const pbit_hal_backend_t *be;
  const pbit_dp_params_t *p;
  const Workload *wl;
  double min_s;
  Figure f;
  std::string why;
};

int thread_job(void *arg) {
  ThreadJob *j = static_cast<ThreadJob *>(arg);
  j->f = run_backend(j->be, *j->p, *j->wl, j->min_s, &j->why);
  return 0;
}

void row(const char *name, const Figure &f, const Figure &rtl, const std::string &why) {
  if (!f.ok) {
    std::printf("  %-16s FAILED: %s\n", name, why.c_str());
    return;
  }
  std::printf("  %-16s %8llu cycles  %10.4g s  %10.3g cycles/s  x%.3g of rtl\n", name,
              static_cast<unsigned long long>(f.cycles), f.seconds, f.cps(),
              rtl.ok ? f.cps() / rtl.cps() : 0.0);
}

}  // namespace

int main(int argc, char **argv) {
  const char *accel = argc > 1 ? argv[1] : "small";
  // Optional: only one backend (rtl, systemc, thread, model), for profiling.
  std::string only = argc > 2 ? argv[2] : "";
  auto want = [&only](const char *b) { return only.empty() || only == b; };
  pbit_dp_params_t p;
  pbit_error_t err;
  std::string path = std::string("configs/accel/") + accel + ".yaml";
  if (pbit_config_load_accel(path.c_str(), &p, &err) != PBIT_OK) {
    std::fprintf(stderr, "cosim_bench: %s\n", err.msg);
    return 2;
  }
  Workload wl;
  if (wl.d > static_cast<uint32_t>(p.max_inputs)) wl.d = p.max_inputs;
  if (wl.n > static_cast<uint32_t>(p.max_units)) wl.n = p.max_units;
  std::mt19937_64 g(7);
  int32_t lim = (1 << (p.weight_bits - 1)) - 1;
  std::uniform_int_distribution<int32_t> u(-lim / 64, lim / 64), ud(-lim / 256, lim / 256);
  wl.w.assign(wl.d, std::vector<int32_t>(wl.n));
  for (auto &r : wl.w)
    for (auto &v : r) v = u(g);
  wl.bias.resize(wl.n);
  for (auto &v : wl.bias) v = u(g) / 16;
  wl.delta.resize(wl.n);
  for (auto &v : wl.delta) v = ud(g);
  std::vector<uint32_t> all(wl.d);
  for (uint32_t i = 0; i < wl.d; i++) all[i] = i;
  std::shuffle(all.begin(), all.end(), g);
  wl.idx.assign(all.begin(), all.begin() + (wl.d < 300 ? wl.d : 300));

  std::printf(
      "co-simulation: HAL backends on one FORWARD+UPDATE workload (accel %s, %ux%u, %zu active; "
      "1 core; fastest repetition)\n",
      accel, wl.d, wl.n, wl.idx.size());
  std::printf("  target: systemc within 2x of rtl (ratio >= 0.5)\n");
  std::string why[3] = {"skipped", "skipped", "skipped"};
  Figure rtl, sc, model;
  ThreadJob job{pbit_hal_systemc_backend ? pbit_hal_systemc_backend() : nullptr,
                &p,
                &wl,
                0.5,
                Figure{},
                "skipped"};
  if (want("rtl"))
    rtl = run_backend(pbit_hal_rtl_backend ? pbit_hal_rtl_backend() : nullptr, p, wl, 0.5, &why[0]);
  if (want("systemc"))
    sc = run_backend(pbit_hal_systemc_backend ? pbit_hal_systemc_backend() : nullptr, p, wl, 0.5,
                     &why[1]);
  if (want("thread") && pbit_hal_systemc_run(thread_job, &job, &err) != 0) job.why = err.msg;
  if (want("model")) model = run_backend(&pbit_hal_model_backend, p, wl, 0.3, &why[2]);
  row("rtl", rtl, rtl, why[0]);
  row("systemc", sc, rtl, why[1]);
  row("systemc thread", job.f, rtl, job.why);
  row("model", model, rtl, why[2]);
  bool same = rtl.ok && sc.ok && job.f.ok && model.ok && rtl.cycles == sc.cycles &&
              sc.cycles == job.f.cycles && model.cycles == rtl.cycles && rtl.acc == sc.acc &&
              sc.acc == job.f.acc && model.acc == rtl.acc;
  std::printf(
      "  systemc/rtl %.3g, systemc thread/rtl %.3g, model/rtl %.3g; cycles and "
      "accumulators %s\n",
      sc.ok && rtl.ok ? sc.cps() / rtl.cps() : 0.0,
      job.f.ok && rtl.ok ? job.f.cps() / rtl.cps() : 0.0,
      model.ok && rtl.ok ? model.cps() / rtl.cps() : 0.0, same ? "equal" : "DIFFER");
  return same ? 0 : 1;
}
