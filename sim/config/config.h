/* Loading YAML configs into the plain structs of the libraries.
 * Every error names the file, the 1-based line and column, and the key. */
#ifndef PBIT_CONFIG_H
#define PBIT_CONFIG_H

#include "config_doc.h"
#include "device.h"
#include "dp/dp_params.h"
#include "energy/tech.h"
#include "ising.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Device preset (configs/devices/<name>.yaml), top-level key `device:`.
 * Unset fields keep pbit_device_ideal() defaults. */
int pbit_config_load_device(const char *path, pbit_device_t *out,
                            pbit_error_t *err);

/* Ising model (shared/spec/cli.md), top-level key `ising:`. On success the
 * caller owns out (pbit_ising_free). On failure out is left zeroed. */
int pbit_config_load_ising(const char *path, pbit_ising_t *out,
                           pbit_error_t *err);

/* The same for a `device:` / `ising:` mapping found inside another config
 * (run and sweep configs embed them). bind_device binds over *out, so fill
 * it with defaults first; on failure *out is unchanged. bind_ising behaves
 * like load_ising. Both apply every check of the loaders above. */
int pbit_config_bind_device(const pbit_config_doc_t *doc,
                            const pbit_config_node_t *map, pbit_device_t *out,
                            pbit_error_t *err);
int pbit_config_bind_ising(const pbit_config_doc_t *doc,
                           const pbit_config_node_t *map, pbit_ising_t *out,
                           pbit_error_t *err);

/* Accelerator datapath configuration (configs/accel/<name>.yaml), top-level
 * key `accel:`. Every parameter is required (the file is the one source of
 * the RTL parameters and the C model's widths); the values pass
 * pbit_dp_params_validate. On failure *out is unchanged. */
int pbit_config_load_accel(const char *path, pbit_dp_params_t *out, pbit_error_t *err);

/* The same for an `accel:` mapping found inside another config. Binds over
 * *out (every key is required, so nothing of it survives a success); on
 * failure *out is unchanged. */
int pbit_config_bind_accel(const pbit_config_doc_t *doc, const pbit_config_node_t *map,
                           pbit_dp_params_t *out, pbit_error_t *err);

/* Technology action table (configs/tech/<name>.yaml), top-level key `tech:`
 * (docs/energy.md). Every table entry is required; SRAM writes default to
 * the reads. The values pass pbit_energy_tech_validate. On failure *out is
 * unchanged. bind_tech is the same for a `tech:` mapping inside another
 * config. */
int pbit_config_load_tech(const char *path, pbit_energy_tech_t *out, pbit_error_t *err);
int pbit_config_bind_tech(const pbit_config_doc_t *doc, const pbit_config_node_t *map,
                          pbit_energy_tech_t *out, pbit_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* PBIT_CONFIG_H */
