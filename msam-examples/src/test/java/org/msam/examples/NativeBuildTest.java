package org.msam.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The choice of nd4j-native's build for a CPU, from its /proc/cpuinfo flags and the builds on the class path, and
 * JavaCPP's resident-memory check.
 */
class NativeBuildTest {
    private static final List<String> AVX2_BUILD = List.of("linux-x86_64-onednn-avx2");
    private static final List<String> AVX512_BUILD = List.of("linux-x86_64-onednn-avx512");

    @Test
    void theFlagsAreThoseOfTheFirstProcessor() {
        List<String> cpuinfo = List.of("processor\t: 0", "model name\t: Some CPU",
                "flags\t\t: fpu sse2 AVX avx2 fma", "", "processor\t: 1", "flags\t\t: fpu");
        assertEquals(Set.of("fpu", "sse2", "avx", "avx2", "fma"), NativeBuild.cpuFlags(cpuinfo));
        assertEquals(Set.of(), NativeBuild.cpuFlags(List.of("processor\t: 0", "Features\t: neon")));
    }

    @Test
    void aCpuWithTheBuildsInstructionsKeepsIt() {
        assertNull(NativeBuild.choose(Set.of("sse2", "avx", "avx2", "fma"), AVX2_BUILD));
        assertNull(NativeBuild.choose(Set.of("avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"),
                AVX512_BUILD));
    }

    @Test
    void aCpuWithoutThemGetsTheGenericBuildWithANote() {
        String note = NativeBuild.choose(Set.of("sse2", "avx"), AVX2_BUILD);
        assertTrue(note.startsWith("Note: this CPU lacks AVX2, FMA, which nd4j-native's linux-x86_64-onednn-avx2 "
                + "build needs: the generic build is used"), note);
        assertTrue(note.endsWith("Build with -P '!onednn' to leave the oneDNN build out."), note);
        note = NativeBuild.choose(Set.of("avx2", "fma", "avx512f"), AVX512_BUILD);
        assertTrue(note.contains("lacks AVX512BW, AVX512DQ, AVX512VL, which nd4j-native's "
                + "linux-x86_64-onednn-avx512 build needs"), note);
    }

    @Test
    void nothingIsChangedWithoutAOnednnBuildOrReadableFlags() {
        assertNull(NativeBuild.choose(Set.of("sse2"), List.of()));
        assertNull(NativeBuild.choose(Set.of(), AVX2_BUILD));
    }

    @Test
    void javaCppsResidentMemoryCheckIsOffUnlessTheUserSetIt() {
        String[] names = {NativeBuild.MAX_PHYSICAL_BYTES, "org.bytedeco.javacpp.maxPhysicalBytes"};
        String[] saved = {System.getProperty(names[0]), System.getProperty(names[1])};
        try {
            System.clearProperty(names[0]);
            System.clearProperty(names[1]);
            assertTrue(NativeBuild.skipPhysicalMemoryCheck());
            assertEquals("0", System.getProperty(names[0]));
            for (String name : names) {
                System.clearProperty(names[0]);
                System.setProperty(name, "8G");
                assertFalse(NativeBuild.skipPhysicalMemoryCheck(), name);
                assertEquals("8G", System.getProperty(name));
                System.clearProperty(name);
            }
        } finally {
            for (int k = 0; k < 2; k++) {
                if (saved[k] == null) {
                    System.clearProperty(names[k]);
                } else {
                    System.setProperty(names[k], saved[k]);
                }
            }
        }
    }
}
