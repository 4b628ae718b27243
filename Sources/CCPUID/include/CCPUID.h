#ifndef OWL_CCPUID_H
#define OWL_CCPUID_H

/// SIMD levels the CPU and the OS both support (XGETBV says the OS saves the wide registers).
/// 1: AVX2 + FMA + F16C (x86-64-v3 class); 2: also AVX-512 F/BW/VL/DQ + VNNI; 0: neither.
int owl_cpu_simd_level(void);

#endif
