// Directed + random test of pbit_dp_sram against a reference array: read
// latency 1, rdata held until the next read, read-first on a same-address
// write, per-lane write mask (rtl/pbit_dp_sram.sv header).
`include "tb_util.svh"
`timescale 1ns / 1ps
module pbit_dp_sram_tb;
  `TB_DECLARE
  localparam int Depth = 8;
  localparam int Lanes = 4;
  localparam int LaneBits = 8;
  localparam int Aw = $clog2(Depth);
  localparam int Width = Lanes * LaneBits;

  logic clk = 1'b0;
  always #5 clk = ~clk;
  `TB_WATCHDOG(20000, clk)

  logic re = 1'b0, we = 1'b0;
  logic [Aw-1:0] raddr = '0, waddr = '0;
  logic [Width-1:0] wdata = '0, rdata;
  logic [Lanes-1:0] wmask = '0;

  pbit_dp_sram #(
    .Depth(Depth),
    .Lanes(Lanes),
    .LaneBits(LaneBits)
  ) dut (
    .clk_i(clk), .re_i(re), .raddr_i(raddr), .rdata_o(rdata), .we_i(we), .waddr_i(waddr),
    .wdata_i(wdata), .wmask_i(wmask)
  );

  logic [Width-1:0] ref_mem[0:Depth-1];
  logic [Width-1:0] ref_rdata;
  logic ref_valid = 1'b0;
  integer seed = 11;

  // One cycle: drive at the falling edge, check the registered output of the
  // previous cycle, update the reference at the rising edge (read-first).
  task automatic cycle(input logic r, input logic [Aw-1:0] ra, input logic w,
                       input logic [Aw-1:0] wa, input logic [Width-1:0] d,
                       input logic [Lanes-1:0] m);
    @(negedge clk);
    if (ref_valid) `TB_CHECK_EQ(rdata, ref_rdata, "rdata_o: last read, held")
    re = r; raddr = ra; we = w; waddr = wa; wdata = d; wmask = m;
    @(posedge clk);
    if (r) begin
      ref_rdata = ref_mem[ra];  // before the write: read-first
      ref_valid = 1'b1;
    end
    if (w)
      for (int l = 0; l < Lanes; l++)
        if (m[l]) ref_mem[wa][l*LaneBits+:LaneBits] = d[l*LaneBits+:LaneBits];
  endtask

  integer i, r1, r2;
  initial begin
    // Fill every word with full masks, read each back.
    for (i = 0; i < Depth; i++) cycle(1'b0, '0, 1'b1, Aw'(i), Width'(32'h1000_0001 * (i + 1)), '1);
    for (i = 0; i < Depth; i++) cycle(1'b1, Aw'(i), 1'b0, '0, '0, '0);
    cycle(1'b0, '0, 1'b0, '0, '0, '0);  // idle: rdata held
    cycle(1'b0, '0, 1'b0, '0, '0, '0);
    // Same-address read and write: old word out, new word stored.
    cycle(1'b1, 3'd2, 1'b1, 3'd2, 32'hdead_beef, '1);
    cycle(1'b1, 3'd2, 1'b0, '0, '0, '0);
    // One lane at a time.
    for (i = 0; i < Lanes; i++) cycle(1'b0, '0, 1'b1, 3'd5, 32'ha5a5_a5a5 ^ (i << 3), Lanes'(1 << i));
    cycle(1'b1, 3'd5, 1'b0, '0, '0, '0);
    cycle(1'b0, '0, 1'b1, 3'd5, 32'h0, 4'b0000);  // empty mask writes nothing
    cycle(1'b1, 3'd5, 1'b0, '0, '0, '0);
    // Random traffic.
    for (i = 0; i < 2000; i++) begin
      r1 = $random(seed);
      r2 = $random(seed);
      cycle(r1[0], Aw'(r1 >> 4), r1[1], Aw'(r1 >> 8), r2, Lanes'(r1 >> 12));
    end
    cycle(1'b0, '0, 1'b0, '0, '0, '0);
    `TB_FINISH
  end
endmodule
