package org.msam.spark.examples;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Collectors;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** SparkTrain's checks before Spark starts (the runs themselves are in ClusterIT). */
class SparkTrainTest {
    private static String allOpens() {
        return SparkTrain.OPENS.stream().map(p -> "--add-opens=java.base/" + p + "=ALL-UNNAMED")
                .collect(Collectors.joining(" "));
    }

    @Test
    void theExecutorsOpensAreRequiredOnAClusterOnly() {
        SparkConf cluster = new SparkConf(false).set("spark.master", "spark://127.0.0.1:7077");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SparkTrain.requireExecutorOpens(cluster));
        assertTrue(e.getMessage().contains("without --add-opens for [java.lang, java.lang.invoke") && e.getMessage()
                .endsWith("--conf \"spark.executor.extraJavaOptions=" + allOpens() + "\""), e.getMessage());

        String allButNio = allOpens().replace("--add-opens=java.base/java.nio=ALL-UNNAMED", "");
        cluster.set("spark.executor.extraJavaOptions", "-Xss4m " + allButNio);
        e = assertThrows(IllegalStateException.class, () -> SparkTrain.requireExecutorOpens(cluster));
        assertTrue(e.getMessage().contains("without --add-opens for [java.nio]"), e.getMessage());

        cluster.set("spark.executor.extraJavaOptions", allOpens());
        assertDoesNotThrow(() -> SparkTrain.requireExecutorOpens(cluster));
        assertDoesNotThrow(() -> SparkTrain.requireExecutorOpens(new SparkConf(false).set("spark.master",
                "local[2]")));
    }

    @Test
    void anUnknownModelIsAUsageErrorNamingTheChoices() {
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> SparkTrain.run("--data", "/nonexistent", "--model", "resnet"));
        assertTrue(e.getMessage().equals("--model resnet is not one of cnn, mlp, wrn16-1"), e.getMessage());
    }

    @Test
    void withoutAMasterItNamesSparkSubmit() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SparkTrain.run("--data", "/nonexistent", "--limit", "8"));
        assertTrue(e.getMessage().startsWith("No Spark master: run SparkTrain with spark-submit --master"),
                e.getMessage());
    }
}
