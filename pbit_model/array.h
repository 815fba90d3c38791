/* An array of p-bits advanced in clock cycles of period dt.
 *
 * Each p-bit is a two-state telegraph process with equilibrium probability
 * p = sigmoid(z) and correlation time tau_c; over k cycles of constant input
 * the exact law is P(s_k = 1 | s_0) = p + (s_0 - p) rho^k, rho = exp(-dt/tau_c).
 *
 * Time is lazy: a p-bit is only evaluated when it is read or its input
 * changes, with one counter-based draw keyed by (seed, p-bit, cycle). Any
 * caller (backend) that performs the same reads and input changes at the
 * same cycles sees the same states, however it moves time in between.
 * With per-cycle noise (sigma_input or sigma_common > 0) the closed form no
 * longer holds: advancing then steps every p-bit every cycle.
 *
 * Counters are exact integers: reads (samples), observed flips (a read that
 * differs from the previous read of that p-bit), DAC writes (input code
 * changes) and p-bit-cycles (static energy). Physical flips between reads
 * are not observable lazily; their expectation (rate x time) is kept apart. */
#ifndef PBIT_ARRAY_H
#define PBIT_ARRAY_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pbit_array pbit_array_t;

typedef struct {
  uint64_t samples;     /* p-bit reads, one per p-bit per cycle read */
  uint64_t flips;       /* reads that differ from the previous read  */
  uint64_t dac_writes;  /* changes of a p-bit's input code           */
  uint64_t pbit_cycles; /* p-bits x cycles elapsed                   */
  uint64_t cycles;      /* cycles elapsed                            */
  double expected_flips; /* expected physical state changes (rate x time) */
} pbit_counters_t;

/* Per-p-bit device parameters drawn when the array was built. */
typedef struct {
  double offset;   /* added to z */
  double gain;     /* multiplies beta */
  double dwell_ns; /* mean dwell time at zero input (0 = memoryless) */
  int stuck;       /* -1 healthy, 0 stuck at 0, 1 stuck at 1 */
} pbit_unit_t;

/* Builds n p-bits (1 <= n < 2^32) of device dev clocked every dt_ns. All
 * inputs start at 0 and every state is drawn from its stationary law at
 * cycle 0. Variation and faults are drawn from seed. */
int pbit_array_create(const pbit_device_t *dev, size_t n, double dt_ns,
                      uint64_t seed, pbit_array_t **out, pbit_error_t *err);
void pbit_array_destroy(pbit_array_t *a); /* accepts NULL */

size_t pbit_array_size(const pbit_array_t *a);
uint64_t pbit_array_now(const pbit_array_t *a); /* current cycle */
const pbit_device_t *pbit_array_device(const pbit_array_t *a);

/* Worker threads for pbit_array_run (default 1). Results never depend on
 * the thread count. */
int pbit_array_set_threads(pbit_array_t *a, int threads);

/* Sets inputs I of p-bits [first, first+count) at the current cycle (the
 * DAC quantises them when dac_bits > 0). */
int pbit_array_set_inputs(pbit_array_t *a, size_t first, size_t count,
                          const double *inputs);
/* Same input for every p-bit. */
int pbit_array_set_input_all(pbit_array_t *a, double input);
/* Sets DAC codes directly (requires dac_bits > 0; codes must be in range). */
int pbit_array_set_codes(pbit_array_t *a, size_t first, size_t count,
                         const int32_t *codes);

/* Redraws every state from its stationary law under the current inputs
 * (a magnet that has sat at this input for a long time). Not a read. */
int pbit_array_equilibrate(pbit_array_t *a);

/* Lets `cycles` clock periods pass. */
int pbit_array_advance(pbit_array_t *a, uint64_t cycles);

/* Reads p-bits [first, first+count) at the current cycle into states (0/1). */
int pbit_array_read(pbit_array_t *a, size_t first, size_t count,
                    uint8_t *states);

/* For `cycles` cycles: advance one cycle, then read every p-bit; row t of
 * trace (if not NULL; row stride `stride` bytes >= n) gets the states after
 * cycle now+1+t. Identical to the same sequence of advance(1) + read(all),
 * only faster. */
int pbit_array_run(pbit_array_t *a, uint64_t cycles, uint8_t *trace,
                   size_t stride);

/* Event counters so far. */
void pbit_array_counters(const pbit_array_t *a, pbit_counters_t *out);

/* ---- State, for exact checkpoints: the array's dynamic state (time,
 * inputs, states, read bookkeeping, counters) as bytes, with a fingerprint
 * of the array it belongs to (size, clock period, seed, device and its drawn
 * variation). state_size is the byte count; save writes exactly that many
 * into buf (len >= state_size); restore accepts only the state of an array
 * built the same way (err names what differs: size, clock, device, seed)
 * and of exactly state_size bytes, and leaves the array unchanged when it
 * refuses. Derived values (laws, lazily computed thresholds) are recomputed:
 * a restored array continues bit for bit as the saved one did. */
size_t pbit_array_state_size(const pbit_array_t *a);
int pbit_array_state_save(const pbit_array_t *a, void *buf, size_t len, pbit_error_t *err);
int pbit_array_state_restore(pbit_array_t *a, const void *buf, size_t len, pbit_error_t *err);

/* Introspection (tests, reports). */
int pbit_array_unit(const pbit_array_t *a, size_t i, pbit_unit_t *out);
/* Stationary P(s=1) and per-cycle correlation rho of p-bit i under its
 * current (noise-free) input. */
double pbit_array_probability(const pbit_array_t *a, size_t i);
double pbit_array_rho(const pbit_array_t *a, size_t i);

/* The nominal sigmoid, and rho for a given tau_c, shared with tests. */
double pbit_sigmoid(double z);
double pbit_correlation_time_ns(const pbit_device_t *dev, double dwell_ns,
                                double z);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_ARRAY_H */
