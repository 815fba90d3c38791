/* Technology action table (configs/tech/ files): the energy of one action of
 * each kind, as published, plus the process node the numbers are scaled to.
 *
 * Convention (the only one this struct holds): per-operation energies of
 * Horowitz, ISSCC 2014, at 45 nm / 0.9 V; SRAM per 64-bit access at three
 * array sizes. The per-32-bit variant (SRAM 5 pJ, DRAM 640 pJ) must not be
 * mixed in. The pricing rules (width, SRAM size, node) are in ledger.h and
 * docs/energy.md. */
#ifndef PBIT_ENERGY_TECH_H
#define PBIT_ENERGY_TECH_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Table points (bits, bytes) fixed by the convention. */
#define PBIT_ENERGY_ADD_POINTS 3  /* int add at 8, 16, 32 bits */
#define PBIT_ENERGY_MULT_POINTS 2 /* int mult at 8, 32 bits */
#define PBIT_ENERGY_SRAM_POINTS 3 /* SRAM at 8 KB, 32 KB, 1 MB */
#define PBIT_ENERGY_SRAM_WORD_BITS 64

extern const int pbit_energy_add_bits[PBIT_ENERGY_ADD_POINTS];       /* 8, 16, 32 */
extern const int pbit_energy_mult_bits[PBIT_ENERGY_MULT_POINTS];     /* 8, 32 */
extern const double pbit_energy_sram_bytes[PBIT_ENERGY_SRAM_POINTS]; /* 8 Ki, 32 Ki, 1 Mi */

typedef struct {
  char name[64];
  int node_nm;      /* node the energies are scaled to: 45, 22, 16 or 7 */
  double voltage_v; /* supply of the table (documentation; not a rule) */
  /* All energies in pJ at 45 nm, as in the table. */
  double int_add_pj[PBIT_ENERGY_ADD_POINTS];
  double int_mult_pj[PBIT_ENERGY_MULT_POINTS];
  double fp16_add_pj, fp16_mult_pj;
  double fp32_add_pj, fp32_mult_pj;
  double sram_read_pj[PBIT_ENERGY_SRAM_POINTS];  /* per 64-bit read */
  double sram_write_pj[PBIT_ENERGY_SRAM_POINTS]; /* per 64-bit write (= read if not given) */
  double dram_pj;                                /* per 64-bit access */
  /* Static: leakage power of one SRAM bit cell in pW (0 = not priced);
   * not node-scaled (leakage does not follow the dynamic-energy factors). */
  double sram_leak_pw_per_bit;
} pbit_energy_tech_t;

/* Energy factor of node_nm relative to 45 nm (Stillmaker & Baas, Integration
 * 2017: 45 -> 45 x1, 22 x0.59, 16 x0.17, 7 x0.094); 0 for any other node. */
double pbit_energy_node_factor(int node_nm);

/* The Horowitz 45 nm table as shipped in configs/tech/horowitz45.yaml (for
 * tests and callers without a file). */
void pbit_energy_tech_horowitz45(pbit_energy_tech_t *out);

/* Every energy finite and > 0, a known node, adds and multiplies and SRAM
 * reads non-decreasing along their table points. err names the field. */
int pbit_energy_tech_validate(const pbit_energy_tech_t *t, pbit_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_ENERGY_TECH_H */
