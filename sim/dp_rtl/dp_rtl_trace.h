/* Waveform file names of the verilated datapath (header only, shared by the
 * rtl and systemc HAL backends). The format follows the extension: ".vcd"
 * (VerilatedVcdC / VerilatedVcdSc) or ".fst" (VerilatedFstC). With several
 * tiles, tile 0 writes `path` and tile t > 0 the path with ".tile<t>"
 * inserted before the extension: w.vcd, w.tile1.vcd, w.tile2.vcd. */
#ifndef PBIT_DP_RTL_TRACE_H
#define PBIT_DP_RTL_TRACE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { PBIT_DP_TRACE_VCD = 1, PBIT_DP_TRACE_FST = 2 };

/* Writes the file name of `tile` into out[len]. Returns PBIT_DP_TRACE_VCD
 * or _FST, 0 for another extension, -1 if out is too small. */
static inline int pbit_dp_trace_path(const char *path, uint32_t tile, char *out, size_t len) {
  size_t n = strlen(path);
  int fmt = 0;
  if (n > 4 && strcmp(path + n - 4, ".vcd") == 0) fmt = PBIT_DP_TRACE_VCD;
  if (n > 4 && strcmp(path + n - 4, ".fst") == 0) fmt = PBIT_DP_TRACE_FST;
  if (fmt == 0) return 0;
  int w = tile == 0 ? snprintf(out, len, "%s", path)
                    : snprintf(out, len, "%.*s.tile%u%s", (int)(n - 4), path, (unsigned)tile,
                               path + n - 4);
  return w < 0 || (size_t)w >= len ? -1 : fmt;
}

#ifdef __cplusplus
}
#endif

#endif /* PBIT_DP_RTL_TRACE_H */
