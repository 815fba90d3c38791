// Tests of the data set loaders: generated IDX and CIFAR-10 fixtures (good
// and broken), and the real Fashion-MNIST / MNIST files when installed
// (skipped with a message otherwise; CI installs them).
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" {
#include "data/dataset.h"
}

namespace {

class Fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pbit_data_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  std::string Path(const std::string &name) const { return dir_ + "/" + name; }

  void WriteGz(const std::string &name, const std::vector<uint8_t> &bytes) {
    gzFile f = gzopen(Path(name).c_str(), "wb");
    ASSERT_NE(f, nullptr);
    if (!bytes.empty()) {
      ASSERT_EQ(gzwrite(f, bytes.data(), bytes.size()), (int)bytes.size());
    }
    gzclose(f);
  }
  void WritePlain(const std::string &name, const std::vector<uint8_t> &bytes) {
    FILE *f = std::fopen(Path(name).c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }

  static void Be32(std::vector<uint8_t> &v, uint32_t x) {
    for (int s = 24; s >= 0; s -= 8) v.push_back(static_cast<uint8_t>(x >> s));
  }
  static std::vector<uint8_t> Images(uint32_t n, uint32_t r, uint32_t c, uint8_t magic3 = 3) {
    std::vector<uint8_t> v = {0, 0, 8, magic3};
    Be32(v, n);
    Be32(v, r);
    Be32(v, c);
    for (uint32_t k = 0; k < n * r * c; k++) v.push_back(static_cast<uint8_t>(k * 7));
    return v;
  }
  static std::vector<uint8_t> Labels(uint32_t n, uint8_t top = 10) {
    std::vector<uint8_t> v = {0, 0, 8, 1};
    Be32(v, n);
    for (uint32_t k = 0; k < n; k++) v.push_back(static_cast<uint8_t>(k % top));
    return v;
  }

  // Loads and expects failure naming `file` and containing `what`.
  void ExpectBad(const std::string &img, const std::string &lab, const std::string &file,
                 const std::string &what) {
    pbit_dataset_t d;
    pbit_error_t err;
    pbit_error_clear(&err);
    int rc = pbit_dataset_load_idx(Path(img).c_str(), Path(lab).c_str(), 10, &d, &err);
    EXPECT_EQ(rc, PBIT_ERR_DATA) << err.msg;
    EXPECT_EQ(std::string(err.file), Path(file));
    EXPECT_NE(std::string(err.msg).find(what), std::string::npos) << err.msg;
    EXPECT_EQ(d.pixels, nullptr);
    if (rc == PBIT_OK) pbit_dataset_free(&d);
  }

  std::string dir_;
};

TEST_F(Fixture, LoadsGzipAndPlainIdx) {
  WriteGz("i.gz", Images(5, 3, 2));
  WriteGz("l.gz", Labels(5));
  WritePlain("i.raw", Images(5, 3, 2));
  WritePlain("l.raw", Labels(5));
  for (auto [img, lab] : {std::pair<const char *, const char *>{"i.gz", "l.gz"}, {"i.raw", "l.raw"}}) {
    pbit_dataset_t d;
    pbit_error_t err;
    ASSERT_EQ(pbit_dataset_load_idx(Path(img).c_str(), Path(lab).c_str(), 10, &d, &err), PBIT_OK)
        << err.msg;
    EXPECT_EQ(d.count, 5u);
    EXPECT_EQ(d.rows, 3u);
    EXPECT_EQ(d.cols, 2u);
    EXPECT_EQ(d.channels, 1u);
    EXPECT_EQ(pbit_dataset_example_size(&d), 6u);
    EXPECT_EQ(d.pixels[7], static_cast<uint8_t>(49));
    EXPECT_EQ(d.labels[4], 4);
    pbit_dataset_free(&d);
    EXPECT_EQ(d.pixels, nullptr);
  }
}

TEST_F(Fixture, RejectsBrokenIdxNamingTheFile) {
  WriteGz("good-i.gz", Images(4, 2, 2));
  WriteGz("good-l.gz", Labels(4));
  WriteGz("magic.gz", Images(4, 2, 2, 2));
  ExpectBad("magic.gz", "good-l.gz", "magic.gz", "not an IDX image file");
  auto trunc = Images(4, 2, 2);
  trunc.resize(trunc.size() - 3);
  WriteGz("trunc.gz", trunc);
  ExpectBad("trunc.gz", "good-l.gz", "trunc.gz", "truncated");
  auto extra = Images(4, 2, 2);
  extra.push_back(1);
  WriteGz("extra.gz", extra);
  ExpectBad("extra.gz", "good-l.gz", "extra.gz", "unexpected data");
  WriteGz("count.gz", Labels(3));
  ExpectBad("good-i.gz", "count.gz", "count.gz", "3 labels for 4 images");
  WriteGz("i12.gz", Images(12, 2, 2));
  WriteGz("label.gz", Labels(12, 12));  // item 10 has label 10
  ExpectBad("i12.gz", "label.gz", "label.gz", "label 10 of item 10 is not below 10");
  WriteGz("empty.gz", {});
  ExpectBad("empty.gz", "good-l.gz", "empty.gz", "truncated");
  // A gzip stream cut short: corrupt, not silently short.
  auto gz = Images(64, 8, 8);
  WriteGz("full.gz", gz);
  FILE *f = std::fopen(Path("full.gz").c_str(), "rb");
  std::vector<uint8_t> raw(1 << 16);
  raw.resize(std::fread(raw.data(), 1, raw.size(), f));
  std::fclose(f);
  raw.resize(raw.size() / 2);
  WritePlain("cut.gz", raw);
  pbit_dataset_t d;
  pbit_error_t err;
  EXPECT_NE(pbit_dataset_load_idx(Path("cut.gz").c_str(), Path("good-l.gz").c_str(), 10, &d, &err),
            PBIT_OK);
  EXPECT_EQ(std::string(err.file), Path("cut.gz"));
}

TEST_F(Fixture, MissingFileAndBadArguments) {
  pbit_dataset_t d;
  pbit_error_t err;
  EXPECT_EQ(pbit_dataset_load_idx(Path("none").c_str(), Path("none").c_str(), 10, &d, &err),
            PBIT_ERR_IO);
  EXPECT_EQ(std::string(err.file), Path("none"));
  EXPECT_EQ(pbit_dataset_load_idx(nullptr, "x", 10, &d, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dataset_load_idx("x", "y", 10, nullptr, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dataset_load_named("nope", PBIT_SPLIT_TRAIN, nullptr, &d, &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_dataset_load_cifar10(nullptr, 0, &d, &err), PBIT_ERR_ARG);
  pbit_dataset_free(nullptr);
}

TEST_F(Fixture, LoadsCifar10BatchesAndRejectsBadOnes) {
  std::vector<uint8_t> b1, b2;
  for (int r = 0; r < 3; r++) {
    b1.push_back(static_cast<uint8_t>(r));
    for (int k = 0; k < 3072; k++) b1.push_back(static_cast<uint8_t>(k + r));
  }
  for (int r = 0; r < 2; r++) {
    b2.push_back(9);
    for (int k = 0; k < 3072; k++) b2.push_back(200);
  }
  WritePlain("b1.bin", b1);
  WritePlain("b2.bin", b2);
  std::string p1 = Path("b1.bin"), p2 = Path("b2.bin");
  const char *paths[] = {p1.c_str(), p2.c_str()};
  pbit_dataset_t d;
  pbit_error_t err;
  ASSERT_EQ(pbit_dataset_load_cifar10(paths, 2, &d, &err), PBIT_OK) << err.msg;
  EXPECT_EQ(d.count, 5u);
  EXPECT_EQ(d.channels, 3u);
  EXPECT_EQ(pbit_dataset_example_size(&d), 3072u);
  EXPECT_EQ(d.labels[2], 2);
  EXPECT_EQ(d.labels[4], 9);
  EXPECT_EQ(d.pixels[3072 + 5], 6);  // record 1, byte 5 = 5 + 1
  pbit_dataset_free(&d);

  auto odd = b1;
  odd.pop_back();
  WritePlain("odd.bin", odd);
  std::string po = Path("odd.bin");
  const char *bad1[] = {po.c_str()};
  EXPECT_EQ(pbit_dataset_load_cifar10(bad1, 1, &d, &err), PBIT_ERR_DATA);
  EXPECT_EQ(std::string(err.file), po);
  EXPECT_NE(std::string(err.msg).find("whole number of CIFAR-10 records"), std::string::npos);
  auto lab = b1;
  lab[3073] = 10;
  WritePlain("lab.bin", lab);
  std::string pl = Path("lab.bin");
  const char *bad2[] = {pl.c_str()};
  EXPECT_EQ(pbit_dataset_load_cifar10(bad2, 1, &d, &err), PBIT_ERR_DATA);
  EXPECT_NE(std::string(err.msg).find("record 1"), std::string::npos) << err.msg;
}

// Label histogram of a loaded set.
std::vector<int> Histogram(const pbit_dataset_t &d) {
  std::vector<int> h(d.classes, 0);
  for (uint32_t k = 0; k < d.count; k++) h[d.labels[k]]++;
  return h;
}

TEST(RealData, FashionMnistHasTheStandardSplits) {
  pbit_dataset_t tr, te;
  pbit_error_t err;
  pbit_error_clear(&err);  // read below on success too; the loader leaves it as is
  if (pbit_dataset_load_named("fashion-mnist", PBIT_SPLIT_TRAIN, nullptr, &tr, &err) == PBIT_ERR_IO)
    GTEST_SKIP() << "Fashion-MNIST not installed (" << err.msg << ")";
  ASSERT_EQ(err.status, 0) << err.msg;
  ASSERT_EQ(pbit_dataset_load_named("fashion-mnist", PBIT_SPLIT_TEST, nullptr, &te, &err), PBIT_OK)
      << err.msg;
  EXPECT_EQ(tr.count, 60000u);
  EXPECT_EQ(te.count, 10000u);
  EXPECT_EQ(tr.rows, 28u);
  EXPECT_EQ(tr.cols, 28u);
  for (int c : Histogram(tr)) EXPECT_EQ(c, 6000);  // balanced classes
  for (int c : Histogram(te)) EXPECT_EQ(c, 1000);
  pbit_dataset_free(&tr);
  pbit_dataset_free(&te);
}

TEST(RealData, ConvertedMnistSubsetHas8000And2000) {
  pbit_dataset_t tr, te;
  pbit_error_t err;
  pbit_error_clear(&err);
  // Tests run from the repository root (make test).
  if (pbit_dataset_load_named("mnist", PBIT_SPLIT_TRAIN, ".", &tr, &err) == PBIT_ERR_IO)
    GTEST_SKIP() << "MNIST subset not converted (" << err.msg << "): run make deps";
  ASSERT_EQ(pbit_dataset_load_named("mnist", PBIT_SPLIT_TEST, ".", &te, &err), PBIT_OK) << err.msg;
  EXPECT_EQ(tr.count, 8000u);
  EXPECT_EQ(te.count, 2000u);
  int total = 0;
  for (int c : Histogram(tr)) {
    EXPECT_GT(c, 600);  // about 800 of each digit
    total += c;
  }
  EXPECT_EQ(total, 8000);
  pbit_dataset_free(&tr);
  pbit_dataset_free(&te);
}

}  // namespace
