/* The energy ledger: counts x energy per action, every entry traceable.
 *
 * An entry is one kind of action of one component in one phase: its count,
 * the energy of one action (pJ) and the source of that energy (the table key
 * and every rule applied to it, e.g. "horowitz45:int_add.bits_32*(24/32)").
 * Each entry's energy is count x pj_each rounded once to an integer number
 * of attojoules (1e-6 pJ); every total is an exact integer sum of those, so
 * a breakdown adds up to its total exactly in any order.
 *
 * Pricing rules (docs/energy.md), all x pbit_energy_node_factor(node_nm):
 *  - int add of b bits: the nearest table point p (in log2 bits; ties to the
 *    wider) x b / p; int multiply: x (b / p)^2;
 *  - SRAM access of a word_bits word in an array of capacity_bits: the
 *    64-bit energy E(c) at c = capacity in bytes, linear in log2(c) between
 *    the table points (8 KB, 32 KB, 1 MB), above 1 MB the last slope, below
 *    8 KB the power law E(8 KB) * (c / 8 KB)^s whose slope in log2(c) at
 *    8 KB equals the first segment's (so E stays > 0 and monotone); then
 *    x word_bits / 64.
 *
 * Library code: never prints; the writers write to a stream the caller owns. */
#ifndef PBIT_ENERGY_LEDGER_H
#define PBIT_ENERGY_LEDGER_H

#include <stdint.h>
#include <stdio.h>

#include "../../firmware/bsff/bsff.h" /* plain structs, no link dependency */
#include "../../firmware/ff/ff.h"
#include "array.h"
#include "device.h"
#include "dp/dp_model.h"
#include "dp/dp_params.h"
#include "energy/tech.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- pricing (pJ per action, node factor applied); NaN on bad arguments */
double pbit_energy_int_add_pj(const pbit_energy_tech_t *t, int bits);  /* bits 1..64 */
double pbit_energy_int_mult_pj(const pbit_energy_tech_t *t, int bits); /* bits 1..64 */
/* capacity_bits >= 1, word_bits 1..4096; write 0 = read, 1 = write. */
double pbit_energy_sram_access_pj(const pbit_energy_tech_t *t, double capacity_bits, int word_bits,
                                  int write);

typedef enum {
  PBIT_ENERGY_WEIGHT_SRAM = 0,
  PBIT_ENERGY_BIAS_SRAM,
  PBIT_ENERGY_ACCUMULATORS, /* lane adders / MAC arithmetic of the datapath */
  PBIT_ENERGY_INDEX_FIFO,   /* index generator + FIFO */
  PBIT_ENERGY_DAC,
  PBIT_ENERGY_PBITS,      /* p-bit sample and flip */
  PBIT_ENERGY_CONTROLLER, /* controller / firmware arithmetic */
  PBIT_ENERGY_ACT_SRAM,   /* activations and optimiser state (baseline) */
  PBIT_ENERGY_STATIC,     /* static power x simulated time */
  PBIT_ENERGY_NUM_COMPONENTS
} pbit_energy_component_t;

typedef enum {
  PBIT_ENERGY_FORWARD = 0,
  PBIT_ENERGY_SAMPLING,
  PBIT_ENERGY_GOODNESS,
  PBIT_ENERGY_UPDATE,
  PBIT_ENERGY_READOUT,
  PBIT_ENERGY_NUM_PHASES
} pbit_energy_phase_t;

/* Stable names used in CSV and JSON ("weight_sram", "forward", ...); NULL
 * out of range. */
const char *pbit_energy_component_name(int c);
const char *pbit_energy_phase_name(int p);

#define PBIT_ENERGY_MAX_ENTRIES 256

/* Energies are exact integer attojoules (1e-6 pJ) in 128 bits (a GCC and
 * Clang extension): a whole training run of many joules fits, and sums are
 * exact in any order. */
typedef __int128 pbit_energy_aj_t;
#define PBIT_ENERGY_MAX_AJ 1e36 /* per entry: 1e18 J, beyond any run */

typedef struct {
  int component; /* pbit_energy_component_t */
  int phase;     /* pbit_energy_phase_t */
  char action[32];
  uint64_t count;
  double pj_each;
  char source[192];
  pbit_energy_aj_t aj; /* count x pj_each in attojoules, rounded once */
} pbit_energy_entry_t;

typedef struct {
  size_t n;
  pbit_energy_entry_t e[PBIT_ENERGY_MAX_ENTRIES];
} pbit_energy_ledger_t;

void pbit_energy_ledger_init(pbit_energy_ledger_t *l);

/* Appends one entry (the builders below skip actions counted 0 times).
 * PBIT_ERR_ARG for a bad component/phase, empty action or
 * source, pj_each < 0 or not finite, or an energy beyond PBIT_ENERGY_MAX_AJ;
 * PBIT_ERR_RUNTIME when the ledger is full. */
int pbit_energy_ledger_add(pbit_energy_ledger_t *l, int component, int phase, const char *action,
                           uint64_t count, double pj_each, const char *source, pbit_error_t *err);

/* Exact sums in attojoules; component/phase -1 = any. */
pbit_energy_aj_t pbit_energy_ledger_sum_aj(const pbit_energy_ledger_t *l, int component, int phase);
double pbit_energy_aj_to_pj(pbit_energy_aj_t aj);

/* The datapath's counters of one phase (cleared before it): weight SRAM
 * reads and writes (all engine word reads/writes, bias words included: the
 * counters do not separate them), lane adds at acc_bits, index FIFO push +
 * pop per index. Weight SRAM capacity = max_inputs x ceil(max_units/lanes)
 * words of lanes x weight_bits; FIFO = fifo_depth words of
 * ceil(log2(max_inputs)) bits (at least 1). DAC codes are not charged here:
 * the p-bit array's dac_writes are (pbit_energy_add_pbits). */
int pbit_energy_add_dp(pbit_energy_ledger_t *l, int phase, const pbit_dp_counters_t *c,
                       const pbit_dp_params_t *p, const pbit_energy_tech_t *t, pbit_error_t *err);

/* Static energy of one tile's SRAMs over tile_cycles clock cycles (tiles x
 * chip cycles): sram_leak_pw_per_bit x the bits of the weight and bias
 * memories (pbit_energy_sram_bits) x clock_ns, per tile-cycle; component
 * static, action "sram_leakage". Logic leakage is not modelled. */
double pbit_energy_sram_bits(const pbit_dp_params_t *p);
int pbit_energy_add_leakage(pbit_energy_ledger_t *l, int phase, uint64_t tile_cycles,
                            const pbit_dp_params_t *p, const pbit_energy_tech_t *t,
                            pbit_error_t *err);

/* The p-bit array's counters of one phase: samples x sample_fj, flips x
 * flip_fj, dac_writes x dac_write_fj (device energies, not node-scaled), and
 * static energy pbit_cycles x clock_ns x static_power_nw. */
int pbit_energy_add_pbits(pbit_energy_ledger_t *l, int phase, const pbit_counters_t *c,
                          const pbit_device_t *d, double clock_ns, pbit_error_t *err);

/* Memories of the FF baseline's MAC datapath (fp32 words, same SRAM model). */
typedef struct {
  double weight_capacity_bits; /* weights and biases */
  double act_capacity_bits;    /* activations and optimiser state */
} pbit_energy_ff_mem_t;

/* The FF baseline (a real-valued trainer on a MAC datapath): mul / add at
 * fp32, cmp as an fp32 add, weight reads/writes from a weight SRAM,
 * state and activation reads/writes from the activation SRAM; div, nonlin
 * and rng are entered with pj_each 0 and source "unpriced" so that they stay
 * visible. FF phases map forward+score -> forward, goodness -> goodness,
 * update -> update, readout -> readout; inference counters are not entered. */
int pbit_energy_add_ff(pbit_energy_ledger_t *l, const pbit_ff_counters_t *c,
                       const pbit_energy_ff_mem_t *mem, const pbit_energy_tech_t *t,
                       pbit_error_t *err);

/* The BSFF firmware's controller work of one phase: int_add and int_mult
 * at 16 bits, fp_op priced as fp32 adds, nonlin and rng entered unpriced
 * (pj_each 0, visible). */
int pbit_energy_add_bsff_ops(pbit_energy_ledger_t *l, int phase, const pbit_bsff_ops_t *o,
                             const pbit_energy_tech_t *t, pbit_error_t *err);

/* One row per entry: component,phase,action,count,pj_each,pj_total,source
 * (header first), then nothing else: totals are sums of the rows. */
int pbit_energy_ledger_write_csv(const pbit_energy_ledger_t *l, FILE *f, pbit_error_t *err);
/* {"total_pj":..., "by_component":{...}, "by_phase":{...}, "entries":[...]} */
int pbit_energy_ledger_write_json(const pbit_energy_ledger_t *l, FILE *f, pbit_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_ENERGY_LEDGER_H */
