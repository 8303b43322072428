package org.msam.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Chooses nd4j-native's build for this CPU before ND4J loads. On Linux x86-64 the examples put nd4j-native's oneDNN
 * build next to the generic one (profile {@code onednn}), and JavaCPP loads it whenever it is on the class path. That
 * build is compiled for AVX2 ({@code linux-x86_64-onednn-avx2}: AVX2 and FMA) or AVX-512
 * ({@code linux-x86_64-onednn-avx512}: AVX-512 F, BW, DQ and VL); on a CPU without those instructions ND4J refuses
 * to start. So, unless the build was chosen explicitly ({@value #EXTENSION} set), a CPU that lacks them gets the
 * generic build: {@value #EXTENSION} is set to empty, and a note says what that costs and how to leave the oneDNN
 * build out. {@link #skipPhysicalMemoryCheck()} turns off a JavaCPP check that costs every ND4J call some time.
 */
public final class NativeBuild {
    /** The JavaCPP property that picks the native build's extension (empty: the generic build). */
    static final String EXTENSION = "org.bytedeco.javacpp.platform.extension";
    /** JavaCPP's limit on the process's resident memory, checked at every native allocation when positive. */
    static final String MAX_PHYSICAL_BYTES = "org.bytedeco.javacpp.maxphysicalbytes";
    private static final String BINDINGS = "org/nd4j/linalg/cpu/nativecpu/bindings/";
    private static final String[][] BUILDS = {
        {"linux-x86_64-onednn-avx512", "avx512f", "avx512bw", "avx512dq", "avx512vl"},
        {"linux-x86_64-onednn-avx2", "avx2", "fma"},
    };

    private NativeBuild() {
    }

    /**
     * Sets {@value #EXTENSION} to empty when a oneDNN build is on the class path and this CPU lacks its instructions;
     * does nothing elsewhere (another OS, the property already set, no oneDNN build, CPU flags unreadable). Call it
     * before the first use of ND4J.
     *
     * @return the note to print, or null when nothing was changed
     */
    public static String chooseForThisCpu() {
        if (System.getProperty(EXTENSION) != null) {
            return null;
        }
        List<String> onClassPath = new ArrayList<>();
        ClassLoader loader = NativeBuild.class.getClassLoader();
        for (String[] b : BUILDS) {
            if (loader.getResource(BINDINGS + b[0] + "/libnd4jcpu.so") != null) {
                onClassPath.add(b[0]);
            }
        }
        if (onClassPath.isEmpty()) {
            return null;
        }
        Set<String> flags;
        try {
            flags = cpuFlags(Files.readAllLines(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
        String note = choose(flags, onClassPath);
        if (note != null) {
            System.setProperty(EXTENSION, "");
        }
        return note;
    }

    /**
     * Sets JavaCPP's {@value #MAX_PHYSICAL_BYTES} to 0 unless it was set (in either spelling). With a positive limit
     * JavaCPP reads the process's resident memory from the operating system at every native allocation, and ND4J
     * allocates a few hundred small native buffers (shape descriptors, op arguments) per training iteration: about 9 %
     * of a WRN-16-1 iteration went to that check. At 0 it is skipped; JavaCPP's limit on the bytes it has allocated
     * ({@code org.bytedeco.javacpp.maxbytes}, by default the JVM's maximum heap) still applies. Call it before the
     * first use of ND4J.
     *
     * @return whether the property was set here
     */
    public static boolean skipPhysicalMemoryCheck() {
        if (System.getProperty(MAX_PHYSICAL_BYTES) != null || System.getProperty("org.bytedeco.javacpp.maxPhysicalBytes") != null) {
            return false;
        }
        System.setProperty(MAX_PHYSICAL_BYTES, "0");
        return true;
    }

    /**
     * @param cpuFlags    the CPU's instruction-set flags, lower case ({@code avx2}, {@code fma}, …); empty when unknown
     * @param onClassPath the oneDNN builds on the class path, by classifier
     * @return the note when the generic build must be loaded instead (a build on the class path needs instructions
     *     the CPU lacks), or null
     */
    static String choose(Set<String> cpuFlags, List<String> onClassPath) {
        if (cpuFlags.isEmpty()) {
            return null;
        }
        for (String[] b : BUILDS) {
            if (!onClassPath.contains(b[0])) {
                continue;
            }
            List<String> missing = new ArrayList<>();
            for (int i = 1; i < b.length; i++) {
                if (!cpuFlags.contains(b[i])) {
                    missing.add(b[i].toUpperCase(Locale.ROOT));
                }
            }
            if (!missing.isEmpty()) {
                return "Note: this CPU lacks " + String.join(", ", missing) + ", which nd4j-native's " + b[0]
                        + " build needs: the generic build is used, and the convolutions run several times slower "
                        + "than on oneDNN. Build with -P '!onednn' to leave the oneDNN build out.";
            }
        }
        return null;
    }

    /** @return the flags of the first processor in /proc/cpuinfo's lines, lower case; empty when there are none */
    static Set<String> cpuFlags(List<String> cpuinfo) {
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals("flags")) {
                Set<String> flags = new HashSet<>();
                for (String f : line.substring(colon + 1).trim().split("\\s+")) {
                    if (!f.isEmpty()) {
                        flags.add(f.toLowerCase(Locale.ROOT));
                    }
                }
                return flags;
            }
        }
        return Set.of();
    }
}
