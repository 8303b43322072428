package org.msam.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/** Invalid hyper-parameters are rejected when the configuration is built, with the documented message. */
class ValidationTest {
    static Arguments bad(Supplier<Object> build, String message) {
        return Arguments.of(build, message);
    }

    static Stream<Arguments> invalid() {
        SgdMomentum sgd = SgdMomentum.builder().build();
        return Stream.of(
                bad(() -> SgdMomentum.builder().learningRate(-1).build(),
                        "Invalid learning rate value: -1.0 (must be finite and >= 0)"),
                bad(() -> SgdMomentum.builder().learningRate(Double.NaN).build(),
                        "Invalid learning rate value: NaN (must be finite and >= 0)"),
                bad(() -> SgdMomentum.builder().momentum(-0.1).build(),
                        "Invalid momentum value: -0.1 (must be finite and >= 0)"),
                bad(() -> SgdMomentum.builder().dampening(-0.5).build(),
                        "Invalid dampening value: -0.5 (must be finite and >= 0)"),
                bad(() -> SgdMomentum.builder().momentum(0).nesterov(true).build(),
                        "Nesterov momentum requires a momentum and zero dampening"),
                bad(() -> SgdMomentum.builder().dampening(0.1).nesterov(true).build(),
                        "Nesterov momentum requires a momentum and zero dampening"),
                bad(() -> AdamW.builder().learningRate(Double.POSITIVE_INFINITY).build(),
                        "Invalid learning rate value: Infinity (must be finite and >= 0)"),
                bad(() -> AdamW.builder().beta1(1.0).build(),
                        "Invalid beta parameter at index 0: 1.0 (must be in [0, 1))"),
                bad(() -> AdamW.builder().beta2(-0.1).build(),
                        "Invalid beta parameter at index 1: -0.1 (must be in [0, 1))"),
                bad(() -> AdamW.builder().epsilon(-1e-8).build(),
                        "Invalid epsilon value: -1.0E-8 (must be finite and >= 0)"),
                bad(() -> AdamW.builder().weightDecay(-0.01).build(),
                        "Invalid weightDecay value: -0.01 (must be finite and >= 0)"),
                bad(() -> Msam.builder().build(), "Msam requires a base optimizer: SgdMomentum or AdamW"),
                bad(() -> Msam.builder().base(new Adam(1e-3)).build(),
                        "Msam supports SgdMomentum and AdamW as base optimizers (it perturbs along their momentum "
                                + "buffer), got Adam"),
                bad(() -> Msam.builder().base(SgdMomentum.builder().momentum(0).build()).build(),
                        "Msam needs a base with momentum > 0 (it perturbs along the momentum buffer): SgdMomentum "
                                + "momentum is 0.0"),
                bad(() -> Msam.builder().base(sgd).rho(Double.NaN).build(), "Invalid rho value: NaN (must be finite)"),
                bad(() -> Sam.builder().build(), "Sam requires a base optimizer, e.g. SgdMomentum or AdamW"),
                bad(() -> Sam.builder().base(Msam.builder().base(sgd).build()).build(),
                        "Sam cannot wrap Msam: use a plain optimizer as the base"),
                bad(() -> Sam.builder().base(new Sgd(0.1)).rho(-0.05).build(),
                        "Invalid rho value: -0.05 (must be finite and >= 0)"),
                bad(() -> Sam.builder().base(new Sgd(0.1)).adaptiveEta(-1).build(),
                        "Invalid adaptiveEta value: -1.0 (must be finite and >= 0)"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalid")
    void rejectsWithTheDocumentedMessage(Supplier<Object> build, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::get);
        assertEquals(message, e.getMessage());
    }
}
