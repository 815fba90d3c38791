// One DAC code from one accumulator: code = sat((acc + r) >>> s, DAC_BITS),
// r = s > 0 ? 2^(s-1) : 0 (round half up), computed in ACC_BITS+1 bits so
// that acc + r cannot wrap. sat_o marks a clamp that changed the value.
// The engine computes the same function for all lanes (dac_code() in
// pbit_dp_engine.sv); this module serves the CSR's DAC window. The engine
// only sees shift_i < ACC_BITS (START checks it); the window applies any
// 6-bit shift: a rounding term that does not fit ACC_BITS+1 bits is 0.
module pbit_dp_dac_lane #(
  parameter int ACC_BITS = 24,
  parameter int DAC_BITS = 8
) (
  input  logic [ACC_BITS-1:0] acc_i,
  input  logic [5:0]          shift_i,
  output logic [DAC_BITS-1:0] code_o,
  output logic                sat_o
);
  localparam logic [DAC_BITS-1:0] CodeMax = {1'b0, {(DAC_BITS - 1){1'b1}}};
  localparam logic [DAC_BITS-1:0] CodeMin = {1'b1, {(DAC_BITS - 1){1'b0}}};

  logic [ACC_BITS:0]            sum, shifted;
  logic [ACC_BITS-DAC_BITS+1:0] top;
  logic                         sign;

  assign sum     = (ACC_BITS + 1)'($signed(acc_i)) + ((ACC_BITS + 1)'(1) << shift_i >> 1);
  assign shifted = $signed(sum) >>> shift_i;
  // It fits DAC_BITS exactly when bits ACC_BITS..DAC_BITS-1 are all equal.
  assign top     = shifted[ACC_BITS:DAC_BITS-1];
  assign sign    = shifted[ACC_BITS];
  assign sat_o   = (top != '0) && (top != '1);
  assign code_o  = !sat_o ? shifted[DAC_BITS-1:0] : (sign ? CodeMin : CodeMax);
endmodule
