// Behavioural 1R1W synchronous SRAM: one read port (read latency 1) and one
// write port with a per-lane write mask. A stand-in for a compiled macro.
//
// - A read issued in cycle t (re_i) presents mem[raddr_i] on rdata_o from
//   cycle t+1 on; rdata_o holds its value until the next read.
// - Reading the address that is written in the same cycle returns the OLD
//   word (read-first); callers that need the new word forward it themselves.
// - No reset: contents and rdata_o are undefined until written, as in an
//   SRAM macro (Verilator starts them at zero).
module pbit_dp_sram #(
  parameter int Depth    = 16,
  parameter int Lanes    = 1,
  parameter int LaneBits = 8,
  parameter int Aw       = (Depth > 1) ? $clog2(Depth) : 1
) (
  input  logic                      clk_i,
  input  logic                      re_i,
  input  logic [Aw-1:0]             raddr_i,
  output logic [Lanes*LaneBits-1:0] rdata_o,
  input  logic                      we_i,
  input  logic [Aw-1:0]             waddr_i,
  input  logic [Lanes*LaneBits-1:0] wdata_i,
  input  logic [Lanes-1:0]          wmask_i
);
  localparam int Width = Lanes * LaneBits;

  logic [Width-1:0] mem [0:Depth-1];
  logic [Width-1:0] rdata_q;

  // A partial write (some lanes masked off) merges the new lanes into the
  // addressed word; a full write (the engine's case) stores the word as is.
  // Computed only for a partial write: cheaper to simulate.
  logic [Width-1:0] wword;
  always_comb begin
    wword = wdata_i;
    if (we_i && !(&wmask_i)) begin
      wword = mem[waddr_i];
      for (int l = 0; l < Lanes; l++) begin
        if (wmask_i[l]) wword[l*LaneBits +: LaneBits] = wdata_i[l*LaneBits +: LaneBits];
      end
    end
  end

  // Memory arrays have no reset and are written by address: the one place
  // where an always_ff does more than q <= d (as in lowRISC's prim_ram_1p).
  always_ff @(posedge clk_i) begin
    if (we_i) begin
      mem[waddr_i] <= wword;
    end
    if (re_i) begin
      rdata_q <= mem[raddr_i];
    end
  end

  assign rdata_o = rdata_q;
endmodule
