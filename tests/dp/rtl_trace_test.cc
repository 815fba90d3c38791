// Waveforms of the rtl and systemc backends (pbit_hal_config_t.trace): a
// .vcd trace is a valid VCD (header sections, value changes, the clock
// period in ns = clock_ns), a .fst trace has the FST header block (on rtl
// and systemc), one file per tile (w.vcd, w.tile1.vcd), an unknown
// extension is an error and tracing off writes nothing.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "hal_common.h"
#include "hal_systemc.h"

namespace {

using haltest::Layer;

// A fresh directory under the test temp dir, removed with its files at
// the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string t = ::testing::TempDir() + "pbit_trace_XXXXXX";
    std::vector<char> buf(t.begin(), t.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) != nullptr) path_ = buf.data();
  }
  ~TempDir() {
    if (path_.empty()) return;
    for (const std::string &f : Files()) unlink((path_ + "/" + f).c_str());
    rmdir(path_.c_str());
  }
  const std::string &path() const { return path_; }
  std::vector<std::string> Files() const {
    std::vector<std::string> v;
    DIR *d = opendir(path_.c_str());
    if (d == nullptr) return v;
    for (struct dirent *e = readdir(d); e != nullptr; e = readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
        v.push_back(e->d_name);
    closedir(d);
    return v;
  }

 private:
  std::string path_;
};

bool Exists(const std::string &p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

std::string Slurp(const std::string &p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Opens a HAL with `tiles` tiles tracing to `trace` (may be NULL), runs a
// layer step per tile; "" or the error.
std::string RunTraced(const char *backend, const char *accel, uint32_t tiles, const char *trace,
                      uint64_t *now = nullptr) {
  pbit_dp_params_t p;
  pbit_device_t dev;
  if (!haltest::LoadAccel(accel, &p) || !haltest::LoadDevice("smtj-fast", &dev)) return "config";
  pbit_hal_config_t cfg{};
  cfg.backend = backend;
  cfg.accel = p;
  cfg.device = dev;
  cfg.max_copies = 2;
  cfg.input_lsb = 0.2;
  cfg.seed = 3;
  cfg.tiles = tiles;
  cfg.trace = trace;
  pbit_hal_t *h = nullptr;
  pbit_error_t err;
  if (pbit_hal_open(&cfg, &h, &err) != PBIT_OK) return err.msg;
  std::mt19937_64 rng(5);
  std::string what;
  for (uint32_t t = 0; t < tiles && what.empty(); t++) {
    Layer l = haltest::RandomLayer(p, 12, 6, 2, 4, rng);
    pbit_fw_layer_t lv = l.View();
    std::vector<uint8_t> x = haltest::RandomInput(12, 0.5, rng);
    std::vector<int32_t> d = haltest::RandomDelta(p, 6, rng);
    std::vector<uint32_t> counts(6);
    pbit_fw_step_out_t o{};
    o.counts = counts.data();
    if (pbit_hal_select(h, t) != PBIT_HAL_OK || pbit_fw_layer_load(h, &lv) != PBIT_HAL_OK ||
        pbit_fw_layer_step(h, &lv, x.data(), d.data(), &o) != PBIT_HAL_OK)
      what = pbit_hal_error(h);
  }
  if (now) *now = pbit_hal_now(h);
  pbit_hal_close(h);
  return what;
}

// What the checks need from a VCD file.
struct Vcd {
  std::string timescale;  // e.g. "1ps"
  bool scope = false, var = false, enddefs = false;
  size_t changes = 0;
  std::vector<uint64_t> clk_rise;  // times of the top clk_i rising
};

bool ParseVcd(const std::string &text, Vcd *v) {
  std::istringstream in(text);
  std::string tok, clk_id;
  bool in_header = true;
  uint64_t t = 0;
  while (in >> tok) {
    if (in_header) {
      if (tok == "$timescale") {
        std::string s;
        while (in >> tok && tok != "$end") s += tok;
        v->timescale = s;
      } else if (tok == "$scope") {
        v->scope = true;
      } else if (tok == "$var") {
        // $var wire 1 <id> <name> [range] $end
        std::string type, width, id, name;
        in >> type >> width >> id >> name;
        v->var = true;
        if (name == "clk_i" && clk_id.empty()) clk_id = id;
        while (tok != "$end" && in >> tok) {
        }
      } else if (tok == "$enddefinitions") {
        v->enddefs = true;
        in_header = false;
        in >> tok;  // $end
      }
      continue;
    }
    if (tok[0] == '#') {
      t = std::stoull(tok.substr(1));
    } else if (tok[0] == '$') {
      continue;  // $dumpvars / $end
    } else if (tok[0] == 'b' || tok[0] == 'r') {
      std::string id;
      in >> id;
      v->changes++;
    } else {
      v->changes++;
      if (!clk_id.empty() && tok.substr(1) == clk_id && tok[0] == '1') v->clk_rise.push_back(t);
    }
  }
  return v->enddefs;
}

// ps per unit of a VCD $timescale ("1ps", "1ns", "10ps", ...).
double PsPerUnit(const std::string &ts) {
  size_t k = 0;
  while (k < ts.size() && isdigit(static_cast<unsigned char>(ts[k]))) k++;
  double n = k ? std::stod(ts.substr(0, k)) : 1;
  std::string u = ts.substr(k);
  if (u == "fs") return n * 1e-3;
  if (u == "ps") return n;
  if (u == "ns") return n * 1e3;
  if (u == "us") return n * 1e6;
  return -1;
}

void ExpectValidVcd(const std::string &path, double clock_ns) {
  SCOPED_TRACE(path);
  ASSERT_TRUE(Exists(path));
  Vcd v;
  ASSERT_TRUE(ParseVcd(Slurp(path), &v));
  EXPECT_TRUE(v.scope);
  EXPECT_TRUE(v.var);
  EXPECT_GT(v.changes, 10u);
  double ps = PsPerUnit(v.timescale);
  ASSERT_GT(ps, 0) << v.timescale;
  // The clock: rising edges one period (clock_ns) apart.
  ASSERT_GE(v.clk_rise.size(), 10u);
  for (size_t k = 1; k < 10; k++) {
    double dt_ns = static_cast<double>(v.clk_rise[k] - v.clk_rise[k - 1]) * ps / 1000.0;
    EXPECT_NEAR(dt_ns, clock_ns, 1e-9) << k;
  }
}

// The FST header block: tag 0, section length 329, the endian test double
// e, time scale 1 ps, variables counted at close.
void ExpectValidFst(const std::string &path) {
  SCOPED_TRACE(path);
  std::string b = Slurp(path);
  ASSERT_GT(b.size(), 330u);
  EXPECT_EQ(static_cast<unsigned char>(b[0]), 0u);  // FST_BL_HDR
  uint64_t seclen = 0, nvars = 0;
  for (int k = 0; k < 8; k++) seclen = (seclen << 8) | static_cast<unsigned char>(b[1 + k]);
  for (int k = 0; k < 8; k++) nvars = (nvars << 8) | static_cast<unsigned char>(b[49 + k]);
  EXPECT_EQ(seclen, 329u);
  EXPECT_GT(nvars, 10u);
  double e;
  std::memcpy(&e, b.data() + 25, 8);
  EXPECT_DOUBLE_EQ(e, 2.7182818284590452354);
  EXPECT_EQ(static_cast<signed char>(b[73]), -12);  // 1 ps
}

TEST(Trace, RtlVcdPerTileAndFst) {
  TempDir tmp;
  const std::string &dir = tmp.path();
  ASSERT_FALSE(dir.empty());
  std::string vcd = dir + "/w.vcd";
  ASSERT_EQ(RunTraced("rtl", "tiny", 2, vcd.c_str()), "");
  ExpectValidVcd(vcd, 2.0);
  ExpectValidVcd(dir + "/w.tile1.vcd", 2.0);
  EXPECT_FALSE(Exists(dir + "/w.tile2.vcd"));
  // Tracing does not change the run: same clock as untraced.
  uint64_t now_t = 0, now_u = 0;
  std::string vcd2 = dir + "/x.vcd";
  ASSERT_EQ(RunTraced("rtl", "small", 1, vcd2.c_str(), &now_t), "");
  ASSERT_EQ(RunTraced("rtl", "small", 1, nullptr, &now_u), "");
  EXPECT_EQ(now_t, now_u);
  ExpectValidVcd(vcd2, 2.0);

  std::string fst = dir + "/w.fst";
  ASSERT_EQ(RunTraced("rtl", "tiny", 1, fst.c_str()), "");
  ExpectValidFst(fst);
  // No FST build of small: named.
  std::string fst2 = dir + "/s.fst";
  std::string msg = RunTraced("rtl", "small", 1, fst2.c_str());
  EXPECT_NE(msg.find("RTL_FST_ACCELS"), std::string::npos) << msg;
}

TEST(Trace, SystemcVcdInNsPerTile) {
  TempDir tmp;
  const std::string &dir = tmp.path();
  ASSERT_FALSE(dir.empty());
  std::string vcd = dir + "/s.vcd";
  ::testing::internal::CaptureStdout();
  std::string r = RunTraced("systemc", "tiny", 2, vcd.c_str());
  std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(r, "");
  EXPECT_EQ(out.find("Warning"), std::string::npos) << out;  // e.g. a repeated dump time
  ExpectValidVcd(vcd, 2.0);
  ExpectValidVcd(dir + "/s.tile1.vcd", 2.0);
  // Rising edges at k*P + P/4 of SystemC time.
  Vcd v;
  ASSERT_TRUE(ParseVcd(Slurp(vcd), &v));
  double ps = PsPerUnit(v.timescale);
  ASSERT_FALSE(v.clk_rise.empty());
  double t_ns = static_cast<double>(v.clk_rise[0]) * ps / 1000.0;
  EXPECT_NEAR(std::fmod(t_ns, 2.0), 0.5, 1e-9) << t_ns;
  // Traced and untraced runs agree on the clock.
  uint64_t now_t = 0, now_u = 0;
  std::string vcd2 = dir + "/t.vcd";
  ASSERT_EQ(RunTraced("systemc", "small", 1, vcd2.c_str(), &now_t), "");
  ASSERT_EQ(RunTraced("systemc", "small", 1, nullptr, &now_u), "");
  EXPECT_EQ(now_t, now_u);
}

TEST(Trace, SystemcFstPerTile) {
  TempDir tmp;
  const std::string &dir = tmp.path();
  ASSERT_FALSE(dir.empty());
  std::string fst = dir + "/s.fst";
  ::testing::internal::CaptureStdout();
  std::string r = RunTraced("systemc", "tiny", 2, fst.c_str());
  std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(r, "");
  EXPECT_EQ(out.find("Warning"), std::string::npos) << out;
  ExpectValidFst(fst);
  ExpectValidFst(dir + "/s.tile1.fst");
  // Traced and untraced runs agree on the clock.
  uint64_t now_t = 0, now_u = 0;
  std::string fst2 = dir + "/t.fst";
  ASSERT_EQ(RunTraced("systemc", "tiny", 1, fst2.c_str(), &now_t), "");
  ASSERT_EQ(RunTraced("systemc", "tiny", 1, nullptr, &now_u), "");
  EXPECT_EQ(now_t, now_u);
  // No FST build of small: named, nothing written.
  std::string fst3 = dir + "/s3.fst";
  std::string msg = RunTraced("systemc", "small", 1, fst3.c_str());
  EXPECT_NE(msg.find("SC_FST_ACCELS"), std::string::npos) << msg;
  EXPECT_FALSE(Exists(fst3));
}

TEST(Trace, UnknownExtensionAndTracingOff) {
  TempDir tmp;
  const std::string &dir = tmp.path();
  ASSERT_FALSE(dir.empty());
  for (const char *be : {"rtl", "systemc"}) {
    SCOPED_TRACE(be);
    std::string bad = dir + "/w.txt";
    std::string msg = RunTraced(be, "tiny", 1, bad.c_str());
    EXPECT_NE(msg.find("unknown extension"), std::string::npos) << msg;
    EXPECT_FALSE(Exists(bad));
    bad = dir + "/vcd";
    msg = RunTraced(be, "tiny", 1, bad.c_str());
    EXPECT_NE(msg.find("unknown extension"), std::string::npos) << msg;
    // Tracing off: nothing written anywhere in the directory.
    ASSERT_EQ(RunTraced(be, "tiny", 2, nullptr), "");
  }
  // The directory is still empty.
  EXPECT_TRUE(tmp.Files().empty());
}

}  // namespace
