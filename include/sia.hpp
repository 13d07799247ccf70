// sia.hpp -- a thin, header-only C++17 wrapper over sia.h.
//
// Everything here is an inline forwarder to the C API (include/sia.h, the
// reference for every argument and code): no allocation, no copies, nothing
// beyond the C call's cost. Errors come back either as exceptions
// (sia::error, a std::system_error whose code() is in sia::category() and
// whose what() carries sia_strerror's text) or, in the overloads taking a
// std::error_code&, as that error code (those are noexcept).
//
//   sia::model m(42);
//   m.cold_train(keys, positions, n);        // std::vector overloads, row-major
//   m.incre_train(new_keys, new_positions, n);
//   std::error_code ec;
//   m.incre_train(sia::layout::row_major, k, n, 1, a, lda, b, ldb, ec);
//
// Thread-safety and lifetimes are those of the C functions.
#ifndef SIA_HPP
#define SIA_HPP

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include "sia.h"

namespace sia {

/// Matrix storage order, with LAPACKE's values.
enum class layout : int { row_major = SIA_ROW_MAJOR, col_major = SIA_COL_MAJOR };

/// The error category of libsia's result codes; message() is sia_strerror.
class error_category_impl final : public std::error_category {
 public:
  const char *name() const noexcept override { return "sia"; }
  std::string message(int code) const override { return ::sia_strerror(code); }
};

/// The category singleton.
inline const std::error_category &category() noexcept {
  static const error_category_impl cat;
  return cat;
}

/// A std::error_code for a libsia result code (0 is success).
inline std::error_code make_error_code(int code) noexcept { return {code, category()}; }

/// The exception thrown by the throwing overloads.
class error : public std::system_error {
 public:
  error(int code, const char *op) : std::system_error(make_error_code(code), op) {}
};

namespace detail {
inline void check(int rc, const char *op) {
  if (rc != 0) throw error(rc, op);
}
inline std::error_code code(int rc) noexcept { return rc == 0 ? std::error_code() : make_error_code(rc); }
inline int rows(int m, int n) noexcept { return m > n ? m : n; }
}  // namespace detail

/// Throws sia::error unless the loaded library is the version this header
/// was compiled against.
inline void check_version() {
  if (::sia_version_number() != SIA_VERSION_NUMBER) throw error(SIA_EINTERNAL, "libsia version mismatch");
}

/// A handle on one model ID of the process-wide memo store. Copies refer to
/// the same model; the handle owns nothing (drop() forgets the memo).
class model {
 public:
  explicit model(std::int64_t id) noexcept : id_(id) {}
  std::int64_t id() const noexcept { return id_; }

  // ---- cold_train --------------------------------------------------------
  void cold_train(layout l, int m, int n, int nrhs, double *a, int lda, double *b, int ldb,
                  char trans = 'N') const {
    detail::check(::cold_train(id_, static_cast<int>(l), trans, m, n, nrhs, a, lda, b, ldb), "cold_train");
  }
  void cold_train(layout l, int m, int n, int nrhs, double *a, int lda, double *b, int ldb,
                  std::error_code &ec, char trans = 'N') const noexcept {
    ec = detail::code(::cold_train(id_, static_cast<int>(l), trans, m, n, nrhs, a, lda, b, ldb));
  }
  /// Row-major a (m x n, may be overwritten) and targets b (m values; b is
  /// resized to max(m, n) and holds the n weights first on return).
  void cold_train(std::vector<double> &a, std::vector<double> &b, int n) const {
    const int m = static_cast<int>(b.size());
    b.resize(static_cast<std::size_t>(detail::rows(m, n)));
    cold_train(layout::row_major, m, n, 1, a.data(), n, b.data(), 1);
  }

  // ---- incre_train -------------------------------------------------------
  void incre_train(layout l, int m, int n, int nrhs, const double *a, int lda, double *b, int ldb) const {
    detail::check(::incre_train(id_, static_cast<int>(l), 'N', m, n, nrhs, const_cast<double *>(a), lda, b, ldb),
                  "incre_train");
  }
  void incre_train(layout l, int m, int n, int nrhs, const double *a, int lda, double *b, int ldb,
                   std::error_code &ec) const noexcept {
    ec = detail::code(::incre_train(id_, static_cast<int>(l), 'N', m, n, nrhs, const_cast<double *>(a), lda, b, ldb));
  }
  /// Row-major new rows a (k x n) and their targets b (k values; resized to
  /// max(k, n), the n weights first on return).
  void incre_train(const std::vector<double> &a, std::vector<double> &b, int n) const {
    const int k = static_cast<int>(b.size());
    b.resize(static_cast<std::size_t>(detail::rows(k, n)));
    incre_train(layout::row_major, k, n, 1, a.data(), n, b.data(), 1);
  }

  // ---- decre_train -------------------------------------------------------
  void decre_train(layout l, int m, int n, int nrhs, const double *a, int lda, double *b, int ldb) const {
    detail::check(::decre_train(id_, static_cast<int>(l), 'N', m, n, nrhs, const_cast<double *>(a), lda, b, ldb),
                  "decre_train");
  }
  void decre_train(layout l, int m, int n, int nrhs, const double *a, int lda, double *b, int ldb,
                   std::error_code &ec) const noexcept {
    ec = detail::code(::decre_train(id_, static_cast<int>(l), 'N', m, n, nrhs, const_cast<double *>(a), lda, b, ldb));
  }

  // ---- incre_train_shifted -------------------------------------------------
  void incre_train_shifted(layout l, int k, int n, int nrhs, const double *a_new, int lda_new, int m,
                           const double *a, int lda, double *b, int ldb) const {
    detail::check(::incre_train_shifted(id_, static_cast<int>(l), k, n, nrhs, a_new, lda_new, m, a, lda, b, ldb),
                  "incre_train_shifted");
  }
  void incre_train_shifted(layout l, int k, int n, int nrhs, const double *a_new, int lda_new, int m,
                           const double *a, int lda, double *b, int ldb, std::error_code &ec) const noexcept {
    ec = detail::code(::incre_train_shifted(id_, static_cast<int>(l), k, n, nrhs, a_new, lda_new, m, a, lda, b, ldb));
  }

  // ---- memo ----------------------------------------------------------------
  /// Forgets the memo; returns whether there was one.
  bool drop() const noexcept { return ::sia_memo_drop(id_) == 0; }
  /// This model's memo becomes the union of a's and b's rows.
  void merge_from(const model &a, const model &b) const {
    detail::check(::sia_memo_merge(id_, a.id_, b.id_), "sia_memo_merge");
  }

 private:
  std::int64_t id_;
};

/// One retraining pass over many models; each job's info receives its code.
/// Returns the number of failed jobs.
inline int train_batch(std::vector<sia_job> &jobs) {
  const int rc = ::sia_train_batch(jobs.data(), static_cast<int>(jobs.size()));
  if (rc < 0) throw error(rc, "sia_train_batch");
  return rc;
}

/// Selects the training engine ("auto", "cpu", "opencl", "opencl:P:D").
inline void select_device(const char *spec) { detail::check(::sia_device_select(spec), "sia_device_select"); }

/// The device report of sia_device_describe.
inline std::string describe_device() {
  const int len = ::sia_device_describe(nullptr, 0);
  std::string s(static_cast<std::size_t>(len > 0 ? len : 0) + 1, '\0');
  ::sia_device_describe(&s[0], static_cast<int>(s.size()));
  s.resize(static_cast<std::size_t>(len > 0 ? len : 0));
  return s;
}

}  // namespace sia

namespace std {
template <>
struct is_error_code_enum<sia_result> : true_type {};
}  // namespace std

/// Lets `ec == SIA_ENOMEMO` compare against the enum directly.
inline std::error_code make_error_code(sia_result r) noexcept { return sia::make_error_code(static_cast<int>(r)); }

#endif  // SIA_HPP
