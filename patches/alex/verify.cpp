// verify.cpp -- checks the SIA artifact's string-key ALEX, patched with
// libsia or not, with generated keys: bulk load, single-threaded inserts,
// then every key looked up. Prints codes, throughput and (-DSIA_PATCHED)
// libsia's memo count. Build from the artifact's root, see README.md.
#include "test_config.h"
#include <algorithm>
#include <chrono>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <vector>
#include "alex/alex.h"

typedef alex::AlexKey<char> akey_t;
typedef alex::Alex<char, uint64_t> alex_t;

int main(int argc, char **argv) {
  const size_t bulk_n = argc > 1 ? std::stoul(argv[1]) : 100000, insert_n = argc > 2 ? std::stoul(argv[2]) : 100000;
  alex::max_key_length_ = 16;
  std::mt19937_64 rng(42);
  const char *alnum = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::set<std::string> seen;
  auto gen = [&]() {
    std::string s = std::string("h") + alnum[rng() % 4] + "/";
    while (s.size() < 16) s += alnum[rng() % 36];
    return s;
  };
  auto mk = [](const std::string &s) { akey_t k; std::copy(s.begin(), s.end(), k.key_arr_); return k; };
  std::vector<std::string> bulk;
  while (bulk.size() < bulk_n) { auto s = gen(); if (seen.insert(s).second) bulk.push_back(s); }
  std::sort(bulk.begin(), bulk.end());
  std::vector<std::pair<akey_t, uint64_t>> vals;
  for (size_t i = 0; i < bulk.size(); i++) vals.emplace_back(mk(bulk[i]), i + 1);
  alex_t *t = new alex_t();
  t->bulk_load(vals.data(), (int)vals.size());
  alex::rcu_alloc();
  std::vector<std::pair<std::string, uint64_t>> all;
  for (size_t i = 0; i < bulk.size(); i++) all.emplace_back(bulk[i], i + 1);
  auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < insert_n; i++) {
    auto s = gen();
    if (!seen.insert(s).second) continue;
    t->insert(mk(s), i + 1000000, 0);
    all.emplace_back(s, i + 1000000);
  }
  double ins = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  size_t lost = 0, code1 = 0, code2 = 0, wrong = 0;
  auto t1 = std::chrono::steady_clock::now();
  for (auto &kv : all) {
    auto r = t->get_payload(mk(kv.first), 0);
    if (std::get<0>(r) != 0 || std::get<1>(r) != kv.second) lost++;
    if (std::get<0>(r) == 1) code1++;
    else if (std::get<0>(r) == 2) code2++;
    else if (std::get<1>(r) != kv.second) wrong++;
  }
  double get = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  std::cout << "keys " << all.size() << ", lost " << lost << " (busy " << code1 << ", not found " << code2
            << ", wrong payload " << wrong << ")" << ", insert " << (all.size() - bulk_n) / ins / 1e6
            << " Mops/s, get " << all.size() / get / 1e6 << " Mops/s\n";
#ifdef SIA_PATCHED
  std::cout << "libsia: " << sia_memo_count() << " memoized models\n";
#endif
  return 0;
}
