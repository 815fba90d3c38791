// pbit_sc_top: a SystemC top of one's own around the `systemc` backend, the
// starting point for an architect who co-simulates in SystemC
// (docs/cosim.md, "A SystemC top of your own"). This file's sc_main:
//   - elaborates the backend's slots (each: the datapath verilated with --sc,
//     its gated clock in ns, its `pbits` module on the DAC port) beside its
//     own module, before the first sc_start (pbit_hal_systemc_elaborate);
//   - Firmware, an sc_module whose SC_THREAD is the bus master: it opens the
//     HAL on "systemc" from inside the simulation and runs BSFF layer steps
//     (firmware/layer.h: input, FORWARD, the DAC codes drive the p-bits,
//     T sample cycles, counts, UPDATE) on one tile;
//   - then, after sc_start has returned, runs the same steps on the "model"
//     backend from plain code and checks that counts, weights, the clock and
//     the SystemC time agree.
// Usage: pbit_sc_top [accel [device [steps]]] (default: tiny smtj-slow 6),
// from the repository root (configs/). Prints one line per check and
// "pbit_sc_top: N passed, M failed"; exit 0 when all pass, 1 otherwise, 2 on
// bad arguments or configs.
#include <systemc.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "config/config.h"
#include "hal/hal.h"
#include "hal_sim.h"
#include "layer.h"
}
#include "hal_systemc.h"

namespace {

// One layer and its inputs/deltas, drawn from a fixed seed.
struct Work {
  pbit_fw_layer_t layer{};
  std::vector<int32_t> w, b, offsets;
  std::vector<std::vector<uint8_t>> xs;
  std::vector<std::vector<int32_t>> deltas;
};

Work make_work(const pbit_dp_params_t &p, uint32_t steps) {
  Work k;
  std::mt19937_64 g(2026);
  uint32_t n_in = p.max_inputs < 48 ? p.max_inputs : 48;
  uint32_t n_out = p.max_units < 12 ? p.max_units : 12;
  int32_t wmax = (1 << (p.weight_bits - 1)) - 1;
  if (wmax > 200) wmax = 200;
  std::uniform_int_distribution<int32_t> wd(-wmax, wmax), dd(-wmax / 8, wmax / 8);
  k.w.resize(static_cast<size_t>(n_in) * n_out);
  for (int32_t &v : k.w) v = wd(g);
  k.b.resize(n_out);
  for (int32_t &v : k.b) v = wd(g);
  // DAC shift: a sum of ~n_in/2 weights spans about wmax * sqrt(n_in / 2).
  double spread = wmax * std::sqrt(n_in / 2.0 + 1.0), dac_max = 1 << (p.dac_bits - 1);
  uint32_t s = 0;
  while (s + 1 < static_cast<uint32_t>(p.acc_bits) && spread / (1 << s) > dac_max) s++;
  k.offsets.resize(4);
  pbit_fw_copy_offsets(4, dac_max / 8.0, k.offsets.data());
  k.layer.n_in = n_in;
  k.layer.n_out = n_out;
  k.layer.dac_shift = s;
  k.layer.copies = 4;
  k.layer.offsets = k.offsets.data();
  k.layer.samples = 3;
  k.layer.weights = k.w.data();
  k.layer.bias = k.b.data();
  for (uint32_t t = 0; t < steps; t++) {
    std::vector<uint8_t> x(n_in);
    for (uint8_t &v : x) v = static_cast<uint8_t>(g() & 1u);
    std::vector<int32_t> d(n_out);
    for (int32_t &v : d) v = dd(g);
    k.xs.push_back(x);
    k.deltas.push_back(d);
  }
  return k;
}

// What one backend produced.
struct Outcome {
  std::string error;
  std::vector<uint32_t> counts;  // every step's counts, concatenated
  std::vector<int32_t> w;        // weights read back at the end
  uint64_t clocks = 0;           // pbit_hal_now at the end
};

// The firmware: open, load, steps, read back. Runs as the SC_THREAD below
// on systemc and from plain code on model: the same code either way.
Outcome run_firmware(const pbit_hal_config_t &cfg, const Work &k) {
  Outcome o;
  pbit_hal_t *h = nullptr;
  pbit_error_t err;
  if (pbit_hal_open(&cfg, &h, &err) != PBIT_OK) {
    o.error = err.msg;
    return o;
  }
  std::vector<uint32_t> counts(k.layer.n_out);
  pbit_fw_step_out_t out{};
  out.counts = counts.data();
  bool ok = pbit_fw_layer_load(h, &k.layer) == PBIT_HAL_OK;
  for (size_t t = 0; ok && t < k.xs.size(); t++) {
    ok = pbit_fw_layer_step(h, &k.layer, k.xs[t].data(), k.deltas[t].data(), &out) == PBIT_HAL_OK;
    o.counts.insert(o.counts.end(), counts.begin(), counts.end());
  }
  o.w.resize(k.w.size());
  if (ok) ok = pbit_hal_read_weights(h, 0, k.layer.n_in, k.layer.n_out, o.w.data()) == PBIT_HAL_OK;
  if (!ok) o.error = pbit_hal_error(h);
  o.clocks = pbit_hal_now(h);
  pbit_hal_close(h);
  return o;
}

// The bus master of this top.
class Firmware : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Firmware);
  Firmware(sc_core::sc_module_name nm, const pbit_hal_config_t &cfg, const Work &k)
      : sc_core::sc_module(nm), cfg_(cfg), work_(k) {
    SC_THREAD(main);
  }
  const Outcome &outcome() const { return outcome_; }
  double ns_start() const { return ns0_; }
  double ns_end() const { return ns1_; }

 private:
  void main() {
    ns0_ = sc_core::sc_time_stamp().to_seconds() * 1e9;
    outcome_ = run_firmware(cfg_, work_);
    ns1_ = sc_core::sc_time_stamp().to_seconds() * 1e9;
  }  // the closed slots' clocks stop: sc_start returns, nothing left to do
  pbit_hal_config_t cfg_;
  const Work &work_;
  Outcome outcome_;
  double ns0_ = 0, ns1_ = 0;
};

int passed = 0, failed = 0;
void check(bool ok, const std::string &what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  (ok ? passed : failed)++;
}

}  // namespace

int sc_main(int argc, char **argv) {
  std::string accel = argc > 1 ? argv[1] : "tiny", device = argc > 2 ? argv[2] : "smtj-slow";
  long steps = argc > 3 ? std::strtol(argv[3], nullptr, 10) : 6;
  if (argc > 4 || steps < 1 || steps > 1000) {
    std::fprintf(stderr, "usage: pbit_sc_top [accel [device [steps 1..1000]]]\n");
    return 2;
  }
  pbit_dp_params_t p;
  pbit_device_t dev;
  pbit_error_t err;
  std::string ap = "configs/accel/" + accel + ".yaml", dp = "configs/devices/" + device + ".yaml";
  if (pbit_config_load_accel(ap.c_str(), &p, &err) != PBIT_OK ||
      pbit_config_load_device(dp.c_str(), &dev, &err) != PBIT_OK) {
    std::fprintf(stderr, "pbit_sc_top: %s%s%s\n", err.file, err.file[0] ? ": " : "", err.msg);
    return 2;
  }
  Work work = make_work(p, static_cast<uint32_t>(steps));
  pbit_hal_config_t cfg{};
  cfg.backend = "systemc";
  cfg.accel = p;
  cfg.device = dev;
  cfg.max_copies = 4;
  cfg.input_lsb = 0.25;
  cfg.seed = 7;

  // Elaboration: the backend's slots, then this top's own module.
  if (pbit_hal_systemc_elaborate(&err) != PBIT_OK) {
    std::fprintf(stderr, "pbit_sc_top: %s\n", err.msg);
    return 1;
  }
  Firmware fw("firmware", cfg, work);
  sc_core::sc_start();
  const Outcome &sc = fw.outcome();
  check(sc.error.empty(), "systemc: the SC_THREAD ran the firmware" +
                              (sc.error.empty() ? std::string() : ": " + sc.error));

  pbit_hal_config_t mcfg = cfg;
  mcfg.backend = "model";
  Outcome m = run_firmware(mcfg, work);
  check(m.error.empty(), "model: the firmware ran" + (m.error.empty() ? "" : ": " + m.error));
  check(!sc.counts.empty() && sc.counts == m.counts,
        "p-bit counts of all " + std::to_string(steps) + " steps equal on systemc and model");
  check(sc.w == m.w, "weights after the updates equal on systemc and model");
  check(sc.clocks == m.clocks && sc.clocks > 0, "clock: " + std::to_string(sc.clocks) +
                                                    " cycles on systemc, " +
                                                    std::to_string(m.clocks) + " on model");
  // SystemC time covers the thread's clocks: its own, plus the open (reset
  // and parameter reads, before the HAL's time starts).
  double ns = fw.ns_end() - fw.ns_start();
  check(ns >= static_cast<double>(sc.clocks) * p.clock_ns,
        "SystemC time " + std::to_string(ns) + " ns >= cycles x clock_ns");
  uint32_t total = 0;
  for (uint32_t c : sc.counts) total += c;
  check(total > 0 && total < sc.counts.size() * 4u * 3u,
        "the p-bits were neither all off nor all on (" + std::to_string(total) + " of " +
            std::to_string(sc.counts.size() * 12) + ")");
  std::printf("pbit_sc_top: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
