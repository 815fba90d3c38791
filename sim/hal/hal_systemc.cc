// HAL backend "systemc" (hal_systemc.h): registry of the SystemC builds,
// one global elaboration with kSlotsPerBuild slots per build, bus accesses
// as clock cycles of the slot's gated clock: from plain code the backend
// writes the clock and runs sc_start per half period; from an SC_THREAD
// (pbit_hal_systemc_run) it wait()s for the slot's negedge.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "hal_systemc.h"

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dp_rtl/dp_rtl_trace.h"
#include "hal_systemc_impl.hh"
#include "verilated.h"

// PBIT_SC_BUILDS: X(id, "name", clock_ns, traced) for every build
// (hal_systemc.mk); traced: 0 no trace code, 1 verilated with --trace
// (VCD), 2 with --trace-fst (FST).
#ifndef PBIT_SC_BUILDS
#define PBIT_SC_BUILDS
#endif

namespace pbitsc {
#define X(id, nm, ns, tr) Dut *sc_create_##id(double clock_ns, int slot);
PBIT_SC_BUILDS
#undef X

namespace {

struct BuildInfo {
  const char *name;
  Factory create;
  double clock_ns;
  int traced;
};
const BuildInfo kBuilds[] = {
#define X(id, nm, ns, tr) {nm, sc_create_##id, ns, tr},
    PBIT_SC_BUILDS
#undef X
    {nullptr, nullptr, 0, 0}};
constexpr size_t kNumBuilds = sizeof kBuilds / sizeof kBuilds[0] - 1;
// The main builds (no trace code) come first in the list.
constexpr size_t count_main() {
  size_t n = 0;
  for (size_t b = 0; b < kNumBuilds; b++) n += kBuilds[b].traced == 0;
  return n;
}
constexpr size_t kNumMain = count_main();
constexpr size_t kSlotsPerBuild = PBIT_HAL_SYSTEMC_SLOTS;
// Stack of the firmware thread (QuickThreads stacks do not grow).
constexpr int kFirmwareStack = 8 << 20;

struct Slot {
  Dut *dut = nullptr;
  size_t build = 0;
  bool open = false;
};

struct Sim {
  std::vector<Slot> slots;  // build-major: slots of build b at [b*S, (b+1)*S)
  Dut *active = nullptr;    // the slot whose clock runs
  bool running_fw = false;  // pbit_hal_systemc_run is under way
  std::string failed;       // a SystemC error ended the simulation: its message
};

// The one elaboration of this process: every slot of every build, created
// on first use and kept until exit (SystemC objects are not destroyed after
// sc_start).
Sim &sim() {
  static Sim *s = [] {
    // The models bind to the thread's Verilator context when constructed;
    // give them their own (a harness elsewhere may have left a deleted one
    // there). Undefined state starts at zero, as in the rtl harness; tracing
    // must be allowed before the models exist.
    auto *vctx = new VerilatedContext;
    vctx->randReset(0);
    vctx->traceEverOn(true);
    Verilated::threadContextp(vctx);
    auto *v = new Sim;
    v->slots.resize(kNumBuilds * kSlotsPerBuild);
    for (size_t b = 0; b < kNumBuilds; b++)
      for (size_t k = 0; k < kSlotsPerBuild; k++) {
        Slot &sl = v->slots[b * kSlotsPerBuild + k];
        sl.dut = kBuilds[b].create(kBuilds[b].clock_ns, static_cast<int>(k));
        sl.build = b;
      }
    return v;
  }();
  return *s;
}

// Inside an SC_THREAD (the firmware thread of pbit_hal_systemc_run or a
// thread of the caller's own sc_main): time passes with wait().
bool in_thread() {
  sc_core::sc_curr_proc_kind k = sc_core::sc_get_curr_simcontext()->get_curr_proc_info()->kind;
  return k == sc_core::SC_THREAD_PROC_ || k == sc_core::SC_CTHREAD_PROC_;
}

// Only one slot is clocked at a time: the one being driven.
void activate(Dut *d, bool thread) {
  Sim &s = sim();
  if (s.active != d) {
    if (s.active != nullptr) s.active->deactivate();
    s.active = d;
  }
  if (thread && d->mode() != Dut::kThread) d->activate_thread();
  if (!thread && d->mode() != Dut::kDirect) {
    if (d->mode() == Dut::kThread) d->deactivate();
    d->activate_direct();
  }
}

// sc_start that reports SystemC errors (exceptions) as a status: they end
// the simulation for this process (SystemC cannot restart after one).
bool start(const sc_core::sc_time &t) {
  Sim &s = sim();
  if (!s.failed.empty()) return false;
  try {
    sc_core::sc_start(t);
  } catch (const std::exception &e) {
    s.failed = e.what();
    return false;
  }
  return true;
}

// One clock cycle of d driven from plain code, with the bus inputs as
// written: to d's next negedge time, its posedge outputs sampled.
bool direct_cycle(Dut *d) {
  if (d->fall_pending()) {
    d->fall();  // evaluated together with the new bus inputs
    if (!start(d->half())) return false;
  } else if (!start(d->time_to_posedge())) {
    return false;
  }
  d->rise();
  if (!start(d->half())) return false;
  d->sample();
  return true;
}

// n >= 1 clock cycles of d with the bus inputs as they are; until_idle:
// stop before a cycle when BUSY is low (as the rtl harness's wait_idle).
bool cycles(Dut *d, uint64_t n, bool until_idle = false) {
  if (in_thread()) {
    if (until_idle && !d->busy()) return true;
    activate(d, true);
    d->arm(n, until_idle);
    sc_core::wait(d->done_event());
    return true;
  }
  activate(d, false);
  for (uint64_t k = 0; k < n; k++) {
    if (until_idle && !d->busy()) return true;
    if (!direct_cycle(d)) return false;
  }
  return true;
}

struct Ctx {
  size_t slot;
  Dut *d;
  uint64_t c0, chunks_taken;
  bool tracing;
  pbit_dp_params_t p;
};

int bus_write(void *vctx, uint32_t addr, uint32_t data) {
  Ctx *c = static_cast<Ctx *>(vctx);
  if (addr > PBIT_DP_ADDR_MAX) return PBIT_ERR_ARG;
  c->d->set_bus(true, false, addr, data);
  return cycles(c->d, 1) ? PBIT_OK : PBIT_ERR_RUNTIME;
}

int bus_read(void *vctx, uint32_t addr, uint32_t *data) {
  Ctx *c = static_cast<Ctx *>(vctx);
  if (data == nullptr || addr > PBIT_DP_ADDR_MAX) return PBIT_ERR_ARG;
  c->d->set_bus(false, true, addr, 0);
  if (!cycles(c->d, 1)) return PBIT_ERR_RUNTIME;
  *data = c->d->rdata();
  return c->d->rvalid() ? PBIT_OK : PBIT_ERR_RUNTIME;
}

int bus_wait(void *vctx, uint64_t max_cycles) {
  Ctx *c = static_cast<Ctx *>(vctx);
  if (!c->d->busy()) return PBIT_OK;
  c->d->set_idle_bus();
  if (!cycles(c->d, max_cycles, true)) return PBIT_ERR_RUNTIME;
  return c->d->busy() ? PBIT_ERR_RUNTIME : PBIT_OK;
}

bool reset(Dut *d) {
  d->set_bus(false, false, 0, 0);
  d->set_rst(false);
  bool ok = cycles(d, 2);
  d->set_rst(true);
  return ok;
}

// Opens slot k (reset, parameter check against p); false if its build does
// not match p.
bool probe(size_t k, const pbit_dp_params_t *p) {
  Dut *d = sim().slots[k].dut;
  Ctx c{k, d, 0, 0, false, *p};
  if (!reset(d)) return false;
  pbit_dp_bus_t b = {&c, bus_write, bus_read, bus_wait};
  pbit_error_t e;
  return pbit_dp_drv_check(&b, p, &e) == PBIT_OK;
}

// Opens a free slot of a build with `traced` that matches p into *out.
int open_slot(const pbit_dp_params_t *p, int traced, Ctx *out, pbit_error_t *err) {
  Sim &s = sim();
  if (!s.failed.empty())
    return pbit_error_set(err, PBIT_ERR_RUNTIME, nullptr, 0, 0,
                          "the SystemC simulation ended with an error: %s", s.failed.c_str());
  for (size_t b = 0; b < kNumBuilds; b++) {
    if (kBuilds[b].traced != traced) continue;
    size_t k = b * kSlotsPerBuild, end = k + kSlotsPerBuild;
    while (k < end && s.slots[k].open) k++;
    if (k == end) {
      // Every slot of this build is open: is it the one asked for? (The
      // parameters of an open slot cannot be probed; the name tells.)
      if (std::strcmp(kBuilds[b].name, p->name) == 0)
        return pbit_error_set(err, PBIT_ERR_CONFIG, nullptr, 0, 0,
                              "no free SystemC slot for accel '%s' (%zu open handles per build)",
                              p->name, kSlotsPerBuild);
      continue;
    }
    if (!probe(k, p)) {
      if (!s.failed.empty())
        return pbit_error_set(err, PBIT_ERR_RUNTIME, nullptr, 0, 0, "SystemC error: %s",
                              s.failed.c_str());
      continue;
    }
    if (std::fabs(kBuilds[b].clock_ns - p->clock_ns) > 1e-9 * kBuilds[b].clock_ns)
      return pbit_error_set(err, PBIT_ERR_CONFIG, nullptr, 0, 0,
                            "SystemC build '%s' has clock_ns %g, asked for %g", kBuilds[b].name,
                            kBuilds[b].clock_ns, p->clock_ns);
    Ctx c{k, s.slots[k].dut, 0, 0, false, *p};
    Dut *d = c.d;
    // A reused slot starts as a fresh model does: SRAMs zeroed, then reset.
    d->clear_srams();
    // The same state as a fresh rtl harness after its constructor: reset,
    // then the reads of LANES, DAC_BITS, MAX_UNITS; time counts from here.
    uint32_t lanes = 0, dac_bits = 0, units = 0;
    if (!reset(d) || bus_read(&c, 0x02, &lanes) != PBIT_OK ||
        bus_read(&c, 0x05, &dac_bits) != PBIT_OK || bus_read(&c, 0x09, &units) != PBIT_OK)
      return pbit_error_set(err, PBIT_ERR_RUNTIME, nullptr, 0, 0, "SystemC error: %s",
                            s.failed.c_str());
    d->pbits().size(static_cast<int>(lanes), static_cast<int>(dac_bits), units);
    d->pbits().detach();
    c.c0 = d->posedges();
    c.chunks_taken = d->pbits().chunks();
    s.slots[k].open = true;
    *out = c;
    return PBIT_OK;
  }
  if (traced)
    return pbit_error_set(err, PBIT_ERR_CONFIG, nullptr, 0, 0,
                          "no %s-traced SystemC build of accel '%s': make %s=\"%s\"",
                          traced == 1 ? "VCD" : "FST", p->name,
                          traced == 1 ? "SC_TRACE_ACCELS" : "SC_FST_ACCELS", p->name);
  return pbit_error_set(err, PBIT_ERR_CONFIG, nullptr, 0, 0,
                        "no SystemC build matches accel '%s' (make SC_ACCELS=...)", p->name);
}

int sc_create(const pbit_dp_params_t *p, void **out, pbit_error_t *err) {
  if (p == nullptr || out == nullptr)
    return pbit_error_set(err, PBIT_ERR_ARG, nullptr, 0, 0, "NULL argument");
  std::unique_ptr<Ctx> c(new Ctx{0, nullptr, 0, 0, false, *p});
  int rc = open_slot(p, 0, c.get(), err);
  if (rc != PBIT_OK) return rc;
  c->p = *p;
  *out = c.release();
  return PBIT_OK;
}

void sc_destroy(void *vctx) {
  Ctx *c = static_cast<Ctx *>(vctx);
  if (c == nullptr) return;
  if (c->tracing) c->d->trace_close();
  c->d->pbits().detach();
  c->d->deactivate();
  sim().slots[c->slot].open = false;
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

int sc_idle(void *vctx, uint64_t n, pbit_error_t *err) {
  Ctx *c = static_cast<Ctx *>(vctx);
  if (n == 0) return PBIT_OK;
  c->d->set_idle_bus();
  if (cycles(c->d, n)) return PBIT_OK;
  return pbit_error_set(err, PBIT_ERR_RUNTIME, nullptr, 0, 0, "SystemC error: %s",
                        sim().failed.c_str());
}

uint64_t sc_take_dac(void *vctx, uint64_t *last_cycle, int32_t *codes, size_t n) {
  Ctx *c = static_cast<Ctx *>(vctx);
  const PbitArray &pb = c->d->pbits();
  uint64_t total = pb.chunks();
  uint64_t k = total - c->chunks_taken;
  c->chunks_taken = total;
  *last_cycle = pb.last_cycle() - c->c0;
  if (k > 0) {  // (unused by the HAL core when it attached a sink)
    const std::vector<int32_t> &dac = pb.codes();
    for (size_t j = 0; j < n; j++) codes[j] = j < dac.size() ? dac[j] : 0;
  }
  return k;
}

void sc_set_dac_sink(void *vctx, pbit_hal_dac_sink_fn fn, void *user) {
  Ctx *c = static_cast<Ctx *>(vctx);
  c->d->pbits().attach(fn, user, c->c0);
}

int sc_trace(void *vctx, const char *path, uint32_t tile, pbit_error_t *err) {
  Ctx *c = static_cast<Ctx *>(vctx);
  if (c == nullptr || path == nullptr)
    return pbit_error_set(err, PBIT_ERR_ARG, nullptr, 0, 0, "NULL argument");
  char file[1024];
  int fmt = pbit_dp_trace_path(path, tile, file, sizeof file);
  if (fmt != PBIT_DP_TRACE_VCD && fmt != PBIT_DP_TRACE_FST)
    return pbit_error_set(err, PBIT_ERR_ARG, nullptr, 0, 0,
                          fmt == 0 ? "trace file '%s': unknown extension (want .vcd or .fst)"
                                   : "trace file '%s': path too long",
                          path);
  if (c->tracing) c->d->trace_close();
  c->tracing = false;
  int want = fmt == PBIT_DP_TRACE_VCD ? 1 : 2;
  if (kBuilds[sim().slots[c->slot].build].traced != want) {
    // Right after create (nothing driven yet): move to a slot of the build
    // traced in that format, in the same state (reset, parameter reads).
    Ctx t{0, nullptr, 0, 0, false, c->p};
    int rc = open_slot(&c->p, want, &t, err);
    if (rc != PBIT_OK) return rc;
    c->d->deactivate();
    sim().slots[c->slot].open = false;
    *c = t;
  }
  std::string why = c->d->trace_open(file);
  if (!why.empty())
    return pbit_error_set(err, PBIT_ERR_RUNTIME, nullptr, 0, 0, "trace: %s", why.c_str());
  c->tracing = true;
  return PBIT_OK;
}

const pbit_hal_backend_t kSystemc = {"systemc", sc_create,   sc_destroy, sc_bus,         sc_now,
                                     sc_idle,   sc_take_dac, sc_trace,   sc_set_dac_sink};

// pbit_hal_systemc_run's thread.
struct FwRun {
  int (*fn)(void *);
  void *arg;
  int rc;
  bool done;
};

void fw_thread(FwRun *r) {
  r->rc = r->fn(r->arg);
  r->done = true;
  sc_core::sc_pause();
}

}  // namespace
}  // namespace pbitsc

extern "C" {
const pbit_hal_backend_t *pbit_hal_systemc_backend(void) { return &pbitsc::kSystemc; }
size_t pbit_hal_systemc_num_builds(void) { return pbitsc::kNumMain; }
const char *pbit_hal_systemc_build_name(size_t k) {
  return k < pbitsc::kNumMain ? pbitsc::kBuilds[k].name : nullptr;
}
size_t pbit_hal_systemc_slots(void) { return pbitsc::kSlotsPerBuild; }
double pbit_hal_systemc_time_ns(void) {
  return sc_core::sc_time_stamp() / sc_core::sc_time(1, sc_core::SC_NS);
}

int pbit_hal_systemc_elaborate(pbit_error_t *err) {
  pbit_error_clear(err);
  try {
    (void)pbitsc::sim();
  } catch (const std::exception &e) {
    return pbit_error_set(err, PBIT_ERR_RUNTIME, nullptr, 0, 0,
                          "SystemC: cannot elaborate the datapath builds: %s", e.what());
  }
  return PBIT_OK;
}

int pbit_hal_systemc_run(int (*fn)(void *), void *arg, pbit_error_t *err) {
  using namespace pbitsc;
  pbit_error_clear(err);
  if (fn == nullptr) return pbit_error_set(err, PBIT_ERR_ARG, nullptr, 0, 0, "NULL function");
  Sim &s = sim();
  if (s.running_fw || in_thread())
    return pbit_error_set(err, PBIT_ERR_ARG, nullptr, 0, 0,
                          "pbit_hal_systemc_run: already inside a SystemC thread");
  if (!s.failed.empty())
    return pbit_error_set(err, PBIT_ERR_RUNTIME, nullptr, 0, 0,
                          "the SystemC simulation ended with an error: %s", s.failed.c_str());
  FwRun r{fn, arg, 0, false};
  sc_core::sc_spawn_options o;
  o.set_stack_size(kFirmwareStack);
  s.running_fw = true;
  static unsigned runs = 0;
  std::string name = "firmware_" + std::to_string(runs++);
  try {
    sc_core::sc_spawn(sc_bind(&fw_thread, &r), name.c_str(), &o);
    while (!r.done) {
      sc_core::sc_start();
      if (!r.done && !sc_core::sc_pending_activity()) break;  // starved
    }
  } catch (const std::exception &e) {
    s.failed = e.what();
  }
  s.running_fw = false;
  if (!s.failed.empty())
    return pbit_error_set(err, PBIT_ERR_RUNTIME, nullptr, 0, 0, "SystemC error: %s",
                          s.failed.c_str());
  if (!r.done)
    return pbit_error_set(err, PBIT_ERR_RUNTIME, nullptr, 0, 0,
                          "the firmware thread blocked (no SystemC activity left)");
  return r.rc;
}
}

// libsystemc refers to sc_main (its own main calls it). Programs linking
// this backend keep their own main (GoogleTest, pbitsim) and call sc_start
// through the HAL; a program with a real sc_main overrides this one.
int sc_main(int, char **) __attribute__((weak));
int sc_main(int, char **) { return 0; }
