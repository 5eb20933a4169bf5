// Prewhitening of heart rate before the above-chance test (wcc_span_test).
//
// Why: two independent but autocorrelated series correlate by chance far
// more than white ones (the variance of r grows with the sum over lags of
// the product of both autocorrelations: Bartlett 1935; Dean & Dunsmuir 2016,
// Behav Res Methods 48:783, "Dangers and uses of cross-correlation"), so
// slow drifts and respiratory sinus arrhythmia (RSA) drown a real coupling
// of the slow heart-rate fluctuations. Two steps, both linear, identical for
// both partners (so a lag between them is preserved):
//  1. low-pass below the HF (respiratory) band: a Hamming-windowed sinc FIR
//     with its cutoff at the LF/HF boundary, 0.15 Hz (Task Force of the ESC
//     and NASPE 1996), unit gain at 0 Hz; RSA differs between partners
//     (each breathes at their own rate) and is removed rather than tested;
//  2. taken every few points (the engine: 1 Hz from the 4 Hz grid; nothing
//     above 0.5 Hz is left after step 1), which cuts the test's cost 16-fold;
//  3. the first difference, which removes the level and the slow drift
//     (detrending before windowed cross-correlation: Boker et al. 2002;
//     differencing as prewhitening: Dean & Dunsmuir 2016).
// Measured alternatives: docs/metrics.md "Above chance".
#pragma once

#include <cstddef>
#include <vector>

namespace attune::core {

// FIR low-pass taps: h[i] = 2 fc sinc(2 fc (i - (K-1)/2)) * (0.54 - 0.46
// cos(2 pi i / (K-1))), normalised to sum 1; fc in cycles per sample
// (cutoff_hz / sample_hz), K = taps (odd, >= 3).
std::vector<double> lowpass_fir_taps(std::size_t taps, double fc);

// The "valid" part of the convolution, f[k] = sum_j h[j] v[k + j]
// (k = 0 .. N - K, N = v.size(); f[k] is centred on v[k + (K-1)/2]),
// taken every `decimation` points counting back from its last point,
// g = f[N - K - (G - 1 - i) * decimation], i = 0 .. G - 1, G = (N - K) /
// decimation + 1, then the first difference of g: G - 1 points. The
// low-pass is what makes the decimation safe (no aliasing of the breathing
// band). Empty when v is too short.
std::vector<double> lowpass_first_difference(const std::vector<double>& v, const std::vector<double>& h,
                                             std::size_t decimation = 1);

}  // namespace attune::core
