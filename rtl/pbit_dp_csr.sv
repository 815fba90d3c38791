// Control/status registers on a simple synchronous register bus, the memory
// windows, the error flags and the 64-bit performance counters.
//
// Bus: one access per cycle. A write (we_i) takes effect at the clock edge
// that samples it. A read (re_i, ignored when we_i is also high) returns
// rdata_o with rvalid_o high in the next cycle. ready_o is always high
// (kept for a later SRAM macro that may need to stall the bus).
// The register map (word addresses) is documented in docs/datapath.md and
// mirrored by sim/dp/dp_regs.h.
module pbit_dp_csr #(
  parameter int LANES       = 16,
  parameter int WEIGHT_BITS = 16,
  parameter int ACC_BITS    = 24,
  parameter int DAC_BITS    = 8,
  parameter int SCAN_BITS   = 32,
  parameter int FIFO_DEPTH  = 16,
  parameter int MAX_INPUTS  = 1024,
  parameter int MAX_UNITS   = 1024,
  parameter int Cmax   = (MAX_UNITS + LANES - 1) / LANES,
  parameter int Cw     = (Cmax > 1) ? $clog2(Cmax) : 1,
  parameter int Iw     = (MAX_INPUTS > 1) ? $clog2(MAX_INPUTS) : 1,
  parameter int Lw     = $clog2(LANES + 1),
  parameter int VWords = (MAX_INPUTS + SCAN_BITS - 1) / SCAN_BITS,
  parameter int Vaw    = (VWords > 1) ? $clog2(VWords) : 1,
  parameter int Pw     = $clog2(FIFO_DEPTH)
) (
  input  logic                         clk_i,
  input  logic                         rst_ni,
  // register bus
  input  logic [7:0]                   addr_i,
  input  logic [31:0]                  wdata_i,
  input  logic                         we_i,
  input  logic                         re_i,
  output logic [31:0]                  rdata_o,
  output logic                         rvalid_o,
  output logic                         ready_o,
  output logic                         done_o,
  // engine control
  output logic                         start_o,
  output logic                         mode_o,
  output logic                         src_o,
  output logic                         clear_o,
  output logic                         finish_o,
  output logic                         save_o,
  output logic                         restore_o,
  output logic [Cw:0]                  nchunks_o,
  output logic [Lw-1:0]                nlast_o,
  output logic [5:0]                   shift_o,
  output logic [31:0]                  n_in_o,
  input  logic                         busy_i,
  input  logic                         done_i,
  // counter events
  input  logic                         ev_busy_i,
  input  logic                         ev_stall_i,
  input  logic                         ev_index_i,
  input  logic                         ev_sram_rd_i,
  input  logic                         ev_sram_wr_i,
  input  logic [Lw-1:0]                ev_lane_adds_i,
  input  logic [Lw-1:0]                ev_sats_i,
  input  logic [Lw-1:0]                ev_dac_i,
  // index FIFO, firmware side
  output logic                         fifo_push_o,
  output logic [Iw-1:0]                fifo_wdata_o,
  output logic                         fifo_clear_o,
  input  logic                         fifo_empty_i,
  input  logic                         fifo_full_i,
  input  logic [Pw:0]                  fifo_level_i,
  input  logic                         fifo_overflow_i,
  // memory windows (used only while idle)
  output logic                         wmem_re_o,
  output logic                         wmem_we_o,
  output logic [Iw+Cw-1:0]             wmem_addr_o,
  input  logic [LANES*WEIGHT_BITS-1:0] wmem_rdata_i,
  output logic                         bmem_re_o,
  output logic                         bmem_we_o,
  input  logic [LANES*WEIGHT_BITS-1:0] bmem_rdata_i,
  output logic                         dmem_re_o,
  output logic                         dmem_we_o,
  input  logic [LANES*WEIGHT_BITS-1:0] dmem_rdata_i,
  output logic [Cw-1:0]                chunk_addr_o,   // bias, delta, acc
  output logic [LANES*WEIGHT_BITS-1:0] win_wdata_o,    // element in every lane
  output logic [LANES-1:0]             win_wmask_o,    // one-hot lane
  output logic                         amem_re_o,
  input  logic [LANES*ACC_BITS-1:0]    amem_rdata_i,
  input  logic [Cmax-1:0]              acc_valid_i,
  output logic                         vmem_re_o,
  output logic                         vmem_we_o,
  output logic [Vaw-1:0]               vmem_addr_o,
  output logic [SCAN_BITS-1:0]         vmem_wdata_o,
  output logic [SCAN_BITS-1:0]         vmem_wmask_o,
  input  logic [SCAN_BITS-1:0]         vmem_rdata_i
);
  localparam int L  = LANES;
  localparam int WB = WEIGHT_BITS;
  localparam int AB = ACC_BITS;

  // Register map (word addresses).
  localparam logic [7:0] AddrId        = 8'h00;
  localparam logic [7:0] AddrVersion   = 8'h01;
  localparam logic [7:0] AddrLanes     = 8'h02;
  localparam logic [7:0] AddrWeightBits = 8'h03;
  localparam logic [7:0] AddrAccBits   = 8'h04;
  localparam logic [7:0] AddrDacBits   = 8'h05;
  localparam logic [7:0] AddrScanBits  = 8'h06;
  localparam logic [7:0] AddrFifoDepth = 8'h07;
  localparam logic [7:0] AddrMaxInputs = 8'h08;
  localparam logic [7:0] AddrMaxUnits  = 8'h09;
  localparam logic [7:0] AddrNIn       = 8'h10;
  localparam logic [7:0] AddrNOut      = 8'h11;
  localparam logic [7:0] AddrDacShift  = 8'h12;
  localparam logic [7:0] AddrCtrl      = 8'h13;
  localparam logic [7:0] AddrStatus    = 8'h14;
  localparam logic [7:0] AddrErr       = 8'h15;
  localparam logic [7:0] AddrIdxPush   = 8'h16;
  localparam logic [7:0] AddrIdxLevel  = 8'h17;
  localparam logic [7:0] AddrIdxClear  = 8'h18;
  localparam logic [7:0] AddrCntClear  = 8'h19;
  localparam logic [7:0] AddrWinSel    = 8'h20;
  localparam logic [7:0] AddrWinRow    = 8'h21;
  localparam logic [7:0] AddrWinCol    = 8'h22;
  localparam logic [7:0] AddrWinData   = 8'h23;
  localparam logic [7:0] AddrWinDataHi = 8'h24;
  localparam logic [7:0] AddrCntBase   = 8'h40;  // 8 counters x (lo, hi): 0x40..0x4f

  localparam logic [31:0] IdValue = 32'h5042_4450;  // "PBDP"
  localparam logic [31:0] Version = 32'd2;  // 2: CTRL SAVE / RESTORE

  // ERR bits (as masks: Icarus 11 does not support constant bit selects in
  // always_* processes).
  localparam logic [6:0] ErrBadGeometry  = 7'h01;
  localparam logic [6:0] ErrIdxRange     = 7'h02;
  localparam logic [6:0] ErrFifoOverflow = 7'h04;
  localparam logic [6:0] ErrBadCtrl      = 7'h08;
  localparam logic [6:0] ErrWinRange     = 7'h10;
  localparam logic [6:0] ErrBusyAccess   = 7'h20;
  localparam logic [6:0] ErrBadAddr      = 7'h40;

  // Window selectors.
  localparam logic [2:0] SelWeight = 3'd0;
  localparam logic [2:0] SelBias   = 3'd1;
  localparam logic [2:0] SelDelta  = 3'd2;
  localparam logic [2:0] SelInput  = 3'd3;
  localparam logic [2:0] SelAcc    = 3'd4;
  localparam logic [2:0] SelDac    = 3'd5;

  // ---------------------------------------------------------------- state
  logic [31:0] n_in_q, n_in_d, n_out_q, n_out_d, shift_q, shift_d;
  logic [5:0]  ctrl_q, ctrl_d;  // {restore, save, finish, clear, src, mode}
  logic        done_q, done_d;
  logic [6:0]  err_q, err_d;
  logic [2:0]  win_sel_q, win_sel_d;
  logic [31:0] win_row_q, win_row_d, win_col_q, win_col_d;
  logic [Iw-1:0] idx_max_q, idx_max_d;
  logic [31:0] rdata_q, rdata_d, hi_q, hi_d;
  logic        rvalid_q, rvalid_d;
  // window read in flight (data comes from the SRAM in the next cycle)
  logic        pend_q, pend_d, pend_ok_q, pend_ok_d;
  logic [2:0]  pend_sel_q, pend_sel_d;
  logic [8:0]  pend_lane_q, pend_lane_d;
  logic [Cw-1:0] pend_chunk_q, pend_chunk_d;
  logic [8*64-1:0] cnt_q, cnt_d;  // 8 counters, counter k in bits [64k +: 64]

  // ---------------------------------------------------------------- decode
  logic        wr, rd, is_cnt;
  assign wr = we_i;
  assign rd = re_i & ~we_i;
  assign is_cnt = (addr_i >= AddrCntBase) && (addr_i <= AddrCntBase + 8'h0f);

  // Window element position.
  logic [31:0] chunk_full, lane_full, vword_full, vbit_full;
  logic        row_ok, col_ok, in_ok, win_ok, win_sel_bad, win_ro;
  assign chunk_full  = win_col_q / 32'(L);
  assign lane_full   = win_col_q % 32'(L);
  assign vword_full  = win_col_q / 32'(SCAN_BITS);
  assign vbit_full   = win_col_q % 32'(SCAN_BITS);
  assign row_ok      = (win_row_q < n_in_q) && (win_row_q < 32'(MAX_INPUTS));
  assign col_ok      = (win_col_q < n_out_q) && (win_col_q < 32'(MAX_UNITS));
  assign in_ok       = (win_col_q < n_in_q) && (win_col_q < 32'(MAX_INPUTS));
  assign win_sel_bad = (win_sel_q > SelDac);
  assign win_ro      = (win_sel_q == SelAcc) || (win_sel_q == SelDac);
  always_comb begin
    case (win_sel_q)
      SelWeight: win_ok = row_ok && col_ok;
      SelInput:  win_ok = in_ok;
      default:   win_ok = col_ok;
    endcase
  end

  assign wmem_addr_o  = {win_row_q[Iw-1:0], chunk_full[Cw-1:0]};
  assign chunk_addr_o = chunk_full[Cw-1:0];
  assign vmem_addr_o  = vword_full[Vaw-1:0];
  assign fifo_wdata_o = wdata_i[Iw-1:0];

  // Window write: the element in every lane under a one-hot lane mask
  // (computed only for a window write: cheaper to simulate).
  logic [WB-1:0] w_elem;
  logic          w_bit;
  assign w_elem = wdata_i[WB-1:0];
  assign w_bit  = wdata_i[0];
  always_comb begin
    win_wdata_o  = '0;
    win_wmask_o  = '0;
    vmem_wdata_o = '0;
    vmem_wmask_o = '0;
    if (wr && addr_i == AddrWinData) begin
      win_wdata_o  = {L{w_elem}};
      win_wmask_o  = L'(1) << lane_full;
      vmem_wdata_o = {SCAN_BITS{w_bit}};
      vmem_wmask_o = SCAN_BITS'(1) << vbit_full;
    end
  end

  // Start checks.
  logic        geom_bad, ctrl_bad, idx_bad;
  logic [31:0] nchunks_full, nlast_full;
  assign geom_bad = (n_in_q == '0) || (n_in_q > 32'(MAX_INPUTS)) ||
                    (n_out_q == '0) || (n_out_q > 32'(MAX_UNITS));
  assign ctrl_bad = (shift_q >= 32'(AB)) || (wdata_i[2] && !fifo_empty_i);
  assign idx_bad  = !wdata_i[2] && !fifo_empty_i && (32'(idx_max_q) >= n_in_q);
  assign nchunks_full = (n_out_q + 32'(L - 1)) / 32'(L);
  assign nlast_full   = n_out_q - (nchunks_full - 32'd1) * 32'(L);
  assign nchunks_o = nchunks_full[Cw:0];
  assign nlast_o   = nlast_full[Lw-1:0];
  assign shift_o   = shift_q[5:0];
  assign n_in_o    = n_in_q;

  // Only the low bits of the quotients are addresses (the range checks
  // above keep the rest zero).
  logic unused_bits;
  assign unused_bits = ^{chunk_full[31:Cw], vword_full[31:Vaw], nlast_full[31:Lw]};
  assign mode_o    = wdata_i[1];
  assign src_o     = wdata_i[2];
  assign clear_o   = wdata_i[3];
  assign finish_o  = wdata_i[4];
  assign save_o    = wdata_i[5];
  assign restore_o = wdata_i[6];

  // Fields of the written word and of the window position, sliced here
  // (Icarus 11 does not support constant selects inside always_*).
  logic          w_start;
  logic [5:0]    w_ctrl;
  logic [6:0]    w_err;
  logic [2:0]    w_sel;
  logic [Iw-1:0] w_idx;
  logic [8:0]    lane9, vbit9;
  logic [Cw-1:0] chunk_w;
  logic [6:0]    start_err;
  assign w_start   = wdata_i[0];
  assign w_ctrl    = wdata_i[6:1];
  assign w_err     = wdata_i[6:0];
  assign w_sel     = wdata_i[2:0];
  assign w_idx     = wdata_i[Iw-1:0];
  assign lane9     = lane_full[8:0];
  assign vbit9     = vbit_full[8:0];
  assign chunk_w   = chunk_full[Cw-1:0];
  assign start_err = (geom_bad ? ErrBadGeometry : '0) | (idx_bad ? ErrIdxRange : '0) |
                     (ctrl_bad ? ErrBadCtrl : '0);

  // ---------------------------------------------------------------- writes
  always_comb begin
    n_in_d       = n_in_q;
    n_out_d      = n_out_q;
    shift_d      = shift_q;
    ctrl_d       = ctrl_q;
    done_d       = done_q;
    err_d        = err_q;
    win_sel_d    = win_sel_q;
    win_row_d    = win_row_q;
    win_col_d    = win_col_q;
    idx_max_d    = idx_max_q;
    start_o      = 1'b0;
    fifo_push_o  = 1'b0;
    fifo_clear_o = 1'b0;
    wmem_we_o    = 1'b0;
    bmem_we_o    = 1'b0;
    dmem_we_o    = 1'b0;
    vmem_we_o    = 1'b0;
    wmem_re_o    = 1'b0;
    bmem_re_o    = 1'b0;
    dmem_re_o    = 1'b0;
    amem_re_o    = 1'b0;
    vmem_re_o    = 1'b0;
    pend_d       = 1'b0;
    pend_ok_d    = 1'b0;
    pend_sel_d   = win_sel_q;
    pend_lane_d  = (win_sel_q == SelInput) ? vbit9 : lane9;
    pend_chunk_d = chunk_w;

    if (done_i) done_d = 1'b1;
    if (fifo_overflow_i) err_d = err_d | ErrFifoOverflow;

    if (wr) begin
      if (busy_i && addr_i != AddrErr) begin
        err_d = err_d | ErrBusyAccess;
      end else begin
        case (addr_i)
          AddrNIn:      n_in_d = wdata_i;
          AddrNOut:     n_out_d = wdata_i;
          AddrDacShift: shift_d = wdata_i;
          AddrCtrl: begin
            ctrl_d = w_ctrl;
            if (w_start) begin
              if (err_q != '0 || start_err != '0) begin
                err_d  = err_d | start_err;
                done_d = 1'b1;
              end else begin
                start_o   = 1'b1;
                done_d    = 1'b0;
                idx_max_d = '0;
              end
            end
          end
          AddrErr: err_d = err_d & ~w_err;
          AddrIdxPush: begin
            if (wdata_i >= n_in_q || wdata_i >= 32'(MAX_INPUTS)) begin
              err_d = err_d | ErrIdxRange;
            end else if (fifo_full_i) begin
              err_d = err_d | ErrFifoOverflow;
            end else begin
              fifo_push_o = 1'b1;
              if (w_idx > idx_max_q) idx_max_d = w_idx;
            end
          end
          AddrIdxClear: begin
            fifo_clear_o = 1'b1;
            idx_max_d    = '0;
          end
          AddrCntClear: ;  // handled with the counters
          AddrWinSel: win_sel_d = w_sel;
          AddrWinRow: win_row_d = wdata_i;
          AddrWinCol: win_col_d = wdata_i;
          AddrWinData: begin
            win_col_d = win_col_q + 32'd1;
            if (win_sel_bad || win_ro) begin
              err_d = err_d | ErrBadAddr;
            end else if (!win_ok) begin
              err_d = err_d | ErrWinRange;
            end else begin
              case (win_sel_q)
                SelWeight: wmem_we_o = 1'b1;
                SelBias:   bmem_we_o = 1'b1;
                SelDelta:  dmem_we_o = 1'b1;
                default:   vmem_we_o = 1'b1;  // SelInput
              endcase
            end
          end
          default: err_d = err_d | ErrBadAddr;  // read-only or unmapped
        endcase
      end
    end else if (rd) begin
      case (addr_i)
        AddrId, AddrVersion, AddrLanes, AddrWeightBits, AddrAccBits, AddrDacBits,
        AddrScanBits, AddrFifoDepth, AddrMaxInputs, AddrMaxUnits, AddrNIn, AddrNOut,
        AddrDacShift, AddrCtrl, AddrStatus, AddrErr, AddrIdxPush, AddrIdxLevel,
        AddrIdxClear, AddrCntClear, AddrWinSel, AddrWinRow, AddrWinCol, AddrWinDataHi: ;
        AddrWinData: begin
          if (busy_i) begin
            err_d = err_d | ErrBusyAccess;
          end else begin
            win_col_d = win_col_q + 32'd1;
            pend_d    = 1'b1;
            if (win_sel_bad) begin
              err_d = err_d | ErrBadAddr;
            end else if (!win_ok) begin
              err_d = err_d | ErrWinRange;
            end else begin
              pend_ok_d = 1'b1;
              case (win_sel_q)
                SelWeight: wmem_re_o = 1'b1;
                SelBias:   bmem_re_o = 1'b1;
                SelDelta:  dmem_re_o = 1'b1;
                SelInput:  vmem_re_o = 1'b1;
                default:   amem_re_o = 1'b1;  // SelAcc, SelDac
              endcase
            end
          end
        end
        default: begin
          if (!is_cnt) err_d = err_d | ErrBadAddr;
        end
      endcase
    end
  end

  // ---------------------------------------------------------------- reads
  // Window read data, one cycle after the request (computed only then).
  logic [WB-1:0]       w_lane;
  logic [AB-1:0]       a_lane;
  logic                v_bit;
  logic [DAC_BITS-1:0] dac_code;
  logic                unused_dac_sat;
  logic [63:0]         win_value;
  always_comb begin
    w_lane = '0;
    a_lane = '0;
    v_bit  = 1'b0;
    if (pend_q) begin
      case (pend_sel_q)
        SelBias:  w_lane = bmem_rdata_i[pend_lane_q * WB +: WB];
        SelDelta: w_lane = dmem_rdata_i[pend_lane_q * WB +: WB];
        default:  w_lane = wmem_rdata_i[pend_lane_q * WB +: WB];
      endcase
      if (acc_valid_i[pend_chunk_q]) a_lane = amem_rdata_i[pend_lane_q * AB +: AB];
      v_bit = 1'(vmem_rdata_i >> pend_lane_q);
    end
  end
  pbit_dp_dac_lane #(
    .ACC_BITS(AB),
    .DAC_BITS(DAC_BITS)
  ) u_dac (
    .acc_i  (a_lane),
    .shift_i(shift_q[5:0]),
    .code_o (dac_code),
    .sat_o  (unused_dac_sat)
  );
  always_comb begin
    win_value = '0;
    if (pend_ok_q) begin
      case (pend_sel_q)
        SelInput: win_value = 64'(v_bit);
        SelAcc:   win_value = 64'($signed(a_lane));
        SelDac:   win_value = 64'($signed(dac_code));
        default:  win_value = 64'($signed(w_lane));
      endcase
    end
  end

  logic [31:0] status;
  assign status = {27'b0, fifo_full_i, fifo_empty_i, (err_q != '0), done_q, busy_i};

  logic [63:0] cnt_word;
  logic [31:0] cnt_half, win_lo, win_hi;
  assign cnt_word = cnt_q[addr_i[3:1] * 64 +: 64];
  assign cnt_half = addr_i[0] ? cnt_word[63:32] : cnt_word[31:0];
  assign win_lo   = win_value[31:0];
  assign win_hi   = win_value[63:32];
  assign hi_d     = pend_q ? win_hi : hi_q;

  always_comb begin
    rdata_d  = '0;
    rvalid_d = rd;
    case (addr_i)
      AddrId:         rdata_d = IdValue;
      AddrVersion:    rdata_d = Version;
      AddrLanes:      rdata_d = 32'(LANES);
      AddrWeightBits: rdata_d = 32'(WEIGHT_BITS);
      AddrAccBits:    rdata_d = 32'(ACC_BITS);
      AddrDacBits:    rdata_d = 32'(DAC_BITS);
      AddrScanBits:   rdata_d = 32'(SCAN_BITS);
      AddrFifoDepth:  rdata_d = 32'(FIFO_DEPTH);
      AddrMaxInputs:  rdata_d = 32'(MAX_INPUTS);
      AddrMaxUnits:   rdata_d = 32'(MAX_UNITS);
      AddrNIn:        rdata_d = n_in_q;
      AddrNOut:       rdata_d = n_out_q;
      AddrDacShift:   rdata_d = shift_q;
      AddrCtrl:       rdata_d = {25'b0, ctrl_q, 1'b0};
      AddrStatus:     rdata_d = status;
      AddrErr:        rdata_d = {25'b0, err_q};
      AddrIdxLevel:   rdata_d = 32'(fifo_level_i);
      AddrWinSel:     rdata_d = {29'b0, win_sel_q};
      AddrWinRow:     rdata_d = win_row_q;
      AddrWinCol:     rdata_d = win_col_q;
      AddrWinDataHi:  rdata_d = hi_d;
      default: begin
        if (is_cnt) rdata_d = cnt_half;
      end
    endcase
    if (!rd) rdata_d = rdata_q;
  end

  assign rdata_o  = pend_q ? win_lo : rdata_q;
  assign rvalid_o = rvalid_q;
  assign ready_o  = 1'b1;
  assign done_o   = done_q;

  // ---------------------------------------------------------------- counters
  logic [8*64-1:0] cnt_inc;
  assign cnt_inc = {64'(ev_dac_i), 64'(ev_sats_i), 64'(ev_lane_adds_i), 64'(ev_sram_wr_i),
                    64'(ev_sram_rd_i), 64'(ev_index_i), 64'(ev_stall_i), 64'(ev_busy_i)};
  logic cnt_clear;
  assign cnt_clear = wr && !busy_i && (addr_i == AddrCntClear);
  for (genvar k = 0; k < 8; k++) begin : g_cnt
    assign cnt_d[k*64 +: 64] = cnt_clear ? 64'd0 : cnt_q[k*64 +: 64] + cnt_inc[k*64 +: 64];
  end

  // ---------------------------------------------------------------- flops
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      n_in_q       <= '0;
      n_out_q      <= '0;
      shift_q      <= '0;
      ctrl_q       <= '0;
      done_q       <= 1'b0;
      err_q        <= '0;
      win_sel_q    <= '0;
      win_row_q    <= '0;
      win_col_q    <= '0;
      idx_max_q    <= '0;
      rdata_q      <= '0;
      hi_q         <= '0;
      rvalid_q     <= 1'b0;
      pend_q       <= 1'b0;
      pend_ok_q    <= 1'b0;
      pend_sel_q   <= '0;
      pend_lane_q  <= '0;
      pend_chunk_q <= '0;
      cnt_q        <= '0;
    end else begin
      n_in_q       <= n_in_d;
      n_out_q      <= n_out_d;
      shift_q      <= shift_d;
      ctrl_q       <= ctrl_d;
      done_q       <= done_d;
      err_q        <= err_d;
      win_sel_q    <= win_sel_d;
      win_row_q    <= win_row_d;
      win_col_q    <= win_col_d;
      idx_max_q    <= idx_max_d;
      rdata_q      <= rdata_d;
      hi_q         <= hi_d;
      rvalid_q     <= rvalid_d;
      pend_q       <= pend_d;
      pend_ok_q    <= pend_ok_d;
      pend_sel_q   <= pend_sel_d;
      pend_lane_q  <= pend_lane_d;
      pend_chunk_q <= pend_chunk_d;
      cnt_q        <= cnt_d;
    end
  end
endmodule
