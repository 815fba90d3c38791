// Accumulate / update engine: the sequencer and the lane datapath.
//
// Phases (docs/datapath.md has the cycle contract):
//   SETUP 1 cycle (CLEAR or RESTORE invalidates the accumulator bank),
//   RESTORE C cycles (FORWARD+RESTORE: saved bank -> accumulators), RUN one
//   chunk per cycle or a stall, SAVE C cycles (FORWARD+SAVE: accumulators ->
//   saved bank), BIAS C cycles (FINISH), EMIT C cycles (FORWARD+FINISH),
//   DRAIN 1 cycle. The cycle in which RUN runs out of indices already does
//   the work of the phase that follows it.
// Two stages: stage 0 issues the SRAM reads of one op (RESTORE, RUN, SAVE,
// BIAS or EMIT chunk); stage 1, one cycle later, adds lane-wise with
// saturation and writes back (accumulator bank in FORWARD, weight or bias
// memory in UPDATE), copies a chunk between the two accumulator banks, or
// emits DAC codes. A read of the word written in the
// previous cycle takes the written word from the forwarding register.
// Lanes >= n_out (in the last chunk) are neither changed nor counted.
module pbit_dp_engine #(
  parameter int LANES       = 16,
  parameter int WEIGHT_BITS = 16,
  parameter int ACC_BITS    = 24,
  parameter int DAC_BITS    = 8,
  parameter int MAX_INPUTS  = 1024,
  parameter int MAX_UNITS   = 1024,
  parameter int Cmax = (MAX_UNITS + LANES - 1) / LANES,
  parameter int Cw   = (Cmax > 1) ? $clog2(Cmax) : 1,
  parameter int Iw   = (MAX_INPUTS > 1) ? $clog2(MAX_INPUTS) : 1,
  parameter int Lw   = $clog2(LANES + 1)
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  // operation, latched at start_i
  input  logic                          start_i,
  input  logic                          mode_i,     // 0 FORWARD, 1 UPDATE
  input  logic                          src_i,      // 0 FIFO, 1 VECTOR
  input  logic                          clear_i,
  input  logic                          finish_i,
  input  logic                          save_i,     // FORWARD: keep the sums after RUN
  input  logic                          restore_i,  // FORWARD: start from the kept sums
  input  logic [Cw:0]                   nchunks_i,  // C = ceil(n_out / LANES)
  input  logic [Lw-1:0]                 nlast_i,    // lanes used in chunk C-1
  input  logic [5:0]                    shift_i,
  output logic                          busy_o,
  output logic                          done_o,     // last busy cycle
  output logic                          gen_start_o,
  output logic                          gen_en_o,
  input  logic                          gen_done_i,
  // index FIFO, read side
  input  logic                          fifo_empty_i,
  input  logic [Iw-1:0]                 fifo_rdata_i,
  output logic                          fifo_pop_o,
  // weight memory
  output logic                          wmem_re_o,
  output logic [Iw+Cw-1:0]              wmem_raddr_o,
  input  logic [LANES*WEIGHT_BITS-1:0]  wmem_rdata_i,
  output logic                          wmem_we_o,
  output logic [Iw+Cw-1:0]              wmem_waddr_o,
  output logic [LANES*WEIGHT_BITS-1:0]  wmem_wdata_o,
  // bias memory
  output logic                          bmem_re_o,
  output logic [Cw-1:0]                 bmem_raddr_o,
  input  logic [LANES*WEIGHT_BITS-1:0]  bmem_rdata_i,
  output logic                          bmem_we_o,
  output logic [Cw-1:0]                 bmem_waddr_o,
  output logic [LANES*WEIGHT_BITS-1:0]  bmem_wdata_o,
  // delta buffer (read only here)
  output logic                          dmem_re_o,
  output logic [Cw-1:0]                 dmem_raddr_o,
  input  logic [LANES*WEIGHT_BITS-1:0]  dmem_rdata_i,
  // accumulator bank
  output logic                          amem_re_o,
  output logic [Cw-1:0]                 amem_raddr_o,
  input  logic [LANES*ACC_BITS-1:0]     amem_rdata_i,
  output logic                          amem_we_o,
  output logic [Cw-1:0]                 amem_waddr_o,
  output logic [LANES*ACC_BITS-1:0]     amem_wdata_o,
  output logic [Cmax-1:0]               acc_valid_o,
  // saved accumulator bank (SAVE writes it, RESTORE reads it)
  output logic                          smem_re_o,
  output logic [Cw-1:0]                 smem_raddr_o,
  input  logic [LANES*ACC_BITS-1:0]     smem_rdata_i,
  output logic                          smem_we_o,
  output logic [Cw-1:0]                 smem_waddr_o,
  output logic [LANES*ACC_BITS-1:0]     smem_wdata_o,
  // DAC codes to the p-bit array
  output logic                          dac_valid_o,
  output logic [15:0]                   dac_chunk_o,
  output logic [LANES*DAC_BITS-1:0]     dac_codes_o,
  // performance counter events of this cycle
  output logic                          ev_busy_o,
  output logic                          ev_stall_o,
  output logic                          ev_index_o,
  output logic                          ev_sram_rd_o,
  output logic                          ev_sram_wr_o,
  output logic [Lw-1:0]                 ev_lane_adds_o,
  output logic [Lw-1:0]                 ev_sats_o,
  output logic [Lw-1:0]                 ev_dac_o
);
  localparam int L  = LANES;
  localparam int WB = WEIGHT_BITS;
  localparam int AB = ACC_BITS;

  typedef enum logic [2:0] {
    PhIdle  = 3'd0,
    PhSetup = 3'd1,
    PhRun   = 3'd2,
    PhBias  = 3'd3,
    PhEmit  = 3'd4,
    PhDrain = 3'd5,
    PhRestore = 3'd6,
    PhSave  = 3'd7
  } phase_e;

  typedef enum logic [2:0] {
    OpRun  = 3'd0,
    OpBias = 3'd1,
    OpEmit = 3'd2,
    OpRestore = 3'd3,
    OpSave = 3'd4
  } op_e;

  // ---------------------------------------------------------------- state
  phase_e          phase_q, phase_d;
  logic            mode_q, mode_d, src_q, src_d, clear_q, clear_d, finish_q, finish_d;
  logic            save_q, save_d, restore_q, restore_d;
  logic [Cw:0]     nchunks_q, nchunks_d;
  logic [Lw-1:0]   nlast_q, nlast_d;
  logic [5:0]      shift_q, shift_d;
  logic [Cw-1:0]   chunk_q, chunk_d;
  logic [Iw-1:0]   idx_q, idx_d;
  logic [Cmax-1:0] valid_q, valid_d;
  logic [Cmax-1:0] svalid_q, svalid_d;  // saved-bank chunks written by the last SAVE
  // stage 1
  logic            s1_valid_q, s1_valid_d;
  op_e             s1_kind_q, s1_kind_d;
  logic [Cw-1:0]   s1_chunk_q, s1_chunk_d;
  logic [Iw-1:0]   s1_idx_q, s1_idx_d;
  logic            s1_last_q, s1_last_d;
  // forwarding: the word written in the previous cycle
  logic            fwd_valid_q, fwd_valid_d;
  op_e             fwd_kind_q, fwd_kind_d;
  logic [Cw-1:0]   fwd_chunk_q, fwd_chunk_d;
  logic [Iw-1:0]   fwd_idx_q, fwd_idx_d;
  logic [L*AB-1:0] fwd_data_q, fwd_data_d;

  // ---------------------------------------------------------------- stage 0
  phase_e        eff_phase;
  logic          need_idx, src_done, last_chunk;
  logic [Cw-1:0] chunk_next;
  logic          op_valid;
  op_e           op_kind;
  logic [Iw-1:0] op_idx;

  assign src_done   = ~src_q | gen_done_i;
  assign need_idx   = (chunk_q == '0);
  assign last_chunk = ({1'b0, chunk_q} == nchunks_q - 1'b1);
  assign chunk_next = last_chunk ? '0 : chunk_q + 1'b1;

  always_comb begin
    eff_phase = phase_q;
    if (phase_q == PhRun && need_idx && fifo_empty_i && src_done) begin
      if (save_q && !mode_q) eff_phase = PhSave;
      else if (finish_q) eff_phase = PhBias;
      else eff_phase = PhDrain;
    end
  end

  always_comb begin
    phase_d    = phase_q;
    mode_d     = mode_q;
    src_d      = src_q;
    clear_d    = clear_q;
    finish_d   = finish_q;
    save_d     = save_q;
    restore_d  = restore_q;
    nchunks_d  = nchunks_q;
    nlast_d    = nlast_q;
    shift_d    = shift_q;
    chunk_d    = chunk_q;
    idx_d      = idx_q;
    op_valid   = 1'b0;
    op_kind    = OpRun;
    op_idx     = idx_q;
    fifo_pop_o = 1'b0;
    ev_stall_o = 1'b0;
    done_o     = 1'b0;
    case (eff_phase)
      PhIdle: begin
        if (start_i) begin
          phase_d   = PhSetup;
          mode_d    = mode_i;
          src_d     = src_i;
          clear_d   = clear_i;
          finish_d  = finish_i;
          save_d    = save_i;
          restore_d = restore_i;
          nchunks_d = nchunks_i;
          nlast_d   = nlast_i;
          shift_d   = shift_i;
        end
      end
      PhSetup: begin
        if (restore_q && !mode_q) phase_d = PhRestore;
        else phase_d = PhRun;
        chunk_d = '0;
      end
      PhRestore: begin
        op_valid = 1'b1;
        op_kind  = OpRestore;
        chunk_d  = chunk_next;
        if (last_chunk) phase_d = PhRun;
      end
      PhSave: begin
        op_valid = 1'b1;
        op_kind  = OpSave;
        chunk_d  = chunk_next;
        if (!last_chunk) phase_d = PhSave;
        else if (finish_q) phase_d = PhBias;
        else phase_d = PhDrain;
      end
      PhRun: begin
        if (!need_idx) begin
          op_valid = 1'b1;
          chunk_d  = chunk_next;
        end else if (!fifo_empty_i) begin
          fifo_pop_o = 1'b1;
          op_valid   = 1'b1;
          op_idx     = fifo_rdata_i;
          idx_d      = fifo_rdata_i;
          chunk_d    = chunk_next;
        end else begin
          ev_stall_o = 1'b1;
        end
      end
      PhBias: begin
        op_valid = 1'b1;
        op_kind  = OpBias;
        chunk_d  = chunk_next;
        if (!last_chunk) phase_d = PhBias;
        else if (mode_q) phase_d = PhDrain;
        else phase_d = PhEmit;
      end
      PhEmit: begin
        op_valid = 1'b1;
        op_kind  = OpEmit;
        chunk_d  = chunk_next;
        if (last_chunk) phase_d = PhDrain;
        else phase_d = PhEmit;
      end
      PhDrain: begin
        phase_d = PhIdle;
        done_o  = 1'b1;
      end
      default: phase_d = PhIdle;
    endcase
  end

  assign busy_o      = (phase_q != PhIdle);
  assign gen_start_o = (phase_q == PhSetup) & src_q;
  assign gen_en_o    = (phase_q == PhRun) & src_q;

  // SRAM reads of the op issued this cycle.
  assign wmem_re_o    = op_valid & (op_kind == OpRun);
  assign wmem_raddr_o = {op_idx, chunk_q};
  assign bmem_re_o    = op_valid & (op_kind == OpBias);
  assign bmem_raddr_o = chunk_q;
  assign dmem_re_o    = op_valid & mode_q & (op_kind != OpEmit);
  assign dmem_raddr_o = chunk_q;
  assign amem_re_o    = op_valid & ~mode_q & (op_kind != OpRestore);
  assign amem_raddr_o = chunk_q;
  assign smem_re_o    = op_valid & (op_kind == OpRestore);
  assign smem_raddr_o = chunk_q;

  assign s1_valid_d = op_valid;
  assign s1_kind_d  = op_kind;
  assign s1_chunk_d = chunk_q;
  assign s1_idx_d   = op_idx;
  assign s1_last_d  = last_chunk;

  // ---------------------------------------------------------------- stage 1
  // The lane datapath is procedural on purpose: only the branch of the
  // current op runs (FORWARD adds, UPDATE adds or DAC codes), which is also
  // what lets Verilator skip the other two on every cycle.
  logic            fwd_hit, s1_write, s1_emit, s1_save, s1_restore, acc_valid;
  logic [L*AB-1:0] new_acc_word;
  logic [L*WB-1:0] new_w_word;
  logic [L*DAC_BITS-1:0] dac_codes;
  logic [Lw-1:0]   sat_count, lanes_used;

  assign fwd_hit = fwd_valid_q && (fwd_chunk_q == s1_chunk_q) &&
                   (!mode_q || (fwd_kind_q == s1_kind_q &&
                                (s1_kind_q == OpBias || fwd_idx_q == s1_idx_q)));
  assign acc_valid  = valid_q[s1_chunk_q];
  assign s1_emit    = s1_valid_q & (s1_kind_q == OpEmit);
  assign s1_save    = s1_valid_q & (s1_kind_q == OpSave);
  assign s1_restore = s1_valid_q & (s1_kind_q == OpRestore);
  assign s1_write   = s1_valid_q & (s1_kind_q != OpEmit) & (s1_kind_q != OpSave);
  assign lanes_used = s1_last_q ? nlast_q : Lw'(L);

  // Saturation bounds. (Functions and always_comb avoid constant bit
  // selects: Icarus 11 does not support them in always_* processes.)
  localparam logic [AB-1:0] AccMax = {1'b0, {(AB - 1){1'b1}}};
  localparam logic [AB-1:0] AccMin = {1'b1, {(AB - 1){1'b0}}};
  localparam logic [WB-1:0] WMax   = {1'b0, {(WB - 1){1'b1}}};
  localparam logic [WB-1:0] WMin   = {1'b1, {(WB - 1){1'b0}}};
  localparam logic [DAC_BITS-1:0] CodeMax = {1'b0, {(DAC_BITS - 1){1'b1}}};
  localparam logic [DAC_BITS-1:0] CodeMin = {1'b1, {(DAC_BITS - 1){1'b0}}};

  // a + b (a: AB bits, b: WB bits, two's complement) saturated to AB bits;
  // returns {clamped, result}. The sum fits AB+1 bits, so it saturates
  // exactly when its top two bits differ (01: above the range, 10: below).
  function automatic logic [AB:0] add_sat_acc(input logic [AB-1:0] a, input logic [WB-1:0] b);
    logic [AB:0] sum;
    logic [1:0]  top;
    sum = (AB + 1)'($signed(a)) + (AB + 1)'($signed(b));
    top = 2'(sum >> (AB - 1));
    if (top == 2'b01) add_sat_acc = {1'b1, AccMax};
    else if (top == 2'b10) add_sat_acc = {1'b1, AccMin};
    else add_sat_acc = {1'b0, AB'(sum)};
  endfunction

  // a + b saturated to WB bits; returns {clamped, result}.
  function automatic logic [WB:0] add_sat_w(input logic [WB-1:0] a, input logic [WB-1:0] b);
    logic [WB:0] sum;
    logic [1:0]  top;
    sum = (WB + 1)'($signed(a)) + (WB + 1)'($signed(b));
    top = 2'(sum >> (WB - 1));
    if (top == 2'b01) add_sat_w = {1'b1, WMax};
    else if (top == 2'b10) add_sat_w = {1'b1, WMin};
    else add_sat_w = {1'b0, WB'(sum)};
  endfunction

  // DAC code of one accumulator, the arithmetic of pbit_dp_dac_lane (the
  // CSR's DAC window uses that module; the lockstep tests compare both
  // with the C model). Returns {clamped, code}: the shifted value fits
  // DAC_BITS exactly when its bits ACC_BITS..DAC_BITS-1 are all equal.
  function automatic logic [DAC_BITS:0] dac_code(input logic [AB-1:0] acc, input logic [5:0] sh);
    logic [AB:0] x;
    logic [AB-DAC_BITS+1:0] top;
    x   = (AB + 1)'($signed(acc)) + ((AB + 1)'(1) << sh >> 1);
    x   = $signed(x) >>> sh;
    top = (AB - DAC_BITS + 2)'(x >> (DAC_BITS - 1));
    if (top == '0 || top == '1) dac_code = {1'b0, DAC_BITS'(x)};
    else if ((x >> AB) == '0) dac_code = {1'b1, CodeMax};
    else dac_code = {1'b1, CodeMin};
  endfunction

  always_comb begin
    logic [AB-1:0]       a_old;
    logic [WB-1:0]       w_old, w_add;
    logic [AB:0]         r_acc;
    logic [WB:0]         r_w;
    logic [DAC_BITS:0]   r_dac;
    logic                en;
    a_old        = '0;
    w_old        = '0;
    w_add        = '0;
    r_acc        = '0;
    r_w          = '0;
    r_dac        = '0;
    en           = 1'b0;
    new_acc_word = '0;
    new_w_word   = '0;
    dac_codes    = '0;
    sat_count    = '0;
    if (s1_restore) begin
      // RESTORE: the whole saved word (0 where the last SAVE did not write).
      if (svalid_q[s1_chunk_q]) new_acc_word = smem_rdata_i;
    end else if (s1_valid_q) begin
      if (!mode_q) begin
        // FORWARD and EMIT read the accumulator bank (0 where invalid).
        for (int l = 0; l < L; l++) begin
          en = !s1_last_q || (Lw'(l) < nlast_q);
          if (fwd_hit) a_old = fwd_data_q[l*AB +: AB];
          else if (acc_valid) a_old = amem_rdata_i[l*AB +: AB];
          else a_old = '0;
          if (s1_kind_q == OpSave) begin
            new_acc_word[l*AB +: AB] = a_old;  // the word as it stands, to the saved bank
          end else if (s1_kind_q == OpEmit) begin
            r_dac = dac_code(a_old, shift_q);
            dac_codes[l*DAC_BITS +: DAC_BITS] = DAC_BITS'(r_dac);
            if (en && (r_dac >> DAC_BITS) != '0) sat_count = sat_count + 1'b1;
          end else begin
            if (s1_kind_q == OpBias) w_add = bmem_rdata_i[l*WB +: WB];
            else w_add = wmem_rdata_i[l*WB +: WB];
            r_acc = add_sat_acc(a_old, w_add);
            if (en) begin
              new_acc_word[l*AB +: AB] = AB'(r_acc);
              if ((r_acc >> AB) != '0) sat_count = sat_count + 1'b1;
            end else begin
              new_acc_word[l*AB +: AB] = a_old;
            end
          end
        end
      end else begin
        // UPDATE: weight (RUN) or bias (BIAS) word + delta.
        for (int l = 0; l < L; l++) begin
          en = !s1_last_q || (Lw'(l) < nlast_q);
          if (fwd_hit) w_old = fwd_data_q[l*WB +: WB];
          else if (s1_kind_q == OpBias) w_old = bmem_rdata_i[l*WB +: WB];
          else w_old = wmem_rdata_i[l*WB +: WB];
          r_w = add_sat_w(w_old, dmem_rdata_i[l*WB +: WB]);
          if (en) begin
            new_w_word[l*WB +: WB] = WB'(r_w);
            if ((r_w >> WB) != '0) sat_count = sat_count + 1'b1;
          end else begin
            new_w_word[l*WB +: WB] = w_old;
          end
        end
      end
    end
  end

  // Write-back.
  assign amem_we_o    = s1_write & ~mode_q;
  assign amem_waddr_o = s1_chunk_q;
  assign amem_wdata_o = new_acc_word;
  assign wmem_we_o    = s1_write & mode_q & (s1_kind_q == OpRun);
  assign wmem_waddr_o = {s1_idx_q, s1_chunk_q};
  assign wmem_wdata_o = new_w_word;
  assign bmem_we_o    = s1_write & mode_q & (s1_kind_q == OpBias);
  assign bmem_waddr_o = s1_chunk_q;
  assign bmem_wdata_o = new_w_word;
  assign smem_we_o    = s1_save;
  assign smem_waddr_o = s1_chunk_q;
  assign smem_wdata_o = new_acc_word;

  assign fwd_valid_d = s1_write;
  assign fwd_kind_d  = s1_kind_q;
  assign fwd_chunk_d = s1_chunk_q;
  assign fwd_idx_d   = s1_idx_q;
  assign fwd_data_d  = mode_q ? (L * AB)'(new_w_word) : new_acc_word;

  always_comb begin
    valid_d = valid_q;
    // CLEAR and RESTORE (FORWARD only) invalidate every chunk.
    if (phase_q == PhSetup && (clear_q || restore_q) && !mode_q) valid_d = '0;
    if (amem_we_o) valid_d[s1_chunk_q] = 1'b1;
  end

  // A SAVE replaces the whole saved bank: chunks it does not write read 0.
  // (Continuous assignments: the same logic as an always_comb, the saved
  // bits cleared and then one bit set, hung Icarus 11 in an endless
  // zero-delay loop at the first RUN cycle.)
  logic            save_first;
  logic [Cmax-1:0] svalid_set;
  assign save_first = op_valid && (op_kind == OpSave) && (chunk_q == '0);
  assign svalid_set = smem_we_o ? (Cmax'(1) << s1_chunk_q) : '0;
  assign svalid_d   = (save_first ? '0 : svalid_q) | svalid_set;
  assign acc_valid_o = valid_q;

  assign dac_valid_o = s1_emit;
  assign dac_chunk_o = 16'(s1_chunk_q);
  assign dac_codes_o = dac_codes;

  // ---------------------------------------------------------------- events
  assign ev_busy_o      = busy_o;
  assign ev_index_o     = fifo_pop_o;
  assign ev_sram_rd_o   = wmem_re_o | bmem_re_o;
  assign ev_sram_wr_o   = wmem_we_o | bmem_we_o;
  assign ev_lane_adds_o = (s1_write & ~s1_restore) ? lanes_used : '0;
  assign ev_sats_o      = sat_count;
  assign ev_dac_o       = s1_emit ? lanes_used : '0;

  // ---------------------------------------------------------------- flops
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      phase_q     <= PhIdle;
      mode_q      <= 1'b0;
      src_q       <= 1'b0;
      clear_q     <= 1'b0;
      finish_q    <= 1'b0;
      save_q      <= 1'b0;
      restore_q   <= 1'b0;
      nchunks_q   <= '0;
      nlast_q     <= '0;
      shift_q     <= '0;
      chunk_q     <= '0;
      idx_q       <= '0;
      valid_q     <= '0;
      svalid_q    <= '0;
      s1_valid_q  <= 1'b0;
      s1_kind_q   <= OpRun;
      s1_chunk_q  <= '0;
      s1_idx_q    <= '0;
      s1_last_q   <= 1'b0;
      fwd_valid_q <= 1'b0;
      fwd_kind_q  <= OpRun;
      fwd_chunk_q <= '0;
      fwd_idx_q   <= '0;
      fwd_data_q  <= '0;
    end else begin
      phase_q     <= phase_d;
      mode_q      <= mode_d;
      src_q       <= src_d;
      clear_q     <= clear_d;
      finish_q    <= finish_d;
      save_q      <= save_d;
      restore_q   <= restore_d;
      nchunks_q   <= nchunks_d;
      nlast_q     <= nlast_d;
      shift_q     <= shift_d;
      chunk_q     <= chunk_d;
      idx_q       <= idx_d;
      valid_q     <= valid_d;
      svalid_q    <= svalid_d;
      s1_valid_q  <= s1_valid_d;
      s1_kind_q   <= s1_kind_d;
      s1_chunk_q  <= s1_chunk_d;
      s1_idx_q    <= s1_idx_d;
      s1_last_q   <= s1_last_d;
      fwd_valid_q <= fwd_valid_d;
      fwd_kind_q  <= fwd_kind_d;
      fwd_chunk_q <= fwd_chunk_d;
      fwd_idx_q   <= fwd_idx_d;
      fwd_data_q  <= fwd_data_d;
    end
  end
endmodule
