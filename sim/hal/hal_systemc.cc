// HAL backend "systemc" (hal_systemc.h): registry of the SystemC builds,
// one global elaboration, bus accesses as sc_start steps of one clock.
#include "hal_systemc.h"

#include <cmath>
#include <memory>
#include <vector>

#include "hal_systemc_impl.hh"
#include "verilated.h"

// PBIT_SC_BUILDS: X(id, "name", clock_ns) for every build (hal_systemc.mk).
#ifndef PBIT_SC_BUILDS
#define PBIT_SC_BUILDS
#endif

namespace pbitsc {
#define X(id, nm, ns) Dut *sc_create_##id(double clock_ns);
PBIT_SC_BUILDS
#undef X

namespace {

struct BuildInfo {
  const char *name;
  Factory create;
  double clock_ns;
};
const BuildInfo kBuilds[] = {
#define X(id, nm, ns) {nm, sc_create_##id, ns},
    PBIT_SC_BUILDS
#undef X
    {nullptr, nullptr, 0}};
constexpr size_t kNumBuilds = sizeof kBuilds / sizeof kBuilds[0] - 1;

struct Slot {
  Dut *dut = nullptr;
  bool open = false;
};

// The one elaboration of this process: every build, created on first use
// and kept until exit (SystemC objects are not destroyed after sc_start).
std::vector<Slot> &slots() {
  static std::vector<Slot> *s = [] {
    // The models bind to the thread's Verilator context when constructed;
    // give them their own (a harness elsewhere may have left a deleted one
    // there). Undefined state starts at zero, as in the rtl harness.
    auto *vctx = new VerilatedContext;
    vctx->randReset(0);
    Verilated::threadContextp(vctx);
    auto *v = new std::vector<Slot>(kNumBuilds);
    for (size_t k = 0; k < kNumBuilds; k++) (*v)[k].dut = kBuilds[k].create(kBuilds[k].clock_ns);
    return v;
  }();
  return *s;
}

// One clock cycle of d: runs SystemC to d's next falling edge (its rising
// edge comes first; inputs written before apply to it).
void step(Dut *d) {
  uint64_t target = d->negedges() + 1;
  while (d->negedges() < target) sc_core::sc_start(sc_core::sc_time_to_pending_activity());
}

struct Ctx {
  size_t slot;
  Dut *d;
  uint64_t c0, chunks_taken;
};

int bus_write(void *vctx, uint32_t addr, uint32_t data) {
  Ctx *c = static_cast<Ctx *>(vctx);
  if (addr > PBIT_DP_ADDR_MAX) return PBIT_ERR_ARG;
  c->d->set_bus(true, false, addr, data);
  step(c->d);
  c->d->set_bus(false, false, addr, 0);
  return PBIT_OK;
}

int bus_read(void *vctx, uint32_t addr, uint32_t *data) {
  Ctx *c = static_cast<Ctx *>(vctx);
  if (data == nullptr || addr > PBIT_DP_ADDR_MAX) return PBIT_ERR_ARG;
  c->d->set_bus(false, true, addr, 0);
  step(c->d);
  c->d->set_bus(false, false, addr, 0);
  *data = c->d->rdata();
  return c->d->rvalid() ? PBIT_OK : PBIT_ERR_RUNTIME;
}

int bus_wait(void *vctx, uint64_t max_cycles) {
  Ctx *c = static_cast<Ctx *>(vctx);
  for (uint64_t k = 0; k < max_cycles; k++) {
    if (!c->d->busy()) return PBIT_OK;
    step(c->d);
  }
  return c->d->busy() ? PBIT_ERR_RUNTIME : PBIT_OK;
}

void reset(Dut *d) {
  d->set_bus(false, false, 0, 0);
  d->set_rst(false);
  step(d);
  step(d);
  d->set_rst(true);
}

int sc_create(const pbit_dp_params_t *p, void **out, pbit_error_t *err) {
  if (p == nullptr || out == nullptr)
    return pbit_error_set(err, PBIT_ERR_ARG, nullptr, 0, 0, "NULL argument");
  std::vector<Slot> &s = slots();
  bool busy_match = false;
  for (size_t k = 0; k < s.size(); k++) {
    Dut *d = s[k].dut;
    if (s[k].open) {
      busy_match = true;  // maybe this one; cannot probe it while in use
      continue;
    }
    std::unique_ptr<Ctx> c(new Ctx{k, d, 0, 0});
    reset(d);
    pbit_dp_bus_t b = {c.get(), bus_write, bus_read, bus_wait};
    pbit_error_t e;
    if (pbit_dp_drv_check(&b, p, &e) != PBIT_OK) continue;
    if (std::fabs(kBuilds[k].clock_ns - p->clock_ns) > 1e-9 * kBuilds[k].clock_ns)
      return pbit_error_set(err, PBIT_ERR_CONFIG, nullptr, 0, 0,
                            "SystemC build '%s' has clock_ns %g, asked for %g", kBuilds[k].name,
                            kBuilds[k].clock_ns, p->clock_ns);
    // The same state as a fresh rtl harness after its constructor: reset,
    // then the reads of LANES, DAC_BITS, MAX_UNITS; time counts from here.
    reset(d);
    uint32_t lanes = 0, dac_bits = 0, units = 0;
    bus_read(c.get(), 0x02, &lanes);
    bus_read(c.get(), 0x05, &dac_bits);
    bus_read(c.get(), 0x09, &units);
    d->size_dac(static_cast<int>(lanes), static_cast<int>(dac_bits), units);
    c->c0 = d->posedges();
    c->chunks_taken = d->dac_chunks();
    s[k].open = true;
    *out = c.release();
    return PBIT_OK;
  }
  return pbit_error_set(err, PBIT_ERR_CONFIG, nullptr, 0, 0,
                        busy_match ? "no free SystemC build matches accel '%s' (one open per build)"
                                   : "no SystemC build matches accel '%s' (make SC_ACCELS=...)",
                        p->name);
}

void sc_destroy(void *vctx) {
  Ctx *c = static_cast<Ctx *>(vctx);
  if (c == nullptr) return;
  slots()[c->slot].open = false;
  delete c;
}

pbit_dp_bus_t sc_bus(void *vctx) {
  pbit_dp_bus_t b = {vctx, bus_write, bus_read, bus_wait};
  return b;
}

uint64_t sc_now(void *vctx) {
  Ctx *c = static_cast<Ctx *>(vctx);
  return c->d->posedges() - c->c0;
}

int sc_idle(void *vctx, uint64_t cycles, pbit_error_t *err) {
  (void)err;
  Ctx *c = static_cast<Ctx *>(vctx);
  for (uint64_t k = 0; k < cycles; k++) step(c->d);
  return PBIT_OK;
}

uint64_t sc_take_dac(void *vctx, uint64_t *last_cycle, int32_t *codes, size_t n) {
  Ctx *c = static_cast<Ctx *>(vctx);
  uint64_t total = c->d->dac_chunks();
  uint64_t k = total - c->chunks_taken;
  c->chunks_taken = total;
  *last_cycle = c->d->dac_last_cycle() - c->c0;
  if (k > 0) {
    const std::vector<int32_t> &dac = c->d->dac();
    for (size_t j = 0; j < n; j++) codes[j] = j < dac.size() ? dac[j] : 0;
  }
  return k;
}

const pbit_hal_backend_t kSystemc = {"systemc", sc_create, sc_destroy, sc_bus,
                                     sc_now,    sc_idle,   sc_take_dac};

}  // namespace
}  // namespace pbitsc

extern "C" {
const pbit_hal_backend_t *pbit_hal_systemc_backend(void) { return &pbitsc::kSystemc; }
size_t pbit_hal_systemc_num_builds(void) { return pbitsc::kNumBuilds; }
const char *pbit_hal_systemc_build_name(size_t k) {
  return k < pbitsc::kNumBuilds ? pbitsc::kBuilds[k].name : nullptr;
}
double pbit_hal_systemc_time_ns(void) {
  return sc_core::sc_time_stamp() / sc_core::sc_time(1, sc_core::SC_NS);
}
}

// libsystemc refers to sc_main (its own main calls it). Programs linking
// this backend keep their own main (GoogleTest, pbitsim) and call sc_start
// through the HAL; a program with a real sc_main overrides this one.
int sc_main(int, char **) __attribute__((weak));
int sc_main(int, char **) { return 0; }
