// pbit_dp_index_gen against a cycle-exact reference of its documented
// schedule (rtl/pbit_dp_index_gen.sv header; docs/datapath.md "VECTOR
// source"): every cycle one of EMIT (lowest set bit, if the FIFO is not
// full), LOAD (next SCAN_BITS window, masked to n_in) or idle/done. The
// vector memory is a read-latency-1 SRAM model; full_i is random
// back-pressure. Checked per cycle: push_o, index_o, done_o, and that the
// indices come out as the set bits < n_in in increasing order.
`include "tb_util.svh"
`timescale 1ns / 1ps
module pbit_dp_index_gen_tb;
  `TB_DECLARE
  localparam int SCAN_BITS = 8;
  localparam int MAX_INPUTS = 37;  // not a multiple of SCAN_BITS
  localparam int Iw = $clog2(MAX_INPUTS);
  localparam int VWords = (MAX_INPUTS + SCAN_BITS - 1) / SCAN_BITS;
  localparam int Vaw = $clog2(VWords);

  logic clk = 1'b0;
  always #5 clk = ~clk;
  `TB_WATCHDOG(200000, clk)

  logic rst_n = 1'b0, start = 1'b0, en = 1'b0, full = 1'b0;
  logic [31:0] n_in = 32'd0;
  logic vmem_re, push, done;
  logic [Vaw-1:0] vmem_raddr;
  logic [SCAN_BITS-1:0] vmem_rdata;
  logic [Iw-1:0] index;

  pbit_dp_index_gen #(
    .SCAN_BITS(SCAN_BITS),
    .MAX_INPUTS(MAX_INPUTS)
  ) dut (
    .clk_i(clk), .rst_ni(rst_n), .start_i(start), .en_i(en), .n_in_i(n_in),
    .vmem_re_o(vmem_re), .vmem_raddr_o(vmem_raddr), .vmem_rdata_i(vmem_rdata),
    .push_o(push), .index_o(index), .full_i(full), .done_o(done)
  );

  // Vector memory: read latency 1, output held between reads.
  logic [SCAN_BITS-1:0] vmem[0:VWords-1];
  logic [SCAN_BITS-1:0] vmem_q;
  always @(posedge clk) if (vmem_re) vmem_q <= vmem[vmem_raddr];
  assign vmem_rdata = vmem_q;

  integer seed = 5;

  // Reference schedule of one scan; also checks the order of the indices.
  task automatic scan(input integer n, input integer full_pct);
    logic [SCAN_BITS-1:0] win;
    integer w, nwords, base, b, pushed, expected, last, guard;
    logic f, running;
    nwords = (n + SCAN_BITS - 1) / SCAN_BITS;
    expected = 0;
    for (b = 0; b < n; b++) expected += vmem[b / SCAN_BITS][b % SCAN_BITS];
    // SETUP cycle: start_i.
    @(negedge clk);
    n_in = n; start = 1'b1; en = 1'b0; full = 1'b0;
    @(negedge clk);
    start = 1'b0; en = 1'b1;
    win = '0; w = 0; base = 0; pushed = 0; last = -1; guard = 0;
    running = 1'b1;
    while (running) begin  // (Icarus 11 has no break)
      f = ($random(seed) % 100 + 100) % 100 < full_pct;
      full = f;
      #1;
      `TB_CHECK_EQ(done, win == '0 && w == nwords, "done_o")
      if (win != '0) begin
        b = 0;
        while (!win[b]) b++;
        `TB_CHECK_EQ(push, !f, "push_o: EMIT unless the FIFO is full")
        if (!f) begin
          `TB_CHECK_EQ(index, Iw'(base + b), "index_o: lowest set bit of the window")
          `TB_CHECK(base + b > last && base + b < n, "indices increase and stay < n_in")
          last = base + b;
          win[b] = 1'b0;
          pushed++;
        end
      end else if (w != nwords) begin
        `TB_CHECK_EQ(push, 1'b0, "no push in a LOAD cycle")
        win = vmem[w];
        for (b = 0; b < SCAN_BITS; b++) if (w * SCAN_BITS + b >= n) win[b] = 1'b0;
        base = w * SCAN_BITS;
        w++;
      end else begin
        `TB_CHECK_EQ(push, 1'b0, "no push when done")
        running = 1'b0;
      end
      if (running) @(negedge clk);
      guard++;
      if (guard > 100000) running = 1'b0;
    end
    `TB_CHECK_EQ(pushed, expected, "every set bit < n_in emitted once")
    en = 1'b0;
    full = 1'b0;
  endtask

  integer i, j, k, n, pct;
  initial begin
    repeat (2) @(negedge clk);
    rst_n = 1'b1;
    // Patterns x lengths x back-pressure.
    for (k = 0; k < 6; k++) begin
      for (i = 0; i < VWords; i++) begin
        case (k)
          0: vmem[i] = '0;
          1: vmem[i] = '1;
          2: vmem[i] = SCAN_BITS'(8'h81);
          3: vmem[i] = (i % 2 == 0) ? '0 : '1;  // empty windows between full ones
          default: vmem[i] = SCAN_BITS'($random(seed));
        endcase
      end
      for (j = 0; j < 3; j++) begin
        pct = j == 0 ? 0 : (j == 1 ? 30 : 90);  // FIFO full this % of the cycles
        for (n = 1; n <= MAX_INPUTS; n += (n < 10 ? 1 : 3)) scan(n, pct);
        scan(MAX_INPUTS, pct);
      end
    end
    // A restart in the middle of a scan starts over.
    for (i = 0; i < VWords; i++) vmem[i] = '1;
    @(negedge clk);
    n_in = MAX_INPUTS; start = 1'b1;
    @(negedge clk);
    start = 1'b0; en = 1'b1;
    repeat (5) @(negedge clk);
    en = 1'b0;
    scan(MAX_INPUTS, 0);
    `TB_FINISH
  end
endmodule
