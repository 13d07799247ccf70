// verify.cpp -- checks an SIndex build (patched with libsia or not) with
// generated string keys: bulk load, then inserts from one worker while
// SIndex's background thread compacts groups; after every batch of inserts
// every bulk-loaded and inserted key must be found with its value. Prints the
// throughput of the insert and lookup phases, the training counters of
// the compactions' fits (CPU time of whole fits and of the solver calls,
// incremental share; the libsia patch has them, and instrument.patch adds
// them to the unpatched build), the CPU time of SIndex's background
// threads and, with -DSIA_PATCHED, libsia's memo counters. The last line
// is one machine-readable RESULT line.
//
// Build (from a copy of the SIndex artifact, sia-index/sia @ 7645a9c; see
// README.md, "Build"):
//   g++ -std=c++14 -O3 -g -DNDEBUG -DNDEBUGGING -march=native -faligned-new \
//       -I. -Ioriginal -I<prefix>/include -DSIA_PATCHED verify.cpp \
//       -L<prefix>/lib -lsia -lpthread -Wl,-rpath,<prefix>/lib -o verify
//
// Usage: verify [--bulk N] [--insert N] [--batch N] [--key-len L] [--hosts H]
//               [--seed S] [--sleep-ms MS] [--keys url|bin]
//   --bulk N      keys bulk-loaded before the background thread starts (200000)
//   --insert N    keys generated for insertion after the bulk load (400000);
//                 duplicates of keys already present are skipped
//   --batch N     inserts between two full checks (50000)
//   --key-len L   key length in bytes: 8, 12, 16, 24, 32, 64 or 128 (16)
//   --hosts H     distinct "host" prefixes the URL-like keys start with (4)
//   --seed S      seed of the key generator (42)
//   --sleep-ms MS pause after each batch so the background thread compacts
//                 before the check (300)
//   --keys K      url: the URL-like keys (default); bin: sparse binary keys,
//                 each byte 0 with probability 11/12, else 0, 127 or 254
//                 (all-zero and all-0xFF keys excluded) -- few distinct byte
//                 values, so a group's columns are nearly dependent: a model
//                 fitted in dgels's mode gets weights of 1e40 and more
// The two positional arguments of the first version (bulk, insert) are still
// accepted. Exit code: 0 when every check found every key, 1 when any was
// lost, 2 on a usage error; a crash ends the process by its signal. Progress
// markers ("phase ...") go to stderr so a crash can be placed (bulk load,
// batch k, destruction).
#include "test_config.h"
#include "lock.h"

#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sindex.h"
#include "sindex_impl.h"

// A fixed-length byte-string key with the interface SIndex expects.
template <size_t len>
class Key {
 public:
  static constexpr size_t model_key_size() { return len; }
  static Key max() { Key k; std::memset(k.buf, 255, len); return k; }
  static Key min() { return Key(); }
  Key() { std::memset(buf, 0, len); }
  Key(uint64_t) { std::abort(); }
  explicit Key(const std::string &s) { std::memset(buf, 0, len); std::memcpy(buf, s.data(), std::min(len, s.size())); }
  std::array<double, len> to_model_key() const {
    std::array<double, len> m;
    for (size_t i = 0; i < len; i++) m[i] = buf[i];
    return m;
  }
  void get_model_key(size_t begin, size_t l, double *out) const {
    for (size_t i = 0; i < l; i++) out[i] = buf[begin + i];
  }
  bool less_than(const Key &o, size_t begin, size_t l) const { return std::memcmp(buf + begin, o.buf + begin, l) < 0; }
  friend bool operator<(const Key &a, const Key &b) { return std::memcmp(a.buf, b.buf, len) < 0; }
  friend bool operator>(const Key &a, const Key &b) { return b < a; }
  friend bool operator<=(const Key &a, const Key &b) { return !(b < a); }
  friend bool operator>=(const Key &a, const Key &b) { return !(a < b); }
  friend bool operator==(const Key &a, const Key &b) { return std::memcmp(a.buf, b.buf, len) == 0; }
  friend bool operator!=(const Key &a, const Key &b) { return !(a == b); }
  friend std::ostream &operator<<(std::ostream &os, const Key &) { return os << "key"; }
  uint8_t buf[len];
} __attribute__((packed));

struct Options {
  size_t bulk = 200000, insert = 400000, batch = 50000, key_len = 16, hosts = 4;
  uint64_t seed = 42;
  unsigned sleep_ms = 300;
  bool bin = false;  // --keys bin
};

static void usage() {
  std::cerr << "usage: verify [--bulk N] [--insert N] [--batch N] [--key-len 8|12|16|24|32|64|128]\n"
               "              [--hosts H] [--seed S] [--sleep-ms MS] [--keys url|bin]\n"
               "       (or: verify BULK INSERT)\n";
  std::exit(2);
}

static size_t parse_num(const char *s) {
  char *end = nullptr;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (end == s || *end != '\0') usage();
  return v;
}

template <size_t len>
static int run(const Options &o) {
  typedef Key<len> key_t;
  typedef sindex::SIndex<key_t, uint64_t> index_t;
  std::mt19937_64 rng(o.seed);
  const char *alnum = "abcdefghijklmnopqrstuvwxyz0123456789";
  auto gen = [&]() {
    if (o.bin) {  // sparse binary keys (--keys bin)
      key_t k;
      bool zero, ones;
      do {
        zero = ones = true;
        for (size_t i = 0; i < len; i++) {
          k.buf[i] = rng() % 8 == 0 ? (uint8_t)(rng() % 3 * 127) : 0;
          zero = zero && k.buf[i] == 0;
          ones = ones && k.buf[i] == 0xFF;
        }
      } while (zero || ones);
      return k;
    }
    // URL-like keys: one of a few hosts, then varied bytes
    std::string s = std::string("h") + alnum[rng() % o.hosts] + "/";
    while (s.size() < len) s += alnum[rng() % 36];
    return key_t(s);
  };
  std::set<key_t> seen;
  std::vector<key_t> keys;
  for (size_t tries = 0; keys.size() < o.bulk; tries++) {
    if (tries > 100 * o.bulk) {  // the key space is too small (--keys bin, short keys)
      std::cerr << "verify: cannot generate " << o.bulk << " distinct keys of " << len << " bytes\n";
      return 2;
    }
    key_t k = gen();
    if (seen.insert(k).second) keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  std::vector<uint64_t> vals(keys.size());
  for (size_t i = 0; i < vals.size(); i++) vals[i] = i * 7 + 1;
  std::vector<std::pair<key_t, uint64_t>> all;
  for (size_t i = 0; i < keys.size(); i++) all.emplace_back(keys[i], vals[i]);

  std::cerr << "phase bulk" << std::endl;
  index_t *idx = new index_t(keys, vals, 1, 1);
  size_t lost = 0, checks = 0, gets = 0;
  double insert_s = 0, get_s = 0;
  for (size_t done = 0; done < o.insert; done += o.batch) {
    std::cerr << "phase batch " << checks + 1 << std::endl;
    size_t this_batch = std::min(o.batch, o.insert - done);
    auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < this_batch; i++) {
      key_t k = gen();
      if (!seen.insert(k).second) continue;
      uint64_t v = (done + i) * 13 + 5;
      idx->put(k, v, 0);
      all.emplace_back(k, v);
    }
    auto t1 = std::chrono::steady_clock::now();
    insert_s += std::chrono::duration<double>(t1 - t0).count();
    // Give the background thread time to compact, then check every key.
    std::this_thread::sleep_for(std::chrono::milliseconds(o.sleep_ms));
    auto t2 = std::chrono::steady_clock::now();
    for (auto &kv : all) {
      uint64_t v = 0;
      if (!idx->get(kv.first, v, 0) || v != kv.second) lost++;
    }
    gets += all.size();
    get_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t2).count();
    checks++;
  }
  double ins_mops = insert_s > 0 ? (all.size() - o.bulk) / insert_s / 1e6 : 0;
  double get_mops = get_s > 0 ? gets / get_s / 1e6 : 0;
  std::cout << "keys " << all.size() << " (bulk " << o.bulk << ", key length " << len
            << "), full checks " << checks << ", lost " << lost << "\n";
  std::cout << "insert " << ins_mops << " Mops/s, get " << get_mops << " Mops/s\n";
  int64_t memo_models = -1, memo_hits = -1;
#ifdef SIA_PATCHED
  struct sia_memo_stats st;
  sia_memo_stats(&st);
  memo_models = st.models;
  memo_hits = st.hits;
  std::cout << "libsia: " << st.models << " memoized models, " << st.hits
            << " incremental retrains (memo hits), " << st.bytes << " memo bytes\n";
  const char *mode = std::vector<const char *>{"stable", "shifted", "off"}[sindex::sia_mode()];
#else
  const char *mode = "unpatched";
#endif
  // Training counters (the patch's, or instrument.patch's in the unpatched
  // build): CPU time of the compactions' fits, in and out of the solver.
  // (a snapshot: the background thread may compact while the index is
  // destroyed, and only the patched build waits for it)
  sindex::SiaFitCounts &fcs = sindex::sia_fit_counts();
  struct {
    long long compaction, incremental, over_bound, rows, new_rows, cols, span, whole_ns, solver_ns, incre_ns,
        walk_ns, bounds_ns;
  } fc = {fcs.compaction, fcs.incremental, fcs.over_bound, fcs.rows, fcs.new_rows, fcs.cols,
          fcs.span, fcs.whole_ns, fcs.solver_ns, fcs.incre_ns, fcs.walk_ns, fcs.bounds_ns};
  long long fits = fc.compaction, incre = fc.incremental;
  std::cout << "compaction fits " << fits << " (incremental " << incre << ", over the bound "
            << fc.over_bound << "), rows " << fc.rows << " (new rows absorbed " << fc.new_rows
            << "), mean columns " << (fits ? (double)fc.cols / fits : 0) << ", mean error span "
            << (fits ? (double)fc.span / fits : 0) << "\n";
  std::cout << "training CPU in compactions: whole fits " << fc.whole_ns / 1e6 << " ms, solver calls "
            << fc.solver_ns / 1e6 << " ms (incremental calls " << fc.incre_ns / 1e6
            << " ms); patched only: finding new keys " << fc.walk_ns / 1e6 << " ms, error bounds "
            << fc.bounds_ns / 1e6 << " ms\n";
  // CPU of every thread but this one (SIndex's background threads; their
  // rcu_barrier spins while this worker sleeps between batches).
  double bg_cpu = 0;
  {
    long tick = sysconf(_SC_CLK_TCK);
    DIR *d = opendir("/proc/self/task");
    for (struct dirent *e; d != nullptr && (e = readdir(d)) != nullptr;) {
      if (e->d_name[0] == '.' || atol(e->d_name) == (long)syscall(SYS_gettid)) continue;
      std::ifstream f(std::string("/proc/self/task/") + e->d_name + "/stat");
      std::string line;
      std::getline(f, line);
      size_t p = line.rfind(')');
      if (p == std::string::npos) continue;
      std::istringstream rest(line.substr(p + 2));
      std::string tok;
      unsigned long long ut = 0, stime = 0;
      for (int field = 3; rest >> tok; field++) {
        if (field == 14) ut = std::stoull(tok);
        if (field == 15) { stime = std::stoull(tok); break; }
      }
      bg_cpu += (double)(ut + stime) / tick;
    }
    if (d != nullptr) closedir(d);
  }
  std::cerr << "phase destroy" << std::endl;
  delete idx;
  std::cerr << "phase exit" << std::endl;
  std::cout << "RESULT key_len=" << len << " bulk=" << o.bulk << " keys=" << all.size()
            << " checks=" << checks << " lost=" << lost << " insert_mops=" << ins_mops
            << " get_mops=" << get_mops << " mode=" << mode << " memo_models=" << memo_models
            << " memo_hits=" << memo_hits << " compaction_fits=" << fits
            << " incremental_fits=" << incre << " over_bound=" << fc.over_bound
            << " rows=" << fc.rows << " new_rows=" << fc.new_rows << " cols=" << fc.cols
            << " span=" << fc.span << " whole_ms=" << fc.whole_ns / 1e6
            << " solver_ms=" << fc.solver_ns / 1e6 << " incre_ms=" << fc.incre_ns / 1e6
            << " walk_ms=" << fc.walk_ns / 1e6 << " bounds_ms=" << fc.bounds_ns / 1e6
            << " bg_cpu_s=" << bg_cpu << std::endl;
  return lost == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  Options o;
  int positional = 0;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&]() -> size_t {
      if (i + 1 >= argc) usage();
      return parse_num(argv[++i]);
    };
    if (a == "--bulk") o.bulk = value();
    else if (a == "--insert") o.insert = value();
    else if (a == "--batch") o.batch = value();
    else if (a == "--key-len") o.key_len = value();
    else if (a == "--hosts") o.hosts = value();
    else if (a == "--seed") o.seed = value();
    else if (a == "--sleep-ms") o.sleep_ms = value();
    else if (a == "--keys" && i + 1 < argc && (std::string(argv[i + 1]) == "url" || std::string(argv[i + 1]) == "bin"))
      o.bin = std::string(argv[++i]) == "bin";
    else if (a == "-h" || a == "--help") usage();
    else if (!a.empty() && a[0] != '-' && positional < 2) {
      (positional++ == 0 ? o.bulk : o.insert) = parse_num(a.c_str());
    } else usage();
  }
  if (o.bulk < 2 || o.batch == 0 || o.hosts < 1 || o.hosts > 36) usage();
  switch (o.key_len) {
    case 8: return run<8>(o);
    case 12: return run<12>(o);
    case 16: return run<16>(o);
    case 24: return run<24>(o);
    case 32: return run<32>(o);
    case 64: return run<64>(o);
    case 128: return run<128>(o);
    default: usage();
  }
  return 2;
}
