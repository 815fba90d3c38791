// Directed + random test of pbit_dp_fifo against a reference ring buffer:
// every cycle checks empty/full/level/head/overflow, the push/pop timing
// (visible from the next cycle), drop-on-full, ignore-pop-on-empty and
// clear-wins (the contract in the header of rtl/pbit_dp_fifo.sv).
`include "tb_util.svh"
`timescale 1ns / 1ps
module pbit_dp_fifo_tb;
  `TB_DECLARE
  localparam int Width = 8;
  localparam int Depth = 4;
  localparam int Pw = $clog2(Depth);

  logic clk = 1'b0;
  always #5 clk = ~clk;
  `TB_WATCHDOG(20000, clk)

  logic rst_n = 1'b0, clear = 1'b0, push = 1'b0, pop = 1'b0;
  logic [Width-1:0] wdata = '0, rdata;
  logic empty, full, overflow;
  logic [Pw:0] level;

  pbit_dp_fifo #(
    .Width(Width),
    .Depth(Depth)
  ) dut (
    .clk_i(clk), .rst_ni(rst_n), .clear_i(clear), .push_i(push), .wdata_i(wdata), .pop_i(pop),
    .rdata_o(rdata), .empty_o(empty), .full_o(full), .level_o(level), .overflow_o(overflow)
  );

  // Reference: ring buffer of Depth entries.
  integer q[0:Depth-1];
  integer head = 0, count = 0;
  integer seed = 7;
  integer pushes = 0, pops = 0, drops = 0, clears = 0;

  // Checks the outputs for the inputs of this cycle, then advances the
  // reference at the clock edge.
  task automatic cycle(input logic c, input logic pu, input logic po, input logic [Width-1:0] d);
    logic do_push, do_pop;
    @(negedge clk);
    clear = c; push = pu; pop = po; wdata = d;
    #1;
    `TB_CHECK_EQ(empty, count == 0, "empty_o")
    `TB_CHECK_EQ(full, count == Depth, "full_o")
    `TB_CHECK_EQ(level, (Pw + 1)'(count), "level_o")
    if (count > 0) `TB_CHECK_EQ(rdata, Width'(q[head]), "rdata_o is the head entry")
    `TB_CHECK_EQ(overflow, pu && count == Depth && !c, "overflow_o")
    do_push = pu && count < Depth && !c;
    do_pop  = po && count > 0 && !c;
    if (c) begin
      head = 0; count = 0; clears++;
    end else begin
      if (do_pop) begin
        head = (head + 1) % Depth; count--; pops++;
      end
      if (do_push) begin
        q[(head + count) % Depth] = d; count++; pushes++;
      end
      if (pu && !do_push) drops++;
    end
  endtask

  integer i, r;
  initial begin
    repeat (2) @(negedge clk);
    rst_n = 1'b1;
    // Directed: fill, overflow, drain, empty pop.
    for (i = 0; i < Depth; i++) cycle(1'b0, 1'b1, 1'b0, Width'(8'h10 + i));
    cycle(1'b0, 1'b1, 1'b0, 8'hee);  // dropped
    cycle(1'b0, 1'b1, 1'b1, 8'hef);  // full: push dropped, pop happens
    for (i = 0; i < Depth; i++) cycle(1'b0, 1'b0, 1'b1, '0);
    cycle(1'b0, 1'b0, 1'b1, '0);     // pop on empty: ignored
    cycle(1'b0, 1'b1, 1'b1, 8'h42);  // empty: push happens, pop ignored
    cycle(1'b0, 1'b0, 1'b0, '0);
    `TB_CHECK_EQ(rdata, 8'h42, "push into empty FIFO visible in the next cycle")
    cycle(1'b1, 1'b1, 1'b1, 8'h55);  // clear wins
    cycle(1'b0, 1'b0, 1'b0, '0);
    // Random traffic with back-to-back push/pop and occasional clears.
    for (i = 0; i < 3000; i++) begin
      r = $random(seed);
      cycle((r & 63) == 0, r[8] | r[9], r[10] & (r[11] | r[12]), r[23:16]);
    end
    cycle(1'b0, 1'b0, 1'b0, '0);
    `TB_CHECK(pushes > 1000 && pops > 1000 && drops > 10 && clears > 10, "traffic covered")
    // Reset in the middle: the FIFO is empty afterwards.
    cycle(1'b0, 1'b1, 1'b0, 8'h01);
    rst_n = 1'b0;  // before the edge that would take the push
    push = 1'b0;
    #1;
    head = 0; count = 0;
    `TB_CHECK_EQ(empty, 1'b1, "asynchronous reset empties the FIFO")
    @(negedge clk);
    rst_n = 1'b1;
    cycle(1'b0, 1'b0, 1'b0, '0);
    $display("fifo: %0d pushes, %0d pops, %0d drops, %0d clears", pushes, pops, drops, clears);
    `TB_FINISH
  end
endmodule
