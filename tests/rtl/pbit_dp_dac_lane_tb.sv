// pbit_dp_dac_lane: code = sat((acc + r) >>> s, DAC_BITS), r = s > 0 ?
// 2^(s-1) : 0, in ACC_BITS+1 bits; sat_o on a clamp that changed the value
// (docs/datapath.md, "Arithmetic"). Exhaustive over every accumulator value
// and shift for a 12-bit accumulator; extremes and random values for 24 and
// 48 bits.
`include "tb_util.svh"
`timescale 1ns / 1ps
module pbit_dp_dac_lane_tb;
  `TB_DECLARE

  logic [11:0] acc_a;
  logic [23:0] acc_b;
  logic [47:0] acc_c;
  logic [5:0] shift = '0;
  logic [5:0] code_a;
  logic [7:0] code_b;
  logic [15:0] code_c;
  logic sat_a, sat_b, sat_c;

  pbit_dp_dac_lane #(.ACC_BITS(12), .DAC_BITS(6)) u_a (.acc_i(acc_a), .shift_i(shift), .code_o(code_a), .sat_o(sat_a));
  pbit_dp_dac_lane #(.ACC_BITS(24), .DAC_BITS(8)) u_b (.acc_i(acc_b), .shift_i(shift), .code_o(code_b), .sat_o(sat_b));
  pbit_dp_dac_lane #(.ACC_BITS(48), .DAC_BITS(16)) u_c (.acc_i(acc_c), .shift_i(shift), .code_o(code_c), .sat_o(sat_c));

  // Reference in 64-bit arithmetic (>>> on a signed longint is arithmetic).
  // A task: Icarus 11 functions take only inputs.
  task automatic ref_code(input longint acc, input integer s, input integer db,
                          output longint code, output logic sat);
    longint v, hi, lo;
    v = (acc + (s > 0 ? (64'sd1 <<< (s - 1)) : 64'sd0)) >>> s;
    hi = (64'sd1 <<< (db - 1)) - 1;
    lo = -(64'sd1 <<< (db - 1));
    sat = (v > hi) || (v < lo);
    code = v > hi ? hi : (v < lo ? lo : v);
  endtask

  integer seed = 3;
  integer s, i, sats;
  longint a, want;
  logic want_sat;
  initial begin
    sats = 0;
    for (s = 0; s < 12; s++) begin
      shift = s;
      for (i = 0; i < 4096; i++) begin
        acc_a = i;
        #1;
        a = longint'($signed(acc_a));
        ref_code(a, s, 6, want, want_sat);
        if (code_a !== 6'(want) || sat_a !== want_sat) begin
          `TB_CHECK_EQ(code_a, 6'(want), "12/6 code")
          `TB_CHECK_EQ(sat_a, want_sat, "12/6 sat")
        end else tb_checks++;
        sats += want_sat;
      end
    end
    `TB_CHECK(sats > 1000, "saturation reached")
    for (s = 0; s < 24; s++) begin
      shift = s;
      for (i = 0; i < 600; i++) begin
        case (i)
          0: acc_b = 24'h7fffff;
          1: acc_b = 24'h800000;
          2: acc_b = 24'h000000;
          3: acc_b = 24'hffffff;
          default: acc_b = 24'($random(seed)) >>> (i % 20);
        endcase
        #1;
        ref_code(longint'($signed(acc_b)), s, 8, want, want_sat);
        `TB_CHECK_EQ(code_b, 8'(want), "24/8 code")
        `TB_CHECK_EQ(sat_b, want_sat, "24/8 sat")
      end
    end
    for (s = 0; s < 48; s += 3) begin
      shift = s;
      for (i = 0; i < 200; i++) begin
        case (i)
          0: acc_c = 48'h7fff_ffff_ffff;
          1: acc_c = 48'h8000_0000_0000;
          default: acc_c = {16'($random(seed)), 32'($random(seed))} >>> (i % 40);
        endcase
        #1;
        ref_code(longint'($signed(acc_c)), s, 16, want, want_sat);
        `TB_CHECK_EQ(code_c, 16'(want), "48/16 code")
        `TB_CHECK_EQ(sat_c, want_sat, "48/16 sat")
      end
    end
    `TB_FINISH
  end
endmodule
