// Index generator: turns the binary input vector (SCAN_BITS-bit words of the
// vector memory) into the stream of its set-bit indices, lowest first.
//
// Each cycle while en_i is high it does exactly one of:
//   EMIT  the window has set bits: if the FIFO is not full (full_i, state at
//         the start of the cycle) push the lowest one and clear it, else stall;
//   LOAD  the window is empty and words remain: latch the next word (masked
//         to bits < n_in) from the vector memory and prefetch the one after;
//   idle  done_o: the window is empty and every word has been loaded.
// start_i (the engine's SETUP cycle) resets the state and issues the read of
// word 0, so the first LOAD can happen in the first RUN cycle. The C model's
// max-plus recurrence (sim/dp/dp_model.c) is this schedule, in closed form.
module pbit_dp_index_gen #(
  parameter int SCAN_BITS  = 32,
  parameter int MAX_INPUTS = 1024,
  parameter int Iw   = (MAX_INPUTS > 1) ? $clog2(MAX_INPUTS) : 1,
  parameter int VWords = (MAX_INPUTS + SCAN_BITS - 1) / SCAN_BITS,
  parameter int Vaw  = (VWords > 1) ? $clog2(VWords) : 1
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 start_i,
  input  logic                 en_i,
  input  logic [31:0]          n_in_i,
  // vector memory read port
  output logic                 vmem_re_o,
  output logic [Vaw-1:0]       vmem_raddr_o,
  input  logic [SCAN_BITS-1:0] vmem_rdata_i,
  // FIFO push side
  output logic                 push_o,
  output logic [Iw-1:0]        index_o,
  input  logic                 full_i,
  output logic                 done_o
);
  localparam int Sw  = (SCAN_BITS > 1) ? $clog2(SCAN_BITS) : 1;  // bit position width
  localparam int Ww  = $clog2(VWords + 1);                        // word count width

  logic [SCAN_BITS-1:0] win_q, win_d;
  logic [Ww-1:0]        wptr_q, wptr_d, nwords_q, nwords_d;
  logic [31:0]          base_q, base_d, nbase_q, nbase_d;
  logic [SCAN_BITS-1:0] load_mask, lowest;
  logic [Sw-1:0]        pos;
  logic [31:0]          remaining;
  logic [31:0]          nwords_full;

  assign nwords_full = (n_in_i + 32'(SCAN_BITS) - 32'd1) / 32'(SCAN_BITS);
  assign remaining   = n_in_i - nbase_q;
  assign load_mask   = (remaining >= 32'(SCAN_BITS)) ? '1 : ~({SCAN_BITS{1'b1}} << remaining);

  // Lowest set bit, isolated, then encoded by OR-ing the bits whose position
  // has bit k set (log2 wide ANDs instead of a SCAN_BITS-long priority chain).
  assign lowest = win_q & (~win_q + 1'b1);
  for (genvar k = 0; k < Sw; k++) begin : g_pos
    logic [SCAN_BITS-1:0] sel;
    for (genvar b = 0; b < SCAN_BITS; b++) begin : g_sel
      assign sel[b] = ((b >> k) & 1) == 1;
    end
    assign pos[k] = |(lowest & sel);
  end

  logic [Ww-1:0] nwords_new;
  assign nwords_new = nwords_full[Ww-1:0];
  logic unused_nwords;
  assign unused_nwords = ^nwords_full[31:Ww];

  assign done_o  = (win_q == '0) && (wptr_q == nwords_q);
  assign index_o = base_q[Iw-1:0] + Iw'(pos);

  always_comb begin
    win_d        = win_q;
    wptr_d       = wptr_q;
    nwords_d     = nwords_q;
    base_d       = base_q;
    nbase_d      = nbase_q;
    vmem_re_o    = 1'b0;
    vmem_raddr_o = Vaw'(wptr_q) + 1'b1;
    push_o       = 1'b0;
    if (start_i) begin
      win_d        = '0;
      wptr_d       = '0;
      nwords_d     = nwords_new;
      base_d       = '0;
      nbase_d      = '0;
      vmem_re_o    = 1'b1;
      vmem_raddr_o = '0;
    end else if (en_i) begin
      if (win_q != '0) begin
        if (!full_i) begin
          push_o = 1'b1;
          win_d  = win_q & (win_q - 1'b1);
        end
      end else if (wptr_q != nwords_q) begin
        win_d     = vmem_rdata_i & load_mask;
        base_d    = nbase_q;
        nbase_d   = nbase_q + 32'(SCAN_BITS);
        wptr_d    = wptr_q + 1'b1;
        vmem_re_o = (wptr_q + 1'b1) != nwords_q;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      win_q    <= '0;
      wptr_q   <= '0;
      nwords_q <= '0;
      base_q   <= '0;
      nbase_q  <= '0;
    end else begin
      win_q    <= win_d;
      wptr_q   <= wptr_d;
      nwords_q <= nwords_d;
      base_q   <= base_d;
      nbase_q  <= nbase_d;
    end
  end
endmodule
