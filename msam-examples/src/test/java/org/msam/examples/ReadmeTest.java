package org.msam.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msam.examples.MainTest.Run;

/**
 * The README's commands can be copied as they are, its run command names the jar the build makes, and its demo
 * excerpt is what the demo prints: the same kinds of lines as a short demo run prints now, with numbers that agree
 * with one another.
 */
class ReadmeTest {
    /** @return the README of the repository (the tests run in the module's folder) */
    static String readme() throws Exception {
        Path p = Paths.get("..", "README.md");
        return Files.readString(Files.exists(p) ? p : Paths.get("README.md"));
    }

    /** @return the lines of the fenced blocks of one language */
    static List<List<String>> blocks(String text, String language) {
        List<List<String>> blocks = new ArrayList<>();
        List<String> current = null;
        for (String line : text.split("\n", -1)) {
            if (current == null && line.equals("```" + language)) {
                current = new ArrayList<>();
            } else if (current != null && line.equals("```")) {
                blocks.add(current);
                current = null;
            } else if (current != null) {
                current.add(line);
            }
        }
        return blocks;
    }

    @Test
    void commandsCanBeCopiedAsTheyAre() throws Exception {
        String text = readme();
        List<List<String>> bash = blocks(text, "bash");
        assertFalse(bash.isEmpty());
        for (List<String> block : bash) {
            for (String line : block) {
                if (line.startsWith("#")) {
                    continue;
                }
                assertFalse(line.contains("..."), "a placeholder in a command: " + line);
                assertFalse(line.contains("exec:java"), "the README runs the jar, not exec:java: " + line);
            }
        }
        String jar = System.getProperty("msam.examples.jar");
        if (jar != null) {
            assertTrue(text.contains("java -jar " + jar + "\n"), "the README runs " + jar);
            for (List<String> block : bash) {
                for (String line : block) {
                    if (line.contains("java ") && line.contains("-jar ")) {
                        assertTrue(line.contains("-jar " + jar), line);
                    }
                }
            }
        }
    }

    /** What the demo prints, with the numbers and paths replaced by placeholders. */
    static String kind(String line) {
        String k = line.replaceAll("(Table|Plots): .*", "$1: PATH");
        k = k.replaceAll("-?\\d[\\d,]*(\\.\\d+)?(E-?\\d+)?", "N");
        return k.replaceAll("N%", "N %").trim();
    }

    /** @return the demo excerpt: the text block after "What it printed" */
    static List<String> excerpt(String text) {
        int at = text.indexOf("What it printed");
        assertTrue(at >= 0, "the README shows what the demo printed");
        List<String> block = blocks(text.substring(at), "text").get(0);
        List<String> lines = new ArrayList<>();
        for (String l : block) {
            if (!l.isBlank()) {
                lines.add(l);
            }
        }
        return lines;
    }

    @Test
    void theDemoExcerptHasTheLinesTheDemoPrints(@TempDir Path dir) throws Exception {
        List<String> excerpt = excerpt(readme());
        Run r = MainTest.run("demo", "--max-batches", "1", "--epochs", "1", "--test-subset", "16", "--bn-batches",
                "1", "--no-progress", "--output", dir.resolve("demo").toString());
        assertEquals(0, r.code, r.err + r.out);
        Set<String> printed = new LinkedHashSet<>();
        for (String l : r.out.split("\n")) {
            if (!l.isBlank()) {
                printed.add(kind(l));
            }
        }
        Set<String> shown = new LinkedHashSet<>();
        for (String l : excerpt) {
            shown.add(kind(l));
        }
        assertEquals(printed, shown, "the kinds of lines the demo prints, and those the README shows");
    }

    private static double number(Pattern p, String line, int group) {
        Matcher m = p.matcher(line);
        assertTrue(m.find(), p + " in " + line);
        return Double.parseDouble(m.group(group));
    }

    @Test
    void theDemoExcerptsNumbersAgree() throws Exception {
        List<String> excerpt = excerpt(readme());
        Pattern epoch = Pattern.compile("^(\\w+) epoch (\\d+)/(\\d+): train loss ([\\d.]+) acc ([\\d.]+) \\| test loss "
                + "([\\d.]+) acc ([\\d.]+) \\| ([\\d.]+) s, (\\d+) img/s$");
        Pattern bn = Pattern.compile("^BatchNorm statistics recomputed at θ: test loss ([\\d.]+) acc ([\\d.]+)$");
        Pattern row = Pattern.compile("^\\| (\\w+) \\| 1 \\| ([\\d.]+)% ± – \\| ([\\d.]+) \\| ([\\d.]+) \\| ");
        java.util.Map<String, double[]> last = new java.util.HashMap<>();
        java.util.Map<String, Double> seconds = new java.util.HashMap<>();
        double[] recomputed = null;
        for (String l : excerpt) {
            Matcher m = epoch.matcher(l);
            if (m.matches()) {
                last.put(m.group(1), new double[] {Double.parseDouble(m.group(6)), Double.parseDouble(m.group(7))});
                seconds.merge(m.group(1), Double.parseDouble(m.group(8)), Double::sum);
                // 10,000 images per epoch; the seconds are printed rounded to 0.1 s, img/s from the exact time
                double s = Double.parseDouble(m.group(8));
                assertEquals(10_000 / s, Double.parseDouble(m.group(9)), 10_000 * 0.05 / (s * (s - 0.05)) + 0.5, l);
            }
            if (bn.matcher(l).matches()) {
                recomputed = new double[] {number(bn, l, 1), number(bn, l, 2)};
            }
        }
        assertTrue(last.containsKey("sgd") && last.containsKey("msam") && recomputed != null, excerpt.toString());
        int rows = 0;
        for (String l : excerpt) {
            Matcher m = row.matcher(l);
            if (!m.find()) {
                continue;
            }
            rows++;
            String o = m.group(1);
            double[] fin = o.equals("msam") ? recomputed : last.get(o);
            assertEquals(String.format(Locale.ROOT, "%.2f", 100 * fin[1]), m.group(2), l);
            assertEquals(String.format(Locale.ROOT, "%.4f", fin[0]), m.group(3), l);
            assertEquals(seconds.get(o), Double.parseDouble(m.group(4)), 0.25, l);
        }
        assertEquals(2, rows, excerpt.toString());
    }
}
