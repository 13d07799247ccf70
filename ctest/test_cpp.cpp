// test_cpp.cpp -- the C++ wrapper (include/sia.hpp) against LAPACKE_dgels:
// vector and pointer overloads, exceptions and std::error_code.
#include <lapacke.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "sia.hpp"

static int failures = 0, checks = 0;
#define EXPECT(cond, ...)                                   \
  do {                                                      \
    ++checks;                                               \
    if (!(cond)) {                                          \
      ++failures;                                           \
      std::fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); \
    }                                                       \
  } while (0)

int main() {
  sia::check_version();
  const int n = 5, m0 = 60, k = 9;
  std::vector<double> A, B;
  unsigned s = 7;
  for (int i = 0; i < m0 + k; i++) {
    for (int j = 0; j < n - 1; j++) A.push_back(static_cast<double>((s = s * 1103515245u + 12345u) >> 24));
    A.push_back(1.0);
    B.push_back(static_cast<double>((s = s * 1103515245u + 12345u) >> 16));
  }
  sia::model model(5);
  std::vector<double> a(A.begin(), A.begin() + m0 * n), b(B.begin(), B.begin() + m0);
  model.cold_train(a, b, n);
  std::vector<double> an(A.begin() + m0 * n, A.end()), bn(B.begin() + m0, B.end());
  model.incre_train(an, bn, n);

  std::vector<double> ra(A), rb(B);
  EXPECT(LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', m0 + k, n, 1, ra.data(), n, rb.data(), 1) == 0);
  double d = 0, t = 0;
  for (int j = 0; j < n; j++) d += (bn[j] - rb[j]) * (bn[j] - rb[j]), t += rb[j] * rb[j];
  EXPECT(std::sqrt(d / t) <= 1e-10);

  // Exceptions carry the code and sia_strerror's text.
  bool threw = false;
  try {
    sia::model(99).incre_train(an, bn, n);
  } catch (const sia::error &e) {
    threw = true;
    EXPECT(e.code().value() == SIA_ENOMEMO);
    EXPECT(e.code().category() == sia::category());
    EXPECT(std::string(e.what()).find("no memo") != std::string::npos);
  }
  EXPECT(threw);
  // error_code overloads are noexcept and report the same.
  std::error_code ec;
  double one[n] = {1, 2, 3, 4, 1}, y[n] = {1, 0, 0, 0, 0};
  sia::model(99).incre_train(sia::layout::row_major, 1, n, 1, one, n, y, 1, ec);
  EXPECT(ec == make_error_code(SIA_ENOMEMO));
  EXPECT(ec.message() == sia_strerror(SIA_ENOMEMO));
  model.incre_train(sia::layout::row_major, 1, n, 1, one, 0, y, 1, ec);
  EXPECT(ec.value() == -7);
  model.incre_train(sia::layout::row_major, 1, n, 1, one, n, y, 1, ec);
  EXPECT(!ec);

  // Merge, drop, batch and the device report.
  sia::model other(6), merged(7);
  std::vector<double> a2(A.begin(), A.begin() + 20 * n), b2(B.begin(), B.begin() + 20);
  other.cold_train(a2, b2, n);
  merged.merge_from(model, other);
  std::vector<sia_job> jobs(2);
  double y1[n] = {3, 0, 0, 0, 0}, y2[n] = {4, 0, 0, 0, 0};
  jobs[0] = sia_job{7, SIA_ROW_MAJOR, 1, n, 1, one, n, y1, 1, 0};
  jobs[1] = sia_job{12345, SIA_ROW_MAJOR, 1, n, 1, one, n, y2, 1, 0};
  EXPECT(sia::train_batch(jobs) == 1);
  EXPECT(jobs[0].info == 0 && jobs[1].info == SIA_ENOMEMO);
  EXPECT(merged.drop() && !merged.drop());
  EXPECT(sia::describe_device().find("selection:") != std::string::npos);
  std::printf("test_cpp: %d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
