// The rows a server recording adds to the replay CSV so that `attune replay`
// makes exactly the calls the live room made, in the same order
// (docs/metrics.md "Recordings"). A hand-written CSV has none of them and is
// replayed in time order; a file with `advance` rows is replayed as recorded.
//
//   *,advance,T,0            the room advanced data time to T here (its
//                            publish rule: the slowest seat still streaming)
//   A,rr_flags,T,F           the beat of A ending at T (the rr row just
//                            before) carried device flags F (BEAT_FLAG_*)
//   A,resp_rate,T0,R         the resp rows of A that follow (until any other
//                            row) are one waveform chunk: first sample at T0,
//                            R samples per second (their own t_ms are rounded)
//   A,baseline_hr_median,T,v      a stored baseline handed to the engine at
//   A,baseline_hr_scale,T,v       data time T: median and scale of heart rate,
//   A,baseline_ln_rmssd_median... lnRMSSD and breath rate (the breath pair is
//   A,stored_baseline,T,0         absent when unknown); stored_baseline closes
//                                 the set and makes the call
// Header-only: the recorder (rooms/) and the reader (replay/) share it.
#pragma once

namespace attune::replay::recording {

inline constexpr const char* kRoomParticipant = "*";
inline constexpr const char* kAdvance = "advance";
inline constexpr const char* kRrFlags = "rr_flags";
inline constexpr const char* kRespRate = "resp_rate";
inline constexpr const char* kBaselineHrMedian = "baseline_hr_median";
inline constexpr const char* kBaselineHrScale = "baseline_hr_scale";
inline constexpr const char* kBaselineLnRmssdMedian = "baseline_ln_rmssd_median";
inline constexpr const char* kBaselineLnRmssdScale = "baseline_ln_rmssd_scale";
inline constexpr const char* kBaselineBreathMedian = "baseline_breath_median";
inline constexpr const char* kBaselineBreathScale = "baseline_breath_scale";
inline constexpr const char* kStoredBaseline = "stored_baseline";

}  // namespace attune::replay::recording
