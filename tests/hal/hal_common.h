// Shared helpers of the HAL tests (tests/hal/, tests/dp/rtl_cosim_test.cc).
#ifndef PBIT_TESTS_HAL_COMMON_H
#define PBIT_TESTS_HAL_COMMON_H

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "hal/hal.h"
#include "hal_sim.h"
#include "layer.h"

namespace haltest {

inline bool LoadAccel(const std::string &name, pbit_dp_params_t *p) {
  pbit_error_t err;
  return pbit_config_load_accel(("configs/accel/" + name + ".yaml").c_str(), p, &err) == PBIT_OK;
}

inline bool LoadDevice(const std::string &name, pbit_device_t *d) {
  pbit_error_t err;
  return pbit_config_load_device(("configs/devices/" + name + ".yaml").c_str(), d, &err) == PBIT_OK;
}

// A random layer that fits the accelerator, with weights scaled so that the
// DAC codes spread over their range.
struct Layer {
  uint32_t n_in = 0, n_out = 0, copies = 1, samples = 1, dac_shift = 0;
  std::vector<int32_t> w, b, offsets;
  pbit_fw_layer_t View() const {
    pbit_fw_layer_t l{};
    l.n_in = n_in;
    l.n_out = n_out;
    l.dac_shift = dac_shift;
    l.copies = copies;
    l.offsets = offsets.data();
    l.samples = samples;
    l.weights = w.data();
    l.bias = b.data();
    return l;
  }
};

inline Layer RandomLayer(const pbit_dp_params_t &p, uint32_t n_in, uint32_t n_out, uint32_t copies,
                         uint32_t samples, std::mt19937_64 &rng) {
  Layer l;
  l.n_in = n_in;
  l.n_out = n_out;
  l.copies = copies;
  l.samples = samples;
  // Weights in +-wmax; a sum of ~n_in/2 of them spans about wmax*sqrt(n_in);
  // the DAC shift brings that to the DAC range.
  int32_t wmax = (1 << (p.weight_bits - 1)) - 1;
  if (wmax > 200) wmax = 200;
  std::uniform_int_distribution<int32_t> wd(-wmax, wmax);
  l.w.resize(static_cast<size_t>(n_in) * n_out);
  for (auto &v : l.w) v = wd(rng);
  l.b.resize(n_out);
  for (auto &v : l.b) v = wd(rng);
  double spread = wmax * std::sqrt(n_in / 2.0 + 1.0);
  double dac_max = static_cast<double>(1 << (p.dac_bits - 1));
  uint32_t s = 0;
  while (s + 1 < static_cast<uint32_t>(p.acc_bits) && spread / (1 << s) > dac_max) s++;
  l.dac_shift = s;
  l.offsets.resize(copies);
  pbit_fw_copy_offsets(copies, dac_max / 8.0, l.offsets.data());
  return l;
}

// Everything one run produces, compared field by field across backends.
struct Result {
  std::vector<int64_t> acc;
  std::vector<int32_t> dac, codes, w, b;
  std::vector<uint32_t> counts;
  std::vector<uint8_t> states;
  std::vector<uint64_t> fwd_cycles, upd_cycles, dp_counters;
  pbit_hal_pbit_counters_t pc{};
  uint64_t now = 0;
};

// Opens `backend`, loads the layer, runs one step per x (with the delta of
// the same index) and collects every observable. Returns "" or the error.
inline std::string Run(const char *backend, const pbit_dp_params_t &p, const pbit_device_t &dev,
                       uint64_t seed, double input_lsb, const Layer &l,
                       const std::vector<std::vector<uint8_t>> &xs,
                       const std::vector<std::vector<int32_t>> &deltas, Result *r) {
  pbit_hal_config_t cfg{};
  cfg.backend = backend;
  cfg.accel = p;
  cfg.device = dev;
  cfg.max_copies = 8;
  cfg.input_lsb = input_lsb;
  cfg.seed = seed;
  pbit_hal_t *h = nullptr;
  pbit_error_t err;
  if (pbit_hal_open(&cfg, &h, &err) != PBIT_OK) return std::string("open: ") + err.msg;
  std::string what;
  pbit_fw_layer_t lv = l.View();
  int rc = pbit_fw_layer_load(h, &lv);
  if (rc != PBIT_HAL_OK) what = std::string("load: ") + pbit_hal_error(h);
  if (rc == PBIT_HAL_OK) rc = pbit_hal_clear_counters(h);
  for (size_t s = 0; s < xs.size() && rc == PBIT_HAL_OK; s++) {
    std::vector<int64_t> acc(l.n_out);
    std::vector<int32_t> dac(l.n_out), codes(l.n_out);
    std::vector<uint32_t> counts(l.n_out);
    std::vector<uint8_t> states(static_cast<size_t>(l.samples) * l.n_out * l.copies);
    pbit_fw_step_out_t o{};
    o.acc = acc.data();
    o.dac = dac.data();
    o.counts = counts.data();
    o.states = states.data();
    rc = pbit_fw_layer_step(h, &lv, xs[s].data(), s < deltas.size() ? deltas[s].data() : nullptr,
                            &o);
    if (rc == PBIT_HAL_OK) rc = pbit_hal_pbit_codes(h, codes.data(), codes.size());
    if (rc != PBIT_HAL_OK) {
      what = std::string("step: ") + pbit_hal_error(h);
      break;
    }
    r->acc.insert(r->acc.end(), acc.begin(), acc.end());
    r->dac.insert(r->dac.end(), dac.begin(), dac.end());
    r->codes.insert(r->codes.end(), codes.begin(), codes.end());
    r->counts.insert(r->counts.end(), counts.begin(), counts.end());
    r->states.insert(r->states.end(), states.begin(), states.end());
    r->fwd_cycles.push_back(o.fwd_cycles);
    r->upd_cycles.push_back(o.upd_cycles);
  }
  if (rc == PBIT_HAL_OK) {
    r->w.resize(static_cast<size_t>(l.n_in) * l.n_out);
    r->b.resize(l.n_out);
    uint64_t c[PBIT_DP_NUM_COUNTERS];
    rc = pbit_hal_read_weights(h, 0, l.n_in, l.n_out, r->w.data());
    if (rc == PBIT_HAL_OK) rc = pbit_hal_read_bias(h, r->b.data(), l.n_out);
    if (rc == PBIT_HAL_OK) rc = pbit_hal_counters(h, c);
    if (rc == PBIT_HAL_OK) r->dp_counters.assign(c, c + PBIT_DP_NUM_COUNTERS);
    if (rc == PBIT_HAL_OK) rc = pbit_hal_pbit_counters(h, &r->pc);
    r->now = pbit_hal_now(h);
    if (rc != PBIT_HAL_OK) what = std::string("read back: ") + pbit_hal_error(h);
  }
  pbit_hal_close(h);
  return what;
}

inline std::vector<uint8_t> RandomInput(uint32_t n, double density, std::mt19937_64 &rng) {
  std::bernoulli_distribution bd(density);
  std::vector<uint8_t> x(n);
  for (auto &v : x) v = bd(rng) ? 1 : 0;
  return x;
}

inline std::vector<int32_t> RandomDelta(const pbit_dp_params_t &p, uint32_t n,
                                        std::mt19937_64 &rng) {
  int32_t m = (1 << (p.weight_bits - 1)) - 1;
  if (m > 20) m = 20;
  std::uniform_int_distribution<int32_t> d(-m, m);
  std::vector<int32_t> v(n);
  for (auto &e : v) e = d(rng);
  return v;
}

}  // namespace haltest

#endif
