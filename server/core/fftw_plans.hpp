// FFTW3 (double precision) plans and aligned scratch for the synchrony core.
//
// Determinism (the core's rule: same input, bit-identical output): plans are
// made with FFTW_ESTIMATE only, never MEASURE/PATIENT (those pick algorithms
// by timing them) and no wisdom is loaded, so a plan is a pure function of
// (kind, n, alignment, CPU). Every execution uses buffers from fftw_malloc,
// so the alignment, and with it the SIMD codelets, is the plan's own.
//
// Threads (rooms run on several): the FFTW planner is not thread-safe, so
// plans are created under one global mutex and cached per (kind, n) for the
// process; executing a plan on new arrays (fftw_execute_dft_r2c etc.) is
// thread-safe (FFTW manual 5.4 "Thread safety"), so threads share them.
// Scratch buffers are each thread's own (thread_local AlignedBuffer).
#pragma once

#include <fftw3.h>

#include <cstddef>

namespace attune::core::fft {

enum class Kind {
  RealForward,      // fftw_plan_dft_r2c_1d: n reals -> n / 2 + 1 complex
  ComplexForward,   // fftw_plan_dft_1d, FFTW_FORWARD (exp(-2 pi i jk / n))
  ComplexBackward,  // fftw_plan_dft_1d, FFTW_BACKWARD (unnormalised)
};

// The shared out-of-place plan of this kind and size (n >= 1), made on
// first use. The plan preserves its input (FFTW's default for r2c and c2c).
fftw_plan plan(Kind kind, std::size_t n);

// Grow-only fftw_malloc buffer, freed with fftw_free on destruction. Its
// contents are kept unless a request exceeds the capacity.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer();

  double* reals(std::size_t n) { return static_cast<double*>(bytes(n * sizeof(double))); }
  fftw_complex* complexes(std::size_t n) { return static_cast<fftw_complex*>(bytes(n * sizeof(fftw_complex))); }

 private:
  void* bytes(std::size_t size);
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace attune::core::fft
