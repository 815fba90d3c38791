// Synchronous FIFO of Depth entries (a power of two), flop storage.
//
// - A push in cycle t is visible (not empty) from cycle t+1; a pop in cycle t
//   frees its entry from cycle t+1 (full_o and level_o are registered state).
// - rdata_o is the head entry, valid while empty_o is low.
// - A push while full is dropped and flagged on overflow_o (the CSR turns it
//   into the sticky FIFO_OVERFLOW error); a pop while empty is ignored.
// - clear_i empties the FIFO (and wins over a push or pop in the same cycle).
module pbit_dp_fifo #(
  parameter int Width = 8,
  parameter int Depth = 16,
  parameter int Pw    = $clog2(Depth)
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             clear_i,
  input  logic             push_i,
  input  logic [Width-1:0] wdata_i,
  input  logic             pop_i,
  output logic [Width-1:0] rdata_o,
  output logic             empty_o,
  output logic             full_o,
  output logic [Pw:0]      level_o,
  output logic             overflow_o
);
  logic [Width-1:0] mem [0:Depth-1];
  logic [Pw:0] wptr_q, wptr_d, rptr_q, rptr_d;
  logic        do_push, do_pop;

  assign level_o    = wptr_q - rptr_q;
  assign empty_o    = (wptr_q == rptr_q);
  assign full_o     = (level_o == Depth[Pw:0]);
  assign do_push    = push_i & ~full_o & ~clear_i;
  assign do_pop     = pop_i & ~empty_o & ~clear_i;
  assign overflow_o = push_i & full_o & ~clear_i;
  assign rdata_o    = mem[rptr_q[Pw-1:0]];

  always_comb begin
    wptr_d = wptr_q;
    rptr_d = rptr_q;
    if (clear_i) begin
      wptr_d = '0;
      rptr_d = '0;
    end else begin
      if (do_push) wptr_d = wptr_q + 1'b1;
      if (do_pop)  rptr_d = rptr_q + 1'b1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wptr_q <= '0;
      rptr_q <= '0;
    end else begin
      wptr_q <= wptr_d;
      rptr_q <= rptr_d;
    end
  end

  // Storage: written by address, no reset (entries are only read after a push).
  always_ff @(posedge clk_i) begin
    if (do_push) mem[wptr_q[Pw-1:0]] <= wdata_i;
  end
endmodule
