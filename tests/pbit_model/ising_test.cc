// Unit tests of the Ising model helpers (pbit_model/ising).
#include "ising.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

double Uniform(std::mt19937_64 &gen, double lo, double hi) {
  return lo + (hi - lo) * static_cast<double>(gen() >> 11) * 0x1p-53;
}

// An owning pbit_ising_t built from vectors (malloc'd, as pbit_ising_free
// expects).
struct Model {
  pbit_ising_t m{};
  Model(uint32_t n, double beta, const std::vector<double> &h,
        const std::vector<pbit_ising_edge_t> &edges) {
    m.n = n;
    m.beta = beta;
    m.h = static_cast<double *>(malloc(sizeof(double) * (n ? n : 1)));
    for (uint32_t i = 0; i < n && i < h.size(); i++) m.h[i] = h[i];
    m.n_edges = edges.size();
    m.edges = static_cast<pbit_ising_edge_t *>(
        malloc(sizeof(pbit_ising_edge_t) * (edges.empty() ? 1 : edges.size())));
    for (size_t k = 0; k < edges.size(); k++) m.edges[k] = edges[k];
  }
  ~Model() { pbit_ising_free(&m); }
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;
};

std::unique_ptr<Model> RandomModel(uint32_t n, double density, uint64_t seed, double beta = 1.0,
                                   double scale = 1.0) {
  std::mt19937_64 gen(seed);
  std::vector<double> h(n);
  for (auto &x : h) x = Uniform(gen, -scale, scale);
  std::vector<pbit_ising_edge_t> edges;
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t j = i + 1; j < n; j++)
      if (Uniform(gen, 0, 1) < density) {
        // Mix both orientations: the model does not care.
        if (gen() & 1)
          edges.push_back({i, j, Uniform(gen, -scale, scale)});
        else
          edges.push_back({j, i, Uniform(gen, -scale, scale)});
      }
  return std::make_unique<Model>(n, beta, h, edges);
}

// Reference energy straight from the definition, with spins m = +-1.
double BruteEnergy(const pbit_ising_t &m, uint64_t state) {
  auto spin = [&](uint32_t i) { return ((state >> i) & 1u) ? 1.0 : -1.0; };
  double e = 0;
  for (uint32_t i = 0; i < m.n; i++) e -= m.h[i] * spin(i);
  for (size_t k = 0; k < m.n_edges; k++)
    e -= m.edges[k].w * spin(m.edges[k].i) * spin(m.edges[k].j);
  return e;
}

// ------------------------------------------------------------------ energy

// Three p-bits, h = (0.5, -1, 0.25), couplings w01 = 1, w12 = -0.5, w02 = 2.
// E(m) = -(0.5 m0 - m1 + 0.25 m2 + m0 m1 - 0.5 m1 m2 + 2 m0 m2).
TEST(IsingTest, EnergyOfHandComputedStates) {
  Model model(3, 1.0, {0.5, -1.0, 0.25}, {{0, 1, 1.0}, {1, 2, -0.5}, {2, 0, 2.0}});
  // 000: m = (-,-,-): h-part -(-0.5 + 1 - 0.25) = -0.25; couplings all +:
  // -(1 - 0.5 + 2) = -2.5.
  EXPECT_DOUBLE_EQ(pbit_ising_energy(&model.m, 0x0), -2.75);
  // 111: m = (+,+,+): -(0.5 - 1 + 0.25) = 0.25; -(2.5) -> -2.25.
  EXPECT_DOUBLE_EQ(pbit_ising_energy(&model.m, 0x7), -2.25);
  // 001: m = (+,-,-): -(0.5 + 1 - 0.25) = -1.25; m0m1 = -1, m1m2 = +1,
  // m0m2 = -1: -(-1 - 0.5 - 2) = 3.5 -> 2.25.
  EXPECT_DOUBLE_EQ(pbit_ising_energy(&model.m, 0x1), 2.25);
  // 010: m = (-,+,-): -(-0.5 - 1 - 0.25) = 1.75; m0m1 = -1, m1m2 = -1,
  // m0m2 = +1: -(-1 + 0.5 + 2) = -1.5 -> 0.25.
  EXPECT_DOUBLE_EQ(pbit_ising_energy(&model.m, 0x2), 0.25);
  // 101: m = (+,-,+): -(0.5 + 1 + 0.25) = -1.75; m0m1 = -1, m1m2 = -1,
  // m0m2 = +1: -(-1 + 0.5 + 2) = -1.5 -> -3.25 (the ground state).
  EXPECT_DOUBLE_EQ(pbit_ising_energy(&model.m, 0x5), -3.25);
  for (uint64_t s = 0; s < 8; s++)
    EXPECT_DOUBLE_EQ(pbit_ising_energy(&model.m, s), BruteEnergy(model.m, s)) << s;
}

TEST(IsingTest, EnergyWorksUpTo64Pbits) {
  auto model = RandomModel(64, 0.1, 7);
  std::mt19937_64 gen(8);
  for (int k = 0; k < 50; k++) {
    uint64_t s = gen();
    EXPECT_NEAR(pbit_ising_energy(&model->m, s), BruteEnergy(model->m, s), 1e-12) << s;
  }
  EXPECT_NEAR(pbit_ising_energy(&model->m, UINT64_MAX), BruteEnergy(model->m, UINT64_MAX), 1e-12);
}

TEST(IsingTest, EnergyRejectsBadArguments) {
  Model model(3, 1.0, {0.5, -1.0, 0.25}, {{0, 1, 1.0}});
  EXPECT_TRUE(std::isnan(pbit_ising_energy(nullptr, 0)));
  EXPECT_TRUE(std::isnan(pbit_ising_energy(&model.m, 0x8)));  // bit 3 of a 3-p-bit model
  model.m.edges[0].j = 3;                                     // out of range
  EXPECT_TRUE(std::isnan(pbit_ising_energy(&model.m, 0)));
  auto big = RandomModel(65, 0.0, 1);
  EXPECT_TRUE(std::isnan(pbit_ising_energy(&big->m, 0)));
  pbit_ising_t zero{};
  EXPECT_TRUE(std::isnan(pbit_ising_energy(&zero, 0)));
}

// ------------------------------------------------------------------ exact

TEST(IsingTest, ExactMatchesBruteForce) {
  for (uint64_t seed = 1; seed <= 24; seed++) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    uint32_t n = 1 + static_cast<uint32_t>(seed % 12);
    double density = (seed % 3 == 0) ? 1.0 : 0.4;
    double beta = 0.25 * static_cast<double>(seed % 5);  // includes beta = 0
    auto model = RandomModel(n, density, seed, beta);
    std::vector<double> p(size_t{1} << n);
    pbit_error_t err;
    ASSERT_EQ(pbit_ising_exact(&model->m, p.data(), &err), PBIT_OK) << err.msg;
    std::vector<double> w(p.size());
    double z = 0;
    for (size_t s = 0; s < p.size(); s++) z += w[s] = std::exp(-beta * BruteEnergy(model->m, s));
    double sum = 0;
    for (size_t s = 0; s < p.size(); s++) {
      sum += p[s];
      EXPECT_NEAR(p[s], w[s] / z, 1e-12 * (w[s] / z) + 1e-300) << "state " << s;
    }
    EXPECT_NEAR(sum, 1.0, 1e-12);
  }
}

// Energies of hundreds of units at beta 1000: exp(-beta E) overflows a
// double, the log-sum-exp form does not.
TEST(IsingTest, ExactIsStableAtLargeBeta) {
  auto model = RandomModel(10, 1.0, 3, 1000.0, 5.0);
  std::vector<double> p(1024);
  ASSERT_EQ(pbit_ising_exact(&model->m, p.data(), nullptr), PBIT_OK);
  double sum = 0;
  size_t best = 0;
  for (size_t s = 0; s < p.size(); s++) {
    ASSERT_TRUE(std::isfinite(p[s])) << s;
    sum += p[s];
    if (BruteEnergy(model->m, s) < BruteEnergy(model->m, best)) best = s;
  }
  EXPECT_NEAR(sum, 1.0, 1e-12);
  EXPECT_GT(p[best], 0.99);  // the ground state takes (almost) everything
}

TEST(IsingTest, ExactSumsToOneAtTwentyPbits) {
  auto model = RandomModel(20, 0.2, 5, 0.7);
  std::vector<double> p(size_t{1} << 20);
  ASSERT_EQ(pbit_ising_exact(&model->m, p.data(), nullptr), PBIT_OK);
  double sum = 0;
  for (double x : p) sum += x;
  EXPECT_NEAR(sum, 1.0, 1e-10);
  // Spot-check states against the definition (the Gray-code walk's drift).
  double z = 0;
  for (size_t s = 0; s < p.size(); s++) z += std::exp(-0.7 * BruteEnergy(model->m, s));
  for (size_t s : {size_t{0}, size_t{1}, size_t{12345}, p.size() - 1}) {
    double want = std::exp(-0.7 * BruteEnergy(model->m, s)) / z;
    EXPECT_NEAR(p[s], want, 1e-11 * want) << s;
  }
}

TEST(IsingTest, ExactRejectsBadArguments) {
  auto model = RandomModel(4, 0.5, 1);
  std::vector<double> p(16);
  pbit_error_t err;
  EXPECT_EQ(pbit_ising_exact(nullptr, p.data(), &err), PBIT_ERR_ARG);
  EXPECT_EQ(pbit_ising_exact(&model->m, nullptr, &err), PBIT_ERR_ARG);
  auto big = RandomModel(25, 0.0, 1);
  EXPECT_EQ(pbit_ising_exact(&big->m, p.data(), &err), PBIT_ERR_ARG);
  EXPECT_NE(std::string(err.msg).find("24"), std::string::npos) << err.msg;
  model->m.beta = NAN;
  EXPECT_EQ(pbit_ising_exact(&model->m, p.data(), &err), PBIT_ERR_ARG);
}

// ---------------------------------------------------------------- validate

TEST(IsingTest, ValidateAcceptsGoodModels) {
  pbit_error_t err;
  auto model = RandomModel(12, 0.5, 2);
  EXPECT_EQ(pbit_ising_validate(&model->m, &err), PBIT_OK) << err.msg;
  Model lone(1, 0.0, {0.0}, {});  // one p-bit, no edges, beta 0
  EXPECT_EQ(pbit_ising_validate(&lone.m, &err), PBIT_OK) << err.msg;
  lone.m.n_edges = 0;
  free(lone.m.edges);
  lone.m.edges = nullptr;  // no edges: edges may be NULL
  EXPECT_EQ(pbit_ising_validate(&lone.m, &err), PBIT_OK) << err.msg;
}

// Each case breaks one rule; the message must name what is wrong.
TEST(IsingTest, ValidateRejectsBadModels) {
  struct Case {
    const char *what;
    void (*breakit)(pbit_ising_t *);
    const char *msg;
  };
  const Case cases[] = {
      {"n = 0", [](pbit_ising_t *m) { m->n = 0; }, "n must be"},
      {"beta < 0", [](pbit_ising_t *m) { m->beta = -0.5; }, "beta"},
      {"beta NaN", [](pbit_ising_t *m) { m->beta = NAN; }, "beta"},
      {"beta inf", [](pbit_ising_t *m) { m->beta = INFINITY; }, "beta"},
      {"h NULL",
       [](pbit_ising_t *m) {
         free(m->h);
         m->h = nullptr;
       },
       "h is NULL"},
      {"h NaN", [](pbit_ising_t *m) { m->h[2] = NAN; }, "h[2]"},
      {"edges NULL",
       [](pbit_ising_t *m) {
         free(m->edges);
         m->edges = nullptr;
       },
       "edges is NULL"},
      {"i out of range", [](pbit_ising_t *m) { m->edges[1].i = 4; }, "out of range"},
      {"j out of range", [](pbit_ising_t *m) { m->edges[1].j = 100; }, "out of range"},
      {"self-coupling", [](pbit_ising_t *m) { m->edges[2].j = m->edges[2].i; }, "self"},
      {"w inf", [](pbit_ising_t *m) { m->edges[0].w = -INFINITY; }, "finite"},
      {"pair twice", [](pbit_ising_t *m) { m->edges[2] = m->edges[0]; }, "more than once"},
      {"pair twice, reversed",
       [](pbit_ising_t *m) {
         m->edges[2].i = m->edges[0].j;
         m->edges[2].j = m->edges[0].i;
       },
       "more than once"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.what);
    // 4 p-bits, edges (0,1), (1,2), (2,3).
    Model model(4, 1.0, {0.1, 0.2, 0.3, 0.4}, {{0, 1, 0.5}, {1, 2, -0.5}, {2, 3, 0.25}});
    c.breakit(&model.m);
    pbit_error_t err;
    pbit_error_clear(&err);
    EXPECT_EQ(pbit_ising_validate(&model.m, &err), PBIT_ERR_ARG);
    EXPECT_EQ(err.status, PBIT_ERR_ARG);
    EXPECT_NE(std::string(err.msg).find(c.msg), std::string::npos) << err.msg;
    EXPECT_EQ(pbit_ising_validate(&model.m, nullptr), PBIT_ERR_ARG);  // NULL err is fine
  }
  EXPECT_EQ(pbit_ising_validate(nullptr, nullptr), PBIT_ERR_ARG);
}

// -------------------------------------------------------------------- free

TEST(IsingTest, FreeReleasesAndZeroes) {
  pbit_ising_free(nullptr);
  pbit_ising_t zero{};
  pbit_ising_free(&zero);
  pbit_ising_free(&zero);  // twice is fine
  pbit_ising_t m{};
  m.n = 2;
  m.beta = 1;
  m.h = static_cast<double *>(calloc(2, sizeof(double)));
  m.n_edges = 1;
  m.edges = static_cast<pbit_ising_edge_t *>(calloc(1, sizeof(pbit_ising_edge_t)));
  pbit_ising_free(&m);  // ASan's leak check covers the release
  EXPECT_EQ(m.n, 0u);
  EXPECT_EQ(m.h, nullptr);
  EXPECT_EQ(m.edges, nullptr);
  EXPECT_EQ(m.n_edges, 0u);
  EXPECT_EQ(m.beta, 0.0);
}

}  // namespace
