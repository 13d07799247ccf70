// A C++ consumer of an installed libsia (sia.hpp through CMake's sia::sia).
#include <cstdio>
#include <vector>

#include "sia.hpp"

int main() {
  sia::check_version();
  std::vector<double> a = {97, 97, 1, 97, 98, 1, 97, 122, 1, 98, 97, 1, 98, 99, 1, 99, 97, 1};
  std::vector<double> b = {0, 1, 2, 3, 4, 5};
  sia::model m(1);
  m.cold_train(a, b, 3);
  std::vector<double> an = {99, 100, 1}, bn = {6};
  m.incre_train(an, bn, 3);
  std::printf("consumer_cxx: pos = %.4f*b0 + %.4f*b1 + %.4f\n", bn[0], bn[1], bn[2]);
  return 0;
}
