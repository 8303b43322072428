package org.msam.examples.models;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The examples' {@code onednn} profile (default on Linux x86-64) puts nd4j-native's oneDNN build on the class path;
 * JavaCPP must then load it rather than the generic build, or the native-op layers run without oneDNN.
 */
class NativeBuildTest {

    private static boolean onednnBuildOnClassPath() {
        ClassLoader loader = NativeBuildTest.class.getClassLoader();
        for (String build : new String[] {"linux-x86_64-onednn-avx2", "linux-x86_64-onednn-avx512"}) {
            if (loader.getResource("org/nd4j/linalg/cpu/nativecpu/bindings/" + build + "/libnd4jcpu.so") != null) {
                return true;
            }
        }
        return false;
    }

    @Test
    void theOnednnBuildIsTheOneLoadedWhenItIsOnTheClassPath() {
        assumeTrue(onednnBuildOnClassPath(), "the onednn profile is not active (not Linux x86-64, or -P '!onednn')");
        assumeTrue(System.getProperty("org.bytedeco.javacpp.platform.extension") == null,
                "the native build was chosen explicitly with -Dorg.bytedeco.javacpp.platform.extension");
        Nd4j.create(1); // loads the backend
        String build = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
        assertTrue(build.toUpperCase(Locale.ROOT).contains("HAVE_ONEDNN"), "libnd4j loaded without oneDNN: " + build);
    }
}
