// Shared checks of the Icarus testbenches (tests/rtl/*_tb.sv). Icarus 11 and
// Verilator 5 both accept this subset.
//
//   `TB_DECLARE                      once, at module level: counters
//   `TB_CHECK(cond, msg)             counts a check; prints FAIL on false
//   `TB_CHECK_EQ(got, want, msg)     4-state compare (X or Z never passes)
//   `TB_FINISH                       prints "TB PASS|FAIL: <n> checks, <m> errors", $finish
//   `TB_WATCHDOG(cycles, clk)        fails the run if it is not done in time
//
// Macro parameters are named tb_*_ because Icarus 11 substitutes macro
// parameters inside string literals too.
//
// run_icarus.sh counts a testbench as passed when it prints "TB PASS" and
// no "TB FAIL"; the FAIL lines name the file and line of the check.
`ifndef PBIT_TB_UTIL_SVH
`define PBIT_TB_UTIL_SVH

`define TB_DECLARE \
  integer tb_checks = 0; \
  integer tb_errors = 0;

`define TB_CHECK(tb_cond_, tb_msg_) \
  begin \
    tb_checks = tb_checks + 1; \
    if (!(tb_cond_)) begin \
      tb_errors = tb_errors + 1; \
      $display("FAIL %s:%0d: %s (t=%0t)", `__FILE__, `__LINE__, tb_msg_, $time); \
    end \
  end

`define TB_CHECK_EQ(tb_got_, tb_want_, tb_msg_) \
  begin \
    tb_checks = tb_checks + 1; \
    if ((tb_got_) !== (tb_want_)) begin \
      tb_errors = tb_errors + 1; \
      $display("FAIL %s:%0d: %s: got %0d (0x%0h), want %0d (0x%0h) (t=%0t)", `__FILE__, \
               `__LINE__, tb_msg_, tb_got_, tb_got_, tb_want_, tb_want_, $time); \
    end \
  end

`define TB_FINISH \
  begin \
    $display("TB %s: %m: %0d checks, %0d errors, t=%0t", tb_errors == 0 ? "PASS" : "FAIL", \
             tb_checks, tb_errors, $time); \
    $finish; \
  end

`define TB_WATCHDOG(tb_cycles_, tb_clk_) \
  initial begin \
    repeat (tb_cycles_) @(posedge tb_clk_); \
    $display("TB FAIL: %m: watchdog after %0d cycles", tb_cycles_); \
    $finish; \
  end

`endif  // PBIT_TB_UTIL_SVH
