// The indexing-accumulate datapath: CSR block, index generator, index FIFO,
// accumulate/update engine and its memories (docs/datapath.md).
//
// The memories are shared between the engine (while busy) and the CSR
// windows (while idle; the CSR refuses window accesses while busy), so each
// SRAM port is a plain two-way multiplexer on busy.
module pbit_dp_top #(
  parameter int LANES       = 16,
  parameter int WEIGHT_BITS = 16,
  parameter int ACC_BITS    = 24,
  parameter int DAC_BITS    = 8,
  parameter int SCAN_BITS   = 32,
  parameter int FIFO_DEPTH  = 16,
  parameter int MAX_INPUTS  = 1024,
  parameter int MAX_UNITS   = 1024
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,
  // register bus
  input  logic [7:0]                addr_i,
  input  logic [31:0]               wdata_i,
  input  logic                      we_i,
  input  logic                      re_i,
  output logic [31:0]               rdata_o,
  output logic                      rvalid_o,
  output logic                      ready_o,
  // status for an interrupt or a testbench
  output logic                      busy_o,
  output logic                      done_o,
  // DAC codes to the p-bit array
  output logic                      dac_valid_o,
  output logic [15:0]               dac_chunk_o,
  output logic [LANES*DAC_BITS-1:0] dac_codes_o
);
  localparam int L      = LANES;
  localparam int WB     = WEIGHT_BITS;
  localparam int AB     = ACC_BITS;
  localparam int Cmax   = (MAX_UNITS + LANES - 1) / LANES;
  localparam int Cw     = (Cmax > 1) ? $clog2(Cmax) : 1;
  localparam int Iw     = (MAX_INPUTS > 1) ? $clog2(MAX_INPUTS) : 1;
  localparam int Lw     = $clog2(LANES + 1);
  localparam int VWords = (MAX_INPUTS + SCAN_BITS - 1) / SCAN_BITS;
  localparam int Vaw    = (VWords > 1) ? $clog2(VWords) : 1;
  localparam int Pw     = $clog2(FIFO_DEPTH);
  // A weight row occupies 2^Cw words: the address is {index, chunk}.
  localparam int WDepth = ((MAX_INPUTS > 1) ? MAX_INPUTS : 2) << Cw;

  // ---------------------------------------------------------------- wires
  logic          start, mode, src, clear, finish, save, restore, busy, eng_done;
  logic [Cw:0]   nchunks;
  logic [Lw-1:0] nlast;
  logic [5:0]    shift;
  logic [31:0]   n_in;
  logic          ev_busy, ev_stall, ev_index, ev_sram_rd, ev_sram_wr;
  logic [Lw-1:0] ev_lane_adds, ev_sats, ev_dac;

  logic          fifo_push, csr_push, gen_push, fifo_pop, fifo_clear;
  logic          fifo_empty, fifo_full, fifo_overflow;
  logic [Iw-1:0] fifo_wdata, csr_push_data, gen_index, fifo_rdata;
  logic [Pw:0]   fifo_level;
  logic          gen_start, gen_en, gen_done;

  logic [Cmax-1:0] acc_valid;

  // engine memory ports
  logic              e_wmem_re, e_wmem_we, e_bmem_re, e_bmem_we, e_dmem_re, e_amem_re, e_amem_we;
  logic [Iw+Cw-1:0]  e_wmem_raddr, e_wmem_waddr;
  logic [Cw-1:0]     e_bmem_raddr, e_bmem_waddr, e_dmem_raddr, e_amem_raddr, e_amem_waddr;
  logic [L*WB-1:0]   e_wmem_wdata, e_bmem_wdata;
  logic [L*AB-1:0]   e_amem_wdata;
  logic              e_smem_re, e_smem_we;
  logic [Cw-1:0]     e_smem_raddr, e_smem_waddr;
  logic [L*AB-1:0]   e_smem_wdata;
  // window ports
  logic              c_wmem_re, c_wmem_we, c_bmem_re, c_bmem_we, c_dmem_re, c_dmem_we, c_amem_re;
  logic              c_vmem_re, c_vmem_we;
  logic [Iw+Cw-1:0]  c_wmem_addr;
  logic [Cw-1:0]     c_chunk_addr;
  logic [L*WB-1:0]   c_wdata;
  logic [L-1:0]      c_wmask;
  logic [Vaw-1:0]    c_vmem_addr;
  logic [SCAN_BITS-1:0] c_vmem_wdata, c_vmem_wmask;
  // generator vector port
  logic              g_vmem_re;
  logic [Vaw-1:0]    g_vmem_raddr;
  // memory read data
  logic [L*WB-1:0]   wmem_rdata, bmem_rdata, dmem_rdata;
  logic [L*AB-1:0]   amem_rdata, smem_rdata;
  logic [SCAN_BITS-1:0] vmem_rdata;

  // ---------------------------------------------------------------- CSR
  pbit_dp_csr #(
    .LANES      (LANES),
    .WEIGHT_BITS(WEIGHT_BITS),
    .ACC_BITS   (ACC_BITS),
    .DAC_BITS   (DAC_BITS),
    .SCAN_BITS  (SCAN_BITS),
    .FIFO_DEPTH (FIFO_DEPTH),
    .MAX_INPUTS (MAX_INPUTS),
    .MAX_UNITS  (MAX_UNITS)
  ) u_csr (
    .clk_i,
    .rst_ni,
    .addr_i,
    .wdata_i,
    .we_i,
    .re_i,
    .rdata_o,
    .rvalid_o,
    .ready_o,
    .done_o,
    .start_o        (start),
    .mode_o         (mode),
    .src_o          (src),
    .clear_o        (clear),
    .finish_o       (finish),
    .save_o         (save),
    .restore_o      (restore),
    .nchunks_o      (nchunks),
    .nlast_o        (nlast),
    .shift_o        (shift),
    .n_in_o         (n_in),
    .busy_i         (busy),
    .done_i         (eng_done),
    .ev_busy_i      (ev_busy),
    .ev_stall_i     (ev_stall),
    .ev_index_i     (ev_index),
    .ev_sram_rd_i   (ev_sram_rd),
    .ev_sram_wr_i   (ev_sram_wr),
    .ev_lane_adds_i (ev_lane_adds),
    .ev_sats_i      (ev_sats),
    .ev_dac_i       (ev_dac),
    .fifo_push_o    (csr_push),
    .fifo_wdata_o   (csr_push_data),
    .fifo_clear_o   (fifo_clear),
    .fifo_empty_i   (fifo_empty),
    .fifo_full_i    (fifo_full),
    .fifo_level_i   (fifo_level),
    .fifo_overflow_i(fifo_overflow),
    .wmem_re_o      (c_wmem_re),
    .wmem_we_o      (c_wmem_we),
    .wmem_addr_o    (c_wmem_addr),
    .wmem_rdata_i   (wmem_rdata),
    .bmem_re_o      (c_bmem_re),
    .bmem_we_o      (c_bmem_we),
    .bmem_rdata_i   (bmem_rdata),
    .dmem_re_o      (c_dmem_re),
    .dmem_we_o      (c_dmem_we),
    .dmem_rdata_i   (dmem_rdata),
    .chunk_addr_o   (c_chunk_addr),
    .win_wdata_o    (c_wdata),
    .win_wmask_o    (c_wmask),
    .amem_re_o      (c_amem_re),
    .amem_rdata_i   (amem_rdata),
    .acc_valid_i    (acc_valid),
    .vmem_re_o      (c_vmem_re),
    .vmem_we_o      (c_vmem_we),
    .vmem_addr_o    (c_vmem_addr),
    .vmem_wdata_o   (c_vmem_wdata),
    .vmem_wmask_o   (c_vmem_wmask),
    .vmem_rdata_i   (vmem_rdata)
  );

  // ---------------------------------------------------------------- index path
  pbit_dp_index_gen #(
    .SCAN_BITS (SCAN_BITS),
    .MAX_INPUTS(MAX_INPUTS)
  ) u_gen (
    .clk_i,
    .rst_ni,
    .start_i     (gen_start),
    .en_i        (gen_en),
    .n_in_i      (n_in),
    .vmem_re_o   (g_vmem_re),
    .vmem_raddr_o(g_vmem_raddr),
    .vmem_rdata_i(vmem_rdata),
    .push_o      (gen_push),
    .index_o     (gen_index),
    .full_i      (fifo_full),
    .done_o      (gen_done)
  );

  // The firmware pushes only while idle, the generator only while busy.
  assign fifo_push  = csr_push | gen_push;
  assign fifo_wdata = busy ? gen_index : csr_push_data;

  pbit_dp_fifo #(
    .Width(Iw),
    .Depth(FIFO_DEPTH)
  ) u_fifo (
    .clk_i,
    .rst_ni,
    .clear_i   (fifo_clear),
    .push_i    (fifo_push),
    .wdata_i   (fifo_wdata),
    .pop_i     (fifo_pop),
    .rdata_o   (fifo_rdata),
    .empty_o   (fifo_empty),
    .full_o    (fifo_full),
    .level_o   (fifo_level),
    .overflow_o(fifo_overflow)
  );

  // ---------------------------------------------------------------- engine
  pbit_dp_engine #(
    .LANES      (LANES),
    .WEIGHT_BITS(WEIGHT_BITS),
    .ACC_BITS   (ACC_BITS),
    .DAC_BITS   (DAC_BITS),
    .MAX_INPUTS (MAX_INPUTS),
    .MAX_UNITS  (MAX_UNITS)
  ) u_engine (
    .clk_i,
    .rst_ni,
    .start_i       (start),
    .mode_i        (mode),
    .src_i         (src),
    .clear_i       (clear),
    .finish_i      (finish),
    .save_i        (save),
    .restore_i     (restore),
    .nchunks_i     (nchunks),
    .nlast_i       (nlast),
    .shift_i       (shift),
    .busy_o        (busy),
    .done_o        (eng_done),
    .gen_start_o   (gen_start),
    .gen_en_o      (gen_en),
    .gen_done_i    (gen_done),
    .fifo_empty_i  (fifo_empty),
    .fifo_rdata_i  (fifo_rdata),
    .fifo_pop_o    (fifo_pop),
    .wmem_re_o     (e_wmem_re),
    .wmem_raddr_o  (e_wmem_raddr),
    .wmem_rdata_i  (wmem_rdata),
    .wmem_we_o     (e_wmem_we),
    .wmem_waddr_o  (e_wmem_waddr),
    .wmem_wdata_o  (e_wmem_wdata),
    .bmem_re_o     (e_bmem_re),
    .bmem_raddr_o  (e_bmem_raddr),
    .bmem_rdata_i  (bmem_rdata),
    .bmem_we_o     (e_bmem_we),
    .bmem_waddr_o  (e_bmem_waddr),
    .bmem_wdata_o  (e_bmem_wdata),
    .dmem_re_o     (e_dmem_re),
    .dmem_raddr_o  (e_dmem_raddr),
    .dmem_rdata_i  (dmem_rdata),
    .amem_re_o     (e_amem_re),
    .amem_raddr_o  (e_amem_raddr),
    .amem_rdata_i  (amem_rdata),
    .amem_we_o     (e_amem_we),
    .amem_waddr_o  (e_amem_waddr),
    .amem_wdata_o  (e_amem_wdata),
    .acc_valid_o   (acc_valid),
    .smem_re_o     (e_smem_re),
    .smem_raddr_o  (e_smem_raddr),
    .smem_rdata_i  (smem_rdata),
    .smem_we_o     (e_smem_we),
    .smem_waddr_o  (e_smem_waddr),
    .smem_wdata_o  (e_smem_wdata),
    .dac_valid_o,
    .dac_chunk_o,
    .dac_codes_o,
    .ev_busy_o     (ev_busy),
    .ev_stall_o    (ev_stall),
    .ev_index_o    (ev_index),
    .ev_sram_rd_o  (ev_sram_rd),
    .ev_sram_wr_o  (ev_sram_wr),
    .ev_lane_adds_o(ev_lane_adds),
    .ev_sats_o     (ev_sats),
    .ev_dac_o      (ev_dac)
  );

  assign busy_o = busy;

  // ---------------------------------------------------------------- memories
  pbit_dp_sram #(
    .Depth   (WDepth),
    .Lanes   (L),
    .LaneBits(WB)
  ) u_wmem (
    .clk_i,
    .re_i   (busy ? e_wmem_re : c_wmem_re),
    .raddr_i(busy ? e_wmem_raddr : c_wmem_addr),
    .rdata_o(wmem_rdata),
    .we_i   (busy ? e_wmem_we : c_wmem_we),
    .waddr_i(busy ? e_wmem_waddr : c_wmem_addr),
    .wdata_i(busy ? e_wmem_wdata : c_wdata),
    .wmask_i(busy ? {L{1'b1}} : c_wmask)
  );

  pbit_dp_sram #(
    .Depth   (Cmax),
    .Lanes   (L),
    .LaneBits(WB)
  ) u_bmem (
    .clk_i,
    .re_i   (busy ? e_bmem_re : c_bmem_re),
    .raddr_i(busy ? e_bmem_raddr : c_chunk_addr),
    .rdata_o(bmem_rdata),
    .we_i   (busy ? e_bmem_we : c_bmem_we),
    .waddr_i(busy ? e_bmem_waddr : c_chunk_addr),
    .wdata_i(busy ? e_bmem_wdata : c_wdata),
    .wmask_i(busy ? {L{1'b1}} : c_wmask)
  );

  pbit_dp_sram #(
    .Depth   (Cmax),
    .Lanes   (L),
    .LaneBits(WB)
  ) u_dmem (
    .clk_i,
    .re_i   (busy ? e_dmem_re : c_dmem_re),
    .raddr_i(busy ? e_dmem_raddr : c_chunk_addr),
    .rdata_o(dmem_rdata),
    .we_i   (~busy & c_dmem_we),
    .waddr_i(c_chunk_addr),
    .wdata_i(c_wdata),
    .wmask_i(c_wmask)
  );

  pbit_dp_sram #(
    .Depth   (Cmax),
    .Lanes   (L),
    .LaneBits(AB)
  ) u_amem (
    .clk_i,
    .re_i   (busy ? e_amem_re : c_amem_re),
    .raddr_i(busy ? e_amem_raddr : c_chunk_addr),
    .rdata_o(amem_rdata),
    .we_i   (busy & e_amem_we),
    .waddr_i(e_amem_waddr),
    .wdata_i(e_amem_wdata),
    .wmask_i({L{1'b1}})
  );

  // The saved accumulator bank: only the engine uses it (SAVE, RESTORE).
  pbit_dp_sram #(
    .Depth   (Cmax),
    .Lanes   (L),
    .LaneBits(AB)
  ) u_smem (
    .clk_i,
    .re_i   (e_smem_re),
    .raddr_i(e_smem_raddr),
    .rdata_o(smem_rdata),
    .we_i   (e_smem_we),
    .waddr_i(e_smem_waddr),
    .wdata_i(e_smem_wdata),
    .wmask_i({L{1'b1}})
  );

  pbit_dp_sram #(
    .Depth   (VWords),
    .Lanes   (SCAN_BITS),
    .LaneBits(1)
  ) u_vmem (
    .clk_i,
    .re_i   (busy ? g_vmem_re : c_vmem_re),
    .raddr_i(busy ? g_vmem_raddr : c_vmem_addr),
    .rdata_o(vmem_rdata),
    .we_i   (~busy & c_vmem_we),
    .waddr_i(c_vmem_addr),
    .wdata_i(c_vmem_wdata),
    .wmask_i(c_vmem_wmask)
  );
endmodule
