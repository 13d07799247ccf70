// verify.cpp -- checks the SIA artifact's string-key ALEX, patched with
// libsia or not, on an insert-heavy run with generated keys: bulk load,
// then batches of inserts from one foreground thread while one background
// thread (the artifact's run_bg loop, plus an in-flight count) performs the
// expansions and splits the inserts trigger; after every batch, once the
// background thread is idle, every key inserted so far is looked up.
// Prints one line per batch (keys, lost, insert throughput, training
// counters) and a summary. Training times are the CPU time of the threads
// that fit (CLOCK_THREAD_CPUTIME_ID, summed over the foreground and the
// background thread), inside LinearModelBuilder::build and inside the
// solver calls. Needs the training counters (alex::train_stats)
// that the libsia patch adds and that instrument.patch adds to the
// unpatched build. Build from the artifact's root, see README.md.
//
//   verify [bulk_keys] [insert_keys] [batches] [seed] [sync|async] [url|id]
//          [node_size] [delta_idx_size]
#include "test_config.h"
#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include "alex/alex.h"

typedef alex::AlexKey<char> akey_t;
typedef alex::Alex<char, uint64_t> alex_t;

static std::atomic<int> inflight{0};
static bool bg_finished = false;  // under alex::cvm

// The artifact's run_bg (alex_bg.h), counting the job in flight.
static void background(alex_t *index) {
  std::unique_lock<std::mutex> lk(alex::cvm);
  while (true) {
    alex::cv.wait(lk, [] { return !alex::pending_modification_jobs_.empty() || bg_finished; });
    if (alex::pending_modification_jobs_.empty()) break;  // finished
    auto job = alex::pending_modification_jobs_.front();
    alex::pending_modification_jobs_.pop();
    inflight++;
    lk.unlock();
    if (job.second) index->expand_handler(job.first);
    else index->insert_fail_handler(job.first);
    inflight--;
    lk.lock();
  }
}

// Wait until no modification is queued or running; the foreground keeps
// reporting progress so that the background's RCU barriers can pass.
static void quiesce() {
  while (true) {
    {
      std::lock_guard<std::mutex> lk(alex::cvm);
      if (alex::pending_modification_jobs_.empty() && inflight == 0) return;
    }
    alex::rcu_progress(0);
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
}

int main(int argc, char **argv) {
  const size_t bulk_n = argc > 1 ? std::stoul(argv[1]) : 100000;
  const size_t insert_n = argc > 2 ? std::stoul(argv[2]) : 400000;
  const size_t batches = argc > 3 ? std::stoul(argv[3]) : 10;
  const uint64_t seed = argc > 4 ? std::stoull(argv[4]) : 42;
  // "sync": wait for each modification before the next insert (no insert
  // runs concurrently with an expansion or split).
  const bool sync = argc > 5 && std::string(argv[5]) == "sync";
  // Key shape: "url" (default): "h" + one of 4 hosts + "/" + 13 random
  // characters of [a-z0-9]; "id": "id:" + a uniformly random 13-digit
  // decimal number (user, order or tweet IDs).
  const std::string shape = argc > 6 ? argv[6] : "url";
  if (shape != "url" && shape != "id") { std::cerr << "key shape: url or id\n"; return 2; }
  // The artifact's ALEX hyperparameters (its scripts/performance.py passes
  // --node-size=128 --delta-idx-size=63 for its YCSB runs): the minimum
  // data node capacity and the delta index capacity.
  node_size_const = argc > 7 ? std::stoul(argv[7]) : 128;
  delta_idx_capacity_const = argc > 8 ? std::stoul(argv[8]) : 63;
  alex::max_key_length_ = 16;
  alex::config.worker_n = 1;  // one foreground worker (id 0)
  alex::rcu_alloc();
  alex::rcu_init();
  std::mt19937_64 rng(seed);
  const char *alnum = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::set<std::string> seen;
  auto gen = [&]() {
    std::string s;
    if (shape == "id") {
      s = "id:" + std::to_string(rng() % 9000000000000ull + 1000000000000ull);
    } else {
      s = std::string("h") + alnum[rng() % 4] + "/";
      while (s.size() < 16) s += alnum[rng() % 36];
    }
    return s;
  };
  auto mk = [](const std::string &s) { akey_t k; std::copy(s.begin(), s.end(), k.key_arr_); return k; };
  std::vector<std::string> bulk;
  while (bulk.size() < bulk_n) { auto s = gen(); if (seen.insert(s).second) bulk.push_back(s); }
  std::sort(bulk.begin(), bulk.end());
  std::vector<std::pair<akey_t, uint64_t>> vals;
  for (size_t i = 0; i < bulk.size(); i++) vals.emplace_back(mk(bulk[i]), i + 1);
  std::vector<std::pair<std::string, uint64_t>> all;
  for (size_t i = 0; i < bulk.size(); i++) all.emplace_back(bulk[i], i + 1);
  std::vector<std::string> inserts;
  // The artifact's string ALEX cannot insert keys outside the bulk-loaded
  // key domain (no leaf is found for them): inserts stay inside it.
  while (inserts.size() < insert_n) {
    auto s = gen();
    if (s > bulk.front() && s < bulk.back() && seen.insert(s).second) inserts.push_back(s);
  }

  auto t_start = std::chrono::steady_clock::now();
  alex_t *t = new alex_t();
  t->bulk_load(vals.data(), (int)vals.size());
  double bulk_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  std::cout << "bulk load " << bulk_n << " keys: " << bulk_s << " s, training " << alex::train_stats.ns / 1e9
            << " s in " << alex::train_stats.fits << " fits\n";
  std::thread bg(background, t);

  double insert_s = 0, train_s_bulk = alex::train_stats.ns / 1e9;
  double solver_s_bulk = alex::train_stats.solver_ns / 1e9;
  size_t lost_total = 0, retries = 0, pos = 0;
  for (size_t batch = 0; batch < batches; batch++) {
    size_t end = insert_n * (batch + 1) / batches;
    auto t0 = std::chrono::steady_clock::now();
    for (; pos < end; pos++) {
      akey_t k = mk(inserts[pos]);
      uint64_t payload = 1000000000ull + pos;
      for (size_t attempt = 0;; attempt++) {
        auto r = t->insert(k, payload, 0);
        if (std::get<1>(r)) break;
        if (attempt > 100000000) { std::cerr << "insert never succeeded: " << inserts[pos] << "\n"; return 2; }
        retries++;
        alex::rcu_progress(0);
        std::this_thread::yield();
      }
      all.emplace_back(inserts[pos], payload);
      if (sync) quiesce();
    }
    quiesce();  // the batch's expansions and splits are done (counted in the insert time)
    insert_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Every key so far must be found with its payload.
    size_t lost = 0, busy = 0, missing = 0;
    for (auto &kv : all) {
      auto r = t->get_payload(mk(kv.first), 0);
      for (int i = 0; std::get<0>(r) == 1 && i < 1000; i++) {  // busy: a node being modified
        busy++;
        std::this_thread::yield();
        r = t->get_payload(mk(kv.first), 0);
      }
      if (std::get<0>(r) != 0 || std::get<1>(r) != kv.second) lost++;
      if (std::get<0>(r) == 2) missing++;
    }
    lost_total += lost;
    std::cout << "batch " << batch + 1 << ": keys " << all.size() << ", lost " << lost << " (not found " << missing << ", busy retries " << busy
              << "), fits " << alex::train_stats.fits << " (cold " << alex::train_stats.cold << ", incremental "
              << alex::train_stats.incre << "), training " << alex::train_stats.ns / 1e9 - train_s_bulk
              << " s\n";
  }
  {
    std::lock_guard<std::mutex> lk(alex::cvm);
    bg_finished = true;
  }
  alex::cv.notify_all();
  bg.join();
  double train_s = alex::train_stats.ns / 1e9 - train_s_bulk;
  std::cout << "summary: keys " << all.size() << ", lost " << lost_total << ", inserts " << insert_n << " in "
            << insert_s << " s (" << insert_n / insert_s / 1e6 << " Mops/s, " << retries << " retries)"
            << ", training during inserts " << train_s << " s in "
            << alex::train_stats.fits << " fits total (cold " << alex::train_stats.cold << ", incremental "
            << alex::train_stats.incre << ", rows " << alex::train_stats.rows << ", new rows absorbed "
            << alex::train_stats.new_rows << ")\n";
  std::cout << "solver calls during inserts: " << alex::train_stats.solver_ns / 1e9 - solver_s_bulk
            << " s (CPU time of the calling threads, as the training time)\n";
  std::cout << "whole-node fits (the sites the patch memoizes): " << alex::train_stats.node_fits << " fits, "
            << alex::train_stats.node_rows << " rows, " << alex::train_stats.node_ns / 1e9 << " s (bulk load included)\n";
#ifdef SIA_PATCHED
  std::cout << "libsia: " << sia_memo_count() << " memoized models; whole-node fits that were cold because of: no memo "
            << alex::train_stats.why[0] << ", other columns " << alex::train_stats.why[1] << ", under SIA_ALEX_MIN_ROWS keys or mode off "
            << alex::train_stats.why[2] << ", keys gone " << alex::train_stats.why[3] << ", no new key "
            << alex::train_stats.why[4] << ", libsia refused " << alex::train_stats.why[5]
            << ", over the error bound " << alex::train_stats.why[6] << " (targets: "
            << std::vector<std::string>{"stable", "exact", "off"}[alex::sia_targets_mode()] << ")\n";
  std::cout << "libsia: incremental fits " << alex::train_stats.incre << " in " << alex::train_stats.incre_ns / 1e9
            << " s; cold fits of nodes with a memo (restarting it) " << alex::train_stats.seed_fits << " in "
            << alex::train_stats.seed_ns / 1e9 << " s\n";
  if (alex::train_stats.checked > 0) {
    std::cout << "check: " << alex::train_stats.checked << " incremental models compared with a cold fit of the same keys, "
              << alex::train_stats.check_failed << " differ\n";
    if (alex::train_stats.check_failed > 0) return 1;
  }
#endif
  return lost_total == 0 ? 0 : 1;
}
