// make bench, co-simulation part: the same FORWARD+UPDATE workload on the
// HAL backends `model`, `rtl` and `systemc` (plain sc_start stepping and the
// firmware as an SC_THREAD), measured side by side in one run: clock cycles
// per second of each and the ratios systemc/rtl and model/rtl.
//
// First workload, datapath only (accel `small`, or the one named on the
// command line): a layer of 512 inputs x 256 units, random weights loaded
// once; then repeated: FORWARD over 300 active indices in FIFO pieces
// (CLEAR, FINISH), UPDATE over the same list (FINISH). Backend level
// (sim/hal/hal_backend.h), the register sequence of sim/dp/dp_driver.c; no
// p-bit array.
//
// Second workload, full stack: what the product runs. The HAL opened with
// pbit_hal_open (device smtj-fast, K = 4 copies, p-bit array), one layer of
// the same size loaded by the firmware (firmware/layer.c), then repeated
// pbit_fw_layer_step: input vector with 300 of 512 bits set, FORWARD, T = 2
// p-bit samples -> counts, UPDATE with a delta vector (its sign alternates
// so that the weights stay bounded however long a backend runs).
//
// Each backend's figure is its fastest repetition (filters out other
// processes on a shared machine); the cycle counts of all backends, and in
// the second block also the p-bit counts and the weights after the first
// step, must agree (the backends are bit-identical by design).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "config/config.h"
#include "dp/dp_driver.h"
}
#include "hal/hal_sim.h"
#include "hal/hal_systemc.h"
#include "layer.h"

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

// ---- Full stack: pbit_hal_open + the firmware layer step.

struct FullWorkload {
  pbit_dp_params_t accel{};
  pbit_device_t device{};
  uint64_t seed = 11;
  double input_lsb = 0.05;
  uint32_t max_copies = 4;
  std::vector<int32_t> w, b, offsets, delta, neg_delta;
  std::vector<uint8_t> x;
  pbit_fw_layer_t layer{};  // points into the vectors above
};

// Like tests/hal/hal_common.h RandomLayer: weights in +-min(wmax, 200), the
// DAC shift that brings a sum of ~n_in/2 of them to the DAC range, BSFF copy
// offsets of dac_max/8; deltas in +-min(wmax, 20).
void make_full(FullWorkload *f, uint32_t d, uint32_t n, const std::vector<uint32_t> &active,
               std::mt19937_64 &g) {
  const pbit_dp_params_t &p = f->accel;
  int32_t wmax = (1 << (p.weight_bits - 1)) - 1;
  int32_t dmax = wmax > 20 ? 20 : wmax;
  if (wmax > 200) wmax = 200;
  std::uniform_int_distribution<int32_t> wd(-wmax, wmax), dd(-dmax, dmax);
  f->w.resize(static_cast<size_t>(d) * n);
  for (auto &v : f->w) v = wd(g);
  f->b.resize(n);
  for (auto &v : f->b) v = wd(g);
  f->delta.resize(n);
  f->neg_delta.resize(n);
  for (uint32_t j = 0; j < n; j++) {
    f->delta[j] = dd(g);
    f->neg_delta[j] = -f->delta[j];
  }
  f->x.assign(d, 0);
  for (uint32_t i : active) f->x[i] = 1;
  double spread = wmax * std::sqrt(d / 2.0 + 1.0);
  double dac_max = static_cast<double>(1 << (p.dac_bits - 1));
  uint32_t s = 0;
  while (s + 1 < static_cast<uint32_t>(p.acc_bits) && spread / (1 << s) > dac_max) s++;
  f->offsets.resize(f->max_copies);
  pbit_fw_copy_offsets(f->max_copies, dac_max / 8.0, f->offsets.data());
  pbit_fw_layer_t &l = f->layer;
  l.n_in = d;
  l.n_out = n;
  l.dac_shift = s;
  l.copies = f->max_copies;
  l.offsets = f->offsets.data();
  l.samples = 2;
  l.weights = f->w.data();
  l.bias = f->b.data();
}

struct FullFigure {
  bool ok = false;
  bool steady = true;            // every repetition took the same clock cycles
  uint64_t cycles = 0;           // clock cycles of one step (the first)
  double seconds = 0;            // fastest repetition
  std::vector<uint32_t> counts;  // p-bit counts of the first step
  std::vector<int32_t> w;        // weights read back after the first step
  std::string why = "skipped";
  double cps() const { return seconds > 0 ? static_cast<double>(cycles) / seconds : 0; }
};

// Opens `backend`, loads the layer and repeats the step for at least min_s
// seconds (and 3 times).
FullFigure run_full(const char *backend, const FullWorkload &fw, double min_s) {
  FullFigure f;
  pbit_hal_config_t cfg{};
  cfg.backend = backend;
  cfg.accel = fw.accel;
  cfg.device = fw.device;
  cfg.max_copies = fw.max_copies;
  cfg.input_lsb = fw.input_lsb;
  cfg.seed = fw.seed;
  pbit_hal_t *h = nullptr;
  pbit_error_t err;
  if (pbit_hal_open(&cfg, &h, &err) != PBIT_OK) {
    f.why = std::string("open: ") + err.msg;
    return f;
  }
  const pbit_fw_layer_t &l = fw.layer;
  std::vector<uint32_t> counts(l.n_out);
  pbit_fw_step_out_t o{};
  o.counts = counts.data();
  int rc = pbit_fw_layer_load(h, &l);
  f.seconds = 1e30;
  double spent = 0;
  int reps = 0;
  while (rc == PBIT_HAL_OK && (spent < min_s || reps < 3)) {
    const int32_t *delta = reps % 2 == 0 ? fw.delta.data() : fw.neg_delta.data();
    uint64_t c0 = pbit_hal_now(h);
    double t0 = now_s();
    rc = pbit_fw_layer_step(h, &l, fw.x.data(), delta, &o);
    double dt = now_s() - t0;
    uint64_t c = pbit_hal_now(h) - c0;
    if (rc != PBIT_HAL_OK) break;
    spent += dt;
    if (dt < f.seconds) f.seconds = dt;
    if (reps++ == 0) {  // compared across backends; read outside the timed step
      f.cycles = c;
      f.counts = counts;
      f.w.resize(static_cast<size_t>(l.n_in) * l.n_out);
      rc = pbit_hal_read_weights(h, 0, l.n_in, l.n_out, f.w.data());
    } else if (c != f.cycles) {
      f.steady = false;
    }
  }
  if (rc == PBIT_HAL_OK)
    f.ok = true;
  else
    f.why = pbit_hal_error(h);
  pbit_hal_close(h);
  return f;
}

struct FullJob {
  const FullWorkload *fw;
  double min_s;
  FullFigure f;
};

int full_job(void *arg) {
  FullJob *j = static_cast<FullJob *>(arg);
  j->f = run_full("systemc", *j->fw, j->min_s);
  return 0;
}

void full_row(const char *name, const FullFigure &f, const FullFigure &rtl) {
  if (!f.ok) {
    std::printf("  %-16s FAILED: %s\n", name, f.why.c_str());
    return;
  }
  std::printf("  %-16s %8llu cycles  %10.4g s  %10.3g cycles/s  x%.3g of rtl%s\n", name,
              static_cast<unsigned long long>(f.cycles), f.seconds, f.cps(),
              rtl.ok ? f.cps() / rtl.cps() : 0.0, f.steady ? "" : "  (cycles vary)");
}

// The second block; returns true if every backend ran and all agree.
bool full_stack(const char *accel, const pbit_dp_params_t &p, uint32_t d, uint32_t n,
                const std::vector<uint32_t> &active, const std::string &only) {
  auto want = [&only](const char *b) { return only.empty() || only == b; };
  FullWorkload fw;
  fw.accel = p;
  pbit_error_t err;
  const char *dev_path = "configs/devices/smtj-fast.yaml";
  if (pbit_config_load_device(dev_path, &fw.device, &err) != PBIT_OK) {
    std::printf("full stack: FAILED: %s\n", err.msg);
    return false;
  }
  std::mt19937_64 g(13);
  make_full(&fw, d, n, active, g);
  std::printf(
      "full stack: pbit_hal_open + pbit_fw_layer_step (accel %s, %ux%u, %zu of %u inputs set, "
      "K=%u copies, T=%u samples, device smtj-fast; input, FORWARD, sample, UPDATE; 1 core; "
      "fastest repetition)\n",
      accel, d, n, active.size(), d, fw.layer.copies, fw.layer.samples);
  FullFigure rtl, sc, model;
  FullJob job{&fw, 0.5, FullFigure{}};
  if (want("rtl")) rtl = run_full("rtl", fw, 0.5);
  if (want("systemc")) sc = run_full("systemc", fw, 0.5);
  if (want("thread") && pbit_hal_systemc_run(full_job, &job, &err) != 0) job.f.why = err.msg;
  if (want("model")) model = run_full("model", fw, 0.3);
  full_row("rtl", rtl, rtl);
  full_row("systemc", sc, rtl);
  full_row("systemc thread", job.f, rtl);
  full_row("model", model, rtl);
  const FullFigure *all[] = {&rtl, &sc, &job.f, &model};
  bool same = true;
  for (const FullFigure *f : all)
    same = same && f->ok && f->steady && f->cycles == rtl.cycles && f->counts == rtl.counts &&
           f->w == rtl.w;
  std::printf(
      "  full stack: systemc/rtl %.3g, systemc thread/rtl %.3g, model/rtl %.3g; cycles, counts "
      "and weights %s\n",
      sc.ok && rtl.ok ? sc.cps() / rtl.cps() : 0.0,
      job.f.ok && rtl.ok ? job.f.cps() / rtl.cps() : 0.0,
      model.ok && rtl.ok ? model.cps() / rtl.cps() : 0.0, same ? "equal" : "DIFFER");
  return same;
}

}  // namespace

int main(int argc, char **argv) {
  const char *accel = argc > 1 ? argv[1] : "small";
  // Optional: only one backend (rtl, systemc, thread, model) in both blocks, for profiling.
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
  bool full_same = full_stack(accel, p, wl.d, wl.n, wl.idx, only);
  return same && full_same ? 0 : 1;
}
