// The C interface of the Verilator harness and the registry of builds.
// PBIT_DP_RTL_BUILDS is the list of builds linked into this program, as
// X(id, "name", format) items (set by sim/dp_rtl/dp_rtl.mk from RTL_ACCELS
// and RTL_FST_ACCELS; empty for programs without RTL, e.g. the sanitizer
// build of pbitsim). format: the waveform format the build can write.
#include "dp_rtl/dp_rtl.h"

#include <cstdio>
#include <cstring>
#include <string>

#include "dp/dp_regs.h"
#include "dp_rtl/dp_rtl_trace.h"
#include "dp_rtl_impl.hh"

#ifndef PBIT_DP_RTL_BUILDS
#define PBIT_DP_RTL_BUILDS
#endif

namespace pbitdp {
#define X(id, name, fmt) Model *create_##id();
PBIT_DP_RTL_BUILDS
#undef X
}  // namespace pbitdp

namespace {
const pbitdp::Build kBuilds[] = {
#define X(id, name, fmt) {name, pbitdp::create_##id, fmt},
    PBIT_DP_RTL_BUILDS
#undef X
    {nullptr, nullptr, 0}};
constexpr size_t kNumBuilds = sizeof(kBuilds) / sizeof(kBuilds[0]) - 1;
}  // namespace

// "small wide": the names of the main builds (no trace code), as make's
// RTL_ACCELS lists them.
static std::string built_list() {
  std::string s;
  for (size_t k = 0; k < kNumBuilds; k++) {
    if (kBuilds[k].trace_format != 0) continue;
    if (!s.empty()) s += ' ';
    s += kBuilds[k].name;
  }
  return s;
}

struct pbit_dp_rtl {
  pbitdp::Model *m;
  const char *name;
  int trace_format;
};

static int create_fmt(const pbit_dp_params_t *p, int fmt, pbit_dp_rtl_t **out, pbit_error_t *err);

extern "C" {

size_t pbit_dp_rtl_num_builds(void) {
  size_t n = 0;
  for (size_t k = 0; k < kNumBuilds; k++) n += kBuilds[k].trace_format == 0;
  return n;
}

const char *pbit_dp_rtl_build_name(size_t k) {
  for (size_t b = 0; b < kNumBuilds; b++)
    if (kBuilds[b].trace_format == 0 && k-- == 0) return kBuilds[b].name;
  return nullptr;
}

int pbit_dp_rtl_create(const pbit_dp_params_t *p, pbit_dp_rtl_t **out, pbit_error_t *err) {
  return create_fmt(p, 0, out, err);
}

int pbit_dp_rtl_create_traced(const pbit_dp_params_t *p, int format, pbit_dp_rtl_t **out,
                              pbit_error_t *err) {
  if (format != PBIT_DP_TRACE_VCD && format != PBIT_DP_TRACE_FST)
    return pbit_error_set(err, PBIT_ERR_ARG, nullptr, 0, 0, "unknown trace format %d", format);
  return create_fmt(p, format, out, err);
}

int pbit_dp_rtl_trace_format(const pbit_dp_rtl_t *r) { return r ? r->trace_format : 0; }

int pbit_dp_rtl_trace_open(pbit_dp_rtl_t *r, const char *path, double clock_ns, pbit_error_t *err) {
  if (r == nullptr || path == nullptr || !(clock_ns > 0))
    return pbit_error_set(err, PBIT_ERR_ARG, nullptr, 0, 0, "bad argument");
  std::string why = r->m->trace_open(path, clock_ns);
  if (!why.empty())
    return pbit_error_set(err, PBIT_ERR_RUNTIME, nullptr, 0, 0, "trace: %s", why.c_str());
  return PBIT_OK;
}

void pbit_dp_rtl_trace_close(pbit_dp_rtl_t *r) {
  if (r) r->m->trace_close();
}

}  // extern "C"

static int create_fmt(const pbit_dp_params_t *p, int fmt, pbit_dp_rtl_t **out, pbit_error_t *err) {
  if (out == nullptr || p == nullptr)
    return pbit_error_set(err, PBIT_ERR_ARG, nullptr, 0, 0, "NULL argument");
  *out = nullptr;
  const uint32_t want[8] = {
      static_cast<uint32_t>(p->lanes),      static_cast<uint32_t>(p->weight_bits),
      static_cast<uint32_t>(p->acc_bits),   static_cast<uint32_t>(p->dac_bits),
      static_cast<uint32_t>(p->scan_bits),  static_cast<uint32_t>(p->fifo_depth),
      static_cast<uint32_t>(p->max_inputs), static_cast<uint32_t>(p->max_units)};
  std::string built;
  for (size_t k = 0; k < kNumBuilds; k++) {
    if (kBuilds[k].trace_format != fmt) continue;
    pbitdp::Model *m = kBuilds[k].create();
    if (m == nullptr) return pbit_error_set(err, PBIT_ERR_NOMEM, nullptr, 0, 0, "out of memory");
    bool match = true;
    for (uint32_t r = 0; r < 8 && match; r++) {
      uint32_t v = 0;
      m->read(PBIT_DP_REG_LANES + r, &v);
      match = (v == want[r]);
    }
    if (match) {
      m->reset();  // forget the parameter reads
      auto *h = new (std::nothrow) pbit_dp_rtl{m, kBuilds[k].name, fmt};
      if (h == nullptr) {
        delete m;
        return pbit_error_set(err, PBIT_ERR_NOMEM, nullptr, 0, 0, "out of memory");
      }
      *out = h;
      return PBIT_OK;
    }
    delete m;
    built += (built.empty() ? "" : ", ");
    built += kBuilds[k].name;
  }
  char want_txt[200];
  snprintf(want_txt, sizeof(want_txt),
           "lanes %d, weight_bits %d, acc_bits %d, dac_bits %d, scan_bits %d, fifo_depth %d, "
           "max_inputs %d, max_units %d",
           p->lanes, p->weight_bits, p->acc_bits, p->dac_bits, p->scan_bits, p->fifo_depth,
           p->max_inputs, p->max_units);
  if (kNumBuilds == 0)
    return pbit_error_set(err, PBIT_ERR_CONFIG, nullptr, 0, 0,
                          "this program has no RTL builds (the sanitizer build of pbitsim has "
                          "none): use build/bin/pbitsim");
  if (fmt != 0)
    return pbit_error_set(err, PBIT_ERR_CONFIG, nullptr, 0, 0,
                          "no RTL build of accel '%s' writes %s waveforms; build one with: "
                          "make RTL_%s_ACCELS=\"%s\"",
                          p->name, fmt == PBIT_DP_TRACE_FST ? "FST (.fst)" : "VCD (.vcd)",
                          fmt == PBIT_DP_TRACE_FST ? "FST" : "VCD", p->name);
  bool same_name = false;
  for (size_t k = 0; k < kNumBuilds; k++) same_name |= std::strcmp(kBuilds[k].name, p->name) == 0;
  if (same_name)
    return pbit_error_set(err, PBIT_ERR_CONFIG, nullptr, 0, 0,
                          "the RTL build '%s' was made with other parameters than accel '%s' "
                          "(%s): rebuild it with: make",
                          p->name, p->name, want_txt);
  return pbit_error_set(err, PBIT_ERR_CONFIG, nullptr, 0, 0,
                        "no RTL build for accel '%s' (%s); this program has: %s. Build one "
                        "with: make RTL_ACCELS=\"%s %s\" (verilates configs/accel/%s.yaml)",
                        p->name, want_txt, built.c_str(), built_list().c_str(), p->name, p->name);
}

extern "C" {

void pbit_dp_rtl_destroy(pbit_dp_rtl_t *r) {
  if (r == nullptr) return;
  delete r->m;
  delete r;
}

const char *pbit_dp_rtl_name(const pbit_dp_rtl_t *r) { return r ? r->name : nullptr; }

void pbit_dp_rtl_reset(pbit_dp_rtl_t *r) {
  if (r) r->m->reset();
}

int pbit_dp_rtl_reg_write(pbit_dp_rtl_t *r, uint32_t addr, uint32_t data) {
  if (r == nullptr || addr > PBIT_DP_ADDR_MAX) return PBIT_ERR_ARG;
  r->m->write(addr, data);
  return PBIT_OK;
}

int pbit_dp_rtl_reg_read(pbit_dp_rtl_t *r, uint32_t addr, uint32_t *data) {
  if (r == nullptr || data == nullptr || addr > PBIT_DP_ADDR_MAX) return PBIT_ERR_ARG;
  return r->m->read(addr, data) ? PBIT_OK : PBIT_ERR_RUNTIME;
}

int pbit_dp_rtl_wait_idle(pbit_dp_rtl_t *r, uint64_t max_cycles) {
  if (r == nullptr) return PBIT_ERR_ARG;
  return r->m->wait_idle(max_cycles) ? PBIT_OK : PBIT_ERR_RUNTIME;
}

uint64_t pbit_dp_rtl_cycles(const pbit_dp_rtl_t *r) { return r ? r->m->cycles() : 0; }

int pbit_dp_rtl_busy(const pbit_dp_rtl_t *r) { return r ? r->m->busy() : 0; }

int pbit_dp_rtl_dac_codes(const pbit_dp_rtl_t *r, int32_t *codes, size_t n) {
  if (r == nullptr || (codes == nullptr && n > 0) || n > r->m->dac().size()) return PBIT_ERR_ARG;
  if (n > 0) std::memcpy(codes, r->m->dac().data(), n * sizeof(int32_t));
  return PBIT_OK;
}

uint64_t pbit_dp_rtl_dac_chunks(const pbit_dp_rtl_t *r) { return r ? r->m->dac_chunks() : 0; }

uint64_t pbit_dp_rtl_dac_last_cycle(const pbit_dp_rtl_t *r) {
  return r ? r->m->dac_last_cycle() : 0;
}

static int bus_write(void *ctx, uint32_t addr, uint32_t data) {
  return pbit_dp_rtl_reg_write(static_cast<pbit_dp_rtl_t *>(ctx), addr, data);
}
static int bus_read(void *ctx, uint32_t addr, uint32_t *data) {
  return pbit_dp_rtl_reg_read(static_cast<pbit_dp_rtl_t *>(ctx), addr, data);
}
static int bus_wait(void *ctx, uint64_t max_cycles) {
  return pbit_dp_rtl_wait_idle(static_cast<pbit_dp_rtl_t *>(ctx), max_cycles);
}

pbit_dp_bus_t pbit_dp_rtl_bus(pbit_dp_rtl_t *r) {
  pbit_dp_bus_t b;
  b.ctx = r;
  b.write = bus_write;
  b.read = bus_read;
  b.wait_idle = bus_wait;
  return b;
}

}  // extern "C"
