package org.msam.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RunSpecTest {

    @Test
    void plainNameChangesOnlyTheOptimizer() {
        RunSpec s = RunSpec.parse("nag");
        assertEquals("nag", s.label());
        assertEquals("nag", s.folder());
        RunConfig c = new RunConfig();
        c.epochs = 7;
        c.learningRate = 0.3;
        s.applyTo(c);
        assertEquals(Optimizer.NAG, c.optimizer);
        assertEquals(7, c.epochs);
        assertEquals(0.3, c.learningRate, 0);
        assertNull(c.rho);
    }

    @Test
    void settingsOverrideTheSharedRecipe() {
        RunSpec s = RunSpec.parse("sam:rho=0.1:epochs=10:lr=0.02");
        assertEquals(Optimizer.SAM, s.optimizer());
        assertEquals("sam:rho=0.1:epochs=10:lr=0.02", s.label());
        assertEquals("sam_rho0.1_epochs10_lr0.02", s.folder());
        RunConfig c = s.applyTo(new RunConfig());
        assertEquals(Optimizer.SAM, c.optimizer);
        assertEquals(0.1, c.rho, 0);
        assertEquals(10, c.epochs);
        assertEquals(0.02, c.learningRate, 0);
        assertEquals(-1.0, RunSpec.parse("msam:rho=-1").applyTo(new RunConfig()).rho, 0);
        assertEquals("msam_rho-1", RunSpec.parse("msam:rho=-1").folder());
    }

    @Test
    void badEntriesNameTheProblemAndTheFix() {
        assertEquals("Unknown optimizer 'lion' in --optimizers entry 'lion:rho=1'; valid names: sgd, nag, adamw, "
                + String.join(", ", org.msam.rules.Rules.names()) + ", or a method over another base as <method>-nag or "
                + "<method>-adamw (e.g. msam-adamw)",
                message("lion:rho=1"));
        assertEquals("Invalid setting 'beta=2' in --optimizers entry 'msam:beta=2': write key=value with key one of "
                + "rho, epochs, lr, base (for example msam:rho=0.3:epochs=10:base=adamw)", message("msam:beta=2"));
        assertEquals("Invalid setting 'rho' in --optimizers entry 'msam:rho': write key=value with key one of rho, "
                + "epochs, lr, base (for example msam:rho=0.3:epochs=10:base=adamw)", message("msam:rho"));
        assertEquals("Invalid rho value 'big' in --optimizers entry 'sam:rho=big': a number is required",
                message("sam:rho=big"));
        assertEquals("Invalid epochs value '2.5' in --optimizers entry 'sam:epochs=2.5': an integer is required",
                message("sam:epochs=2.5"));
        assertEquals("Invalid base 'lion' in --optimizers entry 'msam:base=lion': Unknown --base 'lion'; valid names: "
                + "sgd, nag, adamw", message("msam:base=lion"));
        assertEquals("Setting 'rho' given twice in --optimizers entry 'sam:rho=1:rho=2'", message("sam:rho=1:rho=2"));
    }

    private static String message(String entry) {
        return assertThrows(IllegalArgumentException.class, () -> RunSpec.parse(entry)).getMessage();
    }
}
